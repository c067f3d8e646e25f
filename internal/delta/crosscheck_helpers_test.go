package delta

import (
	"context"
	"testing"

	"github.com/trestle-dev/trestle/internal/blob/local"
)

// crossCheckTable builds the table the independent-reader checks look at
// (duckdb_test.go, logschema_test.go): an Append of 1000 rows in files of 100,
// a Merge that updates, inserts (with awkward strings) and deletes, so the table
// has data files and a _change_data file, then a commit with a txn action.
func crossCheckTable(tb testing.TB) (*Table, *local.Store) {
	tb.Helper()
	ctx := context.Background()
	store := newStore(tb)
	m, err := NewMetadata(rowSchema(), nil, map[string]string{"delta.enableChangeDataFeed": "true"})
	if err != nil {
		tb.Fatal(err)
	}
	tbl := NewTable(store, testRoot)
	if err := tbl.Create(ctx, m, Protocol{}); err != nil {
		tb.Fatalf("Create: %v", err)
	}
	s := rowArrowSchema(tb)
	if _, err := tbl.Append(ctx, batchesOf(s, genRows(0, 1000), 256), WriteOptions{RowsPerFile: 100}); err != nil {
		tb.Fatalf("Append: %v", err)
	}
	upserts := []row{
		{ID: 5, Name: "five", Score: 55},
		{ID: 150, Name: "n150", Score: 1500}, // unchanged
		{ID: 420, Name: "it's \"quoted\"", Score: -42000},
		{ID: 2000, Name: "ünïcødé ✓", Score: 1},
		{ID: 2001, Name: "", Score: -9223372036854775808},
		{ID: 2002, Name: "line\nbreak\ttab", Score: 9223372036854775807},
	}
	deletes := [][]any{{int64(710)}, {int64(711)}, {int64(9999)}}
	res, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, upserts, 4), deletes, WriteOptions{})
	if err != nil {
		tb.Fatalf("Merge: %v", err)
	}
	if !res.Committed || res.ChangeFiles == 0 || res.FilesAdded == 0 {
		tb.Fatalf("Merge result %+v: want a commit with data and change files", res)
	}
	mustCommit(tb, tbl, res.Version, Action{Txn: &Txn{AppID: "cross-check", Version: 7}})
	return tbl, store
}
