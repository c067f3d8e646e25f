package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// Names of the temporary changes table of an incremental load and of its
// extra columns.
const (
	changesTable = "__trestle_changes"
	opColumn     = "__trestle_op"
	seqColumn    = "__trestle_seq"
)

// Operations in the changes table.
const (
	opUpsert = 0
	opDelete = 1
)

// cleanupTimeout bounds the statements Abort runs, even when the load's
// context is already canceled.
const cleanupTimeout = 30 * time.Second

// load is one table's load, on a connection of its own.
type load struct {
	sink    *Sink
	t       sink.Table
	full    bool
	names   []string // the table's columns
	conn    *sql.Conn
	staging string // full loads: the table the rows go to
	into    target // where Write's (and Delete's) rows go
	w       rowWriter
	inTx    bool  // an INSERT fallback opened a transaction on conn
	seq     int64 // changes: the last sequence number given
	done    bool
}

// BeginFull starts a full load of t into <t.Name>__staging.
func (s *Sink) BeginFull(ctx context.Context, t sink.Table) (sink.Load, error) {
	defs, err := s.columnDefs(t.Schema, t.Key)
	if err != nil {
		return nil, fmt.Errorf("mysql sink: %s: %w", t.Name, err)
	}
	l, err := s.begin(ctx, t, true)
	if err != nil {
		return nil, err
	}
	l.staging = derivedName(t.Name, "__staging")
	l.into = l.target(l.staging, false)
	if err := l.exec(ctx, "DROP TABLE IF EXISTS "+quote(l.staging), createTable(l.staging, defs, t.Key, false)); err != nil {
		l.Abort(ctx)
		return nil, err
	}
	return l, nil
}

// BeginIncremental starts applying changes to t, creating it or adding the
// columns it lacks.
func (s *Sink) BeginIncremental(ctx context.Context, t sink.Table) (sink.Load, error) {
	defs, err := s.columnDefs(t.Schema, t.Key)
	if err != nil {
		return nil, fmt.Errorf("mysql sink: %s: %w", t.Name, err)
	}
	l, err := s.begin(ctx, t, false)
	if err != nil {
		return nil, err
	}
	if err := l.prepareIncremental(ctx, defs); err != nil {
		l.Abort(ctx)
		return nil, err
	}
	return l, nil
}

func (s *Sink) begin(ctx context.Context, t sink.Table, full bool) (*load, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql sink: %s: connect: %w", t.Name, err)
	}
	l := &load{sink: s, t: t, full: full, conn: conn, names: make([]string, len(t.Schema.Fields()))}
	for i, f := range t.Schema.Fields() {
		l.names[i] = f.Name
	}
	return l, nil
}

// target describes table as the destination of the load's rows.
func (l *load) target(table string, changes bool) target {
	t := target{table: table, columns: l.names, binary: make([]bool, len(l.names))}
	for i, f := range l.t.Schema.Fields() {
		t.binary[i] = isBinary(f.Type)
	}
	if changes {
		t.extra = []string{opColumn, seqColumn}
		t.replace = len(l.t.Key) > 0
	}
	return t
}

func createTable(name string, defs, key []string, temporary bool) string {
	cols := append([]string(nil), defs...)
	if len(key) > 0 {
		cols = append(cols, "PRIMARY KEY ("+quoteAll(key)+")")
	}
	kind := "TABLE "
	if temporary {
		kind = "TEMPORARY TABLE "
	}
	return "CREATE " + kind + "IF NOT EXISTS " + quote(name) + " (" + strings.Join(cols, ", ") +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
}

func (l *load) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := l.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mysql sink: %s: %s: %w", l.t.Name, firstWords(q), err)
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

