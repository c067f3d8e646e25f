package local

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/delta"
)

var people = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func batch(rows ...[]any) arrow.RecordBatch { return sinktest.Batch(people, rows...) }

func mustLoad(t *testing.T, s sink.Sink, table string, rec arrow.RecordBatch) {
	t.Helper()
	defer rec.Release()
	l, err := s.BeginFull(t.Context(), sink.Table{Name: table, Schema: people})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func readPeople(t *testing.T, r sinktest.Reader) []string {
	t.Helper()
	got, err := r.ReadRows(t.Context(), "people")
	if err != nil {
		t.Fatalf("read the table: %v", err)
	}
	slices.Sort(got)
	return got
}

// TestCrashRecovery lays out, in the folder, each state a crash can leave a
// parquet swap in (see package files: marker, then the table moved aside,
// then the staged folder moved in, then the marker removed) and checks that
// opening the folder again, or the next load of the table, leaves the table
// whole and the staging folder gone.
func TestCrashRecovery(t *testing.T) {
	states := []struct {
		name   string
		steps  int  // how many swap steps happened
		newRow bool // the table then holds the load's rows
	}{
		{"staged, not committed", 0, false},
		{"marker written", 1, true},
		{"table moved aside", 2, true},
		{"staged folder moved in", 3, true},
		{"marker removed", 4, true},
	}
	for _, st := range states {
		for _, via := range []string{"New", "BeginFull"} {
			t.Run(st.name+"/"+via, func(t *testing.T) {
				dir := t.TempDir()
				s, r := open(t, dir, files.Parquet)
				mustLoad(t, s, "people", batch([]any{int64(1), "old"}))
				later, _ := open(t, dir, files.Parquet) // opened before the crash
				// A load's complete staged folder: another table's folder,
				// moved where a load of people stages its files.
				mustLoad(t, s, "other", batch([]any{int64(2), "new"}))
				stage := filepath.Join(dir, files.StagingDir, "people")
				run := "20260102T030405Z-0123456789ab"
				if err := os.MkdirAll(stage, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(filepath.Join(dir, "other"), filepath.Join(stage, run)); err != nil {
					t.Fatal(err)
				}
				do := []func() error{
					func() error { return os.WriteFile(filepath.Join(stage, run+".commit"), []byte(run), 0o644) },
					func() error { return os.Rename(filepath.Join(dir, "people"), filepath.Join(stage, run+".old")) },
					func() error { return os.Rename(filepath.Join(stage, run), filepath.Join(dir, "people")) },
					func() error { return os.Remove(filepath.Join(stage, run+".commit")) },
				}
				for _, step := range do[:st.steps] {
					if err := step(); err != nil {
						t.Fatal(err)
					}
				}
				// The process died here. Recover.
				if via == "New" {
					open(t, dir, files.Parquet)
				} else {
					l, err := later.BeginFull(t.Context(), sink.Table{Name: "people", Schema: people})
					if err != nil {
						t.Fatal(err)
					}
					defer l.Abort(t.Context())
				}
				want := []string{sinktest.Row("1", `"old"`)}
				if st.newRow {
					want = []string{sinktest.Row("2", `"new"`)}
				}
				if got := readPeople(t, r); !slices.Equal(got, want) {
					t.Errorf("table holds %q, want %q", got, want)
				}
				if _, err := os.Stat(filepath.Join(dir, files.StagingDir)); !os.IsNotExist(err) {
					t.Errorf("the staging folder is still there (%v)", err)
				}
			})
		}
	}
}

// TestCopyFileRoundTrip: a copied data file is stored byte for byte, and a
// delta table records its size and statistics.
func TestCopyFileRoundTrip(t *testing.T) {
	rec := batch([]any{int64(7), "copied"}, []any{int64(8), nil})
	defer rec.Release()
	data := sinktest.ParquetFile(t, rec)
	const stats = `{"numRecords":2,"minValues":{"id":7},"maxValues":{"id":8},"nullCount":{"id":0,"name":1}}`
	for _, format := range []files.Format{files.Parquet, files.Delta} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			s, r := open(t, dir, format)
			l, err := s.BeginFull(t.Context(), sink.Table{Name: "people", Schema: people})
			if err != nil {
				t.Fatal(err)
			}
			f := sink.DataFile{Name: "part-00000.parquet", Size: int64(len(data)), Rows: 2, Stats: stats}
			if err := l.(sink.FileCopier).CopyFile(t.Context(), f, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if err := l.Commit(t.Context()); err != nil {
				t.Fatal(err)
			}
			var same []string
			filepath.WalkDir(filepath.Join(dir, "people"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
					if b, _ := os.ReadFile(p); bytes.Equal(b, data) {
						same = append(same, p)
					}
				}
				return nil
			})
			if len(same) != 1 {
				t.Fatalf("%d files under people/ equal the copied file, want 1", len(same))
			}
			if got, want := readPeople(t, r), []string{sinktest.Row("7", `"copied"`), sinktest.Row("8", "NULL")}; !slices.Equal(got, want) {
				t.Errorf("rows = %q, want %q", got, want)
			}
			if format != files.Delta {
				return
			}
			store, err := local.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			snap, err := delta.NewTable(store, "people").Snapshot(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			adds := snap.Files()
			if len(adds) != 1 || adds[0].Size != int64(len(data)) || adds[0].Stats != stats ||
				filepath.Join(dir, "people", adds[0].Path) != same[0] {
				t.Errorf("the table's files are %+v; want the copied file %s with size %d and its stats", adds, same[0], len(data))
			}
		})
	}
}

// TestNewErrors: a bad format is refused, naming it.
func TestNewErrors(t *testing.T) {
	if _, err := New(t.TempDir(), "xml"); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("New with format xml = %v, want an error naming it", err)
	}
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := New(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("New did not create the folder: %v", err)
	}
}
