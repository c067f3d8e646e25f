package delta

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"runtime"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"
)

// Change types of the change data feed (the _change_type column).
const (
	ChangeInsert          = "insert"
	ChangeUpdatePreimage  = "update_preimage"
	ChangeUpdatePostimage = "update_postimage"
	ChangeDelete          = "delete"
)

// ChangeTypeColumn is the column of change data files that says what
// happened to the row.
const ChangeTypeColumn = "_change_type"

// MergeResult reports what Merge did.
type MergeResult struct {
	// Version is the committed version, or the version read when nothing
	// changed and nothing was committed.
	Version int64
	// Committed says whether Merge wrote a commit.
	Committed bool
	// Inserted, Updated and Deleted count rows; Unchanged counts upserted rows
	// equal to the row already in the table.
	Inserted, Updated, Deleted, Unchanged int64
	// FilesRemoved and FilesAdded count data files; ChangeFiles counts the
	// change data files written.
	FilesRemoved, FilesAdded, ChangeFiles int
}

// rowRef is one row of a record batch.
type rowRef struct {
	rec arrow.RecordBatch
	row int
}

// Merge upserts and deletes rows by primary key, in one commit (operation
// "MERGE"). key names the primary-key columns (top-level, of integer, float,
// string or other scalar types). Each upserted row replaces the table's rows
// with the same key, or is inserted when there is none; an upserted row equal
// to the existing one changes nothing. deletes lists key tuples (values in key
// order: Go integers, floats or strings; nil for null) whose rows are removed.
//
// Only the data files whose statistics (min/max of the key columns) may hold
// an affected key are read, and only those in which a row changes are
// rewritten: their unchanged rows are copied to the new files. Change data
// files under _change_data/ record the changes (insert, update_preimage,
// update_postimage, delete) and are committed as cdc actions.
//
// With opts.Txn set, the txn action is committed with the changes; when nothing
// changes nothing is committed, the txn action included.
//
// Candidate files are merged in parallel, one per core.
//
// Limits: the upserts are held in memory, and so is one candidate data file per
// core; the table must not be partitioned; a concurrent writer that adds rows
// with an affected key between Merge's read and commit is not detected (a
// concurrent removal of a rewritten file is).
func (t *Table) Merge(ctx context.Context, key []string, upserts iter.Seq2[arrow.RecordBatch, error],
	deletes [][]any, opts WriteOptions) (MergeResult, error) {
	snap, as, err := t.writeSchema(ctx)
	if err != nil {
		return MergeResult{}, err
	}
	if len(key) == 0 {
		return MergeResult{}, fmt.Errorf("delta: merge needs at least one key column")
	}
	keyIdx := make([]int, len(key))
	for i, k := range key {
		idx := as.FieldIndices(k)
		if len(idx) != 1 {
			return MergeResult{}, fmt.Errorf("delta: key column %q is not in the table schema", k)
		}
		keyIdx[i] = idx[0]
	}
	if _, err := opts.txnActions(snap, 0, false); err != nil {
		return MergeResult{Version: snap.Version}, err
	}
	m := &merger{t: t, ctx: ctx, opts: opts, schema: as, keyIdx: keyIdx, upserts: map[string]rowRef{},
		deletes: map[string]bool{}, matched: map[string]bool{}}
	defer m.release()
	if err := m.loadInputs(upserts, deletes); err != nil {
		return MergeResult{}, err
	}
	m.data = t.newRollingWriter(ctx, as, "", opts)
	m.cdc = t.newRollingWriter(ctx, cdcSchema(as), ChangeDataDir, opts)
	removed, dataFiles, cdcFiles, err := m.run(snap)
	if err != nil {
		m.data.abort()
		m.cdc.abort()
		return MergeResult{}, err
	}
	d, err := m.data.close()
	if err == nil {
		var c []writtenFile
		if c, err = m.cdc.close(); err == nil {
			return m.commit(snap, removed, append(dataFiles, d...), append(cdcFiles, c...))
		}
	}
	m.data.abort()
	m.cdc.abort()
	deleteFiles(t, append(dataFiles, cdcFiles...))
	return MergeResult{}, err
}

// deleteFiles removes written files that will not be committed.
func deleteFiles(t *Table, files []writtenFile) {
	for _, f := range files {
		_ = t.store.Delete(context.Background(), f.info.Key)
	}
}

type merger struct {
	t       *Table
	ctx     context.Context
	opts    WriteOptions
	schema  *arrow.Schema
	keyIdx  []int
	held    []arrow.RecordBatch // retained upsert batches
	order   []string            // upsert keys in input order
	upserts map[string]rowRef
	deletes map[string]bool
	delKeys [][]any
	matched map[string]bool
	data    *rollingWriter
	cdc     *rollingWriter
	res     MergeResult
}

