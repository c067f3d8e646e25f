package delta

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

const testRoot = "companies/acme/people"

// newStore returns a local blob store in a fresh temporary folder.
func newStore(tb testing.TB) *local.Store {
	tb.Helper()
	s, err := local.New(tb.TempDir())
	if err != nil {
		tb.Fatalf("local.New: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func testSchema() *schema.StructType {
	return &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "name", Type: schema.String, Nullable: true},
		{Name: "region", Type: schema.String, Nullable: true},
	}}
}

func testMetadata(tb testing.TB, config map[string]string) Metadata {
	tb.Helper()
	m, err := NewMetadata(testSchema(), []string{"region"}, config)
	if err != nil {
		tb.Fatalf("NewMetadata: %v", err)
	}
	return m
}

// newTable creates a table with the default protocol on a fresh store.
func newTable(tb testing.TB) (*Table, *local.Store) {
	tb.Helper()
	store := newStore(tb)
	tbl := NewTable(store, testRoot)
	if err := tbl.Create(context.Background(), testMetadata(tb, nil), Protocol{}); err != nil {
		tb.Fatalf("Create: %v", err)
	}
	return tbl, store
}

// addFile returns an add action for a data file named name in region.
func addFile(name, region string, size int64) Action {
	return Action{Add: &Add{
		Path:             EncodePath("region=" + region + "/" + name),
		PartitionValues:  map[string]string{"region": region},
		Size:             size,
		ModificationTime: nowMillis(),
		DataChange:       true,
		Stats:            fmt.Sprintf(`{"numRecords":%d}`, size/10),
	}}
}

func removeFile(tb testing.TB, snap *Snapshot, path string) Action {
	tb.Helper()
	a, ok := snap.File(path)
	if !ok {
		tb.Fatalf("version %d has no file %q", snap.Version, path)
	}
	r := a.Remove(nowMillis(), true)
	return Action{Remove: &r}
}

// filePaths returns the decoded paths of a snapshot's files.
func filePaths(tb testing.TB, s *Snapshot) []string {
	tb.Helper()
	var out []string
	for _, a := range s.Files() {
		p, err := DecodePath(a.Path)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func mustSnapshot(tb testing.TB, tbl *Table) *Snapshot {
	tb.Helper()
	s, err := tbl.Snapshot(context.Background())
	if err != nil {
		tb.Fatalf("Snapshot: %v", err)
	}
	return s
}

func mustCommit(tb testing.TB, tbl *Table, readVersion int64, actions ...Action) int64 {
	tb.Helper()
	v, err := tbl.Commit(context.Background(), readVersion, actions)
	if err != nil {
		tb.Fatalf("Commit on %d: %v", readVersion, err)
	}
	return v
}

// putLog writes a commit file by hand, as lines of raw JSON.
func putLog(tb testing.TB, store blob.Store, root string, v int64, lines ...string) {
	tb.Helper()
	key := root + "/" + LogDir + "/" + CommitFileName(v)
	body := strings.Join(lines, "\n") + "\n"
	if err := store.Put(context.Background(), key, bytes.NewReader([]byte(body))); err != nil {
		tb.Fatalf("Put %s: %v", key, err)
	}
}

func equalStrings(a, b []string) bool { return slices.Equal(a, b) }
