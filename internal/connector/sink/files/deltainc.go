package files

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// deltaIncremental keeps an incremental load's changes in memory, in call
// order, with the last operation on each key; Commit applies the survivors
// with one delta Merge. Merge refuses a key both upserted and deleted, or
// upserted twice, so the order of the changes is resolved here.
type deltaIncremental struct {
	s      *Sink
	t      sink.Table
	tbl    *delta.Table
	exists bool               // the table existed at Begin
	base   string             // its schema string then
	wider  *schema.StructType // its schema with the columns to add; nil: none to add
	target *arrow.Schema      // the table's Arrow schema at Commit
	keyIdx []int              // the key columns in target

	ops  []incOp
	last map[string]opRow // by encoded key: the operation that wins
	done bool
}

// incOp is one Write (upserted rows, in the target schema) or Delete (key
// rows) call.
type incOp struct {
	rec  arrow.RecordBatch
	keys []int // the key columns in rec
	del  bool
}

// opRow is row row of operation op.
type opRow struct{ op, row int }

func (s *Sink) beginDeltaIncremental(ctx context.Context, t sink.Table) (sink.Load, error) {
	fail := func(err error) (sink.Load, error) { return nil, fmt.Errorf("files sink: table %s: %w", t.Name, err) }
	ds, err := datafile.DeltaSchema(t.Schema)
	if err != nil {
		return fail(err)
	}
	l := &deltaIncremental{s: s, t: t, tbl: delta.NewTable(s.store, t.Name), last: map[string]opRow{}}
	if l.exists, err = l.tbl.Exists(ctx); err != nil {
		return fail(err)
	}
	cur := ds
	if l.exists {
		snap, err := l.tbl.Snapshot(ctx)
		if err != nil {
			return fail(err)
		}
		if len(snap.Metadata.PartitionColumns) > 0 {
			return fail(fmt.Errorf("the delta table is partitioned, which incremental loads do not support"))
		}
		if cur, err = snap.Schema(); err != nil {
			return fail(err)
		}
		l.base = snap.Metadata.SchemaString
		if l.wider, err = addedColumns(cur, ds); err != nil {
			return fail(err)
		}
		if l.wider != nil {
			cur = l.wider
		}
	}
	if l.target, err = datafile.ArrowSchema(cur); err != nil {
		return fail(err)
	}
	for _, k := range t.Key {
		idx := l.target.FieldIndices(k)
		if len(idx) != 1 {
			return fail(fmt.Errorf("key column %q is not a column of the delta table", k))
		}
		l.keyIdx = append(l.keyIdx, idx[0])
	}
	return l, nil
}

// addedColumns returns the table schema cur widened with the columns of want
// it lacks, or nil when it lacks none. Columns both have must have one type;
// added columns must be nullable (the rows already there hold no value).
func addedColumns(cur, want *schema.StructType) (*schema.StructType, error) {
	ca, err := datafile.ArrowSchema(cur)
	if err != nil {
		return nil, err
	}
	wa, err := datafile.ArrowSchema(want)
	if err != nil {
		return nil, err
	}
	wider := &schema.StructType{Fields: append([]schema.StructField{}, cur.Fields...)}
	for i, f := range want.Fields {
		idx := ca.FieldIndices(f.Name)
		switch {
		case len(idx) == 1:
			if have := ca.Field(idx[0]).Type; !arrow.TypeEqual(have, wa.Field(i).Type) {
				return nil, fmt.Errorf("column %q is %s in the delta table but %s in the source; a full load is needed",
					f.Name, have, wa.Field(i).Type)
			}
		case !f.Nullable:
			return nil, fmt.Errorf("column %q is new and not nullable; it cannot be added to the rows already in the table", f.Name)
		default:
			wider.Fields = append(wider.Fields, f)
		}
	}
	if len(wider.Fields) == len(cur.Fields) {
		return nil, nil
	}
	return wider, nil
}

