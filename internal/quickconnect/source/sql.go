package source

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"iter"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	mssql "github.com/microsoft/go-mssqldb" // registers "sqlserver"
	"modernc.org/sqlite"                    // registers "sqlite"
)

// sqlSource is a query running in a read-only transaction.
type sqlSource struct {
	desc   string // driver and masked DSN
	mask   *masker
	cancel context.CancelFunc // ends everything below
	db     *sql.DB
	tx     *sql.Tx
	rows   *sql.Rows
	head   *header
	conv   []func(any) any // per column
	once   rowsOnce
	src    string    // the fingerprint's location
	hash   hash.Hash // of the columns and the rows read so far
	sum    string    // hex SHA-256, once every row has been read
}

// openSQL connects, begins the transaction and runs the query.
func openSQL(ctx context.Context, r *resolved) (_ Source, err error) {
	s := &sqlSource{desc: r.Driver + " " + r.mask.scrub(MaskDSN(r.DSN)), mask: r.mask}
	// The source outlives ctx, which bounds Open only.
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	stop := context.AfterFunc(ctx, cancel)
	defer func() {
		stop()
		if err != nil {
			s.Close()
			if ctx.Err() != nil {
				err = newError(ctx.Err(), s.mask, ctx.Err(), "opening %s was interrupted", s.desc)
			}
		}
	}()

	if s.db, err = openDB(r); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, newError(ErrUnreachable, s.mask, unwrapPathError(err), "cannot reach %s", s.desc)
		}
		return nil, newError(ErrConfig, s.mask, err, "the %s dsn is not valid (%s)", r.Driver, s.desc)
	}
	s.db.SetMaxOpenConns(1)
	timeout := r.ConnectTimeout
	if timeout == 0 {
		timeout = DefaultConnectTimeout
	}
	pctx, pcancel := context.WithTimeout(base, timeout)
	err = s.db.PingContext(pctx)
	pcancel()
	if err != nil {
		return nil, connectError(s, err, timeout)
	}
	// SQL Server has no read-only transaction: the transaction is always
	// rolled back instead.
	s.tx, err = s.db.BeginTx(base, &sql.TxOptions{ReadOnly: r.Driver != DriverSQLServer})
	if err != nil {
		return nil, newError(nil, s.mask, err, "cannot start a read-only transaction on %s", s.desc)
	}
	s.rows, err = s.tx.QueryContext(base, r.Query)
	if err != nil {
		return nil, newError(ErrQuery, s.mask, err, "the query failed on %s", s.desc)
	}
	names, err := s.rows.Columns()
	if err != nil {
		return nil, newError(ErrQuery, s.mask, err, "the query's columns cannot be read on %s", s.desc)
	}
	types, err := s.rows.ColumnTypes()
	if err != nil {
		return nil, newError(ErrQuery, s.mask, err, "the query's column types cannot be read on %s", s.desc)
	}
	head, dup := newHeader(names)
	if head == nil {
		return nil, newError(ErrQuery, s.mask, nil,
			"the query on %s returns two columns named %q (names are matched without regard to case): give them distinct names with AS", s.desc, dup)
	}
	s.head = head
	s.src = locationID(s.desc + "\x00" + r.Query)
	s.hash = sha256.New()
	s.hash.Write(appendValue(nil, names))
	s.conv = make([]func(any) any, len(types))
	for i, t := range types {
		s.conv[i] = sqlConverter(t.DatabaseTypeName())
	}
	return s, nil
}

// openDB returns the database handle for the driver, without connecting.
func openDB(r *resolved) (*sql.DB, error) {
	switch r.Driver {
	case DriverPostgres:
		cfg, err := pgx.ParseConfig(r.DSN)
		if err != nil {
			return nil, err
		}
		return stdlib.OpenDB(*cfg), nil
	case DriverMySQL:
		cfg, err := mysql.ParseDSN(r.DSN)
		if err != nil {
			return nil, err
		}
		cfg.ParseTime = true // DATE and DATETIME as time.Time, not text
		if cfg.Timeout == 0 {
			cfg.Timeout = r.ConnectTimeout
			if cfg.Timeout == 0 {
				cfg.Timeout = DefaultConnectTimeout
			}
		}
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		return sql.OpenDB(c), nil
	case DriverSQLServer:
		c, err := mssql.NewConnector(r.DSN)
		if err != nil {
			return nil, err
		}
		return sql.OpenDB(c), nil
	case DriverSQLite:
		dsn, err := sqliteReadOnlyDSN(r.DSN)
		if err != nil {
			return nil, err
		}
		return sql.Open("sqlite", dsn)
	}
	return nil, fmt.Errorf("unknown driver %q", r.Driver)
}

