package sqlserver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	mssql "github.com/microsoft/go-mssqldb"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// cleanupTimeout bounds the statements Abort runs, with a context that is not
// cancelled with the load's: a cancelled sync still drops its staging table.
const cleanupTimeout = time.Minute

// load is one table's load, on one held connection.
type load struct {
	sink *Sink
	t    sink.Table
	cols []column
	full bool
	conn *sql.Conn
	done bool

	// bulk is the bulk copy into the staging table (full) or the changes
	// table (incremental), from the first row to Commit or Abort.
	bulk *sql.Stmt
	vals []any // one row's values, reused
	seq  int64 // changes sent so far (incremental)
}

func (l *load) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if q == "" {
			continue
		}
		if _, err := l.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlserver sink: table %s: %s: %w", l.t.Name, firstWords(q), err)
		}
	}
	return nil
}

func firstWords(q string) string {
	if len(q) > 80 {
		return q[:80] + "..."
	}
	return q
}

// startBulk prepares the load's bulk copy; ctx stays with it until it ends.
func (l *load) startBulk(ctx context.Context) error {
	names := make([]string, len(l.cols), len(l.cols)+2)
	for i, c := range l.cols {
		names[i] = c.name
	}
	table := qualified(l.sink.schema, l.t.Name+stagingSuffix)
	if !l.full {
		table = changesTable
		names = append(names, seqColumn, opColumn)
	}
	stmt, err := l.conn.PrepareContext(ctx, mssql.CopyIn(table, mssql.BulkOptions{Tablock: true}, names...))
	if err != nil {
		return fmt.Errorf("sqlserver sink: table %s: start bulk copy: %w", l.t.Name, err)
	}
	l.bulk, l.vals = stmt, make([]any, len(names))
	return nil
}

// endBulk sends the end of the bulk copy and waits for the server to take
// its rows.
func (l *load) endBulk(ctx context.Context) error {
	if l.bulk == nil {
		return nil
	}
	_, err := l.bulk.ExecContext(ctx)
	l.bulk.Close()
	l.bulk = nil
	if err != nil {
		return fmt.Errorf("sqlserver sink: table %s: bulk copy: %w", l.t.Name, err)
	}
	return nil
}

// send bulk copies rec's rows; op is set for an incremental load.
func (l *load) send(ctx context.Context, rec arrow.RecordBatch, op int) error {
	idx, err := batchColumns(l.t.Name, l.cols, rec.Schema())
	if err != nil {
		return fmt.Errorf("sqlserver sink: %w", err)
	}
	if l.bulk == nil {
		if err := l.startBulk(ctx); err != nil {
			return err
		}
	}
	n := len(l.cols)
	for i := range int(rec.NumRows()) {
		if err := rowValues(l.vals[:n], l.t.Name, l.cols, idx, rec, i); err != nil {
			return fmt.Errorf("sqlserver sink: %w", err)
		}
		if !l.full {
			l.seq++
			l.vals[n], l.vals[n+1] = l.seq, int64(op)
		}
		if _, err := l.bulk.ExecContext(ctx, l.vals...); err != nil {
			return fmt.Errorf("sqlserver sink: table %s: bulk copy, row %d of the batch: %w", l.t.Name, i+1, err)
		}
	}
	return nil
}

// Write bulk copies rec into the staging table (full) or records its rows
// as upserts (incremental).
func (l *load) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errors.New("sqlserver sink: Write after Commit or Abort")
	}
	if rec.NumRows() == 0 {
		return nil
	}
	return l.send(ctx, rec, opUpsert)
}

// Delete records the keys of keys as deletes.
func (l *load) Delete(ctx context.Context, keys arrow.RecordBatch) error {
	if l.done {
		return errors.New("sqlserver sink: Delete after Commit or Abort")
	}
	if l.full {
		return fmt.Errorf("sqlserver sink: table %s: Delete in a full load", l.t.Name)
	}
	if len(l.t.Key) == 0 {
		return fmt.Errorf("sqlserver sink: table %s: Delete needs key columns", l.t.Name)
	}
	if keys.NumRows() == 0 {
		return nil
	}
	return l.send(ctx, keys, opDelete)
}

