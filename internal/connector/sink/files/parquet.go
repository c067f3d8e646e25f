package files

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
)

// partWriter writes record batches into a sequence of Parquet files (zstd),
// starting a new file every limit rows. Each file is spooled locally by
// datafile.Writer and stored with one Put when full.
type partWriter struct {
	ctx    context.Context
	store  blob.Store
	schema *arrow.Schema
	limit  int64
	next   func() string // the key of the next file
	cur    *datafile.Writer
	rows   int64    // in cur
	keys   []string // files stored
}

// write appends rec, splitting it across files at the row limit.
func (w *partWriter) write(rec arrow.RecordBatch) error {
	for off := int64(0); off < rec.NumRows(); {
		if w.cur == nil {
			if err := w.open(); err != nil {
				return err
			}
		}
		n := min(rec.NumRows()-off, w.limit-w.rows)
		part := rec
		if off != 0 || n != rec.NumRows() {
			part = rec.NewSlice(off, off+n)
		}
		err := w.cur.Write(part)
		if part != rec {
			part.Release()
		}
		if err != nil {
			return err
		}
		off += n
		w.rows += n
		if w.rows >= w.limit {
			if err := w.finish(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *partWriter) open() error {
	fw, err := datafile.NewWriter(w.ctx, w.store, w.next(), w.schema, datafile.Options{})
	if err != nil {
		return err
	}
	w.cur, w.rows = fw, 0
	return nil
}

// finish stores the file being written, if any.
func (w *partWriter) finish() error {
	if w.cur == nil {
		return nil
	}
	info, err := w.cur.Close()
	w.cur = nil
	if err != nil {
		return err
	}
	w.keys = append(w.keys, info.Key)
	return nil
}

// empty stores a file without rows, which still tells readers the columns.
func (w *partWriter) empty() error {
	if err := w.open(); err != nil {
		return err
	}
	return w.finish()
}

// abort drops the file being written; the files stored are the caller's.
func (w *partWriter) abort() {
	if w.cur != nil {
		w.cur.Abort()
		w.cur = nil
	}
}

// parquetLoad is a full load of the parquet format: part files staged in
// runDir until Commit swaps them in.
type parquetLoad struct {
	s     *Sink
	t     sink.Table
	run   string
	dir   string // the staging folder, without the trailing "/"
	seq   atomic.Int64
	parts *partWriter
	done  bool

	mu     sync.Mutex // guards copied and failed, which CopyFile updates from several goroutines
	copied int
	failed error
}

var _ sink.FileCopier = (*parquetLoad)(nil)

func (s *Sink) beginParquet(ctx context.Context, t sink.Table) (sink.Load, error) {
	if err := s.recoverTable(ctx, t.Name); err != nil {
		return nil, err
	}
	run := newRunID()
	l := &parquetLoad{s: s, t: t, run: run, dir: runDir(t.Name, run)}
	l.parts = &partWriter{ctx: ctx, store: s.store, schema: t.Schema, limit: s.rowsPerFile,
		next: func() string { return l.partKey(".zstd.parquet") }}
	s.setActive(t.Name, run, true)
	return l, nil
}

// partKey returns the key of the next part file, ending in ext.
func (l *parquetLoad) partKey(ext string) string {
	return fmt.Sprintf("%s/part-%05d-%s%s", l.dir, l.seq.Add(1)-1, l.run, ext)
}

func (l *parquetLoad) fail(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed == nil {
		l.failed = err
	}
	return err
}

func (l *parquetLoad) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// Write encodes rec into the current part file.
func (l *parquetLoad) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errDone(l.t.Name, "Write")
	}
	if err := l.err(); err != nil {
		return err
	}
	if err := cmpErr(ctx.Err(), l.parts.ctx.Err()); err != nil {
		return err
	}
	if err := l.parts.write(rec); err != nil {
		return l.fail(fmt.Errorf("files sink: table %s: %w", l.t.Name, err))
	}
	return nil
}

// Delete is for incremental loads, which this format has not.
func (l *parquetLoad) Delete(context.Context, arrow.RecordBatch) error {
	return fmt.Errorf("files sink: table %s: Delete needs an incremental load, which parquet tables have not", l.t.Name)
}

// CopyFile stores the data file as one more part file, streaming it.
func (l *parquetLoad) CopyFile(ctx context.Context, f sink.DataFile, r io.Reader) error {
	if l.done {
		return errDone(l.t.Name, "CopyFile")
	}
	if err := l.err(); err != nil {
		return err
	}
	if err := putExactly(ctx, l.s.store, l.partKey(".parquet"), f, r); err != nil {
		return l.fail(fmt.Errorf("files sink: table %s: %w", l.t.Name, err))
	}
	l.mu.Lock()
	l.copied++
	l.mu.Unlock()
	return nil
}

// Commit stores the last part file and swaps the staged folder in.
func (l *parquetLoad) Commit(ctx context.Context) error {
	if l.done {
		return errDone(l.t.Name, "Commit")
	}
	if err := l.err(); err != nil {
		return fmt.Errorf("files sink: table %s: not committed after an earlier error: %w", l.t.Name, err)
	}
	if err := l.parts.finish(); err != nil {
		return l.fail(fmt.Errorf("files sink: table %s: %w", l.t.Name, err))
	}
	if len(l.parts.keys) == 0 && l.copied == 0 {
		if err := l.parts.empty(); err != nil {
			return l.fail(fmt.Errorf("files sink: table %s: %w", l.t.Name, err))
		}
	}
	if err := l.s.swap(ctx, l.t.Name, l.run); err != nil {
		return l.fail(err)
	}
	l.done = true
	l.s.setActive(l.t.Name, l.run, false)
	return nil
}

// Abort deletes the staged files. After a Commit that failed past the point
// where the previous files could be kept (S3, deleting them), it finishes the
// swap instead, so the table ends whole. After Commit it does nothing.
func (l *parquetLoad) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	l.parts.abort()
	l.s.setActive(l.t.Name, l.run, false)
	return l.s.recoverTable(ctx, l.t.Name)
}

// putExactly streams r, which must yield exactly f.Size bytes, into key.
func putExactly(ctx context.Context, store blob.Store, key string, f sink.DataFile, r io.Reader) error {
	if f.Size < 0 {
		return fmt.Errorf("data file %s: negative size %d", f.Name, f.Size)
	}
	cr := &countingReader{r: io.LimitReader(r, f.Size+1)}
	if err := store.Put(ctx, key, cr); err != nil {
		return fmt.Errorf("store data file %s as %s: %w", f.Name, key, err)
	}
	if cr.n != f.Size {
		_ = store.Delete(context.WithoutCancel(ctx), key)
		return fmt.Errorf("data file %s: read %d bytes, but its size is %d", f.Name, cr.n, f.Size)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read reads from the underlying reader, counting.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
