package delta

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// row is one row of the write tests' table: id long, name string, score long.
type row struct {
	ID    int64
	Name  string
	Score int64
}

func (r row) String() string { return fmt.Sprintf("%d/%s/%d", r.ID, r.Name, r.Score) }

func rowSchema() *schema.StructType {
	return &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "name", Type: schema.String, Nullable: true},
		{Name: "score", Type: schema.Long, Nullable: true},
	}}
}

func rowArrowSchema(tb testing.TB) *arrow.Schema {
	tb.Helper()
	s, err := datafile.ArrowSchema(rowSchema())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// newRowTable creates an unpartitioned table with rowSchema.
func newRowTable(tb testing.TB, config map[string]string) *Table {
	tb.Helper()
	m, err := NewMetadata(rowSchema(), nil, config)
	if err != nil {
		tb.Fatal(err)
	}
	tbl := NewTable(newStore(tb), testRoot)
	if err := tbl.Create(context.Background(), m, Protocol{}); err != nil {
		tb.Fatalf("Create: %v", err)
	}
	return tbl
}

func makeBatch(s *arrow.Schema, rows []row) arrow.RecordBatch {
	return makeBatchWith(memory.DefaultAllocator, s, rows)
}

func makeBatchWith(mem memory.Allocator, s *arrow.Schema, rows []row) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	ids := b.Field(0).(*array.Int64Builder)
	names := b.Field(1).(*array.StringBuilder)
	scores := b.Field(2).(*array.Int64Builder)
	for _, r := range rows {
		ids.Append(r.ID)
		names.Append(r.Name)
		scores.Append(r.Score)
	}
	return b.NewRecordBatch()
}

// batchesOf yields rows in batches of at most n rows.
func batchesOf(s *arrow.Schema, rows []row, n int) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		for i := 0; i < len(rows); i += n {
			rec := makeBatch(s, rows[i:min(i+n, len(rows))])
			ok := yield(rec, nil)
			rec.Release()
			if !ok {
				return
			}
		}
	}
}

func genRows(from, to int64) []row {
	var out []row
	for i := from; i < to; i++ {
		out = append(out, row{ID: i, Name: fmt.Sprintf("n%d", i), Score: i * 10})
	}
	return out
}

func batchRows(tb testing.TB, rec arrow.RecordBatch) []row {
	tb.Helper()
	ids := rec.Column(0).(*array.Int64)
	names := rec.Column(1).(*array.String)
	scores := rec.Column(2).(*array.Int64)
	out := make([]row, rec.NumRows())
	for i := range out {
		out[i] = row{ids.Value(i), names.Value(i), scores.Value(i)}
	}
	return out
}

// readRows returns the rows of a snapshot sorted by id.
func readRows(tb testing.TB, tbl *Table, snap *Snapshot) []row {
	tb.Helper()
	var out []row
	for rec, err := range tbl.Scan(context.Background(), snap) {
		if err != nil {
			tb.Fatalf("Scan: %v", err)
		}
		out = append(out, batchRows(tb, rec)...)
	}
	slices.SortFunc(out, func(a, b row) int { return int(a.ID - b.ID) })
	return out
}

func sameRows(tb testing.TB, what string, got, want []row) {
	tb.Helper()
	if !slices.Equal(got, want) {
		if len(got) > 20 || len(want) > 20 {
			tb.Fatalf("%s: got %d rows, want %d (first diff somewhere)", what, len(got), len(want))
		}
		tb.Fatalf("%s:\ngot  %v\nwant %v", what, got, want)
	}
}

func TestAppendReadBack(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	rows := genRows(0, 2500)
	v, err := tbl.Append(ctx, batchesOf(s, rows, 300), WriteOptions{RowsPerFile: 1000})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	snap := mustSnapshot(t, tbl)
	if v != 1 || snap.NumFiles() != 3 {
		t.Fatalf("version %d, %d files; want 1, 3", v, snap.NumFiles())
	}
	for _, a := range snap.Files() {
		if !strings.HasPrefix(a.Path, "part-") || !strings.HasSuffix(a.Path, ".c000.zstd.parquet") {
			t.Errorf("file name %q", a.Path)
		}
		st, err := ParseStats(a.Stats)
		if err != nil || st == nil || st.NumRecords == 0 || st.MinValues["id"] == nil {
			t.Errorf("stats %q: %v", a.Stats, err)
		}
	}
	sameRows(t, "read back", readRows(t, tbl, snap), rows)

	// A second append adds to the rows.
	more := genRows(2500, 2600)
	if _, err := tbl.Append(ctx, batchesOf(s, more, 1000), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "after second append", readRows(t, tbl, mustSnapshot(t, tbl)), genRows(0, 2600))
}

func TestAppendNeedsTable(t *testing.T) {
	tbl := NewTable(newStore(t), testRoot)
	s := rowArrowSchema(t)
	_, err := tbl.Append(context.Background(), batchesOf(s, genRows(0, 10), 10), WriteOptions{})
	if !errors.Is(err, ErrTableNotFound) {
		t.Fatalf("Append to a missing table: %v, want ErrTableNotFound", err)
	}
}

func TestOverwrite(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	if _, err := tbl.Append(ctx, batchesOf(s, genRows(0, 100), 50), WriteOptions{RowsPerFile: 40}); err != nil {
		t.Fatal(err)
	}
	v, err := tbl.Overwrite(ctx, batchesOf(s, genRows(500, 520), 50), WriteOptions{})
	if err != nil {
		t.Fatalf("Overwrite: %v", err)
	}
	actions, err := tbl.ReadCommit(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	var removes, adds int
	for _, a := range actions {
		if a.Remove != nil {
			removes++
		}
		if a.Add != nil {
			adds++
		}
	}
	if removes != 3 || adds != 1 {
		t.Fatalf("overwrite commit has %d removes, %d adds; want 3, 1", removes, adds)
	}
	sameRows(t, "after overwrite", readRows(t, tbl, mustSnapshot(t, tbl)), genRows(500, 520))
	old, err := tbl.SnapshotAt(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "time travel", readRows(t, tbl, old), genRows(0, 100))
}

func TestAppendWrongSchema(t *testing.T) {
	tbl := newRowTable(t, nil)
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, other)
	b.Field(0).(*array.Int64Builder).Append(1)
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	seq := func(yield func(arrow.RecordBatch, error) bool) { yield(rec, nil) }
	if _, err := tbl.Append(context.Background(), seq, WriteOptions{}); err == nil {
		t.Fatal("Append with a wrong schema succeeded")
	}
	snap := mustSnapshot(t, tbl)
	if snap.Version != 0 {
		t.Fatalf("version %d after a failed append", snap.Version)
	}
	// No data file is left behind.
	n := 0
	for info, err := range tbl.store.List(context.Background(), testRoot+"/", "") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info.Key, LogDir) {
			n++
		}
	}
	if n != 0 {
		t.Fatalf("%d data files left after a failed append", n)
	}
}
