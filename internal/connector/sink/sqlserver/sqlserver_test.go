package sqlserver

// The live tests run the conformance suite (and a few SQL Server specific
// checks) against a real server named by TRESTLE_TEST_MSSQL_DSN. SQL Server
// cannot run on the machine Trestle is developed on, so without the variable
// they skip, in CI too. To run them, start a server and give its DSN:
//
//	docker run -d --name trestle-mssql -e ACCEPT_EULA=Y -e MSSQL_SA_PASSWORD='Trestle-Test-1' \
//	    -p 1433:1433 mcr.microsoft.com/mssql/server:2022-latest
//	docker exec trestle-mssql /opt/mssql-tools18/bin/sqlcmd -C -S localhost -U sa -P 'Trestle-Test-1' \
//	    -Q 'CREATE DATABASE trestle_test'
//	TRESTLE_TEST_MSSQL_DSN='sqlserver://sa:Trestle-Test-1@localhost:1433?database=trestle_test' \
//	    go test ./internal/connector/sink/sqlserver/ -v
//
// Each test works in a schema of its own (trestle_test_<random>), dropped
// with its tables afterwards.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	mssql "github.com/microsoft/go-mssqldb"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

// dsnVar names the server the live tests use.
const dsnVar = "TRESTLE_TEST_MSSQL_DSN"

// liveDSN returns the test server's DSN, or skips.
func liveDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		t.Skip(dsnVar + " is not set: no SQL Server to test against (SQL Server cannot run on this machine, " +
			"so this test skips even in CI; see sqlserver_test.go for a docker run line that starts one)")
	}
	return dsn
}

// openLive opens the sink in a new schema, and a reader of it; the schema
// and its tables are dropped when the test ends.
func openLive(t *testing.T) (*Sink, *reader) {
	t.Helper()
	dsn := liveDSN(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "trestle_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	s, err := New(ctx, Options{DSN: dsn, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	connector, err := mssql.NewConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	r := &reader{db: db, schema: schema}
	t.Cleanup(func() {
		if err := r.dropSchema(context.Background()); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
		db.Close()
	})
	return s.(*Sink), r
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) {
		return openLive(t)
	})
}

