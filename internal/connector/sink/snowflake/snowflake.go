// Package snowflake is the Snowflake destination of the connector: a
// [sink.Sink] that stages Arrow batches as Parquet files, uploads them with
// PUT to a table stage and loads them with COPY INTO (gosnowflake, pure Go).
//
// A full load of table T creates T__staging (CREATE OR REPLACE), writes the
// batches into Parquet part files (snappy, about 96 MB each) in a temporary
// folder, PUTs each finished file to T__staging's table stage (up to Threads
// uploads at once, each with PARALLEL = Threads) and deletes it locally.
// Commit runs COPY INTO T__staging (MATCH_BY_COLUMN_NAME = CASE_SENSITIVE,
// PURGE = TRUE), then CREATE TABLE IF NOT EXISTS T LIKE T__staging, ALTER
// TABLE T SWAP WITH T__staging (atomic: readers see the old rows or the new
// ones) and drops the old content. Abort drops T__staging. Full loads also
// take shared Parquet files as they are (sink.FileCopier) when the table has
// no VARIANT columns: each file is spooled to the temporary folder and PUT.
//
// An incremental load creates T if missing and adds the columns it lacks
// (DDL, before any change), then stages every upsert and delete, in order, in
// the transient table T__changes with an operation and a sequence column.
// Commit runs, in one transaction, a MERGE of the last change per key
// (QUALIFY ROW_NUMBER() ... ORDER BY sequence DESC = 1): deletes remove the
// row, upserts update or insert it. A table without a key only gets rows
// appended. T__changes is dropped afterwards, or on Abort.
//
// Names: table and column names are kept exactly as the share has them,
// quoted (so "demo__people" is lower case, and queries write it in double
// quotes). Database, schema, warehouse and role from config.yaml follow
// Snowflake's rule for unquoted identifiers: analytics is ANALYTICS; a name
// in double quotes, or one that needs them, is taken as written.
//
// Type mapping (Delta type, Arrow type -> Snowflake type):
//
//	byte, short   Int8, Int16          NUMBER(3,0), NUMBER(5,0)
//	integer, long Int32, Int64         NUMBER(10,0), NUMBER(19,0)
//	float, double Float32, Float64     FLOAT (64-bit; float values widen exactly)
//	boolean       Boolean              BOOLEAN
//	string        String               VARCHAR
//	binary        Binary               BINARY
//	date          Date32               DATE
//	timestamp     Timestamp(µs, UTC)   TIMESTAMP_TZ(6), stored with offset +00:00 (the session runs in UTC)
//	timestamp_ntz Timestamp(µs)        TIMESTAMP_NTZ(6)
//	decimal(p,s)  Decimal128(p,s)      NUMBER(p,s); precision over 38 (Decimal256 only) -> VARCHAR of the digits
//	array, map, struct List, Map, Struct VARIANT (JSON as sink.JSONValue renders it, parsed with PARSE_JSON)
//
// Nested values are staged as JSON text and parsed into VARIANT when the rows
// reach the table (an INSERT ... SELECT for full loads of such tables, inside
// the MERGE for incremental ones), because COPY with MATCH_BY_COLUMN_NAME
// cannot parse JSON and Snowflake's own reading of Parquet maps differs from
// the JSON the other destinations store.
package snowflake

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	"github.com/snowflakedb/gosnowflake"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	_ "github.com/trestle-dev/trestle/internal/connector/sink/snowflake/nominicore" // before the driver's init
)

// Options configure a Snowflake destination; they match config.SnowflakeConfig.
type Options struct {
	// Account is the account identifier ("myorg-myaccount").
	Account string
	// User is the login name.
	User string
	// Auth is "password" (the default) or "keypair".
	Auth string
	// Password is the password of password authentication.
	Password string
	// PrivateKeyPath is a PEM file (PKCS#8, encrypted or not) for keypair
	// authentication; PrivateKeyPassphrase decrypts it.
	PrivateKeyPath       string
	PrivateKeyPassphrase string
	// Warehouse runs the COPY and MERGE statements.
	Warehouse string
	// Database and Schema hold the tables; Schema defaults to PUBLIC.
	Database string
	Schema   string
	// Role is the session's role; empty means the user's default role.
	Role string
	// Threads is how many files upload at once (default 4).
	Threads int
	// TempDir holds the Parquet files waiting for upload; empty means the
	// system's temporary folder.
	TempDir string
}