// Commit swaps the staging table in (full) or applies the changes
// (incremental), in one transaction.
func (l *load) Commit(ctx context.Context) error {
	if l.done {
		return errors.New("sqlserver sink: Commit after Commit or Abort")
	}
	if err := l.endBulk(ctx); err != nil {
		return err
	}
	schema := l.sink.schema
	if l.full {
		if err := l.exec(ctx, addPrimaryKeySQL(schema, l.t.Name+stagingSuffix, l.cols)); err != nil {
			return err
		}
	}
	tx, err := l.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlserver sink: table %s: begin: %w", l.t.Name, err)
	}
	if l.full {
		err = l.txExec(ctx, tx, swapSQL(schema, l.t.Name)...)
	} else {
		err = l.apply(ctx, tx)
	}
	if err == nil {
		if err = tx.Commit(); err != nil {
			err = fmt.Errorf("sqlserver sink: table %s: commit: %w", l.t.Name, err)
		}
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	l.done = true
	if err := l.conn.Close(); err != nil {
		return fmt.Errorf("sqlserver sink: table %s: release connection: %w", l.t.Name, err)
	}
	return nil
}

func (l *load) txExec(ctx context.Context, tx *sql.Tx, stmts ...string) error {
	for _, q := range stmts {
		if q == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlserver sink: table %s: %s: %w", l.t.Name, firstWords(q), err)
		}
	}
	return nil
}

// apply creates the table or adds its missing columns, then applies the
// changes, in tx.
func (l *load) apply(ctx context.Context, tx *sql.Tx) error {
	schema, table := l.sink.schema, l.t.Name
	have, err := tableColumns(ctx, tx, schema, table)
	if err != nil {
		return fmt.Errorf("sqlserver sink: table %s: columns: %w", table, err)
	}
	var stmts []string
	if len(have) == 0 {
		stmts = append(stmts, createTableSQL(schema, table, l.cols, true), typePropertiesSQL(schema, table, l.cols))
	} else if missing := missingColumns(have, l.cols); len(missing) > 0 {
		for _, c := range missing {
			stmts = append(stmts, addColumnSQL(schema, table, c))
		}
		stmts = append(stmts, typePropertiesSQL(schema, table, missing))
	}
	if l.seq > 0 {
		stmts = append(stmts, applySQL(schema, table, l.cols)...)
	}
	stmts = append(stmts, dropChangesSQL)
	return l.txExec(ctx, tx, stmts...)
}

// queryer is a connection, a transaction or a pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// tableColumns returns the column names of schema.table, none when it does
// not exist.
func tableColumns(ctx context.Context, q queryer, schema, table string) ([]string, error) {
	rows, err := q.QueryContext(ctx, columnsSQL, qualified(schema, table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// Abort ends the bulk copy, drops the staging (or changes) table and
// releases the connection; the destination table is untouched. After Commit
// it does nothing.
func (l *load) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	healthy := true
	if l.bulk != nil {
		// Ending the bulk copy is the only way to stop it; the rows it
		// commits are in the table about to be dropped.
		if _, err := l.bulk.ExecContext(ctx); err != nil {
			healthy = false
		}
		l.bulk.Close()
		l.bulk = nil
	}
	var err error
	drop := dropChangesSQL
	if l.full {
		drop = dropTableSQL(l.sink.schema, l.t.Name+stagingSuffix)
	}
	if healthy && l.exec(ctx, drop) != nil {
		healthy = false
	}
	if !healthy {
		// Do not return a connection in an unknown state to the pool:
		// closing it ends its session, with its locks and its temporary
		// table. Then drop the staging table on another connection.
		l.conn.Raw(func(any) error { return driver.ErrBadConn })
		if l.full {
			if _, e := l.sink.db.ExecContext(ctx, drop); e != nil {
				err = fmt.Errorf("sqlserver sink: table %s: drop staging table: %w", l.t.Name, e)
			}
		}
	}
	l.conn.Close()
	return err
}
