package connector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// changeTypeColumn is the column of change data files that says what
// each row is.
const changeTypeColumn = "_change_type"

// incremental applies the table's changes since the version the destination
// holds, by key, in one destination commit. It returns a *fallback when a
// full load must run instead.
func (ts *tableSync) incremental(ctx context.Context, tbl sink.Table, info *client.TableInfo) error {
	from, end := ts.res.Plan.From, info.Version
	copts := client.ChangesOptions{StartingVersion: &from, EndingVersion: &end}
	stream, err := ts.o.Client.ChangesStream(ctx, ts.t, copts)
	if err != nil {
		var e *client.Error
		if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != 401 && e.Status != 403 && e.Status != 429 {
			return &fallback{reason: "the change data feed is not available (" + e.Error() + ")"}
		}
		return fmt.Errorf("read the table's changes: %w", err)
	}
	files, err := collect(stream)
	if err != nil {
		return fmt.Errorf("read the table's changes: %w", err)
	}
	orderChanges(files)
	load, err := ts.o.Sink.BeginIncremental(ctx, tbl)
	if errors.Is(err, sink.ErrNoIncremental) {
		return &fallback{reason: "the destination " + err.Error()}
	}
	if err != nil {
		return fmt.Errorf("destination: start applying changes to %s: %w", tbl.Name, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = load.Abort(context.WithoutCancel(ctx))
		}
	}()
	if len(ts.res.Plan.AddedColumns) > 0 {
		ts.log.Info("the table gained columns; adding them to the destination", "columns", ts.res.Plan.AddedColumns)
	}
	ts.started(files)
	a := &applier{ctx: ctx, ts: ts, load: load, target: tbl.Schema, key: tbl.Key}
	refresher := ts.o.Client.NewChangesRefresher(ts.t, copts)
	if err := ts.downloader(refresher).fetchAll(ctx, files, a.apply); err != nil {
		return err
	}
	if err := load.Commit(ctx); err != nil {
		return fmt.Errorf("destination: commit %s: %w", tbl.Name, err)
	}
	committed = true
	return ts.commitState(ModeIncremental, end, info.Metadata.SchemaString, tbl.Key)
}

// orderChanges sorts change files by version and, within a version, removed
// files first, then change data files, then added files: applying a
// version's deletes before its inserts is right when a commit rewrote rows.
func orderChanges(files []client.File) {
	rank := map[string]int{client.KindRemove: 0, client.KindCDF: 1, client.KindAdd: 2}
	slices.SortStableFunc(files, func(a, b client.File) int {
		return cmp.Or(cmp.Compare(a.Version, b.Version), cmp.Compare(rank[a.Kind], rank[b.Kind]))
	})
}

// applier applies change files to an incremental load.
type applier struct {
	ctx    context.Context
	ts     *tableSync
	load   sink.Load
	target *arrow.Schema
	key    []string
}

func (a *applier) apply(f *fetched) error {
	defer f.release()
	pq, err := openParquet(f, a.ts.mem)
	if err != nil {
		return err
	}
	defer pq.close()
	c := &conformer{target: a.target, mem: a.ts.mem, partition: f.file.PartitionValues}
	var keep []string
	if f.file.Kind == client.KindCDF {
		keep = []string{changeTypeColumn}
	}
	return pq.batches(a.ctx, func(rec arrow.RecordBatch) error {
		out, err := c.conform(a.ctx, rec, keep...)
		if err != nil {
			return fmt.Errorf("change file %s (version %d): %w", f.file.ID, f.file.Version, err)
		}
		defer out.Release()
		switch f.file.Kind {
		case client.KindAdd:
			return a.upsert(out)
		case client.KindRemove:
			return a.delete(out)
		case client.KindCDF:
			return a.changes(out)
		default:
			return fmt.Errorf("change file %s: unexpected kind %q", f.file.ID, f.file.Kind)
		}
	})
}

// changes applies a batch of a change data file: deletes, then inserts and
// post-images; pre-images are skipped.
func (a *applier) changes(rec arrow.RecordBatch) error {
	n := int(rec.NumCols())
	types := rec.Column(n - 1)
	del, ups, err := changeMasks(types, a.ts.mem)
	if err != nil {
		return err
	}
	defer del.Release()
	defer ups.Release()
	cols := rec.Columns()[:n-1]
	plain := array.NewRecordBatch(a.target, cols, rec.NumRows())
	defer plain.Release()
	for _, step := range []struct {
		mask  arrow.Array
		apply func(arrow.RecordBatch) error
	}{{del, a.delete}, {ups, a.upsert}} {
		sel, err := compute.FilterRecordBatch(a.ctx, plain, step.mask, compute.DefaultFilterOptions())
		if err != nil {
			return err
		}
		err = step.apply(sel)
		sel.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// changeMasks reads a _change_type column into two masks: rows to delete,
// rows to upsert.
func changeMasks(col arrow.Array, mem memory.Allocator) (del, ups arrow.Array, err error) {
	value := func(i int) string { return "" }
	switch c := col.(type) {
	case *array.String:
		value = c.Value
	case *array.LargeString:
		value = c.Value
	case *array.Dictionary:
		dict, ok := c.Dictionary().(*array.String)
		if !ok {
			return nil, nil, fmt.Errorf("%s column has type %s", changeTypeColumn, col.DataType())
		}
		value = func(i int) string { return dict.Value(c.GetValueIndex(i)) }
	default:
		return nil, nil, fmt.Errorf("%s column has type %s, not string", changeTypeColumn, col.DataType())
	}
	db, ub := array.NewBooleanBuilder(mem), array.NewBooleanBuilder(mem)
	defer db.Release()
	defer ub.Release()
	for i := range col.Len() {
		if col.IsNull(i) {
			return nil, nil, fmt.Errorf("row %d has no %s", i, changeTypeColumn)
		}
		switch v := value(i); v {
		case "delete":
			db.Append(true)
			ub.Append(false)
		case "insert", "update_postimage":
			db.Append(false)
			ub.Append(true)
		case "update_preimage":
			db.Append(false)
			ub.Append(false)
		default:
			return nil, nil, fmt.Errorf("row %d: unknown %s %q", i, changeTypeColumn, v)
		}
	}
	return db.NewArray(), ub.NewArray(), nil
}

// upsert writes rows (inserted or updated).
func (a *applier) upsert(rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if err := a.load.Write(a.ctx, rec); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	a.ts.addRows(rec.NumRows())
	return nil
}

// delete deletes the rows whose keys rec holds.
func (a *applier) delete(rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	fields := make([]arrow.Field, len(a.key))
	cols := make([]arrow.Array, len(a.key))
	for i, k := range a.key {
		idx := rec.Schema().FieldIndices(k)[0]
		fields[i], cols[i] = rec.Schema().Field(idx), rec.Column(idx)
	}
	keys := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
	defer keys.Release()
	if err := a.load.Delete(a.ctx, keys); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	a.ts.mu.Lock()
	a.ts.res.Deleted += rec.NumRows()
	a.ts.mu.Unlock()
	return nil
}
