package snowflake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// load is one table's load: Parquet part files uploaded to the staging (full)
// or changes (incremental) table's stage, loaded and applied on Commit.
type load struct {
	s       *Sink
	ns      namespace
	t       sink.Table
	full    bool
	cols    []column
	nested  bool          // some column is staged as JSON
	staging string        // the staging (full) or changes (incremental) table's name
	staged  *arrow.Schema // of the Parquet files
	dir     string        // temporary folder of the part files
	parts   *partWriter
	up      *uploader
	ctx     context.Context // of the current Write, Delete or Commit, for uploads it starts
	seq     int64           // incremental: the next change's sequence number
	files   atomic.Int64    // files uploaded or being uploaded
	copies  atomic.Int64    // CopyFile calls, for file names
	done    bool
}

var _ sink.FileCopier = (*load)(nil)

// exec runs statements, outside any transaction.
func (l *load) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := l.s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("snowflake: table %s: %s: %w", l.t.Name, firstWords(q), err)
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

func (l *load) prepareIncremental(ctx context.Context) error {
	target := l.ns.table(l.t.Name)
	if err := l.exec(ctx, createTableSQL(target, l.cols, l.t.Key, false, false)); err != nil {
		return err
	}
	rows, err := l.s.db.QueryContext(ctx, columnsSQL(l.ns.database), l.ns.schema, l.t.Name)
	if err != nil {
		return fmt.Errorf("snowflake: columns of table %s: %w", l.t.Name, err)
	}
	present := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("snowflake: columns of table %s: %w", l.t.Name, err)
		}
		present[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("snowflake: columns of table %s: %w", l.t.Name, err)
	}
	for _, c := range l.cols {
		if !present[c.name] {
			if err := l.exec(ctx, addColumnSQL(target, c)); err != nil {
				return err
			}
		}
	}
	return l.exec(ctx, createChangesSQL(l.ns.table(l.staging), l.cols))
}

func (l *load) check(what string) error {
	if l.done {
		return fmt.Errorf("snowflake: table %s: %s after Commit or Abort", l.t.Name, what)
	}
	return l.up.failed()
}

// Write stages rec: rows of a full load, upserts of an incremental one.
func (l *load) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if err := l.check("Write"); err != nil {
		return err
	}
	if !l.full && len(l.t.Key) > 0 {
		for _, k := range l.t.Key {
			if rec.Schema().FieldIndices(k) == nil {
				return fmt.Errorf("snowflake: table %s: batch lacks key column %q", l.t.Name, k)
			}
		}
	}
	return l.stage(ctx, rec, opUpsert)
}

// Delete stages the removal of the rows whose key is in keys.
func (l *load) Delete(ctx context.Context, keys arrow.RecordBatch) error {
	if err := l.check("Delete"); err != nil {
		return err
	}
	if l.full {
		return fmt.Errorf("snowflake: table %s: Delete in a full load", l.t.Name)
	}
	if len(l.t.Key) == 0 {
		return fmt.Errorf("snowflake: table %s: Delete needs key columns", l.t.Name)
	}
	for _, k := range l.t.Key {
		if keys.Schema().FieldIndices(k) == nil {
			return fmt.Errorf("snowflake: table %s: delete batch lacks key column %q", l.t.Name, k)
		}
	}
	return l.stage(ctx, keys, opDelete)
}

// stage converts rec to the staged schema and writes it to the part files.
func (l *load) stage(ctx context.Context, rec arrow.RecordBatch, op string) error {
	if rec.NumRows() == 0 {
		return nil
	}
	staged, err := stageBatch(l.staged, rec, op, l.seq)
	if err != nil {
		return fmt.Errorf("snowflake: table %s: %w", l.t.Name, err)
	}
	defer staged.Release()
	l.seq += rec.NumRows()
	l.ctx = ctx
	if err := l.parts.write(staged); err != nil {
		return fmt.Errorf("snowflake: table %s: %w", l.t.Name, err)
	}
	return nil
}

// upload PUTs a finished part file to the staging table's stage in the
// background; the file is deleted once sent.
func (l *load) upload(path string) error {
	l.files.Add(1)
	stage := l.ns.stage(l.staging)
	return l.up.start(l.ctx, func(ctx context.Context) error {
		defer os.Remove(path)
		if _, err := l.s.db.ExecContext(ctx, putSQL(path, stage, l.s.threads)); err != nil {
			return fmt.Errorf("snowflake: table %s: upload %s: %w", l.t.Name, filepath.Base(path), err)
		}
		return nil
	})
}

// unsafeName matches characters kept out of uploaded file names.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// CopyFile uploads a shared Parquet file as it is, when the table has no
// columns staged differently from the file (VARIANT, wide decimals): it is
// spooled to the temporary folder (PUT reads files; a stream it would hold
// in memory whole) and PUT, and COPY loads it with the other files.
func (l *load) CopyFile(ctx context.Context, f sink.DataFile, r io.Reader) error {
	if l.done {
		return fmt.Errorf("snowflake: table %s: CopyFile after Commit or Abort", l.t.Name)
	}
	if !l.full || l.hasStagedColumns() {
		return fmt.Errorf("snowflake: table %s: %w", l.t.Name, sink.ErrCopyUnsupported)
	}
	if f.Size < 0 {
		return fmt.Errorf("snowflake: table %s: data file %s: negative size %d", l.t.Name, f.Name, f.Size)
	}
	path := filepath.Join(l.dir, fmt.Sprintf("copy-%05d-%s", l.copies.Add(1)-1, unsafeName.ReplaceAllString(f.Name, "_")))
	if err := spool(path, f, r); err != nil {
		return fmt.Errorf("snowflake: table %s: %w", l.t.Name, err)
	}
	defer os.Remove(path)
	l.files.Add(1)
	if _, err := l.s.db.ExecContext(ctx, putSQL(path, l.ns.stage(l.staging), l.s.threads)); err != nil {
		return fmt.Errorf("snowflake: table %s: upload data file %s: %w", l.t.Name, f.Name, err)
	}
	return nil
}

