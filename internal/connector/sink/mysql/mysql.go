// Package mysql is the MySQL and MariaDB destination of the connector: a
// [sink.Sink] that streams Arrow batches into the server with LOAD DATA LOCAL
// INFILE (go-sql-driver/mysql), falling back to multi-row INSERT statements
// when the server refuses local files.
//
// Rows are encoded straight from the Arrow columns into LOAD DATA's text
// format (tab-separated, \N for NULL, backslash escapes; binary values as hex,
// turned back into bytes by UNHEX on the server) and handed to the driver
// through a registered reader (Reader::<name>), one buffer while the next is
// encoded: nothing is written to disk and a table is never held in memory.
// When the server answers that it does not take local files (local_infile
// OFF), the load goes on with INSERT statements of up to a few MB (below
// max_allowed_packet), and later loads of the Sink start with INSERTs. LOAD
// DATA LOCAL turns data errors into warnings, so every load checks the
// warnings of its statement and fails on the first one.
//
// A full load creates <name>__staging (dropping one left by an earlier run),
// with its primary key, and loads every batch into it; Commit renames the old
// table away and the staging table into place in one RENAME TABLE (atomic), then
// drops the old table. Until then readers see the old table; Abort, or a crash,
// leaves it as it was (the next full load drops the staging table left over).
//
// An incremental load creates the table if missing and adds the columns it
// lacks (ALTER TABLE; DDL commits at once in MySQL, so these stay even if the
// load is aborted). It then streams every upsert and delete, in order, into a
// temporary table keyed like the target with an operation and sequence column,
// with REPLACE: a later change of a key replaces the earlier one, so the
// temporary table holds the last operation of each key. Commit applies them in
// one transaction: DELETE of the keys whose last operation is a delete, then
// INSERT ... SELECT ... ON DUPLICATE KEY UPDATE of the others, in key order. A
// table without a key only gets rows appended (in order).
//
// Type mapping (Delta type, Arrow type -> MySQL/MariaDB type):
//
//	long          Int64              BIGINT
//	integer       Int32              INT
//	short         Int16              SMALLINT
//	byte          Int8               TINYINT
//	double        Float64            DOUBLE
//	float         Float32            FLOAT
//	boolean       Boolean            BOOLEAN (TINYINT(1), 1 or 0)
//	string        String             LONGTEXT (a key column: VARCHAR(n), binary collation)
//	binary        Binary             LONGBLOB (a key column: VARBINARY(n))
//	date          Date32             DATE
//	timestamp     Timestamp(µs, UTC) DATETIME(6) holding UTC, column comment "UTC"
//	timestamp_ntz Timestamp(µs)      DATETIME(6)
//	decimal(p,s)  Decimal128(p,s)    DECIMAL(p,s); p > 65 or s > 30: LONGTEXT holding the digits
//	array         List               JSON (a JSON array)
//	map           Map                JSON (object for string keys, else [{"key":..,"value":..}])
//	struct        Struct             JSON (object)
//
// Nested values are rendered by [sink.JSONValue]. Text is utf8mb4. Key
// columns must be indexable: a string key is VARCHAR with as many characters
// as InnoDB's 3072-byte index limit leaves (767 for a single string key) and
// a binary, case- and trailing-space-sensitive collation (utf8mb4_nopad_bin on
// MariaDB, utf8mb4_0900_bin on MySQL 8, utf8mb4_bin on older MySQL, where
// keys differing only in trailing spaces collide); a longer key value fails
// the load. DATETIME has no time zone: timestamps are stored in UTC (the
// session's time_zone is +00:00) and their range is years 1000 to 9999. MySQL
// has no NaN or infinity: such a float fails the load. Columns are nullable
// (key columns are NOT NULL through the primary key). Every identifier is
// quoted with backticks, so names may hold any character MySQL allows; names
// are at most 64 characters, and staging names that would be longer are
// shortened with a hash.
package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	gomysql "github.com/go-sql-driver/mysql"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// Options configure a MySQL or MariaDB destination.
type Options struct {
	// DSN is "user:pass@tcp(host:3306)/db" (go-sql-driver/mysql form) or
	// "mysql://user:pass@host:3306/db" (query parameters are driver
	// parameters in both).
	DSN string
}

