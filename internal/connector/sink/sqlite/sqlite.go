// Package sqlite is the SQLite destination of the connector: a [sink.Sink]
// writing into one database file through modernc.org/sqlite (database/sql).
//
// A full load runs in one transaction: it creates <name>__staging, inserts
// every batch, and on Commit drops the old table and renames the staging one
// into place. An incremental load runs in one transaction too: it creates the
// table (PRIMARY KEY on the key columns) if missing, adds the columns it
// lacks, and applies each batch with INSERT ... ON CONFLICT (key) DO UPDATE and
// each batch of deleted keys with DELETE, in order. Readers see the table as
// it was until Commit. The database is opened in WAL mode.
//
// Type mapping (Delta type, Arrow type -> declared type: stored as):
//
//	long, integer, short, byte  Int64..Int8        INTEGER: integer
//	boolean                     Boolean            BOOLEAN: integer 0 or 1
//	double                      Float64            DOUBLE: real
//	float                       Float32            FLOAT: real
//	string                      String             TEXT: text
//	binary                      Binary             BLOB: blob
//	date                        Date32             DATE: text "2006-01-02"
//	timestamp                   Timestamp(µs, UTC) TIMESTAMP: text "2006-01-02T15:04:05.000000Z"
//	timestamp_ntz               Timestamp(µs)      DATETIME: text "2006-01-02T15:04:05.000000"
//	decimal(p,s)                Decimal128(p,s)    DECIMAL_TEXT(p,s): text with exactly s decimals, no precision lost
//	array, map, struct          List, Map, Struct  JSON: text rendered by sink.JSONValue
//
// The declared types keep the affinities right (DECIMAL_TEXT has TEXT affinity,
// so decimals are never turned into floating point) and tell readers what a
// text value holds. Dates and timestamps are ISO-8601, which SQLite's date and
// time functions accept.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// Options configure a SQLite destination.
type Options struct {
	// Path is the database file, created if missing.
	Path string
}

// Sink is a SQLite database file as a destination.
type Sink struct {
	db *sql.DB
	// writer admits one load at a time: SQLite has one writer, and a load
	// holds the write lock from Begin to Commit, longer than any busy
	// timeout.
	writer chan struct{}
}

var _ sink.Sink = (*Sink)(nil)

// New opens (or creates) the database at o.Path.
func New(ctx context.Context, o Options) (*Sink, error) {
	if o.Path == "" {
		return nil, errors.New("sqlite sink: no database path")
	}
	db, err := sql.Open("sqlite", DSN(o.Path))
	if err != nil {
		return nil, fmt.Errorf("sqlite sink: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite sink: open %s: %w", o.Path, err)
	}
	return &Sink{db: db, writer: make(chan struct{}, 1)}, nil
}

// DSN returns the modernc.org/sqlite data source name the sink uses for a
// database file: WAL journal and a busy timeout.
func DSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// Close closes the database.
func (s *Sink) Close() error { return s.db.Close() }

// Quote quotes an SQLite identifier.
func Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = Quote(n)
	}
	return strings.Join(q, ", ")
}

// BeginFull starts a full load of t into <t.Name>__staging.
func (s *Sink) BeginFull(ctx context.Context, t sink.Table) (sink.Load, error) {
	l, err := s.begin(ctx, t, true)
	if err != nil {
		return nil, err
	}
	l.into = t.Name + "__staging"
	if err := l.exec(ctx, "DROP TABLE IF EXISTS "+Quote(l.into), createTable(l.into, l.defs, t.Key)); err != nil {
		l.Abort(ctx)
		return nil, err
	}
	return l, nil
}

// BeginIncremental starts applying changes to t, creating it or adding the
// columns it lacks.
func (s *Sink) BeginIncremental(ctx context.Context, t sink.Table) (sink.Load, error) {
	for _, k := range t.Key {
		if t.Schema != nil && t.Schema.FieldIndices(k) == nil {
			return nil, fmt.Errorf("sqlite sink: %s: key column %q is not in the schema", t.Name, k)
		}
	}
	l, err := s.begin(ctx, t, false)
	if err != nil {
		return nil, err
	}
	l.into = t.Name
	if err := l.prepareIncremental(ctx); err != nil {
		l.Abort(ctx)
		return nil, err
	}
	return l, nil
}

func (s *Sink) begin(ctx context.Context, t sink.Table, full bool) (*load, error) {
	defs, err := columnDefs(t.Schema)
	if err != nil {
		return nil, fmt.Errorf("sqlite sink: %s: %w", t.Name, err)
	}
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-s.writer }
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, fmt.Errorf("sqlite sink: %s: begin: %w", t.Name, err)
	}
	return &load{t: t, full: full, defs: defs, tx: tx, release: release}, nil
}

func createTable(name string, defs, key []string) string {
	cols := append([]string(nil), defs...)
	if len(key) > 0 {
		cols = append(cols, "PRIMARY KEY ("+quoteAll(key)+")")
	}
	return "CREATE TABLE IF NOT EXISTS " + Quote(name) + " (" + strings.Join(cols, ", ") + ")"
}

func (l *load) prepareIncremental(ctx context.Context) error {
	if err := l.exec(ctx, createTable(l.into, l.defs, l.t.Key)); err != nil {
		return err
	}
	rows, err := l.tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", l.into)
	if err != nil {
		return fmt.Errorf("sqlite sink: columns of %s: %w", l.into, err)
	}
	defer rows.Close()
	present := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		present[n] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for i, f := range l.t.Schema.Fields() {
		if !present[f.Name] {
			if err := l.exec(ctx, "ALTER TABLE "+Quote(l.into)+" ADD COLUMN "+l.defs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// columnDefs returns the column definitions of a schema.
func columnDefs(s *arrow.Schema) ([]string, error) {
	if s == nil || len(s.Fields()) == 0 {
		return nil, errors.New("a table needs at least one column")
	}
	defs := make([]string, len(s.Fields()))
	for i, f := range s.Fields() {
		typ, err := sqlType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		defs[i] = Quote(f.Name) + " " + typ
	}
	return defs, nil
}

// sqlType returns the declared type of an Arrow type (see the package doc).
func sqlType(t arrow.DataType) (string, error) {
	switch t := t.(type) {
	case *arrow.Int64Type, *arrow.Int32Type, *arrow.Int16Type, *arrow.Int8Type:
		return "INTEGER", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.Float64Type:
		return "DOUBLE", nil
	case *arrow.Float32Type:
		return "FLOAT", nil
	case *arrow.StringType:
		return "TEXT", nil
	case *arrow.BinaryType:
		return "BLOB", nil
	case *arrow.Date32Type:
		return "DATE", nil
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return "DATETIME", nil
		}
		return "TIMESTAMP", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("DECIMAL_TEXT(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.ListType, *arrow.MapType, *arrow.StructType:
		return "JSON", nil
	}
	return "", fmt.Errorf("Arrow type %s is not supported", t)
}
