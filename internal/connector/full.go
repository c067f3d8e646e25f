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
	w := &fullWriter{ctx: ctx, ts: ts, load: load, copier: copier, target: as, refresher: refresher,
		slots: make(chan struct{}, cmp.Or(ts.o.Config.Downloads, DefaultDownloads))}
	dl := ts.downloader(refresher)
	if copier != nil {
		w.dl = dl
		dl.direct = w.direct
	}
	err = dl.fetchAll(ctx, files, w.take)
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

// fullWriter hands each data file to the load: copied as it is when the
// load can take it and its columns are the table's, else decoded and
// written. Files larger than memLimit are checked by their footer alone
// (ranged requests) and streamed from the server straight to the load, in
// the download goroutines; smaller ones are downloaded, checked and copied
// in the background. Copies run concurrently; a write waits for them and
// holds them off while it runs, as the sink contract asks.
type fullWriter struct {
	ctx       context.Context
	ts        *tableSync
	load      sink.Load
	copier    sink.FileCopier
	target    *arrow.Schema
	refresher *client.Refresher
	dl        *downloader
	// rw is held shared by copies and exclusively by writes.
	rw sync.RWMutex

	n       int
	copies  sync.WaitGroup
	mu      sync.Mutex
	copyErr error
	slots   chan struct{}
}

func (w *fullWriter) take(f *fetched) error {
	w.n++
	if f.taken {
		return nil
	}
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
	w.rw.Lock()
	defer w.rw.Unlock()
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
	name := partName(w.n - 1)
	w.copies.Go(func() {
		defer func() { <-w.slots }()
		defer f.release()
		w.rw.RLock()
		defer w.rw.RUnlock()
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

// partName names the i-th (from 0) file of a load.
func partName(i int) string { return fmt.Sprintf("part-%05d.parquet", i+1) }

// direct streams a large file whose footer shows the table's columns
// straight from the server to the load; it declines (false) smaller files
// and files it cannot check or that differ, which are downloaded instead.
func (w *fullWriter) direct(ctx context.Context, i int, f client.File) (bool, error) {
	if f.Size <= w.dl.memLimit || f.Size < 0 {
		return false, nil
	}
	s, rows, err := footerSchema(ctx, w.refresher, f)
	if err != nil {
		w.ts.log.Debug("cannot check the file's columns; downloading it", "file", f.ID, "err", err)
		return false, nil
	}
	if !sameColumns(s, w.target) {
		return false, nil
	}
	w.rw.RLock()
	defer w.rw.RUnlock()
	body, err := w.refresher.Download(ctx, f)
	if err != nil {
		return true, fmt.Errorf("download data file %s: %w", f.ID, err)
	}
	defer body.Close()
	err = w.copier.CopyFile(ctx, sink.DataFile{Name: partName(i), Size: f.Size, Rows: rows, Stats: f.Stats}, w.dl.counted(body))
	if err != nil {
		return true, fmt.Errorf("destination: copy data file %s: %w", f.ID, err)
	}
	w.ts.mu.Lock()
	w.ts.res.Copied++
	w.ts.mu.Unlock()
	w.ts.addRows(rows)
	return true, nil
}
