// Package sqlserver is the Microsoft SQL Server (and Azure SQL) destination
// of the connector: a [sink.Sink] that loads Arrow batches with the bulk copy
// protocol of github.com/microsoft/go-mssqldb. It needs SQL Server 2016 or
// later (DROP TABLE IF EXISTS).
//
// Every load holds one connection from its Begin to its Commit or Abort, and
// streams its rows through one bulk copy: each row is sent as it is
// converted, so no more than a batch is held in memory.
//
// A full load drops a <name>__staging table left by a load that died, creates
// it anew, bulk copies every batch into it (TABLOCK, no index yet), then on
// Commit adds the primary key and swaps it in, in one transaction: the old
// table is renamed <name>__old, the staging table <name>, and the old one
// dropped (see swapSQL for why renames rather than ALTER SCHEMA TRANSFER).
// Readers see the old table until that transaction commits, then the new
// one. Abort drops the staging table.
//
// An incremental load bulk copies every upsert and delete, in order, into a
// temporary table #trestle_changes (a position and an operation with each
// row; temporary tables belong to one connection, hence the held
// connection). Commit runs one transaction: it creates the table if missing
// (PRIMARY KEY on the key columns) or adds the columns it lacks, keeps the
// last change of each key (ROW_NUMBER), deletes the rows whose last change is
// a delete, and MERGEs the upserts (update if matched, insert if not). So
// Abort, or a failure, leaves the table exactly as it was, columns included.
// A table without a key only gets rows appended.
//
// Type mapping (Delta type, Arrow type -> SQL Server type):
//
//	long          Int64              bigint
//	integer       Int32              int
//	short         Int16              smallint
//	byte          Int8               smallint (tinyint is unsigned)
//	double        Float64            float
//	float         Float32            real
//	boolean       Boolean            bit
//	string        String             nvarchar(max); nvarchar(450) in a key
//	binary        Binary             varbinary(max); varbinary(900) in a key
//	date          Date32             date
//	timestamp     Timestamp(µs, UTC) datetime2(6), the instant in UTC
//	timestamp_ntz Timestamp(µs)      datetime2(6), as given
//	decimal(p,s)  Decimal128(p,s)    decimal(p,s); nvarchar (the exact digits) when p > 38
//	array         List               nvarchar(max), JSON array
//	map           Map                nvarchar(max), JSON (object for string keys, else [{"key":..,"value":..}])
//	struct        Struct             nvarchar(max), JSON object
//
// SQL Server has no time-zone-aware type that compares like an instant, so
// both timestamp types become datetime2(6): a timestamp holds its UTC time.
// Key columns must be indexable: an index key holds at most 900 bytes, so a
// string key is nvarchar(450) (longer values fail the load, naming the row)
// and a key of several string columns can still exceed it. Nested values are
// rendered by [sink.JSONValue]; SQL Server's JSON functions (OPENJSON,
// JSON_VALUE) read them. Values SQL Server cannot hold fail the load with the
// column and row: NaN and infinities in float columns, dates and timestamps
// outside the years 1 to 9999.
//
// Each column carries its Delta type as the extended property trestle_type
// (sys.extended_properties), so tools can tell a JSON column from a text one
// and a UTC timestamp from a local one. Every identifier is delimited with
// brackets, so names keep their case and may hold any character; SQL Server
// limits them to 128 characters (the staging suffix counts).
package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// DefaultSchema is the schema tables go to when Options.Schema is empty.
const DefaultSchema = "dbo"

// Options configure a SQL Server destination; they mirror
// config.SQLServerConfig.
type Options struct {
	// DSN is the connection string go-mssqldb takes, e.g.
	// "sqlserver://user:pass@host:1433?database=db". When set, Host,
	// Database, User and Password are ignored.
	DSN string
	// Host is "host", "host:port" or "host/instance", used when DSN is empty.
	Host string
	// Database is the database to connect to.
	Database string
	// User and Password log in with SQL Server authentication.
	User, Password string
	// Schema holds the tables (default dbo); it is created when missing.
	Schema string
}

