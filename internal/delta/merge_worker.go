package delta

import (
	"context"
	"fmt"
	"runtime"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"
)

// run scans the candidate files and writes the new data and change data.
// Candidate files are merged in parallel, one worker per core, each reading a
// file, classifying its rows and writing their replacement with its own
// writers. It returns the add actions of the files to remove and the files
// the workers wrote; inserts go to m.data and m.cdc.
func (m *merger) run(snap *Snapshot) (removed []Add, dataFiles, cdcFiles []writtenFile, err error) {
	keys := m.keyValues()
	var candidates []Add
	for _, a := range snap.Files() {
		st, err := ParseStats(a.Stats)
		if err != nil {
			st = nil
		}
		for _, vals := range keys {
			if m.mayContain(st, vals) {
				candidates = append(candidates, a)
				break
			}
		}
	}
	workers := make([]*mergeWorker, max(1, min(runtime.GOMAXPROCS(0), len(candidates))))
	queue := make(chan Add)
	g, ctx := errgroup.WithContext(m.ctx)
	for i := range workers {
		w := &mergeWorker{m: m, ctx: ctx, matched: map[string]bool{},
			data: m.t.newRollingWriter(m.ctx, m.schema, "", m.opts),
			cdc:  m.t.newRollingWriter(m.ctx, cdcSchema(m.schema), ChangeDataDir, m.opts)}
		workers[i] = w
		g.Go(func() error {
			for a := range queue {
				if err := w.merge(a); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(queue)
		for _, a := range candidates {
			select {
			case queue <- a:
			case <-ctx.Done():
				return nil
			}
		}
		return nil
	})
	err = g.Wait()
	for _, w := range workers {
		if err == nil {
			var d, c []writtenFile
			if d, err = w.data.close(); err == nil {
				c, err = w.cdc.close()
			}
			dataFiles, cdcFiles = append(dataFiles, d...), append(cdcFiles, c...)
		}
		removed = append(removed, w.removed...)
		for k := range w.matched {
			m.matched[k] = true
		}
		m.res.Updated += w.res.Updated
		m.res.Deleted += w.res.Deleted
		m.res.Unchanged += w.res.Unchanged
	}
	if err != nil {
		for _, w := range workers {
			w.data.abort()
			w.cdc.abort()
		}
		return nil, nil, nil, err
	}
	// Unmatched upserts are inserts.
	var ins []rowRef
	for _, k := range m.order {
		if !m.matched[k] {
			ins = append(ins, m.upserts[k])
		}
	}
	m.res.Inserted = int64(len(ins))
	if len(ins) > 0 {
		if err := m.emit(m.data, gather(m.schema, ins), ""); err == nil {
			err = m.emit(m.cdc, gather(m.schema, ins), ChangeInsert)
		}
		if err != nil {
			for _, w := range workers {
				w.data.abort()
				w.cdc.abort()
			}
			return nil, nil, nil, err
		}
	}
	return removed, dataFiles, cdcFiles, nil
}

// mergeWorker merges candidate files on one goroutine, with its own writers
// and tallies; run combines the workers' results.
type mergeWorker struct {
	m         *merger
	ctx       context.Context
	data, cdc *rollingWriter
	matched   map[string]bool
	res       MergeResult
	removed   []Add
}

// merge applies the merge to one data file. When a row of it changes it
// writes the file's surviving rows, the new versions of its changed rows and
// their change data, and marks the file removed.
func (w *mergeWorker) merge(a Add) error {
	m := w.m
	var (
		bufs    []arrow.RecordBatch // the file's batches, retained
		keep    [][]bool            // per batch: row survives unchanged
		changes []rowRef            // change data rows, old and new
		types   []string            // their change types
		post    []rowRef            // new versions of updated rows
		readErr error
	)
	defer func() { releaseAll(bufs) }()
	m.t.readFile(w.ctx, a.Path, m.schema, func(rec arrow.RecordBatch, err error) bool {
		if err != nil {
			readErr = err
			return false
		}
		rec.Retain()
		bufs = append(bufs, rec)
		kept := make([]bool, rec.NumRows())
		for i := range int(rec.NumRows()) {
			kept[i] = true
			k := m.rowKey(rec, i)
			if m.deletes[k] {
				kept[i] = false
				changes = append(changes, rowRef{rec, i})
				types = append(types, ChangeDelete)
				continue
			}
			up, hit := m.upserts[k]
			if !hit {
				continue
			}
			w.matched[k] = true
			if rowsEqual(rec, i, up.rec, up.row) {
				w.res.Unchanged++
				continue
			}
			kept[i] = false
			changes = append(changes, rowRef{rec, i}, up)
			types = append(types, ChangeUpdatePreimage, ChangeUpdatePostimage)
			post = append(post, up)
		}
		keep = append(keep, kept)
		return true
	})
	if readErr != nil {
		return readErr
	}
	if len(changes) == 0 {
		return nil
	}
	w.res.Updated += int64(len(post))
	w.res.Deleted += int64(len(changes) - 2*len(post))
	for b, rec := range bufs {
		kept, err := compact(rec, keep[b])
		if err != nil {
			return err
		}
		if kept == nil {
			continue
		}
		err = w.data.write(kept)
		kept.Release()
		if err != nil {
			return err
		}
	}
	if len(post) > 0 {
		if err := m.emit(w.data, gather(m.schema, post), ""); err != nil {
			return err
		}
	}
	if err := m.emitTypes(w.cdc, gather(m.schema, changes), types); err != nil {
		return err
	}
	w.removed = append(w.removed, a)
	return nil
}

// compact returns the rows of rec whose keep flag is set, as one batch (nil
// when none is): the runs of kept rows are concatenated column by column, so
// the Parquet writer gets one batch rather than many small slices.
func compact(rec arrow.RecordBatch, keep []bool) (arrow.RecordBatch, error) {
	var runs [][2]int64
	start := -1
	for i, k := range append(keep, false) {
		switch {
		case k && start < 0:
			start = i
		case !k && start >= 0:
			runs = append(runs, [2]int64{int64(start), int64(i)})
			start = -1
		}
	}
	switch {
	case len(runs) == 0:
		return nil, nil
	case len(runs) == 1:
		return rec.NewSlice(runs[0][0], runs[0][1]), nil
	}
	var n int64
	for _, r := range runs {
		n += r[1] - r[0]
	}
	cols := make([]arrow.Array, rec.NumCols())
	defer func() { releaseArrays(cols) }()
	parts := make([]arrow.Array, len(runs))
	for c := range cols {
		for i, r := range runs {
			parts[i] = array.NewSlice(rec.Column(c), r[0], r[1])
		}
		col, err := array.Concatenate(parts, memory.DefaultAllocator)
		releaseArrays(parts)
		if err != nil {
			return nil, fmt.Errorf("delta: merge: copy kept rows of column %s: %w", rec.Schema().Field(c).Name, err)
		}
		cols[c] = col
	}
	return array.NewRecordBatch(rec.Schema(), cols, n), nil
}

func releaseArrays(arrs []arrow.Array) {
	for i, a := range arrs {
		if a != nil {
			a.Release()
			arrs[i] = nil
		}
	}
}
