package delta

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// writeOwnFile stores rows as a Parquet file at rel under the table root, as a
// caller of WriteOptions.AddFiles would, and describes it.
func writeOwnFile(t *testing.T, tbl *Table, rel string, rows []row) AddedFile {
	t.Helper()
	key, err := tbl.DataKey(EncodePath(rel))
	if err != nil {
		t.Fatal(err)
	}
	s := rowArrowSchema(t)
	w, err := datafile.NewWriter(t.Context(), tbl.store, key, s, datafile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := makeBatch(s, rows)
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	info, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return AddedFile{Path: rel, Size: info.Size, Stats: info.Stats.JSON()}
}

func TestOverwriteAddFiles(t *testing.T) {
	ctx := context.Background()
	tbl := newRowTable(t, nil)
	s := rowArrowSchema(t)
	if _, err := tbl.Append(ctx, batchesOf(s, genRows(0, 10), 4), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	own := writeOwnFile(t, tbl, "copied/part 1.parquet", genRows(100, 105))
	calls := 0
	v, err := tbl.Overwrite(ctx, batchesOf(s, genRows(200, 203), 2), WriteOptions{
		AddFiles: func() ([]AddedFile, error) { calls++; return []AddedFile{own}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("AddFiles called %d times, want 1", calls)
	}
	snap := mustSnapshot(t, tbl)
	if snap.Version != v {
		t.Fatalf("snapshot version %d, want %d", snap.Version, v)
	}
	sameRows(t, "after overwrite", readRows(t, tbl, snap), append(genRows(100, 105), genRows(200, 203)...))
	a, ok := snap.File("copied/part 1.parquet")
	if !ok {
		t.Fatalf("the added file is not in the table: %v", filePaths(t, snap))
	}
	if a.Size != own.Size || a.Stats != own.Stats || !a.DataChange {
		t.Errorf("add action = %+v, want size %d and the file's stats", a, own.Size)
	}
}

func TestAddFilesRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		files []AddedFile
	}{
		{"climbs out", []AddedFile{{Path: "../x.parquet"}}},
		{"absolute", []AddedFile{{Path: "/x.parquet"}}},
		{"unclean", []AddedFile{{Path: "a//x.parquet"}}},
		{"in the log", []AddedFile{{Path: "_delta_log/x.parquet"}}},
		{"in change data", []AddedFile{{Path: "_change_data/x.parquet"}}},
		{"URI", []AddedFile{{Path: "s3://b/x.parquet"}}},
		{"negative size", []AddedFile{{Path: "x.parquet", Size: -1}}},
		{"bad stats", []AddedFile{{Path: "x.parquet", Stats: "{"}}},
		{"twice", []AddedFile{{Path: "x.parquet"}, {Path: "x.parquet"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tbl := newRowTable(t, nil)
			_, err := tbl.Overwrite(ctx, batchesOf(rowArrowSchema(t), genRows(0, 3), 3), WriteOptions{
				AddFiles: func() ([]AddedFile, error) { return tc.files, nil },
			})
			if !errors.Is(err, ErrInvalidCommit) {
				t.Errorf("Overwrite = %v, want ErrInvalidCommit", err)
			}
			if snap := mustSnapshot(t, tbl); snap.Version != 0 || snap.NumFiles() != 0 {
				t.Errorf("table changed to %v", snap)
			}
			// The files the write made are deleted again.
			for info, err := range tbl.store.List(ctx, tbl.Root()+"/", "") {
				if err == nil && !strings.Contains(info.Key, "/_delta_log/") {
					t.Errorf("left behind %s", info.Key)
				}
			}
		})
	}
	tbl := newRowTable(t, nil)
	boom := errors.New("boom")
	_, err := tbl.Append(ctx, batchesOf(rowArrowSchema(t), genRows(0, 3), 3), WriteOptions{
		AddFiles: func() ([]AddedFile, error) { return nil, boom },
	})
	if !errors.Is(err, boom) {
		t.Errorf("Append with a failing AddFiles = %v, want its error", err)
	}
}

// TestAddedColumnReadsNull: after a column is added to the schema, files
// written before read it as null, in Scan and in Merge.
func TestAddedColumnReadsNull(t *testing.T) {
	ctx := context.Background()
	narrow := &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "name", Type: schema.String, Nullable: true},
	}}
	m, err := NewMetadata(narrow, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tbl := NewTable(newStore(t), testRoot)
	if err := tbl.Create(ctx, m, Protocol{}); err != nil {
		t.Fatal(err)
	}
	ns, err := datafile.ArrowSchema(narrow)
	if err != nil {
		t.Fatal(err)
	}
	old := func(yield func(arrow.RecordBatch, error) bool) {
		rec := makeNarrow(ns, 1, 2, 3)
		defer rec.Release()
		yield(rec, nil)
	}
	if _, err := tbl.Append(ctx, old, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	snap := mustSnapshot(t, tbl)
	wide := snap.Metadata
	wide.SchemaString = rowSchema().String()
	mustCommit(t, tbl, snap.Version, Action{Metadata: &wide})

	snap = mustSnapshot(t, tbl)
	var got []string
	for rec, err := range tbl.Scan(ctx, snap) {
		if err != nil {
			t.Fatalf("Scan after adding a column: %v", err)
		}
		for i := range int(rec.NumRows()) {
			got = append(got, rec.Column(0).ValueStr(i)+"/"+rec.Column(2).ValueStr(i))
		}
	}
	if strings.Join(got, " ") != "1/(null) 2/(null) 3/(null)" {
		t.Errorf("rows after adding a column = %q", got)
	}
	// Merge reads the old file too, and rewrites it with the new column.
	s := rowArrowSchema(t)
	if _, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, []row{{2, "two", 20}}, 1), [][]any{{int64(3)}}, WriteOptions{}); err != nil {
		t.Fatalf("Merge after adding a column: %v", err)
	}
	snap = mustSnapshot(t, tbl)
	got = got[:0]
	for rec, err := range tbl.Scan(ctx, snap) {
		if err != nil {
			t.Fatal(err)
		}
		for i := range int(rec.NumRows()) {
			got = append(got, rec.Column(0).ValueStr(i)+"/"+rec.Column(2).ValueStr(i))
		}
	}
	if strings.Join(got, " ") != "1/(null) 2/20" {
		t.Errorf("rows after the merge = %q", got)
	}
}

func makeNarrow(s *arrow.Schema, ids ...int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	for _, id := range ids {
		b.Field(0).(*array.Int64Builder).Append(id)
		b.Field(1).(*array.StringBuilder).AppendNull()
	}
	return b.NewRecordBatch()
}
