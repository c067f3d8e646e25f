package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// Temporary tables of an incremental load; they live in the session's own
// schema and are dropped at the end of the transaction.
const (
	changesTemp = "trestle_changes"
	opColumn    = "__trestle_op"
	ordColumn   = "__trestle_ord"
)

// Operations in the changes table.
const (
	opUpsert int16 = 0
	opDelete int16 = 1
)

// load is one table's load, all in one transaction.
type load struct {
	sink    *Sink
	t       sink.Table
	full    bool
	target  string
	staging string // full loads: the table the rows go to
	tx      pgx.Tx
	done    bool
	stream  *copyStream // full loads: the COPY into the staging table, from the first Write to Commit

	// changes, in a keyed incremental load, streams every upsert and delete,
	// in order, into the temporary table changesTemp; Commit applies the
	// last operation of each key.
	changes *copyStream
}

func (l *load) begin(ctx context.Context) error {
	tx, err := l.sink.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres sink: %s: begin: %w", l.t.Name, err)
	}
	l.tx = tx
	return nil
}

func (l *load) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := l.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres sink: %s: %s: %w", l.t.Name, firstWords(q), err)
		}
	}
	return nil
}

func firstWords(q string) string {
	if len(q) > 60 {
		return q[:60] + "..."
	}
	return q
}

// Write COPYs rec into the staging table (full) or upserts it (incremental).
func (l *load) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errors.New("postgres sink: Write after Commit or Abort")
	}
	if rec.NumRows() == 0 {
		return nil
	}
	if l.full {
		if l.stream == nil {
			l.stream = startCopy(ctx, l.tx.Conn().PgConn(), pgx.Identifier{l.sink.schema, l.staging}, columnNames(rec.Schema()))
		}
		if err := l.stream.write(rec); err != nil {
			return fmt.Errorf("postgres sink: %s: copy: %w", l.t.Name, err)
		}
		return nil
	}
	if len(l.t.Key) == 0 {
		return l.copyOnce(ctx, pgx.Identifier{l.sink.schema, l.target}, rec)
	}
	for _, k := range l.t.Key {
		if rec.Schema().FieldIndices(k) == nil {
			return fmt.Errorf("postgres sink: %s: batch lacks key column %q", l.t.Name, k)
		}
	}
	return l.change(ctx, rec, opUpsert)
}

// Delete removes the rows whose key is in keys.
func (l *load) Delete(ctx context.Context, keys arrow.RecordBatch) error {
	if l.done {
		return errors.New("postgres sink: Delete after Commit or Abort")
	}
	if l.full {
		return fmt.Errorf("postgres sink: %s: Delete in a full load", l.t.Name)
	}
	if len(l.t.Key) == 0 {
		return fmt.Errorf("postgres sink: %s: Delete needs key columns", l.t.Name)
	}
	if keys.NumRows() == 0 {
		return nil
	}
	for _, k := range l.t.Key {
		if keys.Schema().FieldIndices(k) == nil {
			return fmt.Errorf("postgres sink: %s: delete batch lacks key column %q", l.t.Name, k)
		}
	}
	return l.change(ctx, keys, opDelete)
}

// change streams rec's rows into the changes table as operation op.
func (l *load) change(ctx context.Context, rec arrow.RecordBatch, op int16) error {
	names := columnNames(l.t.Schema)
	if l.changes == nil {
		defs, err := columnDefs(l.t.Schema)
		if err != nil {
			return err
		}
		defs = append(defs, pgx.Identifier{opColumn}.Sanitize()+" smallint NOT NULL",
			pgx.Identifier{ordColumn}.Sanitize()+" bigint GENERATED ALWAYS AS IDENTITY")
		if err := l.exec(ctx, "CREATE TEMP TABLE "+changesTemp+" ("+strings.Join(defs, ", ")+") ON COMMIT DROP"); err != nil {
			return err
		}
		l.changes = startCopy(ctx, l.tx.Conn().PgConn(), pgx.Identifier{changesTemp}, append(names, opColumn))
	}
	enc, err := newChangeEncoder(rec, names, op)
	if err != nil {
		return fmt.Errorf("postgres sink: %s: %w", l.t.Name, err)
	}
	if err := l.changes.encode(enc, int(rec.NumRows())); err != nil {
		return fmt.Errorf("postgres sink: %s: copy changes: %w", l.t.Name, err)
	}
	return nil
}