// TestLeftoversAndNames checks what the suite cannot: a staging table left
// by a crashed load is dropped by the next one, no staging or old table is
// left after a load, names with brackets and quotes work, and each column
// carries its Delta type.
func TestLeftoversAndNames(t *testing.T) {
	s, r := openLive(t)
	ctx := context.Background()
	const name = "it's a ]table["
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id]", Type: arrow.BinaryTypes.String},
		{Name: "when", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	tbl := sink.Table{Name: name, Schema: schema, Key: []string{"id]"}}

	// A crash mid-load: the staging table stays behind.
	if _, err := r.db.ExecContext(ctx, "CREATE TABLE "+qualified(r.schema, name+stagingSuffix)+" (x int)"); err != nil {
		t.Fatal(err)
	}
	l, err := s.BeginFull(ctx, tbl)
	if err != nil {
		t.Fatal(err)
	}
	rec := sinktest.Batch(schema, []any{"a'b]c", time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)})
	want := sinktest.CanonicalRows(rec)
	if err := l.Write(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := l.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadRows(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
	tables, err := r.tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tables, []string{name}) {
		t.Errorf("tables after the load = %q, want only %q", tables, name)
	}
	types, err := r.types(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if types[0].delta != "string" || types[0].sql != "nvarchar" || types[1].delta != "timestamp" || types[1].sql != "datetime2" {
		t.Errorf("column types = %+v", types)
	}
}

// reader reads tables back, turning each value into its sinktest canonical
// form by the column's Delta type (its trestle_type extended property).
type reader struct {
	db     *sql.DB
	schema string
}

func (r *reader) Columns(ctx context.Context, table string) ([]string, error) {
	return tableColumns(ctx, r.db, r.schema, table)
}

// colType is a column's SQL Server type name and scale and its Delta type.
type colType struct {
	sql, delta string
	scale      int
}

func (r *reader) types(ctx context.Context, table string) ([]colType, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT TYPE_NAME(c.user_type_id), c.scale, CAST(p.value AS nvarchar(128))
		FROM sys.columns AS c LEFT JOIN sys.extended_properties AS p
			ON p.class = 1 AND p.major_id = c.object_id AND p.minor_id = c.column_id AND p.name = @p2
		WHERE c.object_id = OBJECT_ID(@p1, N'U') ORDER BY c.column_id`, qualified(r.schema, table), typeProperty)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []colType
	for rows.Next() {
		var c colType
		var delta sql.NullString
		if err := rows.Scan(&c.sql, &c.scale, &delta); err != nil {
			return nil, err
		}
		c.delta = delta.String
		out = append(out, c)
	}
	return out, rows.Err()
}

func (r *reader) ReadRows(ctx context.Context, table string) ([]string, error) {
	types, err := r.types(ctx, table)
	if err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, "SELECT * FROM "+qualified(r.schema, table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	raw := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	vals := make([]string, len(types))
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for c, v := range raw {
			s, err := canonical(types[c], v)
			if err != nil {
				return nil, fmt.Errorf("table %s, column %d: %w", table, c+1, err)
			}
			vals[c] = s
		}
		out = append(out, sinktest.Row(vals...))
	}
	return out, rows.Err()
}

// canonical turns a value the driver returned into its sinktest form.
func canonical(t colType, v any) (string, error) {
	if v == nil {
		return sinktest.Null, nil
	}
	switch t.delta {
	case "long", "integer", "short", "byte":
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10), nil
		}
	case "double", "float":
		bits := 64
		if t.delta == "float" {
			bits = 32
		}
		switch f := v.(type) {
		case float64:
			return strconv.FormatFloat(f, 'g', -1, bits), nil
		case float32:
			return strconv.FormatFloat(float64(f), 'g', -1, bits), nil
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
	case "string":
		if s, ok := v.(string); ok {
			return strconv.Quote(s), nil
		}
	case "binary":
		if b, ok := v.([]byte); ok {
			return "0x" + hex.EncodeToString(b), nil
		}
	case "date":
		if d, ok := v.(time.Time); ok {
			return d.Format(time.DateOnly), nil
		}
	case "timestamp", "timestamp_ntz":
		if ts, ok := v.(time.Time); ok {
			if t.delta == "timestamp" {
				return ts.UTC().Format("2006-01-02T15:04:05.000000Z"), nil
			}
			return ts.Format("2006-01-02T15:04:05.000000"), nil
		}
	case "array", "map", "struct":
		if s, ok := v.(string); ok {
			return sinktest.CanonicalJSON([]byte(s))
		}
	default:
		if t.sql == "decimal" { // the driver returns the digits as text
			var text string
			switch d := v.(type) {
			case []byte:
				text = string(d)
			case string:
				text = d
			}
			if r, ok := new(big.Rat).SetString(text); ok {
				return r.FloatString(t.scale), nil
			}
		}
		if s, ok := v.(string); ok && t.sql == "nvarchar" { // a decimal wider than 38 digits
			return s, nil
		}
	}
	return "", fmt.Errorf("value %#v (%T) not expected for %s stored as %s", v, v, t.delta, t.sql)
}

// tables lists the tables of the test schema.
func (r *reader) tables(ctx context.Context) ([]string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT t.name FROM sys.tables AS t
		JOIN sys.schemas AS s ON s.schema_id = t.schema_id WHERE s.name = @p1 ORDER BY t.name`, r.schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// dropSchema drops the test schema and its tables.
func (r *reader) dropSchema(ctx context.Context) error {
	tables, err := r.tables(ctx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := r.db.ExecContext(ctx, dropTableSQL(r.schema, t)); err != nil {
			return err
		}
	}
	_, err = r.db.ExecContext(ctx, "DROP SCHEMA "+quoteIdent(r.schema))
	return err
}