// prepareIncremental creates the table if missing and adds the columns it
// lacks (compared without case, as MySQL compares column names).
func (l *load) prepareIncremental(ctx context.Context, defs []string) error {
	if err := l.exec(ctx, createTable(l.t.Name, defs, l.t.Key, false)); err != nil {
		return err
	}
	rows, err := l.conn.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = DATABASE() AND table_name = ?`, l.t.Name)
	if err != nil {
		return fmt.Errorf("mysql sink: columns of %s: %w", l.t.Name, err)
	}
	present := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return fmt.Errorf("mysql sink: columns of %s: %w", l.t.Name, err)
		}
		present[strings.ToLower(c)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mysql sink: columns of %s: %w", l.t.Name, err)
	}
	var add []string
	for i, name := range l.names {
		if !present[strings.ToLower(name)] {
			add = append(add, "ADD COLUMN "+defs[i])
		}
	}
	if len(add) > 0 {
		if err := l.exec(ctx, "ALTER TABLE "+quote(l.t.Name)+" "+strings.Join(add, ", ")); err != nil {
			return err
		}
	}
	// The changes: the table's columns (nullable, so that a delete carries
	// only its key), the operation and the order of arrival.
	cdefs := append(defs[:len(defs):len(defs)], quote(opColumn)+" TINYINT NOT NULL", quote(seqColumn)+" BIGINT NOT NULL")
	if err := l.exec(ctx, "DROP TEMPORARY TABLE IF EXISTS "+quote(changesTable),
		createTable(changesTable, cdefs, l.t.Key, true)); err != nil {
		return err
	}
	l.into = l.target(changesTable, true)
	return nil
}

// Write loads rec into the staging table (full) or adds it to the changes as
// upserts (incremental).
func (l *load) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errors.New("mysql sink: Write after Commit or Abort")
	}
	if rec.NumRows() == 0 {
		return nil
	}
	if !l.full {
		if err := l.hasKey(rec, "batch"); err != nil {
			return err
		}
		return l.send(ctx, rec, opUpsert)
	}
	return l.send(ctx, rec, -1)
}

// Delete removes the rows whose key is in keys.
func (l *load) Delete(ctx context.Context, keys arrow.RecordBatch) error {
	if l.done {
		return errors.New("mysql sink: Delete after Commit or Abort")
	}
	if l.full {
		return fmt.Errorf("mysql sink: %s: Delete in a full load", l.t.Name)
	}
	if len(l.t.Key) == 0 {
		return fmt.Errorf("mysql sink: %s: Delete needs key columns", l.t.Name)
	}
	if keys.NumRows() == 0 {
		return nil
	}
	if err := l.hasKey(keys, "delete batch"); err != nil {
		return err
	}
	return l.send(ctx, keys, opDelete)
}

func (l *load) hasKey(rec arrow.RecordBatch, what string) error {
	for _, k := range l.t.Key {
		if rec.Schema().FieldIndices(k) == nil {
			return fmt.Errorf("mysql sink: %s: %s lacks key column %q", l.t.Name, what, k)
		}
	}
	return nil
}

// send encodes rec's rows into the load's writer, starting it on the first
// call; op < 0 means plain rows (no operation columns).
func (l *load) send(ctx context.Context, rec arrow.RecordBatch, op int) error {
	if l.w == nil {
		if err := l.startWriter(ctx); err != nil {
			return err
		}
	}
	enc, err := newRowEncoder(l.w.format(), rec, l.names)
	if err != nil {
		return fmt.Errorf("mysql sink: %s: %w", l.t.Name, err)
	}
	if op >= 0 {
		enc.extra, enc.seq = []int64{int64(op)}, &l.seq
	}
	if err := l.w.write(ctx, enc, int(rec.NumRows())); err != nil {
		return fmt.Errorf("mysql sink: %s: load %s: %w", l.t.Name, l.into.table, err)
	}
	return nil
}

// startWriter starts LOAD DATA LOCAL, or INSERTs once the server refused it.
func (l *load) startWriter(ctx context.Context) error {
	if !l.sink.noLocalInfile.Load() {
		w, err := startInfile(ctx, l.conn, l.into)
		if err == nil {
			l.w = w
			return nil
		}
		if !errors.Is(err, errLocalInfileRefused) {
			return fmt.Errorf("mysql sink: %s: load %s: %w", l.t.Name, l.into.table, err)
		}
		l.sink.noLocalInfile.Store(true)
	}
	// One transaction for every INSERT: one commit, and MariaDB's bulk
	// insert into an empty table.
	if err := l.exec(ctx, "START TRANSACTION"); err != nil {
		return err
	}
	l.inTx = true
	l.w = newInsertWriter(l.conn, l.into, l.sink.maxPacket)
	return nil
}

// finishWriter ends the writer's statement and waits for its outcome.
func (l *load) finishWriter(ctx context.Context) error {
	if l.w == nil {
		return nil
	}
	err := l.w.close(ctx)
	l.w = nil
	if err != nil {
		return fmt.Errorf("mysql sink: %s: load %s: %w", l.t.Name, l.into.table, err)
	}
	if l.inTx {
		l.inTx = false
		return l.exec(ctx, "COMMIT")
	}
	return nil
}

// Commit swaps the staging table in (full) or applies the changes
// (incremental).
func (l *load) Commit(ctx context.Context) error {
	if l.done {
		return errors.New("mysql sink: Commit after Commit or Abort")
	}
	if err := l.finishWriter(ctx); err != nil {
		return err
	}
	var err error
	if l.full {
		err = l.swap(ctx)
	} else {
		err = l.applyChanges(ctx)
	}
	if err != nil {
		return err
	}
	l.done = true
	l.conn.Close()
	return nil
}

// swap puts the staging table in place with one atomic RENAME TABLE, then
// drops the old table.
func (l *load) swap(ctx context.Context) error {
	old := derivedName(l.t.Name, "__old")
	if err := l.exec(ctx, "DROP TABLE IF EXISTS "+quote(old)); err != nil {
		return err
	}
	var n int
	if err := l.conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_name = ?`, l.t.Name).Scan(&n); err != nil {
		return fmt.Errorf("mysql sink: %s: look for the table: %w", l.t.Name, err)
	}
	if n == 0 {
		return l.exec(ctx, "RENAME TABLE "+quote(l.staging)+" TO "+quote(l.t.Name))
	}
	return l.exec(ctx, "RENAME TABLE "+quote(l.t.Name)+" TO "+quote(old)+", "+quote(l.staging)+" TO "+quote(l.t.Name),
		"DROP TABLE "+quote(old))
}