// applyChanges ends the changes COPY and applies, for each key, its last
// operation: deletes, then upserts (in key order), in one statement.
func (l *load) applyChanges(ctx context.Context) error {
	err := l.changes.close()
	l.changes = nil
	if err != nil {
		return fmt.Errorf("postgres sink: %s: copy changes: %w", l.t.Name, err)
	}
	names := columnNames(l.t.Schema)
	keys := idents(l.t.Key)
	isKey := make(map[string]bool, len(l.t.Key))
	var match []string
	for _, k := range l.t.Key {
		isKey[k] = true
		q := pgx.Identifier{k}.Sanitize()
		match = append(match, "t."+q+" = last."+q)
	}
	var set []string
	for _, c := range names {
		if !isKey[c] {
			q := pgx.Identifier{c}.Sanitize()
			set = append(set, q+" = EXCLUDED."+q)
		}
	}
	action := "DO NOTHING"
	if len(set) > 0 {
		action = "DO UPDATE SET " + strings.Join(set, ", ")
	}
	list := idents(names)
	op := pgx.Identifier{opColumn}.Sanitize()
	target := l.sink.table(l.target)
	return l.exec(ctx, "WITH last AS MATERIALIZED (SELECT DISTINCT ON ("+keys+") * FROM "+changesTemp+
		" ORDER BY "+keys+", "+pgx.Identifier{ordColumn}.Sanitize()+" DESC), "+
		"gone AS (DELETE FROM "+target+" t USING last WHERE last."+op+" = "+fmt.Sprint(opDelete)+" AND "+strings.Join(match, " AND ")+") "+
		"INSERT INTO "+target+" ("+list+") SELECT "+list+" FROM last WHERE "+op+" = "+fmt.Sprint(opUpsert)+
		" ORDER BY "+keys+" ON CONFLICT ("+keys+") "+action)
}

// Commit swaps the staging table in (full) and commits the transaction.
func (l *load) Commit(ctx context.Context) error {
	if l.done {
		return errors.New("postgres sink: Commit after Commit or Abort")
	}
	if l.stream != nil {
		err := l.stream.close()
		l.stream = nil
		if err != nil {
			return fmt.Errorf("postgres sink: %s: copy: %w", l.t.Name, err)
		}
	}
	if l.changes != nil {
		if err := l.applyChanges(ctx); err != nil {
			return err
		}
	}
	if l.full {
		stmts := []string{
			"DROP TABLE IF EXISTS " + l.sink.table(l.target),
			"ALTER TABLE " + l.sink.table(l.staging) + " RENAME TO " + pgx.Identifier{l.target}.Sanitize(),
		}
		if len(l.t.Key) > 0 {
			stmts = append(stmts, "ALTER TABLE "+l.sink.table(l.target)+" ADD CONSTRAINT "+
				pgx.Identifier{l.target + "_pkey"}.Sanitize()+" PRIMARY KEY ("+idents(l.t.Key)+")")
		}
		if err := l.exec(ctx, stmts...); err != nil {
			return err
		}
	}
	if err := l.tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres sink: %s: commit: %w", l.t.Name, err)
	}
	l.done = true
	return nil
}

// Abort rolls the transaction back; after Commit it does nothing.
func (l *load) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	if l.stream != nil {
		l.stream.abort()
		l.stream = nil
	}
	if l.changes != nil {
		l.changes.abort()
		l.changes = nil
	}
	if err := l.tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("postgres sink: %s: rollback: %w", l.t.Name, err)
	}
	return nil
}
