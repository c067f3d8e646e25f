// Package sqlstore is the store.Store for SQL databases: SQLite (pure Go, the embedded
// default) and PostgreSQL (pgx). One implementation serves both; the dialect type
// holds what differs, and the schema migrations for each are embedded in the binary.
//
// Each company-owned record is a row with its id, company, version, timestamps, the
// columns Trestle filters and enforces uniqueness on (external key, email, phone,
// status, person and project ids, days), and the whole record as a JSON document.
// Every write goes through one path (collection.write) that also appends to the
// change history in the same transaction, so no change can bypass it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/trestle-dev/trestle/internal/store"
)

// Store is a store.Store on SQLite or PostgreSQL.
type Store struct {
	d *dialect
	// w takes writes. For SQLite it holds one connection whose transactions begin
	// IMMEDIATE, so writers queue instead of failing; r serves reads concurrently.
	// For PostgreSQL both are the same pool.
	w, r *sql.DB
	// desc is where the database is, with any password masked, for messages.
	desc string
	now  func() time.Time
	// touched holds when each share token's last use was last written (token id
	// -> time.Time), so TouchShareToken writes at most once a minute per token.
	touched sync.Map
	// rc runs fixed-text hot reads on r through prepared statements.
	rc *stmtCache
	// companies remembers companies' unchanging fields for transactions
	// (txCompany): id or slug -> planning.Company.
	companies sync.Map
}

var _ store.Store = (*Store)(nil)

// Option changes how Open works.
type Option func(*options)

type options struct{ migrate bool }

// WithoutMigrate opens the database without bringing its schema up to date.
func WithoutMigrate() Option { return func(o *options) { o.migrate = false } }

// Open connects to the database at url and, unless WithoutMigrate is given, migrates
// its schema. url is "postgres://..." (or "postgresql://"), "sqlite:///path/hub.db",
// "sqlite:relative/hub.db", or a plain file path, which means SQLite.
//
// A database that cannot be reached gives one plain error naming it; a schema newer
// than this binary gives store.ErrSchemaTooNew.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{migrate: true}
	for _, opt := range opts {
		opt(&o)
	}
	var s *Store
	var err error
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		s, err = openPostgres(ctx, url)
	} else {
		s, err = openSQLite(ctx, url)
	}
	if err != nil {
		return nil, err
	}
	if o.migrate {
		if _, _, err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	desc := MaskURL(dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL %s is not valid: %w", desc, err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %s", desc, pgReason(err))
	}
	return &Store{d: postgresDialect, w: db, r: db, rc: newStmtCache(db), desc: desc, now: time.Now}, nil
}

// pgReason shortens a connection error to its cause.
func pgReason(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer within 10 seconds"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// SQLitePath returns the file an SQLite URL names.
func SQLitePath(u string) string {
	p := strings.TrimPrefix(u, "sqlite:")
	p = strings.TrimPrefix(p, "//")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func openSQLite(ctx context.Context, u string) (*Store, error) {
	path := SQLitePath(u)
	if path == "" {
		return nil, errors.New("the SQLite URL names no file; use sqlite:///path/to/hub.db")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("cannot create the folder for the SQLite database %s: %w", path, err)
		}
	}
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	// The writer gets a large page cache so that a big import does not spill pages
	// to the WAL before it commits.
	w, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=cache_size(-131072)")
	if err != nil {
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	// Keep the readers open: opening a SQLite connection reads the schema and
	// applies the pragmas, which costs more than most queries.
	r.SetMaxIdleConns(8)
	r.SetConnMaxIdleTime(10 * time.Minute)
	return &Store{d: sqliteDialect, w: w, r: r, rc: newStmtCache(r), desc: path, now: time.Now}, nil
}

// Dialect names the database kind: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// String describes where the database is, with any password masked.
func (s *Store) String() string { return s.d.name + " " + s.desc }

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Close implements store.Store.
func (s *Store) Close() error {
	s.rc.close()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// MaskURL returns u with any password replaced by "xxxxx", for logs and messages.
func MaskURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	if _, has := p.User.Password(); has {
		p.User = url.UserPassword(p.User.Username(), "xxxxx")
	}
	return p.String()
}
