package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// load is one table's load, all in one transaction.
type load struct {
	t    sink.Table
	full bool
	defs []string
	into string // the table rows go to: staging (full) or the table itself
	tx   *sql.Tx
	done bool
	// release lets the sink's next load begin.
	release func()
}

func (l *load) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := l.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite sink: %s: %w", l.t.Name, err)
		}
	}
	return nil
}

// Write inserts rec (full) or upserts it by key (incremental).
func (l *load) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errors.New("sqlite sink: Write after Commit or Abort")
	}
	if rec.NumRows() == 0 {
		return nil
	}
	cols := make([]string, rec.NumCols())
	for i := range cols {
		cols[i] = rec.ColumnName(i)
	}
	q := "INSERT INTO " + Quote(l.into) + " (" + quoteAll(cols) + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	if !l.full && len(l.t.Key) > 0 {
		isKey := map[string]bool{}
		for _, k := range l.t.Key {
			isKey[k] = true
			if rec.Schema().FieldIndices(k) == nil {
				return fmt.Errorf("sqlite sink: %s: batch lacks key column %q", l.t.Name, k)
			}
		}
		var set []string
		for _, c := range cols {
			if !isKey[c] {
				set = append(set, Quote(c)+" = excluded."+Quote(c))
			}
		}
		action := "DO NOTHING"
		if len(set) > 0 {
			action = "DO UPDATE SET " + strings.Join(set, ", ")
		}
		q += " ON CONFLICT (" + quoteAll(l.t.Key) + ") " + action
	}
	return l.run(ctx, q, rec)
}

// run executes q once per row of rec, its parameters the row's values.
func (l *load) run(ctx context.Context, q string, rec arrow.RecordBatch) error {
	enc := make([]func(int) any, rec.NumCols())
	for c := range enc {
		f, err := encoder(rec.Column(c))
		if err != nil {
			return fmt.Errorf("sqlite sink: %s: column %q: %w", l.t.Name, rec.ColumnName(c), err)
		}
		enc[c] = f
	}
	stmt, err := l.tx.PrepareContext(ctx, q)
	if err != nil {
		return fmt.Errorf("sqlite sink: %s: %w", l.t.Name, err)
	}
	defer stmt.Close()
	args := make([]any, len(enc))
	for r := 0; r < int(rec.NumRows()); r++ {
		for c, f := range enc {
			if rec.Column(c).IsNull(r) {
				args[c] = nil
			} else {
				args[c] = f(r)
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("sqlite sink: %s: row %d: %w", l.t.Name, r, err)
		}
	}
	return nil
}

// Delete removes the rows whose key is in keys.
func (l *load) Delete(ctx context.Context, keys arrow.RecordBatch) error {
	if l.done {
		return errors.New("sqlite sink: Delete after Commit or Abort")
	}
	if l.full || len(l.t.Key) == 0 {
		return fmt.Errorf("sqlite sink: %s: Delete needs an incremental load with key columns", l.t.Name)
	}
	if keys.NumRows() == 0 {
		return nil
	}
	// Select the key columns, in key order, as the statement's parameters.
	cols := make([]arrow.Array, len(l.t.Key))
	conds := make([]string, len(l.t.Key))
	fields := make([]arrow.Field, len(l.t.Key))
	for i, k := range l.t.Key {
		idx := keys.Schema().FieldIndices(k)
		if idx == nil {
			return fmt.Errorf("sqlite sink: %s: delete batch lacks key column %q", l.t.Name, k)
		}
		cols[i], fields[i] = keys.Column(idx[0]), keys.Schema().Field(idx[0])
		conds[i] = Quote(k) + " = ?"
	}
	sel := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, keys.NumRows())
	defer sel.Release()
	return l.run(ctx, "DELETE FROM "+Quote(l.into)+" WHERE "+strings.Join(conds, " AND "), sel)
}

// Commit swaps the staging table in (full) and commits.
func (l *load) Commit(ctx context.Context) error {
	if l.done {
		return errors.New("sqlite sink: Commit after Commit or Abort")
	}
	if l.full {
		if err := l.exec(ctx, "DROP TABLE IF EXISTS "+Quote(l.t.Name),
			"ALTER TABLE "+Quote(l.into)+" RENAME TO "+Quote(l.t.Name)); err != nil {
			return err
		}
	}
	err := l.tx.Commit()
	l.finish()
	if err != nil {
		return fmt.Errorf("sqlite sink: %s: commit: %w", l.t.Name, err)
	}
	return nil
}

// finish ends the load and lets the next one begin.
func (l *load) finish() {
	if !l.done {
		l.done = true
		l.release()
	}
}

// Abort rolls the transaction back; after Commit it does nothing.
func (l *load) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	err := l.tx.Rollback()
	l.finish()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("sqlite sink: %s: rollback: %w", l.t.Name, err)
	}
	return nil
}

// encoder returns the function giving the SQLite value of a non-null row of col.
func encoder(col arrow.Array) (func(int) any, error) {
	switch a := col.(type) {
	case *array.Int64:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int32:
		return func(i int) any { return int64(a.Value(i)) }, nil
	case *array.Int16:
		return func(i int) any { return int64(a.Value(i)) }, nil
	case *array.Int8:
		return func(i int) any { return int64(a.Value(i)) }, nil
	case *array.Float64:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Float32:
		return func(i int) any { return float64(a.Value(i)) }, nil
	case *array.Boolean:
		return func(i int) any {
			if a.Value(i) {
				return int64(1)
			}
			return int64(0)
		}, nil
	case *array.String:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Binary:
		return func(i int) any {
			if v := a.Value(i); v != nil {
				return v
			}
			return []byte{} // an empty value, not NULL
		}, nil
	case *array.Date32:
		return func(i int) any { return a.Value(i).ToTime().Format(time.DateOnly) }, nil
	case *array.Timestamp:
		return func(i int) any { return sink.FormatTimestamp(a, i) }, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) any { return a.Value(i).ToString(scale) }, nil
	case *array.List, *array.Map, *array.Struct:
		return func(i int) any { return string(sink.JSONValue(a, i)) }, nil
	}
	return nil, fmt.Errorf("Arrow type %s is not supported", col.DataType())
}
