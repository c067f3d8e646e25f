package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/trestle-dev/trestle/internal/connector/config"
)

// pgBench is the PostgreSQL server the benchmark loads into.
type pgBench struct {
	dsn     string
	conn    *pgx.Conn
	version string
	// prefix starts the names of the schemas this process creates.
	prefix string
}

func connectPG(ctx context.Context, dsn string) (*pgBench, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL (%s): %w", dsn, err)
	}
	p := &pgBench{dsn: dsn, conn: conn, prefix: fmt.Sprintf("bench_%d", os.Getpid())}
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&p.version); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	p.version = "PostgreSQL " + strings.Fields(p.version)[0]
	return p, nil
}

func (p *pgBench) close() { p.conn.Close(context.Background()) }

// schemaName is the name of one of this process's schemas.
func (p *pgBench) schemaName(what string, run int) string {
	return fmt.Sprintf("%s_%s_%d", p.prefix, what, run)
}

// createSchema creates a fresh schema.
func (p *pgBench) createSchema(ctx context.Context, name string) error {
	q := pgx.Identifier{name}.Sanitize()
	_, err := p.conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+q+" CASCADE; CREATE SCHEMA "+q)
	return err
}

// dropSchema drops a schema and its tables, even after an interrupt: on a
// connection of its own, since pgx closes a connection whose query was
// canceled.
func (p *pgBench) dropSchema(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.dsn)
	if err != nil {
		logf("could not drop schema %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
		logf("could not drop schema %s: %v", name, err)
	}
}

// checkpoint asks the server to write its dirty buffers now, so that a
// checkpoint triggered by the previous load does not land in the next
// measurement. It needs superuser (or pg_checkpoint); without it the
// measurement is only noisier.
func (p *pgBench) checkpoint(ctx context.Context) {
	_, _ = p.conn.Exec(ctx, "CHECKPOINT")
}

// verify checks a table's row count and sum(id).
func (p *pgBench) verify(ctx context.Context, schema, table string, rows, sumID int64) error {
	var n, sum int64
	err := p.conn.QueryRow(ctx, "SELECT count(*), coalesce(sum(id), 0)::bigint FROM "+
		pgx.Identifier{schema, table}.Sanitize()).Scan(&n, &sum)
	if err != nil {
		return fmt.Errorf("verify %s.%s: %w", schema, table, err)
	}
	if n != rows || sum != sumID {
		return fmt.Errorf("verify %s.%s: %d rows with sum(id) %d, want %d rows with sum(id) %d", schema, table, n, sum, rows, sumID)
	}
	return nil
}

// fingerprint returns aggregates over every column of a table of the
// benchmark's schema: two tables with the same fingerprint almost surely
// hold the same data.
func (p *pgBench) fingerprint(ctx context.Context, schema, table string) (string, error) {
	var fp string
	err := p.conn.QueryRow(ctx, `SELECT concat_ws(' | ', count(*), sum(id), sum(length(name)), sum(length(email)),
		count(DISTINCT city), sum(length(description)), sum(quantity), sum(price::numeric), sum(amount),
		count(*) FILTER (WHERE active), sum(created - date '2015-01-01'), min(updated_at), max(updated_at),
		count(note), sum(length(note)), count(DISTINCT category), sum(priority), sum(jsonb_array_length(tags)),
		sum(hashtext(description)::bigint), sum(hashtext(tags::text)::bigint), sum(hashtext(note)::bigint))
		FROM `+pgx.Identifier{schema, table}.Sanitize()).Scan(&fp)
	if err != nil {
		return "", fmt.Errorf("aggregates of %s.%s: %w", schema, table, err)
	}
	return fp, nil
}

// copyBaseline loads the CSV file into a new table of the connector's column
// types, as the connector's full load does (one transaction: create, copy,
// add the primary key, commit), with a plain COPY ... FROM STDIN (FORMAT
// csv) of the file. It returns the COPY's time and that of adding the
// primary key and committing.
func (p *pgBench) copyBaseline(ctx context.Context, schema string, as *arrow.Schema, csvFile string) (copySec, pkSec float64, err error) {
	cols, err := pgColumns(as)
	if err != nil {
		return 0, 0, err
	}
	table := pgx.Identifier{schema, "orders"}.Sanitize()
	f, err := os.Open(csvFile)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	tx, err := p.conn.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "CREATE TABLE "+table+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, f, "COPY "+table+" FROM STDIN (FORMAT csv)")
	if err != nil {
		return 0, 0, fmt.Errorf("COPY the CSV file: %w", err)
	}
	copySec = time.Since(start).Seconds()
	_ = tag
	start = time.Now()
	if _, err := tx.Exec(ctx, "ALTER TABLE "+table+" ADD PRIMARY KEY (id)"); err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, err
	}
	return copySec, time.Since(start).Seconds(), nil
}

// pgColumns are column definitions with the types the connector's
// PostgreSQL destination gives the table's Arrow types.
func pgColumns(as *arrow.Schema) ([]string, error) {
	var cols []string
	for _, f := range as.Fields() {
		var typ string
		switch t := f.Type.(type) {
		case *arrow.Int64Type:
			typ = "bigint"
		case *arrow.Int32Type:
			typ = "integer"
		case *arrow.Int16Type:
			typ = "smallint"
		case *arrow.Float64Type:
			typ = "double precision"
		case *arrow.BooleanType:
			typ = "boolean"
		case *arrow.StringType:
			typ = "text"
		case *arrow.Date32Type:
			typ = "date"
		case *arrow.TimestampType:
			typ = "timestamptz"
		case *arrow.Decimal128Type:
			typ = fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
		case *arrow.ListType:
			typ = "jsonb"
		default:
			return nil, fmt.Errorf("column %s: type %s has no PostgreSQL mapping here", f.Name, f.Type)
		}
		cols = append(cols, pgx.Identifier{f.Name}.Sanitize()+" "+typ)
	}
	return cols, nil
}

// pgDestination is the connector destination of a schema.
func (p *pgBench) destination(schema string) config.Destination {
	return config.Destination{Type: "postgres", Postgres: &config.PostgresConfig{DSN: p.dsn, Schema: schema}}
}