// applyChanges applies the last operation of each key in one transaction:
// deletes, then upserts in key order. Without a key, rows are appended.
func (l *load) applyChanges(ctx context.Context) error {
	if l.seq == 0 {
		return l.exec(ctx, "DROP TEMPORARY TABLE IF EXISTS "+quote(changesTable))
	}
	target, changes, cols := quote(l.t.Name), quote(changesTable), quoteAll(l.names)
	op := quote(opColumn)
	var stmts []string
	if len(l.t.Key) == 0 {
		stmts = []string{"INSERT INTO " + target + " (" + cols + ") SELECT " + cols + " FROM " + changes + " ORDER BY " + quote(seqColumn)}
	} else {
		var match, set []string
		isKey := map[string]bool{}
		for _, k := range l.t.Key {
			isKey[k] = true
			match = append(match, "t."+quote(k)+" = c."+quote(k))
		}
		for _, c := range l.names {
			if !isKey[c] {
				set = append(set, quote(c)+" = VALUES("+quote(c)+")")
			}
		}
		if len(set) == 0 { // a table of keys only: nothing to update
			set = append(set, quote(l.t.Key[0])+" = VALUES("+quote(l.t.Key[0])+")")
		}
		stmts = []string{
			"DELETE t FROM " + target + " AS t JOIN " + changes + " AS c ON " + strings.Join(match, " AND ") +
				fmt.Sprintf(" WHERE c.%s = %d", op, opDelete),
			"INSERT INTO " + target + " (" + cols + ") SELECT " + cols + " FROM " + changes +
				fmt.Sprintf(" WHERE %s = %d ORDER BY %s", op, opUpsert, quoteAll(l.t.Key)) +
				" ON DUPLICATE KEY UPDATE " + strings.Join(set, ", "),
		}
	}
	tx, err := l.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mysql sink: %s: begin: %w", l.t.Name, err)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("mysql sink: %s: apply changes: %s: %w", l.t.Name, firstWords(q), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mysql sink: %s: commit: %w", l.t.Name, err)
	}
	return l.exec(ctx, "DROP TEMPORARY TABLE IF EXISTS "+changes)
}

// Abort stops the load and drops its staging table (full) or changes
// (incremental); after Commit it does nothing.
func (l *load) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	if l.w != nil {
		l.w.abort()
		l.w = nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var drop string
	switch {
	case l.full && l.staging != "":
		drop = "DROP TABLE IF EXISTS " + quote(l.staging)
	case !l.full:
		drop = "DROP TEMPORARY TABLE IF EXISTS " + quote(changesTable)
	}
	var err error
	if l.inTx {
		_, err = l.conn.ExecContext(ctx, "ROLLBACK")
	}
	if err == nil && drop != "" {
		_, err = l.conn.ExecContext(ctx, drop)
	}
	l.conn.Close()
	if err != nil && l.full && drop != "" {
		// The load's connection is gone (a canceled statement closes it):
		// drop the staging table from another one.
		if _, err2 := l.sink.db.ExecContext(ctx, drop); err2 != nil {
			return fmt.Errorf("mysql sink: %s: drop %s: %w", l.t.Name, l.staging, err2)
		}
		return nil
	}
	if err != nil && !l.full {
		return nil // the temporary table went with the connection
	}
	return err
}
