package connector

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// full loads the table's latest snapshot into a staging area of the
// destination and commits it.
func (ts *tableSync) full(ctx context.Context, key []string, plannedSchema string) error {
	qopts := client.QueryOptions{IncludeRefreshToken: true}
	stream, err := ts.o.Client.QueryStream(ctx, ts.t, qopts)
	if err != nil {
		return fmt.Errorf("query the table: %w", err)
	}
	files, err := collect(stream)
	if err != nil {
		return fmt.Errorf("query the table: %w", err)
	}
	// The snapshot may be newer than the metadata the plan read.
	meta := stream.Metadata
	s, as, err := tableSchema(meta)
	if err != nil {
		return err
	}
	if meta.SchemaString != plannedSchema {
		if key, err = primaryKey(ts.o.Config.Keys[ts.name], meta.Configuration, s); err != nil {
			return err
		}
	}
	tbl := sink.Table{Name: ts.res.Destination, Schema: as, Key: key}
	ts.started(files)
	load, err := ts.o.Sink.BeginFull(ctx, tbl)
	if err != nil {
		return fmt.Errorf("destination: start loading %s: %w", tbl.Name, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = load.Abort(context.WithoutCancel(ctx))
		}
	}()
	refresher := ts.o.Client.NewRefresher(ts.t, qopts, stream.Version, stream.RefreshToken)
	copier, _ := load.(sink.FileCopier)
	if len(meta.PartitionColumns) > 0 {
		copier = nil // the files lack the partition columns
	}
	w := &fullWriter{ctx: ctx, ts: ts, load: load, copier: copier, target: as,
		slots: make(chan struct{}, cmp.Or(ts.o.Config.Downloads, DefaultDownloads))}
	err = ts.downloader(refresher).fetchAll(ctx, files, w.take)
	if werr := w.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	if err := load.Commit(ctx); err != nil {
		return fmt.Errorf("destination: commit %s: %w", tbl.Name, err)
	}
	committed = true
	return ts.commitState(ModeFull, stream.Version, meta.SchemaString, key)
}

// fullWriter hands each downloaded file to the load: copied as it is when
// the load can take it and its columns are the table's, else decoded and
// written. Copies run concurrently (as many as downloads); writes wait for
// them, as the sink contract asks.
type fullWriter struct {
	ctx    context.Context
	ts     *tableSync
	load   sink.Load
	copier sink.FileCopier
	target *arrow.Schema

	n       int
	copies  sync.WaitGroup
	mu      sync.Mutex
	copyErr error
	slots   chan struct{}
}

func (w *fullWriter) take(f *fetched) error {
	w.n++
	pq, err := openParquet(f, w.ts.mem)
	if err != nil {
		f.release()
		return err
	}
	if w.copier != nil {
		fs, err := pq.schema()
		if err == nil && sameColumns(fs, w.target) {
			rows := pq.pf.NumRows()
			pq.close()
			return w.copy(f, rows)
		}
	}
	defer f.release()
	defer pq.close()
	if err := w.wait(); err != nil {
		return err
	}
	c := &conformer{target: w.target, mem: w.ts.mem, partition: f.file.PartitionValues}
	ctx := w.ctx
	return pq.batches(ctx, func(rec arrow.RecordBatch) error {
		out, err := c.conform(ctx, rec)
		if err != nil {
			return fmt.Errorf("data file %s: %w", f.file.ID, err)
		}
		defer out.Release()
		if err := w.load.Write(ctx, out); err != nil {
			return fmt.Errorf("destination: %w", err)
		}
		w.ts.addRows(out.NumRows())
		return nil
	})
}

// copy hands f to the copier in the background.
func (w *fullWriter) copy(f *fetched, rows int64) error {
	if err := w.err(); err != nil {
		f.release()
		return err
	}
	w.slots <- struct{}{}
	name := fmt.Sprintf("part-%05d.parquet", w.n)
	w.copies.Go(func() {
		defer func() { <-w.slots }()
		defer f.release()
		err := w.copier.CopyFile(w.ctx, sink.DataFile{Name: name, Size: f.size, Rows: rows, Stats: f.file.Stats}, f.reader())
		if err != nil {
			w.mu.Lock()
			if w.copyErr == nil {
				w.copyErr = fmt.Errorf("destination: copy data file %s: %w", f.file.ID, err)
			}
			w.mu.Unlock()
			return
		}
		w.ts.mu.Lock()
		w.ts.res.Copied++
		w.ts.mu.Unlock()
		w.ts.addRows(rows)
	})
	return nil
}

func (w *fullWriter) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.copyErr
}

// wait waits for the copies under way and returns the first copy error.
func (w *fullWriter) wait() error {
	w.copies.Wait()
	return w.err()
}