// connString returns the DSN: o.DSN, or a sqlserver:// URL built from the
// other fields, every part escaped.
func (o Options) connString() (string, error) {
	if o.DSN != "" {
		return o.DSN, nil
	}
	if o.Host == "" {
		return "", errors.New("give a dsn, or a host and a database")
	}
	u := &url.URL{Scheme: "sqlserver", Host: o.Host}
	if host, instance, ok := strings.Cut(o.Host, "/"); ok {
		u.Host, u.Path = host, "/"+instance
	}
	switch {
	case o.User != "" && o.Password != "":
		u.User = url.UserPassword(o.User, o.Password)
	case o.User != "":
		u.User = url.User(o.User)
	}
	if o.Database != "" {
		u.RawQuery = url.Values{"database": {o.Database}}.Encode()
	}
	return u.String(), nil
}

// Sink is a SQL Server schema as a destination. It is safe for concurrent
// use: each load holds its own connection.
type Sink struct {
	db     *sql.DB
	schema string
}

var _ sink.Sink = (*Sink)(nil)

// New connects to the database o names, checks the connection and creates
// the schema if it is missing.
func New(ctx context.Context, o Options) (sink.Sink, error) {
	dsn, err := o.connString()
	if err != nil {
		return nil, fmt.Errorf("sqlserver sink: %w", err)
	}
	schema := o.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	if err := checkName(schema); err != nil {
		return nil, fmt.Errorf("sqlserver sink: schema %w", err)
	}
	connector, err := mssql.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlserver sink: connection string: %w", err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlserver sink: connect: %w", err)
	}
	if _, err := db.ExecContext(ctx, createSchemaSQL(schema)); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlserver sink: create schema %s: %w", schema, err)
	}
	return &Sink{db: db, schema: schema}, nil
}

// Close closes the connections.
func (s *Sink) Close() error { return s.db.Close() }

// Schema returns the schema the tables are in.
func (s *Sink) Schema() string { return s.schema }

// BeginFull starts a full load of t into <t.Name>__staging.
func (s *Sink) BeginFull(ctx context.Context, t sink.Table) (sink.Load, error) {
	cols, err := columns(t)
	if err != nil {
		return nil, fmt.Errorf("sqlserver sink: %w", err)
	}
	staging := t.Name + stagingSuffix
	for _, n := range []string{staging, t.Name + oldSuffix} {
		if err := checkName(n); err != nil {
			return nil, fmt.Errorf("sqlserver sink: table %s: the connector's %w", t.Name, err)
		}
	}
	l, err := s.begin(ctx, t, cols, true)
	if err != nil {
		return nil, err
	}
	if err := l.exec(ctx, dropTableSQL(s.schema, staging), createTableSQL(s.schema, staging, cols, false),
		typePropertiesSQL(s.schema, staging, cols)); err != nil {
		l.Abort(ctx)
		return nil, err
	}
	return l, nil
}

// BeginIncremental starts applying changes to t; the table is created, or
// given the columns it lacks, on Commit.
func (s *Sink) BeginIncremental(ctx context.Context, t sink.Table) (sink.Load, error) {
	cols, err := columns(t)
	if err != nil {
		return nil, fmt.Errorf("sqlserver sink: %w", err)
	}
	if err := checkName(t.Name); err != nil {
		return nil, fmt.Errorf("sqlserver sink: table %w", err)
	}
	l, err := s.begin(ctx, t, cols, false)
	if err != nil {
		return nil, err
	}
	if err := l.exec(ctx, dropChangesSQL, createChangesSQL(cols)); err != nil {
		l.Abort(ctx)
		return nil, err
	}
	return l, nil
}

// begin takes the connection a load holds.
func (s *Sink) begin(ctx context.Context, t sink.Table, cols []column, full bool) (*load, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlserver sink: table %s: connect: %w", t.Name, err)
	}
	return &load{sink: s, t: t, cols: cols, full: full, conn: conn}, nil
}