func (m *merger) release() { releaseAll(m.held) }

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

func (m *merger) loadInputs(upserts iter.Seq2[arrow.RecordBatch, error], deletes [][]any) error {
	if upserts != nil {
		for rec, err := range upserts {
			if err != nil {
				return err
			}
			if !rec.Schema().Equal(m.schema) {
				return fmt.Errorf("delta: upsert schema %s does not match the table's %s", rec.Schema(), m.schema)
			}
			rec.Retain()
			m.held = append(m.held, rec)
			for i := range int(rec.NumRows()) {
				k := m.rowKey(rec, i)
				if _, dup := m.upserts[k]; dup {
					return fmt.Errorf("delta: merge: key %q is upserted twice", k)
				}
				m.upserts[k] = rowRef{rec, i}
				m.order = append(m.order, k)
			}
		}
	}
	for _, d := range deletes {
		if len(d) != len(m.keyIdx) {
			return fmt.Errorf("delta: merge: delete key %v has %d values, want %d", d, len(d), len(m.keyIdx))
		}
		parts := make([]string, len(d))
		for i, v := range d {
			parts[i] = valueKey(v)
		}
		k := strings.Join(parts, "\x00")
		if _, ok := m.upserts[k]; ok {
			return fmt.Errorf("delta: merge: key %v is both upserted and deleted", d)
		}
		if !m.deletes[k] {
			m.deletes[k] = true
			m.delKeys = append(m.delKeys, d)
		}
	}
	return nil
}

const nullKey = "\x01null"

func valueKey(v any) string {
	if v == nil {
		return nullKey
	}
	return fmt.Sprint(v)
}

// rowKey encodes the key columns of row i.
func (m *merger) rowKey(rec arrow.RecordBatch, i int) string {
	var b strings.Builder
	for n, c := range m.keyIdx {
		if n > 0 {
			b.WriteByte(0)
		}
		col := rec.Column(c)
		switch {
		case col.IsNull(i):
			b.WriteString(nullKey)
		default:
			switch a := col.(type) {
			case *array.Int64:
				b.WriteString(strconv.FormatInt(a.Value(i), 10))
			case *array.Int32:
				b.WriteString(strconv.FormatInt(int64(a.Value(i)), 10))
			case *array.String:
				b.WriteString(a.Value(i))
			default:
				b.WriteString(col.ValueStr(i))
			}
		}
	}
	return b.String()
}

// keyValues returns the affected keys as value tuples for pruning by stats.
func (m *merger) keyValues() [][]any {
	out := make([][]any, 0, len(m.upserts)+len(m.delKeys))
	for _, ref := range m.upserts {
		vals := make([]any, len(m.keyIdx))
		for n, c := range m.keyIdx {
			col := ref.rec.Column(c)
			if col.IsNull(ref.row) {
				continue
			}
			switch a := col.(type) {
			case *array.Int64:
				vals[n] = a.Value(ref.row)
			case *array.Int32:
				vals[n] = int64(a.Value(ref.row))
			case *array.Float64:
				vals[n] = a.Value(ref.row)
			case *array.String:
				vals[n] = a.Value(ref.row)
			default:
				vals[n] = unknownBound{}
			}
		}
		out = append(out, vals)
	}
	return append(out, m.delKeys...)
}

// unknownBound is a key value that statistics cannot prune.
type unknownBound struct{}

// mayContain reports whether a file with these stats may hold the key tuple.
func (m *merger) mayContain(st *Stats, vals []any) bool {
	if st == nil || !st.Tight() {
		return true
	}
	for n, c := range m.keyIdx {
		name := m.schema.Field(c).Name
		v := vals[n]
		lo, okLo := st.MinValues[name]
		hi, okHi := st.MaxValues[name]
		if v == nil {
			if nc, ok := st.NullCount[name].(json.Number); ok && nc.String() == "0" {
				return false
			}
			continue
		}
		if !okLo || !okHi {
			continue // no bounds: all nulls or not collected
		}
		if below(v, lo) || below(hi, v) {
			return false
		}
	}
	return true
}

// below reports whether a < b for a key value and a stats bound (either way
// round); values it cannot compare are not below anything.
func below(a, b any) bool {
	num := func(x any) (float64, int64, bool, bool) {
		switch x := x.(type) {
		case int64:
			return 0, x, true, true
		case int:
			return 0, int64(x), true, true
		case int32:
			return 0, int64(x), true, true
		case float64:
			return x, 0, false, true
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return 0, i, true, true
			}
			if f, err := x.Float64(); err == nil {
				return f, 0, false, true
			}
		}
		return 0, 0, false, false
	}
	if as, ok := a.(string); ok {
		bs, ok := b.(string)
		return ok && as < bs
	}
	af, ai, aInt, aok := num(a)
	bf, bi, bInt, bok := num(b)
	switch {
	case !aok || !bok:
		return false
	case aInt && bInt:
		return ai < bi
	}
	if aInt {
		af = float64(ai)
	}
	if bInt {
		bf = float64(bi)
	}
	return af < bf
}

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

