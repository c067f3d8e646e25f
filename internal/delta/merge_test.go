package delta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// fileWithMin returns the path of the snapshot file whose id minimum is min.
func fileWithMin(tb testing.TB, snap *Snapshot, min int64) string {
	tb.Helper()
	for _, a := range snap.Files() {
		st, err := ParseStats(a.Stats)
		if err != nil {
			tb.Fatal(err)
		}
		if fmt.Sprint(st.MinValues["id"]) == fmt.Sprint(min) {
			return a.Path
		}
	}
	tb.Fatalf("no file with min id %d", min)
	return ""
}

// changeRows reads the change data of versions start..end as sorted
// "type version row" strings.
func changeRows(tb testing.TB, tbl *Table, start, end int64) []string {
	tb.Helper()
	var out []string
	for rec, err := range tbl.ReadChanges(context.Background(), start, end) {
		if err != nil {
			tb.Fatalf("ReadChanges: %v", err)
		}
		if rec.Schema().NumFields() != 6 {
			tb.Fatalf("change schema %s", rec.Schema())
		}
		types := rec.Column(3).(*array.String)
		versions := rec.Column(4).(*array.Int64)
		stamps := rec.Column(5).(*array.Timestamp)
		for i, r := range batchRows(tb, rec) {
			if stamps.Value(i) <= 0 {
				tb.Fatalf("bad commit timestamp %d", stamps.Value(i))
			}
			out = append(out, fmt.Sprintf("%s %d %s", types.Value(i), versions.Value(i), r))
		}
	}
	slices.Sort(out)
	return out
}