// Sink is a MySQL or MariaDB database as a destination. It is safe for
// concurrent use: each load takes its own connection from a pool.
type Sink struct {
	db *sql.DB
	// keyCollation is the binary, no-pad collation of string key columns.
	keyCollation string
	// maxPacket is the server's max_allowed_packet.
	maxPacket int
	// noLocalInfile is set once the server refused LOAD DATA LOCAL: loads
	// then use INSERT statements from the start.
	noLocalInfile atomic.Bool
}

var _ sink.Sink = (*Sink)(nil)

// sessionSQLMode is the sql_mode of the sink's connections: errors instead
// of silent truncation, and backslash escapes in string literals (which the
// INSERT fallback writes).
const sessionSQLMode = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"

// New connects to the database o.DSN names.
func New(ctx context.Context, o Options) (sink.Sink, error) {
	cfg, err := ParseDSN(o.DSN)
	if err != nil {
		return nil, fmt.Errorf("mysql sink: %w", err)
	}
	if cfg.DBName == "" {
		return nil, errors.New("mysql sink: the DSN names no database (user:pass@tcp(host:3306)/db)")
	}
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql sink: %w", err)
	}
	db := sql.OpenDB(conn)
	s := &Sink{db: db}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), @@max_allowed_packet").Scan(&version, &s.maxPacket); err != nil {
		db.Close()
		return nil, fmt.Errorf("mysql sink: connect to %s: %w", RedactDSN(o.DSN), err)
	}
	s.keyCollation = keyCollation(version)
	return s, nil
}

// ParseDSN parses a DSN of either form into the driver's configuration, with
// the settings the sink needs: utf8mb4, time_zone +00:00, a strict sql_mode,
// no multi-statements, no access to local files other than its own readers.
func ParseDSN(dsn string) (*gomysql.Config, error) {
	var cfg *gomysql.Config
	if rest, ok := strings.CutPrefix(dsn, "mysql://"); ok || strings.HasPrefix(dsn, "mariadb://") {
		if !ok {
			rest = strings.TrimPrefix(dsn, "mariadb://")
		}
		u, err := url.Parse("mysql://" + rest)
		if err != nil {
			return nil, fmt.Errorf("invalid DSN URL: %w", errors.Unwrap(err))
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "3306")
		}
		if cfg, err = gomysql.ParseDSN("tcp(" + host + ")/" + strings.TrimPrefix(u.Path, "/") + "?" + u.RawQuery); err != nil {
			return nil, fmt.Errorf("invalid DSN URL: %w", err)
		}
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
	} else {
		var err error
		if cfg, err = gomysql.ParseDSN(dsn); err != nil {
			return nil, fmt.Errorf("invalid DSN (want user:pass@tcp(host:3306)/db or mysql://user:pass@host:3306/db): %w", err)
		}
	}
	cfg.AllowAllFiles = false
	cfg.MultiStatements = false
	cfg.ParseTime = false // values are only read as text
	cfg.Collation = "utf8mb4_general_ci"
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.Params["sql_mode"] = sessionSQLMode
	return cfg, nil
}

// RedactDSN returns dsn (either form) with its password hidden.
func RedactDSN(dsn string) string {
	if strings.HasPrefix(dsn, "mysql://") || strings.HasPrefix(dsn, "mariadb://") {
		if u, err := url.Parse(dsn); err == nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
			return u.String()
		}
		return "(an invalid DSN URL)"
	}
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	if user, _, has := strings.Cut(dsn[:at], ":"); has {
		return user + ":xxxxx" + dsn[at:]
	}
	return dsn
}

// keyCollation is the binary collation of string keys for a server version:
// one that does not pad, so that "a" and "a " are different keys.
func keyCollation(version string) string {
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return "utf8mb4_nopad_bin"
	}
	major, _, _ := strings.Cut(version, ".")
	if n, err := strconv.Atoi(major); err == nil && n >= 8 {
		return "utf8mb4_0900_bin"
	}
	return "utf8mb4_bin"
}

// Close closes the connections.
func (s *Sink) Close() error { return s.db.Close() }