// emit writes rec (released here) to w, adding a constant _change_type
// column when changeType is not empty.
func (m *merger) emit(w *rollingWriter, rec arrow.RecordBatch, changeType string) error {
	if changeType == "" {
		defer rec.Release()
		return w.write(rec)
	}
	types := make([]string, rec.NumRows())
	for i := range types {
		types[i] = changeType
	}
	return m.emitTypes(w, rec, types)
}

// emitTypes writes rec (released here) with the _change_type column types.
func (m *merger) emitTypes(w *rollingWriter, rec arrow.RecordBatch, types []string) error {
	defer rec.Release()
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues(types, nil)
	ct := b.NewArray()
	b.Release()
	defer ct.Release()
	cols := append(append([]arrow.Array{}, rec.Columns()...), ct)
	out := array.NewRecordBatch(w.schema, cols, rec.NumRows())
	defer out.Release()
	return w.write(out)
}

// cdcSchema is the schema of change data files: the table's columns and
// _change_type.
func cdcSchema(s *arrow.Schema) *arrow.Schema {
	fields := append(append([]arrow.Field{}, s.Fields()...),
		arrow.Field{Name: ChangeTypeColumn, Type: arrow.BinaryTypes.String})
	return arrow.NewSchema(fields, nil)
}

// rowsEqual reports whether row i of a equals row j of b, column by column.
func rowsEqual(a arrow.RecordBatch, i int, b arrow.RecordBatch, j int) bool {
	for c := range int(a.NumCols()) {
		if !array.SliceEqual(a.Column(c), int64(i), int64(i+1), b.Column(c), int64(j), int64(j+1)) {
			return false
		}
	}
	return true
}

// gather builds a record batch of schema s from the referenced rows, in order.
func gather(s *arrow.Schema, refs []rowRef) arrow.RecordBatch {
	cols := make([]arrow.Array, s.NumFields())
	for c := range cols {
		var parts []arrow.Array
		for i := 0; i < len(refs); {
			j := i + 1
			for j < len(refs) && refs[j].rec == refs[i].rec && refs[j].row == refs[j-1].row+1 {
				j++
			}
			parts = append(parts, array.NewSlice(refs[i].rec.Column(c), int64(refs[i].row), int64(refs[j-1].row+1)))
			i = j
		}
		arr, err := array.Concatenate(parts, memory.DefaultAllocator)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			// Concatenate fails only on mismatched types, which one schema rules out.
			panic("delta: gather: " + err.Error())
		}
		cols[c] = arr
	}
	out := array.NewRecordBatch(s, cols, int64(len(refs)))
	for _, c := range cols {
		c.Release()
	}
	return out
}

// commit commits the merge's actions, or nothing when nothing changed.
func (m *merger) commit(snap *Snapshot, removed []Add, dataFiles, cdcFiles []writtenFile) (MergeResult, error) {
	res := m.res
	res.FilesRemoved, res.FilesAdded, res.ChangeFiles = len(removed), len(dataFiles), len(cdcFiles)
	if len(removed) == 0 && len(dataFiles) == 0 {
		deleteFiles(m.t, cdcFiles)
		res.Version = snap.Version
		return res, nil
	}
	v, err := m.t.CommitWithRetry(m.ctx, func(cur *Snapshot) ([]Action, error) {
		ts := nowMillis()
		actions := []Action{{CommitInfo: &CommitInfo{Operation: "MERGE", OperationParameters: map[string]any{
			"numTargetRowsInserted": res.Inserted, "numTargetRowsUpdated": res.Updated,
			"numTargetRowsDeleted": res.Deleted}}}}
		txn, err := m.opts.txnActions(cur, ts, false)
		if err != nil {
			return nil, err
		}
		actions = append(actions, txn...)
		for _, a := range removed {
			p, _ := DecodePath(a.Path)
			if _, ok := cur.File(p); !ok {
				return nil, fmt.Errorf("%w: merge: file %q was removed by a concurrent commit",
					ErrConcurrentCommit, a.Path)
			}
			r := a.Remove(ts, true)
			actions = append(actions, Action{Remove: &r})
		}
		for _, f := range dataFiles {
			actions = append(actions, f.add(ts))
		}
		for _, f := range cdcFiles {
			actions = append(actions, f.cdc())
		}
		return actions, nil
	})
	if err != nil {
		deleteFiles(m.t, append(dataFiles, cdcFiles...))
		return MergeResult{}, err
	}
	res.Version, res.Committed = v, true
	return res, nil
}