// Sink is a Snowflake schema as a destination. It is safe for concurrent use.
type Sink struct {
	db      *sql.DB
	ns      namespace
	threads int
	tempDir string
}

var _ sink.Sink = (*Sink)(nil)

// New connects to Snowflake and checks the connection.
func New(ctx context.Context, o Options) (sink.Sink, error) {
	cfg, err := driverConfig(o)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(gosnowflake.NewConnector(gosnowflake.SnowflakeDriver{}, *cfg))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("snowflake: connect to account %s as %s: %w", o.Account, o.User, err)
	}
	threads := o.Threads
	if threads <= 0 {
		threads = defaultThreads
	}
	return &Sink{db: db, ns: namespace{database: resolveName(o.Database), schema: resolveName(schemaOrDefault(o.Schema))},
		threads: threads, tempDir: o.TempDir}, nil
}

// Close closes the connections.
func (s *Sink) Close() error { return s.db.Close() }

// BeginFull starts a full load of t into <t.Name>__staging.
func (s *Sink) BeginFull(ctx context.Context, t sink.Table) (sink.Load, error) {
	l, err := s.newLoad(t, true)
	if err != nil {
		return nil, err
	}
	if err := l.exec(ctx, createTableSQL(l.ns.table(l.staging), l.cols, t.Key, true, true)); err != nil {
		l.cleanup(ctx)
		return nil, err
	}
	return l, nil
}

// BeginIncremental starts applying changes to t: it creates the table if
// missing, adds the columns it lacks, and creates <t.Name>__changes.
func (s *Sink) BeginIncremental(ctx context.Context, t sink.Table) (sink.Load, error) {
	l, err := s.newLoad(t, false)
	if err != nil {
		return nil, err
	}
	if err := l.prepareIncremental(ctx); err != nil {
		l.cleanup(ctx)
		return nil, err
	}
	return l, nil
}

func (s *Sink) newLoad(t sink.Table, full bool) (*load, error) {
	cols, err := columnsOf(t.Schema)
	if err != nil {
		return nil, fmt.Errorf("snowflake: table %s: %w", t.Name, err)
	}
	for _, k := range t.Key {
		if t.Schema.FieldIndices(k) == nil {
			return nil, fmt.Errorf("snowflake: table %s: key column %q is not in the schema", t.Name, k)
		}
	}
	dir, err := os.MkdirTemp(s.tempDir, "trestle-snowflake-*")
	if err != nil {
		return nil, fmt.Errorf("snowflake: table %s: temporary folder: %w", t.Name, err)
	}
	l := &load{s: s, ns: s.ns, t: t, full: full, cols: cols, dir: dir}
	if full {
		l.staging = t.Name + stagingSuffix
	} else {
		l.staging = t.Name + changesSuffix
	}
	for _, c := range cols {
		l.nested = l.nested || c.json
	}
	l.staged = stagedSchema(t.Schema, cols, !full)
	l.up = newUploader(s.threads)
	l.parts = &partWriter{dir: dir, schema: l.staged, limit: defaultPartBytes,
		done: func(path string) error { return l.upload(path) }}
	return l, nil
}

// Describe names the destination in one line, without secrets.
func Describe(o Options) string {
	auth := o.Auth
	if auth == "" {
		auth = AuthPassword
	}
	d := fmt.Sprintf("Snowflake account %s database %s schema %s (warehouse %s, user %s, %s)", o.Account,
		resolveName(o.Database), resolveName(schemaOrDefault(o.Schema)), resolveName(o.Warehouse), o.User, auth)
	if o.Role != "" {
		d = strings.TrimSuffix(d, ")") + ", role " + resolveName(o.Role) + ")"
	}
	return d
}
