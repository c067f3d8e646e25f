package delta

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// A write carrying a txn action records the application's progress with the
// rows; repeating it (a retry after a crash, or a second publisher) commits
// nothing and leaves no files behind.
func TestWriteTxnIsIdempotent(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	rows := []row{{1, "a", 1}, {2, "b", 2}}
	opts := WriteOptions{Txn: &Txn{AppID: "publisher", Version: 7}}

	v, err := tbl.Append(ctx, batchesOf(s, rows, 10), opts)
	if err != nil {
		t.Fatal(err)
	}
	snap := mustSnapshot(t, tbl)
	txn, ok := snap.AppTransaction("publisher")
	if !ok || txn.Version != 7 || txn.LastUpdated == nil {
		t.Fatalf("txn after append = %+v, %v; want version 7 with lastUpdated", txn, ok)
	}
	keysBefore := storeKeys(t, tbl)

	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"append", func() error { _, err := tbl.Append(ctx, batchesOf(s, rows, 10), opts); return err }},
		{"overwrite with an older version", func() error {
			_, err := tbl.Overwrite(ctx, batchesOf(s, rows, 10), WriteOptions{Txn: &Txn{AppID: "publisher", Version: 6}})
			return err
		}},
		{"merge", func() error {
			_, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, []row{{3, "c", 3}}, 10), nil, opts)
			return err
		}},
	} {
		if err := tc.run(); !errors.Is(err, ErrTxnApplied) {
			t.Errorf("%s with an applied txn: err = %v, want ErrTxnApplied", tc.name, err)
		}
	}
	if got := mustSnapshot(t, tbl).Version; got != v {
		t.Fatalf("version after repeated writes = %d, want %d", got, v)
	}
	if after := storeKeys(t, tbl); len(after) != len(keysBefore) {
		t.Fatalf("repeated writes left files behind: %d keys before, %d after", len(keysBefore), len(after))
	}

	// An overwrite may repeat the version the table holds: it rebuilds that state.
	if _, err := tbl.Overwrite(ctx, batchesOf(s, rows, 10), opts); err != nil {
		t.Fatalf("overwrite at the same txn version: %v", err)
	}

	// A newer txn version goes through and advances the progress.
	opts.Txn = &Txn{AppID: "publisher", Version: 8}
	res, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, []row{{3, "c", 3}}, 10), nil, opts)
	if err != nil || !res.Committed {
		t.Fatalf("merge with a new txn version: %+v, %v", res, err)
	}
	if txn, _ := mustSnapshot(t, tbl).AppTransaction("publisher"); txn.Version != 8 {
		t.Fatalf("txn version after merge = %d, want 8", txn.Version)
	}
	if got := readRows(t, tbl, mustSnapshot(t, tbl)); len(got) != 3 {
		t.Fatalf("rows = %v, want 3", got)
	}
}

func storeKeys(tb testing.TB, tbl *Table) []string {
	tb.Helper()
	var keys []string
	for o, err := range tbl.store.List(context.Background(), tbl.Root(), "") {
		if err != nil {
			tb.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// TestOverwriteSchema: an overwrite may replace the schema (a new column);
// the table keeps its id, the new version reads with the new schema, and the
// old version still reads with the old one.
func TestOverwriteSchema(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	v1, err := tbl.Append(ctx, batchesOf(s, []row{{1, "a", 1}}, 10), WriteOptions{})
	must(t, err)
	before := mustSnapshot(t, tbl)
	wider := rowSchema()
	wider.Fields = append(wider.Fields, schema.StructField{Name: "note", Type: schema.String, Nullable: true})
	ws, err := datafile.ArrowSchema(wider)
	must(t, err)
	batch := func(yield func(arrow.RecordBatch, error) bool) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, ws)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).Append(2)
		b.Field(1).(*array.StringBuilder).Append("b")
		b.Field(2).(*array.Int64Builder).Append(2)
		b.Field(3).(*array.StringBuilder).Append("new column")
		rec := b.NewRecordBatch()
		defer rec.Release()
		yield(rec, nil)
	}
	v2, err := tbl.OverwriteSchema(ctx, wider, batch, WriteOptions{})
	must(t, err)
	after := mustSnapshot(t, tbl)
	got, err := after.Schema()
	must(t, err)
	if v2 != v1+1 || len(got.Fields) != 4 || after.Metadata.ID != before.Metadata.ID {
		t.Fatalf("after OverwriteSchema: version %d, %d fields, id %s (was %s)", v2, len(got.Fields), after.Metadata.ID, before.Metadata.ID)
	}
	if n := countRows(t, tbl, after); n != 1 {
		t.Fatalf("rows after = %d", n)
	}
	old, err := tbl.SnapshotAt(ctx, v1)
	must(t, err)
	if os, _ := old.Schema(); len(os.Fields) != 3 || countRows(t, tbl, old) != 1 {
		t.Fatalf("version %d changed", v1)
	}
}

func countRows(tb testing.TB, tbl *Table, snap *Snapshot) int64 {
	var n int64
	for rec, err := range tbl.Scan(context.Background(), snap) {
		must(tb, err)
		n += rec.NumRows()
	}
	return n
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