// sqliteReadOnlyDSN turns a SQLite path or file: URI into a URI that opens the
// database read-only (mode=ro) with writes refused (query_only), and fails if
// the file does not exist (SQLite would otherwise create it).
func sqliteReadOnlyDSN(dsn string) (string, error) {
	var path, rawQuery string
	if rest, ok := strings.CutPrefix(dsn, "file:"); ok {
		path, rawQuery, _ = strings.Cut(rest, "?")
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
	} else {
		path, rawQuery, _ = strings.Cut(dsn, "?")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", err
	}
	if path == "" || path == ":memory:" || q.Get("mode") == "memory" {
		return "", errors.New("a SQLite source must be a database file")
	}
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	q.Set("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	esc := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + esc + "?" + q.Encode(), nil
}

// connectError explains why connecting failed.
func connectError(s *sqlSource, err error, timeout time.Duration) error {
	switch kind := classifyConnect(err); kind {
	case ErrAccessDenied:
		return newError(kind, s.mask, err, "%s refused the login (check the user name and password in the dsn)", s.desc)
	case ErrUnreachable:
		if errors.Is(err, context.DeadlineExceeded) {
			return newError(kind, s.mask, err, "cannot reach %s: no answer within %v", s.desc, timeout)
		}
		return newError(kind, s.mask, err, "cannot reach %s", s.desc)
	}
	return newError(nil, s.mask, err, "cannot connect to %s", s.desc)
}

// classifyConnect returns ErrAccessDenied, ErrUnreachable or nil for an error
// from connecting.
func classifyConnect(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return ErrAccessDenied
		case "3D000": // invalid_catalog_name: no such database
			return ErrUnreachable
		}
		return nil
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case 1044, 1045, 1698: // access denied (to the database, for the user)
			return ErrAccessDenied
		case 1049: // unknown database
			return ErrUnreachable
		}
		return nil
	}
	var msErr mssql.Error
	if errors.As(err, &msErr) {
		switch msErr.Number {
		case 18456: // login failed
			return ErrAccessDenied
		case 4060: // cannot open the database
			return ErrUnreachable
		}
		return nil
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff {
		case 14: // SQLITE_CANTOPEN
			return ErrUnreachable
		case 23: // SQLITE_AUTH
			return ErrAccessDenied
		}
		return nil
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrNotExist) {
		return ErrUnreachable
	}
	return nil
}

func (s *sqlSource) Columns() []string { return s.head.names }
func (s *sqlSource) Unchanged() bool   { return false }
func (s *sqlSource) Fingerprint() Fingerprint {
	return fingerprint{src: s.src, sha256: s.sum}.encode()
}
func (s *sqlSource) String() string { return s.desc }

// Rows streams the query's rows.
func (s *sqlSource) Rows(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		if err := s.once.take(); err != nil {
			yield(Row{}, err)
			return
		}
		if s.rows == nil {
			yield(Row{}, errors.New("source: the source is closed"))
			return
		}
		stop := context.AfterFunc(ctx, s.cancel)
		defer stop()
		n := len(s.head.names)
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range ptrs {
			ptrs[i] = &vals[i]
		}
		var num int64
		var buf []byte
		for s.rows.Next() {
			if err := s.rows.Scan(ptrs...); err != nil {
				yield(Row{}, newError(ErrQuery, s.mask, err, "reading row %d of %s failed", num+1, s.desc))
				return
			}
			out := make([]any, n)
			buf = buf[:0]
			for i, v := range vals {
				out[i] = s.conv[i](v)
				buf = appendValue(buf, out[i])
			}
			s.hash.Write(buf)
			num++
			if !yield(Row{Num: num, cols: s.head, values: out}, nil) {
				return
			}
		}
		if err := s.rows.Err(); err != nil {
			if ctx.Err() != nil {
				yield(Row{}, newError(ctx.Err(), s.mask, ctx.Err(), "reading %s was interrupted after %d rows", s.desc, num))
				return
			}
			yield(Row{}, newError(ErrQuery, s.mask, err, "reading the rows of %s failed after %d rows", s.desc, num))
			return
		}
		s.sum = hex.EncodeToString(s.hash.Sum(nil))
	}
}

// Close ends the query and rolls the transaction back.
func (s *sqlSource) Close() error {
	var err error
	if s.rows != nil {
		err = s.rows.Close()
		s.rows = nil
	}
	if s.tx != nil {
		if e := s.tx.Rollback(); e != nil && !errors.Is(e, sql.ErrTxDone) && err == nil {
			err = e
		}
		s.tx = nil
	}
	if s.db != nil {
		if e := s.db.Close(); e != nil && err == nil {
			err = e
		}
		s.db = nil
	}
	if s.cancel != nil {
		s.cancel()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return newError(nil, s.mask, err, "closing %s", s.desc)
	}
	return nil
}