// Write records rec's rows as upserts.
func (l *deltaIncremental) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errDone(l.t.Name, "Write")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if rec.NumRows() == 0 {
		return nil
	}
	out, err := project(rec, l.target)
	if err != nil {
		return fmt.Errorf("files sink: table %s: %w", l.t.Name, err)
	}
	l.add(out, l.keyIdx, false)
	return nil
}

// Delete records the rows of keys as deletes.
func (l *deltaIncremental) Delete(ctx context.Context, keys arrow.RecordBatch) error {
	if l.done {
		return errDone(l.t.Name, "Delete")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if keys.NumRows() == 0 {
		return nil
	}
	idx := make([]int, len(l.t.Key))
	for i, k := range l.t.Key {
		f := keys.Schema().FieldIndices(k)
		if len(f) != 1 {
			return fmt.Errorf("files sink: table %s: the batch of deleted keys lacks key column %q", l.t.Name, k)
		}
		idx[i] = f[0]
	}
	keys.Retain()
	l.add(keys, idx, true)
	return nil
}

func (l *deltaIncremental) add(rec arrow.RecordBatch, keys []int, del bool) {
	op := len(l.ops)
	l.ops = append(l.ops, incOp{rec: rec, keys: keys, del: del})
	var b strings.Builder
	for r := range int(rec.NumRows()) {
		l.last[encodeKey(&b, rec, keys, r)] = opRow{op, r}
	}
}

// Commit creates or widens the table as needed and merges the changes.
func (l *deltaIncremental) Commit(ctx context.Context) error {
	if l.done {
		return errDone(l.t.Name, "Commit")
	}
	l.done = true
	defer l.release()
	fail := func(err error) error { return fmt.Errorf("files sink: table %s: %w", l.t.Name, err) }
	created := false
	if !l.exists {
		tbl, _, c, err := l.s.openDelta(ctx, l.t)
		if err != nil {
			return err
		}
		l.tbl, created = tbl, c
	} else if l.wider != nil {
		_, err := l.tbl.CommitWithRetry(ctx, func(snap *delta.Snapshot) ([]delta.Action, error) {
			if snap.Metadata.SchemaString != l.base {
				return nil, fmt.Errorf("the delta table's schema changed while the load ran")
			}
			m := snap.Metadata
			m.SchemaString = l.wider.String()
			return []delta.Action{{CommitInfo: &delta.CommitInfo{Operation: "ADD COLUMNS"}}, {Metadata: &m}}, nil
		})
		if err != nil {
			return fail(fmt.Errorf("add columns: %w", err))
		}
	}
	_, err := l.tbl.Merge(ctx, l.t.Key, l.upserts(), l.deletes(), delta.WriteOptions{RowsPerFile: l.s.rowsPerFile})
	if err != nil {
		if created {
			l.s.dropIfUnused(ctx, l.tbl)
		}
		return fail(err)
	}
	return nil
}

// upserts yields, per Write, the rows that are the last operation on their
// key.
func (l *deltaIncremental) upserts() iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		var b strings.Builder
		for i, op := range l.ops {
			if op.del {
				continue
			}
			keep := make([]bool, op.rec.NumRows())
			for r := range keep {
				keep[r] = l.last[encodeKey(&b, op.rec, op.keys, r)] == opRow{i, r}
			}
			rec, err := compact(op.rec, keep)
			if err != nil {
				yield(nil, err)
				return
			}
			if rec == nil {
				continue
			}
			ok := yield(rec, nil)
			rec.Release()
			if !ok {
				return
			}
		}
	}
}

// deletes returns the key tuples whose last operation is a delete, as Merge
// wants them: the values Merge's own key encoding gives the same text for.
func (l *deltaIncremental) deletes() [][]any {
	var out [][]any
	var b strings.Builder
	for i, op := range l.ops {
		if !op.del {
			continue
		}
		for r := range int(op.rec.NumRows()) {
			if l.last[encodeKey(&b, op.rec, op.keys, r)] != (opRow{i, r}) {
				continue
			}
			vals := make([]any, len(op.keys))
			for n, c := range op.keys {
				vals[n] = mergeKeyValue(op.rec.Column(c), r)
			}
			out = append(out, vals)
		}
	}
	return out
}

