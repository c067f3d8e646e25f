package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// cdfConfig is the configuration of the Delta tables the sink creates.
var cdfConfig = map[string]string{delta.ConfigEnableChangeDataFeed: "true"}

// openDelta returns the delta table of t, creating it (empty, change data
// feed on) with t's columns when missing; created says whether it did.
func (s *Sink) openDelta(ctx context.Context, t sink.Table) (tbl *delta.Table, ds *schema.StructType, created bool, err error) {
	ds, err = datafile.DeltaSchema(t.Schema)
	if err != nil {
		return nil, nil, false, fmt.Errorf("files sink: table %s: %w", t.Name, err)
	}
	tbl = delta.NewTable(s.store, t.Name)
	exists, err := tbl.Exists(ctx)
	if err != nil {
		return nil, nil, false, fmt.Errorf("files sink: table %s: %w", t.Name, err)
	}
	if exists {
		return tbl, ds, false, nil
	}
	m, err := delta.NewMetadata(ds, nil, cdfConfig)
	if err != nil {
		return nil, nil, false, fmt.Errorf("files sink: table %s: %w", t.Name, err)
	}
	if err := tbl.Create(ctx, m, delta.Protocol{}); err != nil && !errors.Is(err, delta.ErrTableExists) {
		return nil, nil, false, fmt.Errorf("files sink: create delta table %s: %w", t.Name, err)
	} else if err == nil {
		created = true
	}
	return tbl, ds, created, nil
}

// dropIfUnused deletes a table this load created when nothing was committed
// to it since, so an aborted first load leaves nothing behind.
func (s *Sink) dropIfUnused(ctx context.Context, tbl *delta.Table) {
	ctx = context.WithoutCancel(ctx)
	if v, err := delta.NewTable(s.store, tbl.Root()).LatestVersion(ctx); err == nil && v == 0 {
		_ = deletePrefix(ctx, s.store, tbl.Root()+"/")
	}
}

// deltaFull is a full load of the delta format. Write hands batches over a
// channel to a goroutine running delta's pull-style Overwrite (or
// OverwriteSchema), whose batches iterator reads that channel; Commit closes
// the channel and the goroutine commits. Abort, or the end of BeginFull's
// context, makes the iterator yield an error instead, so Overwrite deletes
// the files it wrote and commits nothing. BeginFull's context bounds the
// whole load.
type deltaFull struct {
	s       *Sink
	t       sink.Table
	tbl     *delta.Table
	as      *arrow.Schema // the table's Arrow schema, which batches are given
	created bool

	ch     chan arrow.RecordBatch // Write to the goroutine, unbuffered
	abort  chan struct{}
	cancel context.CancelFunc
	exited chan struct{} // closed when the goroutine has returned
	result error         // the goroutine's outcome, read after exited
	done   bool
	failed error

	seq    atomic.Int64
	mu     sync.Mutex // guards copied and copyErr, which CopyFile updates from several goroutines
	copied []delta.AddedFile
	// copyErr is the first CopyFile error; the load then commits nothing.
	copyErr error
}

var _ sink.FileCopier = (*deltaFull)(nil)

func (s *Sink) beginDeltaFull(ctx context.Context, t sink.Table) (sink.Load, error) {
	tbl, ds, created, err := s.openDelta(ctx, t)
	if err != nil {
		return nil, err
	}
	var as, cur *arrow.Schema
	snap, err := tbl.Snapshot(ctx)
	if err == nil {
		cur, err = snap.ArrowSchema()
	}
	if err == nil {
		as, err = datafile.ArrowSchema(ds)
	}
	if err != nil {
		if created {
			s.dropIfUnused(ctx, tbl)
		}
		return nil, fmt.Errorf("files sink: table %s: %w", t.Name, err)
	}
	changed := !cur.Equal(as)

	gctx, cancel := context.WithCancel(ctx)
	l := &deltaFull{s: s, t: t, tbl: tbl, as: as, created: created,
		ch: make(chan arrow.RecordBatch), abort: make(chan struct{}), cancel: cancel, exited: make(chan struct{})}
	opts := delta.WriteOptions{RowsPerFile: s.rowsPerFile, AddFiles: l.addedFiles}
	go func() {
		defer close(l.exited)
		if changed {
			_, l.result = tbl.OverwriteSchema(gctx, ds, l.batches(gctx), opts)
		} else {
			_, l.result = tbl.Overwrite(gctx, l.batches(gctx), opts)
		}
	}()
	return l, nil
}

// batches is the pull-style side of the bridge: it yields what Write sends
// until Commit closes the channel, and an error on Abort or when ctx ends.
func (l *deltaFull) batches(ctx context.Context) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		for {
			select {
			case rec, ok := <-l.ch:
				if !ok {
					return
				}
				more := yield(rec, nil)
				rec.Release()
				if !more {
					return
				}
			case <-l.abort:
				yield(nil, errAborted)
				return
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
		}
	}
}

// addedFiles gives Overwrite the copied files, once the batches are done.
func (l *deltaFull) addedFiles() ([]delta.AddedFile, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.copyErr != nil {
		return nil, l.copyErr
	}
	return l.copied, nil
}