func TestMerge(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	base := genRows(0, 1000)
	if _, err := tbl.Append(ctx, batchesOf(s, base, 256), WriteOptions{RowsPerFile: 100}); err != nil {
		t.Fatal(err)
	}
	before := mustSnapshot(t, tbl)
	if before.NumFiles() != 10 {
		t.Fatalf("%d files, want 10", before.NumFiles())
	}
	upserts := []row{
		{ID: 5, Name: "five", Score: 55},      // update
		{ID: 150, Name: "n150", Score: 1500},  // equal to the existing row
		{ID: 2000, Name: "new", Score: 1},     // insert
		{ID: 2001, Name: "newer", Score: 2},   // insert
		{ID: 420, Name: "n420", Score: 42000}, // update (score)
	}
	deletes := [][]any{{int64(710)}, {int64(9999)}}
	res, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, upserts, 2), deletes, WriteOptions{})
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	want := MergeResult{Version: 2, Committed: true, Inserted: 2, Updated: 2, Deleted: 1, Unchanged: 1,
		FilesRemoved: 3}
	// Files are merged in parallel: each worker writes its own new data and
	// change data file, and the inserts get one more.
	if got := res; got.FilesAdded < 1 || got.FilesAdded > 4 || got.ChangeFiles < 1 || got.ChangeFiles > 4 {
		t.Fatalf("Merge wrote %d data and %d change files, want 1 to 4 of each", got.FilesAdded, got.ChangeFiles)
	}
	changeFiles := res.ChangeFiles
	if res.FilesAdded, res.ChangeFiles = 0, 0; res != want {
		t.Fatalf("Merge result %+v, want %+v", res, want)
	}

	// Only the files holding ids 5, 420 and 710 were rewritten.
	actions, err := tbl.ReadCommit(ctx, res.Version)
	if err != nil {
		t.Fatal(err)
	}
	var removed, cdc []string
	for _, a := range actions {
		if a.Remove != nil {
			if !a.Remove.DataChange {
				t.Errorf("remove %s has dataChange false", a.Remove.Path)
			}
			removed = append(removed, a.Remove.Path)
		}
		if a.CDC != nil {
			cdc = append(cdc, a.CDC.Path)
		}
	}
	wantRemoved := []string{fileWithMin(t, before, 0), fileWithMin(t, before, 400), fileWithMin(t, before, 700)}
	slices.Sort(removed)
	slices.Sort(wantRemoved)
	if !slices.Equal(removed, wantRemoved) {
		t.Fatalf("removed %v, want %v", removed, wantRemoved)
	}
	if len(cdc) != changeFiles {
		t.Fatalf("%d cdc actions, %d change files written", len(cdc), changeFiles)
	}
	for _, p := range cdc {
		if !strings.HasPrefix(p, "_change_data/cdc-") || !strings.HasSuffix(p, ".c000.zstd.parquet") {
			t.Fatalf("cdc actions %v", cdc)
		}
	}

	// Table content.
	var expect []row
	for _, r := range base {
		switch r.ID {
		case 5:
			r = upserts[0]
		case 420:
			r = upserts[4]
		case 710:
			continue
		}
		expect = append(expect, r)
	}
	expect = append(expect, upserts[2], upserts[3])
	after := mustSnapshot(t, tbl)
	sameRows(t, "after merge", readRows(t, tbl, after), expect)

	// Time travel.
	v1, err := tbl.SnapshotAt(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "version 1", readRows(t, tbl, v1), base)
	v2, err := tbl.SnapshotAt(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "version 2", readRows(t, tbl, v2), expect)

	// Change data feed of the merge.
	wantCDF := []string{
		"delete 2 710/n710/7100",
		"insert 2 2000/new/1",
		"insert 2 2001/newer/2",
		"update_postimage 2 420/n420/42000",
		"update_postimage 2 5/five/55",
		"update_preimage 2 420/n420/4200",
		"update_preimage 2 5/n5/50",
	}
	if got := changeRows(t, tbl, 2, 2); !slices.Equal(got, wantCDF) {
		t.Fatalf("CDF of the merge:\ngot  %q\nwant %q", got, wantCDF)
	}
	// The append has no cdc actions: its adds read as inserts.
	if got := changeRows(t, tbl, 1, 1); len(got) != 1000 || got[0] != "insert 1 0/n0/0" {
		t.Fatalf("CDF of the append: %d rows, first %q", len(got), got[0])
	}
	versions, err := tbl.Changes(ctx, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 3 || len(versions[0].Files) != 0 || len(versions[1].Files) != 10 ||
		len(versions[2].Files) != changeFiles {
		t.Fatalf("Changes: %+v", versions)
	}
	for _, f := range versions[2].Files {
		if !f.CDC {
			t.Fatalf("merge version lists a data file, not its change data: %+v", f)
		}
	}

	// Upserting rows equal to the table's commits nothing.
	res, err = tbl.Merge(ctx, []string{"id"}, batchesOf(s, []row{upserts[0], base[300]}, 10), nil, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Unchanged != 2 || res.Version != 2 {
		t.Fatalf("no-op merge: %+v", res)
	}
}

func TestMergeOnlyDeletesAndErrors(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	if _, err := tbl.Append(ctx, batchesOf(s, genRows(0, 50), 50), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := tbl.Merge(ctx, []string{"id"}, nil, [][]any{{int64(3)}, {int64(4)}}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 2 || res.FilesRemoved != 1 {
		t.Fatalf("%+v", res)
	}
	want := slices.DeleteFunc(genRows(0, 50), func(r row) bool { return r.ID == 3 || r.ID == 4 })
	sameRows(t, "after deletes", readRows(t, tbl, mustSnapshot(t, tbl)), want)

	// A merge with nothing to do commits nothing.
	res, err = tbl.Merge(ctx, []string{"id"}, nil, nil, WriteOptions{})
	if err != nil || res.Committed {
		t.Fatalf("empty merge: %+v, %v", res, err)
	}
	if _, err := tbl.Merge(ctx, []string{"nope"}, nil, nil, WriteOptions{}); err == nil {
		t.Fatal("merge on an unknown key column succeeded")
	}
	dup := batchesOf(s, []row{{ID: 1}, {ID: 1}}, 10)
	if _, err := tbl.Merge(ctx, []string{"id"}, dup, nil, WriteOptions{}); err == nil {
		t.Fatal("merge with a duplicate key succeeded")
	}
	both := batchesOf(s, []row{{ID: 1}}, 10)
	if _, err := tbl.Merge(ctx, []string{"id"}, both, [][]any{{int64(1)}}, WriteOptions{}); err == nil {
		t.Fatal("merge upserting and deleting one key succeeded")
	}
}

func TestVacuum(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	base := genRows(0, 300)
	// v1: three files.
	if _, err := tbl.Append(ctx, batchesOf(s, base, 100), WriteOptions{RowsPerFile: 100}); err != nil {
		t.Fatal(err)
	}
	// v2: merge rewrites the file of ids 0-99.
	if _, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, []row{{ID: 1, Name: "one", Score: 1}}, 1),
		nil, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	orphanOld := testRoot + "/part-99999-orphan-old.c000.zstd.parquet"
	if err := tbl.store.Put(ctx, orphanOld, bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	mid := time.Now()
	time.Sleep(30 * time.Millisecond)
	// v3: merge rewrites the file of ids 100-199.
	if _, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, []row{{ID: 101, Name: "x", Score: 1}}, 1),
		nil, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	orphanNew := testRoot + "/part-99999-orphan-new.c000.zstd.parquet"
	if err := tbl.store.Put(ctx, orphanNew, bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	v1, _ := tbl.SnapshotAt(ctx, 1)
	v2, _ := tbl.SnapshotAt(ctx, 2)
	rows2 := readRows(t, tbl, v2)

	if _, err := tbl.Vacuum(ctx, time.Hour, false); !errors.Is(err, ErrRetentionTooShort) {
		t.Fatalf("Vacuum with 1h retention: %v, want ErrRetentionTooShort", err)
	}
	retention := time.Since(mid)
	dry, err := tbl.VacuumWithOptions(ctx, VacuumOptions{Retention: retention, DryRun: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	key := func(p string) string { k, _ := tbl.DataKey(p); return k }
	v2CDC := ""
	acts, _ := tbl.ReadCommit(ctx, 2)
	for _, a := range acts {
		if a.CDC != nil {
			v2CDC = key(a.CDC.Path)
		}
	}
	want := []string{key(fileWithMin(t, v1, 0)), orphanOld, v2CDC}
	slices.Sort(want)
	slices.Sort(dry)
	if !slices.Equal(dry, want) {
		t.Fatalf("dry run would delete\n%v\nwant\n%v", dry, want)
	}
	if _, err := tbl.store.Stat(ctx, want[0]); err != nil {
		t.Fatalf("dry run deleted %s: %v", want[0], err)
	}
	deleted, err := tbl.VacuumWithOptions(ctx, VacuumOptions{Retention: time.Since(mid), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(deleted)
	if !slices.Equal(deleted, want) {
		t.Fatalf("deleted %v, want %v", deleted, want)
	}
	for _, k := range []string{orphanNew, testRoot + "/" + LogDir + "/" + CommitFileName(0)} {
		if _, err := tbl.store.Stat(ctx, k); err != nil {
			t.Fatalf("vacuum deleted %s: %v", k, err)
		}
	}
	// Version 2 is within the retention and still reads; version 1 lost a file.
	sameRows(t, "version 2 after vacuum", readRows(t, tbl, v2), rows2)
	var scanErr error
	for _, err := range tbl.Scan(ctx, v1) {
		if err != nil {
			scanErr = err
			break
		}
	}
	if scanErr == nil || !strings.Contains(scanErr.Error(), "missing") {
		t.Fatalf("reading vacuumed version 1: %v, want a missing file", scanErr)
	}
	if got := readRows(t, tbl, mustSnapshot(t, tbl)); len(got) != 300 {
		t.Fatalf("latest has %d rows", len(got))
	}
}