// keyText is a key value Merge matches by its text: fmt prints it as that
// text, and Merge's pruning by statistics leaves values of unknown types
// alone, so it never skips a file wrongly.
type keyText string

// mergeKeyValue returns the value Merge expects for row i of a key column.
func mergeKeyValue(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int8:
		return int64(a.Value(i))
	case *array.String:
		return a.Value(i)
	}
	return keyText(col.ValueStr(i))
}

// encodeKey returns a string equal for two rows exactly when their key
// values are equal: each value tagged by kind and length-prefixed.
func encodeKey(b *strings.Builder, rec arrow.RecordBatch, keys []int, row int) string {
	b.Reset()
	for _, c := range keys {
		col := rec.Column(c)
		var tag byte
		var v string
		switch a := col.(type) {
		case *array.Int64:
			tag, v = 'i', strconv.FormatInt(a.Value(row), 10)
		case *array.Int32:
			tag, v = 'i', strconv.FormatInt(int64(a.Value(row)), 10)
		case *array.Int16:
			tag, v = 'i', strconv.FormatInt(int64(a.Value(row)), 10)
		case *array.Int8:
			tag, v = 'i', strconv.FormatInt(int64(a.Value(row)), 10)
		case *array.String:
			tag, v = 's', a.Value(row)
		default:
			tag, v = 'v', col.ValueStr(row)
		}
		if col.IsNull(row) {
			tag, v = 'n', ""
		}
		b.WriteByte(tag)
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// Abort drops the changes. After Commit it does nothing.
func (l *deltaIncremental) Abort(context.Context) error {
	if !l.done {
		l.done = true
		l.release()
	}
	return nil
}

func (l *deltaIncremental) release() {
	for _, op := range l.ops {
		op.rec.Release()
	}
	l.ops, l.last = nil, nil
}

// project returns rec as a batch of schema s, its columns matched by name:
// columns of s that rec lacks (nullable ones) are null.
func project(rec arrow.RecordBatch, s *arrow.Schema) (arrow.RecordBatch, error) {
	if rec.Schema().Equal(s) {
		rec.Retain()
		return rec, nil
	}
	cols := make([]arrow.Array, s.NumFields())
	var made []arrow.Array
	defer func() {
		for _, a := range made {
			a.Release()
		}
	}()
	for i, f := range s.Fields() {
		idx := rec.Schema().FieldIndices(f.Name)
		switch {
		case len(idx) == 1:
			cols[i] = rec.Column(idx[0])
			if !arrow.TypeEqual(cols[i].DataType(), f.Type) {
				return nil, fmt.Errorf("column %q is %s in the batch but %s in the table", f.Name, cols[i].DataType(), f.Type)
			}
		case f.Nullable:
			cols[i] = array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, int(rec.NumRows()))
			made = append(made, cols[i])
		default:
			return nil, fmt.Errorf("the batch lacks column %q, which is not nullable", f.Name)
		}
	}
	return array.NewRecordBatch(s, cols, rec.NumRows()), nil
}

// compact returns the rows of rec whose keep flag is set, as one batch: rec
// itself (retained) when all are, nil when none is.
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
	case len(runs) == 1 && runs[0][0] == 0 && runs[0][1] == rec.NumRows():
		rec.Retain()
		return rec, nil
	case len(runs) == 1:
		return rec.NewSlice(runs[0][0], runs[0][1]), nil
	}
	var n int64
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for c := range cols {
		parts := make([]arrow.Array, len(runs))
		for i, r := range runs {
			parts[i] = array.NewSlice(rec.Column(c), r[0], r[1])
		}
		col, err := array.Concatenate(parts, memory.DefaultAllocator)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, fmt.Errorf("copy the surviving rows of column %s: %w", rec.ColumnName(c), err)
		}
		cols[c] = col
	}
	for _, r := range runs {
		n += r[1] - r[0]
	}
	return array.NewRecordBatch(rec.Schema(), cols, n), nil
}
