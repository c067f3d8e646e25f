package delta

import (
	"context"
	"fmt"
	"testing"
)

// benchTable commits 1,000 small commits (one add each, every tenth also
// removing a file) to a new table with the given configuration, and returns
// the store and the number of files at the end.
func benchTable(b *testing.B, config map[string]string) (*Table, int) {
	store := newStore(b)
	tbl := NewTable(store, testRoot)
	if err := tbl.Create(context.Background(), testMetadata(b, config), Protocol{}); err != nil {
		b.Fatal(err)
	}
	want := 0
	for i := range 1000 {
		actions := []Action{addFile(fmt.Sprintf("part-%05d.parquet", i), "r", 1000)}
		want++
		if i%10 == 9 {
			r := Action{Remove: &Remove{Path: EncodePath(fmt.Sprintf("region=r/part-%05d.parquet", i-5)), DataChange: true}}
			actions = append(actions, r)
			want--
		}
		mustCommit(b, tbl, int64(i), actions...)
	}
	return NewTable(store, testRoot), want
}

func benchReplay(b *testing.B, config map[string]string) {
	ctx := context.Background()
	tbl, want := benchTable(b, config)
	b.ReportAllocs()
	for b.Loop() {
		s, err := NewTable(tbl.store, testRoot).Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if s.Version != 1000 || s.NumFiles() != want {
			b.Fatalf("snapshot %v, want version 1000 with %d files", s, want)
		}
	}
}

// BenchmarkReplay1000Commits measures reading the latest snapshot of a table with
// 1,000 small commits from a fresh Table with no checkpoints (the interval is
// set past the last version), i.e. a full log replay from version 0.
func BenchmarkReplay1000Commits(b *testing.B) {
	benchReplay(b, map[string]string{configCheckpointInterval: "100000"})
}

// BenchmarkReplay1000CommitsWithCheckpoints is the same table with the default
// checkpoint interval (10): a fresh Table reads _last_checkpoint, the checkpoint
// of version 1000 (about 900 adds) and the commit file of version 1000.
func BenchmarkReplay1000CommitsWithCheckpoints(b *testing.B) {
	benchReplay(b, nil)
}
