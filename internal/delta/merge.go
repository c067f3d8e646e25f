package delta

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
