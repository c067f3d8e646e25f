package delta

import (
	"context"
	"errors"
	"testing"
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