// hasStagedColumns reports whether a column is staged in another type than
// the table's own.
func (l *load) hasStagedColumns() bool {
	for i, c := range l.cols {
		if c.staged != c.typ || !arrow.TypeEqual(l.staged.Field(i).Type, l.t.Schema.Field(i).Type) {
			return true
		}
	}
	return false
}

// spool writes r, which must yield exactly f.Size bytes, to path (0600).
func spool(path string, f sink.DataFile, r io.Reader) error {
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("data file %s: %w", f.Name, err)
	}
	n, err := io.Copy(out, io.LimitReader(r, f.Size+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != f.Size {
		err = fmt.Errorf("read %d bytes, but its size is %d", n, f.Size)
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("data file %s: %w", f.Name, err)
	}
	return nil
}

// Commit loads the staged files and makes them visible: swap (full) or
// merge (incremental).
func (l *load) Commit(ctx context.Context) error {
	if err := l.check("Commit"); err != nil {
		return fmt.Errorf("snowflake: table %s: not committed after an earlier error: %w", l.t.Name, err)
	}
	l.ctx = ctx
	if err := l.parts.finish(); err != nil {
		return fmt.Errorf("snowflake: table %s: %w", l.t.Name, err)
	}
	if err := l.up.wait(); err != nil {
		return err
	}
	staging := l.ns.table(l.staging)
	if l.files.Load() > 0 {
		if err := l.exec(ctx, copySQL(staging, l.ns.stage(l.staging))); err != nil {
			return err
		}
	}
	var err error
	if l.full {
		err = l.commitFull(ctx)
	} else {
		err = l.commitIncremental(ctx)
	}
	if err != nil {
		return err
	}
	l.done = true
	l.cleanup(ctx)
	return nil
}

func (l *load) commitFull(ctx context.Context) error {
	from := l.staging
	if l.nested {
		ready := l.t.Name + readySuffix
		if err := l.exec(ctx,
			createTableSQL(l.ns.table(ready), l.cols, l.t.Key, false, true),
			promoteSQL(l.ns.table(ready), l.ns.table(l.staging), l.cols),
			dropSQL(l.ns.table(l.staging))); err != nil {
			return err
		}
		from = ready
	}
	return l.exec(ctx, swapSQL(l.ns.table(l.t.Name), l.ns.table(from))...)
}

func (l *load) commitIncremental(ctx context.Context) error {
	if l.files.Load() == 0 {
		return nil
	}
	target, changes := l.ns.table(l.t.Name), l.ns.table(l.staging)
	apply := appendSQL(target, changes, l.cols)
	if len(l.t.Key) > 0 {
		apply = mergeSQL(target, changes, l.cols, l.t.Key)
	}
	tx, err := l.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("snowflake: table %s: begin: %w", l.t.Name, err)
	}
	if _, err := tx.ExecContext(ctx, apply); err != nil {
		tx.Rollback()
		return fmt.Errorf("snowflake: table %s: %s: %w", l.t.Name, firstWords(apply), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("snowflake: table %s: commit: %w", l.t.Name, err)
	}
	return nil
}

// Abort drops the staging tables and files; after Commit it does nothing.
func (l *load) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	l.parts.discard()
	l.up.wait()
	return l.cleanup(ctx)
}

// cleanup drops the load's tables (a committed full load's staging table is
// already gone) and its temporary folder.
func (l *load) cleanup(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	stmts := []string{dropSQL(l.ns.table(l.staging))}
	if l.full && l.nested {
		stmts = append(stmts, dropSQL(l.ns.table(l.t.Name+readySuffix)))
	}
	return errors.Join(l.exec(ctx, stmts...), os.RemoveAll(l.dir))
}

// uploader runs uploads in the background, at most n at once, and keeps the
// first error.
type uploader struct {
	sem chan struct{}
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

func newUploader(n int) *uploader { return &uploader{sem: make(chan struct{}, n)} }

// start runs fn once a slot is free; it waits for one.
func (u *uploader) start(ctx context.Context, fn func(context.Context) error) error {
	if err := u.failed(); err != nil {
		return err
	}
	select {
	case u.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	u.wg.Go(func() {
		defer func() { <-u.sem }()
		if err := fn(ctx); err != nil {
			u.mu.Lock()
			if u.err == nil {
				u.err = err
			}
			u.mu.Unlock()
		}
	})
	return nil
}

// failed returns the first upload error so far.
func (u *uploader) failed() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// wait waits for every upload and returns the first error.
func (u *uploader) wait() error {
	u.wg.Wait()
	return u.failed()
}
