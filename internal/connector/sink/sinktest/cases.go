package sinktest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

type testCase struct {
	name string
	run  func(ctx context.Context, t *testing.T, e *env)
}

var cases = []testCase{
	{"FullAllTypes", testFullAllTypes},
	{"FullReplace", testFullReplace},
	{"FullAbort", testFullAbort},
	{"IncrementalUpsertDelete", testIncremental},
	{"IncrementalAddColumn", testIncrementalAddColumn},
	{"Empty", testEmpty},
	{"Large", testLarge},
	{"FullCopyFile", testCopyFile},
}

var (
	tsUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tsNTZ = &arrow.TimestampType{Unit: arrow.Microsecond}

	// AllTypes has a column of every type datafile.ArrowSchema produces.
	AllTypes = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "Text Col", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: tsUTC, Nullable: true},
		{Name: "ts_ntz", Type: tsNTZ, Nullable: true},
		{Name: "dec18", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
		{Name: "dec38", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
		{Name: "tags", Type: arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
		{Name: "attrs", Type: arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
			arrow.Field{Name: "value", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
		{Name: "point", Type: arrow.StructOf(
			arrow.Field{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			arrow.Field{Name: "ids", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
		), Nullable: true},
	}, nil)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// AllTypesRows returns three rows of [AllTypes]: ordinary values, edge values, and nulls.
func AllTypesRows() [][]any {
	return [][]any{
		{int64(1), int32(-2147483648), int16(32767), int8(-128), float32(1.5), 3.141592653589793, true,
			"plain", []byte{0, 1, 2, 255}, date(2024, 2, 29),
			time.Date(2024, 3, 10, 12, 34, 56, 123456000, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			"12345678901234.5678", "1234567890123456789012345678.0123456789",
			[]any{"a", "b, c", nil}, []KV{{"k1", "v1"}, {"k 2", nil}},
			[]any{"x", int64(7), []any{int32(1), int32(2)}}},
		{int64(9223372036854775807), int32(0), int16(-1), int8(127), float32(-3.25), 1e-300, false,
			"it's \"quoted\", \\back\\slash, tab\t newline\n ünïcødé 日本語 🎉", []byte{}, date(1970, 1, 1),
			time.Date(1969, 7, 20, 20, 17, 40, 1000, time.UTC),
			time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC),
			"-0.0001", "-9999999999999999999999999999.9999999999",
			[]any{}, []KV{}, []any{nil, nil, nil}},
		{int64(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
}

func testFullAllTypes(ctx context.Context, t *testing.T, e *env) {
	tbl := sink.Table{Name: "all_types", Schema: AllTypes, Key: []string{"id"}}
	rec := Batch(AllTypes, AllTypesRows()...)
	want := rowsOf(rec)
	e.load(ctx, t, true, tbl, write(rec))
	e.check(ctx, t, tbl.Name, names(AllTypes), want)
}

var people = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func testFullReplace(ctx context.Context, t *testing.T, e *env) {
	tbl := sink.Table{Name: "demo__people", Schema: people, Key: []string{"id"}}
	e.load(ctx, t, true, tbl, write(Batch(people, []any{int64(1), "Ann"}, []any{int64(2), "Bob"})))

	second := Batch(people, []any{int64(3), "Cy"})
	want := rowsOf(second)
	e.load(ctx, t, true, tbl, write(second))
	e.check(ctx, t, tbl.Name, names(people), want)

	// A new schema: a column renamed, one retyped, one added.
	changed := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "full_name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	third := Batch(changed, []any{"p-1", "Dee", 0.5}, []any{"p-2", nil, nil})
	want = rowsOf(third)
	e.load(ctx, t, true, sink.Table{Name: tbl.Name, Schema: changed, Key: []string{"id"}}, write(third))
	e.check(ctx, t, tbl.Name, names(changed), want)
}

func testFullAbort(ctx context.Context, t *testing.T, e *env) {
	tbl := sink.Table{Name: "kept", Schema: people, Key: []string{"id"}}
	first := Batch(people, []any{int64(1), "Ann"}, []any{int64(2), "Bob"})
	want := rowsOf(first)
	e.load(ctx, t, true, tbl, write(first))

	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)
	l := e.begin(ctx, t, true, sink.Table{Name: tbl.Name, Schema: other},
		write(Batch(other, []any{int32(1)})))
	e.check(ctx, t, tbl.Name, names(people), want) // not visible before Commit
	mustf(t, l.Abort(ctx), "Abort")
	mustf(t, l.Abort(ctx), "second Abort")
	e.check(ctx, t, tbl.Name, names(people), want)

	// A load aborted before the table ever existed leaves nothing behind that
	// stops the next one.
	fresh := sink.Table{Name: "never", Schema: people}
	l = e.begin(ctx, t, true, fresh, write(Batch(people, []any{int64(1), "x"})))
	mustf(t, l.Abort(ctx), "Abort")
	e.load(ctx, t, true, fresh, write(Batch(people, []any{int64(2), "y"})))
	e.check(ctx, t, fresh.Name, names(people), []string{Row("2", `"y"`)})
}

func testIncremental(ctx context.Context, t *testing.T, e *env) {
	tbl := sink.Table{Name: "inc", Schema: AllTypes, Key: []string{"id"}}
	rows := AllTypesRows()
	// The table does not exist yet: the incremental load creates it.
	e.load(ctx, t, false, tbl, write(Batch(AllTypes, rows...)))
	e.check(ctx, t, tbl.Name, names(AllTypes), rowsOf(Batch(AllTypes, rows...)))

	updated := AllTypesRows()[0]
	updated[7], updated[5] = "updated", 2.5
	again := AllTypesRows()[0]
	again[0], again[7] = int64(4), "first"
	last := AllTypesRows()[0]
	last[0], last[7] = int64(4), "last" // same key twice in a batch: the last row wins
	keys := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	e.load(ctx, t, false, tbl,
		write(Batch(AllTypes, updated, again, last)),
		del(Batch(keys, []any{int64(3)}, []any{int64(99)})),
	)
	want := rowsOf(Batch(AllTypes, updated, rows[1], last))
	e.check(ctx, t, tbl.Name, names(AllTypes), want)

	// Order of changes holds within a load: delete then re-insert, insert then delete.
	five := AllTypesRows()[2]
	five[0] = int64(5)
	e.load(ctx, t, false, tbl,
		del(Batch(keys, []any{int64(1)})),
		write(Batch(AllTypes, AllTypesRows()[0])),
		write(Batch(AllTypes, five)),
		del(Batch(keys, []any{int64(5)})),
	)
	want = rowsOf(Batch(AllTypes, AllTypesRows()[0], rows[1], last))
	e.check(ctx, t, tbl.Name, names(AllTypes), want)

	// An aborted incremental load changes nothing.
	l := e.begin(ctx, t, false, tbl, write(Batch(AllTypes, five)), del(Batch(keys, []any{int64(1)})))
	mustf(t, l.Abort(ctx), "Abort")
	e.check(ctx, t, tbl.Name, names(AllTypes), want)
}

func testIncrementalAddColumn(ctx context.Context, t *testing.T, e *env) {
	tbl := sink.Table{Name: "grow", Schema: people, Key: []string{"id"}}
	e.load(ctx, t, true, tbl, write(Batch(people, []any{int64(1), "Ann"}, []any{int64(2), "Bob"})))

	wider := arrow.NewSchema(append(people.Fields(),
		arrow.Field{Name: "age", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "born", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	), nil)
	e.load(ctx, t, false, sink.Table{Name: tbl.Name, Schema: wider, Key: tbl.Key},
		write(Batch(wider, []any{int64(2), "Bob", int32(40), date(1985, 5, 6)}, []any{int64(3), "Cy", nil, nil})))
	e.check(ctx, t, tbl.Name, names(wider), []string{
		Row("1", `"Ann"`, Null, Null),
		Row("2", `"Bob"`, "40", "1985-05-06"),
		Row("3", `"Cy"`, Null, Null),
	})
}

func testEmpty(ctx context.Context, t *testing.T, e *env) {
	tbl := sink.Table{Name: "empty", Schema: AllTypes, Key: []string{"id"}}
	// A full load of no batches, then of an empty one, gives an empty table.
	e.load(ctx, t, true, tbl)
	e.check(ctx, t, tbl.Name, names(AllTypes), nil)
	e.load(ctx, t, true, tbl, write(Batch(AllTypes)))
	e.check(ctx, t, tbl.Name, names(AllTypes), nil)

	keys := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if e.incremental(ctx, t, tbl, write(Batch(AllTypes)), del(Batch(keys))) {
		e.check(ctx, t, tbl.Name, names(AllTypes), nil)
	}

	// Emptying a full table.
	e.load(ctx, t, true, tbl, write(Batch(AllTypes, AllTypesRows()...)))
	e.load(ctx, t, true, tbl, write(Batch(AllTypes)))
	e.check(ctx, t, tbl.Name, names(AllTypes), nil)
}

var wide = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
	{Name: "ratio", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "at", Type: tsUTC, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

func wideRow(i int) []any {
	return []any{int64(i), fmt.Sprintf("name %d", i), fmt.Sprintf("%d.%02d", i, i%100), float64(i) / 8,
		time.Unix(int64(i)*7919, int64(i%1000)*1000).UTC(), date(2000, 1, 1).AddDate(0, 0, i%10000), i%3 == 0}
}

// testLarge loads 100,000 rows in ten batches, then upserts 10,000 of them
// (when the destination has incremental loads), so that a per-row round trip
// shows as a timeout.
func testLarge(ctx context.Context, t *testing.T, e *env) {
	const batches, per = 10, 10_000
	tbl := sink.Table{Name: "large", Schema: wide, Key: []string{"id"}}
	var ops []op
	var want []string
	for b := range batches {
		rows := make([][]any, per)
		for i := range rows {
			rows[i] = wideRow(b*per + i)
		}
		rec := Batch(wide, rows...)
		want = append(want, CanonicalRows(rec)...)
		ops = append(ops, write(rec))
	}
	start := time.Now()
	e.load(ctx, t, true, tbl, ops...)
	t.Logf("full load of %d rows: %v", batches*per, time.Since(start))

	rows := make([][]any, per)
	for i := range rows {
		rows[i] = wideRow(i * 10)
		rows[i][1] = "changed"
	}
	rec := Batch(wide, rows...)
	changed := CanonicalRows(rec)
	start = time.Now()
	if e.incremental(ctx, t, tbl, write(rec)) {
		t.Logf("incremental upsert of %d rows: %v", per, time.Since(start))
		for i, r := range changed {
			want[i*10] = r
		}
	}
	e.check(ctx, t, tbl.Name, names(wide), want)
}