// Write hands rec to the Overwrite goroutine.
func (l *deltaFull) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errDone(l.t.Name, "Write")
	}
	if l.failed != nil {
		return l.failed
	}
	if rec.NumRows() == 0 {
		return nil
	}
	out, err := relabel(rec, l.as)
	if err != nil {
		return fmt.Errorf("files sink: table %s: %w", l.t.Name, err)
	}
	select {
	case l.ch <- out:
		return nil
	case <-l.exited:
		out.Release()
		l.failed = fmt.Errorf("files sink: table %s: %w", l.t.Name, cmpErr(l.result, errors.New("the writer stopped")))
	case <-ctx.Done():
		out.Release()
		l.failed = ctx.Err()
	}
	return l.failed
}

// relabel returns rec (retained) as a batch of schema s, which must have the
// same column types.
func relabel(rec arrow.RecordBatch, s *arrow.Schema) (arrow.RecordBatch, error) {
	if rec.Schema().Equal(s) {
		rec.Retain()
		return rec, nil
	}
	if int(rec.NumCols()) != s.NumFields() {
		return nil, fmt.Errorf("batch has %d columns, the table %d", rec.NumCols(), s.NumFields())
	}
	for i, f := range s.Fields() {
		if rec.ColumnName(i) != f.Name || !arrow.TypeEqual(rec.Column(i).DataType(), f.Type) {
			return nil, fmt.Errorf("batch column %d is %q %s, the table's is %q %s",
				i, rec.ColumnName(i), rec.Column(i).DataType(), f.Name, f.Type)
		}
	}
	return array.NewRecordBatch(s, rec.Columns(), rec.NumRows()), nil
}

// Delete is for incremental loads.
func (l *deltaFull) Delete(context.Context, arrow.RecordBatch) error {
	return fmt.Errorf("files sink: table %s: Delete needs an incremental load", l.t.Name)
}

// CopyFile stores the data file under the table folder; Commit adds it.
func (l *deltaFull) CopyFile(ctx context.Context, f sink.DataFile, r io.Reader) error {
	if l.done {
		return errDone(l.t.Name, "CopyFile")
	}
	name := fmt.Sprintf("part-%05d-%s.c000.parquet", l.seq.Add(1)-1, uuid.NewString())
	err := putExactly(ctx, l.s.store, l.tbl.Root()+"/"+name, f, r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("files sink: table %s: %w", l.t.Name, err)
		if l.copyErr == nil {
			l.copyErr = err
		}
		return err
	}
	// Statistics the table cannot use are dropped rather than failing the
	// commit; the row count, when known, is kept.
	stats := strings.TrimSpace(f.Stats)
	if _, err := delta.ParseStats(stats); err != nil {
		stats = ""
	}
	if stats == "" && f.Rows >= 0 {
		stats = fmt.Sprintf(`{"numRecords":%d}`, f.Rows)
	}
	l.copied = append(l.copied, delta.AddedFile{Path: name, Size: f.Size, Stats: stats})
	return nil
}

// Commit ends the batches; the goroutine then commits the overwrite. If ctx
// ends first the goroutine is cancelled, and Commit reports whether the
// commit happened all the same.
func (l *deltaFull) Commit(ctx context.Context) error {
	if l.done {
		return errDone(l.t.Name, "Commit")
	}
	if l.failed != nil {
		return fmt.Errorf("files sink: table %s: not committed after an earlier error: %w", l.t.Name, l.failed)
	}
	l.done = true
	close(l.ch)
	stop := context.AfterFunc(ctx, l.cancel)
	<-l.exited
	stop()
	l.cancel()
	if l.result != nil {
		if l.landed(ctx) {
			// The commit was written though its request reported an error
			// (a cancelled context on S3, say): the load is committed.
			return nil
		}
		l.cleanUp(ctx)
		return fmt.Errorf("files sink: table %s: %w", l.t.Name, l.result)
	}
	return nil
}

// landed reports whether the table's latest version holds the copied files,
// which only this load's commit adds.
func (l *deltaFull) landed(ctx context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.copied) == 0 {
		return false
	}
	snap, err := delta.NewTable(l.s.store, l.tbl.Root()).Snapshot(context.WithoutCancel(ctx))
	if err != nil {
		return false
	}
	_, ok := snap.File(l.copied[0].Path)
	return ok
}

// Abort makes the goroutine fail, waits for it, and deletes the copied files
// (and the table, if this load created it). After Commit it does nothing.
func (l *deltaFull) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	close(l.abort)
	l.cancel()
	<-l.exited
	l.cleanUp(ctx)
	return nil
}

// cleanUp deletes what an uncommitted load stored itself.
func (l *deltaFull) cleanUp(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	l.mu.Lock()
	keys := make([]string, len(l.copied))
	for i, f := range l.copied {
		keys[i] = l.tbl.Root() + "/" + f.Path
	}
	l.mu.Unlock()
	_ = deleteKeys(ctx, l.s.store, keys)
	if l.created {
		l.s.dropIfUnused(ctx, l.tbl)
	}
}