// quote quotes an identifier with backticks.
func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}

// maxIdent is the longest identifier MySQL takes.
const maxIdent = 64

// derivedName is name with suffix, shortened (with a hash of name, so that
// different names stay different) to fit an identifier.
func derivedName(name, suffix string) string {
	if len(name)+len(suffix) <= maxIdent {
		return name + suffix
	}
	sum := sha256.Sum256([]byte(name))
	h := "_" + hex.EncodeToString(sum[:4])
	cut := maxIdent - len(suffix) - len(h)
	for cut > 0 && !isRuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + h + suffix
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// indexBytes is InnoDB's limit on the length of an index key.
const indexBytes = 3072

// columnDefs returns the column definitions of a table: key columns get
// types an index can hold.
func (s *Sink) columnDefs(as *arrow.Schema, key []string) ([]string, error) {
	if as == nil || len(as.Fields()) == 0 {
		return nil, errors.New("a table needs at least one column")
	}
	isKey := make(map[string]bool, len(key))
	for _, k := range key {
		if as.FieldIndices(k) == nil {
			return nil, fmt.Errorf("key column %q is not in the schema", k)
		}
		isKey[k] = true
	}
	// Share the index's bytes among the variable-length key columns.
	fixed, variable := 0, 0
	for _, k := range key {
		if n := fixedSize(as.Field(as.FieldIndices(k)[0]).Type); n > 0 {
			fixed += n
		} else {
			variable++
		}
	}
	perColumn := 0
	if variable > 0 {
		perColumn = (indexBytes - fixed - 2*variable) / variable
	}
	defs := make([]string, len(as.Fields()))
	for i, f := range as.Fields() {
		typ, err := s.columnType(f.Type, isKey[f.Name], perColumn)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		defs[i] = quote(f.Name) + " " + typ
	}
	return defs, nil
}

// fixedSize is the index bytes of a fixed-size key type, 0 for a variable one.
func fixedSize(t arrow.DataType) int {
	switch t := t.(type) {
	case *arrow.StringType, *arrow.BinaryType:
		return 0
	case *arrow.Decimal128Type:
		if decimalAsText(t) {
			return 0
		}
		return 30
	}
	return 8
}

// decimalAsText reports whether a decimal is beyond MySQL's DECIMAL (65
// digits, 30 after the point) and is stored as text.
func decimalAsText(t *arrow.Decimal128Type) bool { return t.Precision > 65 || t.Scale > 30 }

// columnType returns the MySQL type of an Arrow type (see the package doc);
// a key column of a variable-length type gets keyBytes of index.
func (s *Sink) columnType(t arrow.DataType, key bool, keyBytes int) (string, error) {
	text := func() string {
		if key {
			return fmt.Sprintf("VARCHAR(%d) CHARACTER SET utf8mb4 COLLATE %s", keyBytes/4, s.keyCollation)
		}
		return "LONGTEXT CHARACTER SET utf8mb4"
	}
	switch t := t.(type) {
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.Int32Type:
		return "INT", nil
	case *arrow.Int16Type:
		return "SMALLINT", nil
	case *arrow.Int8Type:
		return "TINYINT", nil
	case *arrow.Float64Type:
		return "DOUBLE", nil
	case *arrow.Float32Type:
		return "FLOAT", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.StringType:
		return text(), nil
	case *arrow.BinaryType:
		if key {
			return fmt.Sprintf("VARBINARY(%d)", keyBytes), nil
		}
		return "LONGBLOB", nil
	case *arrow.Date32Type:
		return "DATE", nil
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return "DATETIME(6)", nil
		}
		return "DATETIME(6) COMMENT 'UTC'", nil
	case *arrow.Decimal128Type:
		if decimalAsText(t) {
			return text(), nil
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.ListType, *arrow.MapType, *arrow.StructType:
		if key {
			return "", errors.New("a nested (JSON) column cannot be part of the key")
		}
		return "JSON", nil
	}
	return "", fmt.Errorf("Arrow type %s is not supported", t)
}

// isBinary reports whether a column is loaded through a hex variable.
func isBinary(t arrow.DataType) bool {
	_, ok := t.(*arrow.BinaryType)
	return ok
}
