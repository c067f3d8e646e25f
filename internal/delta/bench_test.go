package delta

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkReplay1000Commits measures reading the latest snapshot of a table with
// 1,000 small commits (one add each, every tenth also removing a file) from a
// fresh Table, i.e. a full log replay from version 0. Checkpoints (issue 3) are
// meant to cut this down.
func BenchmarkReplay1000Commits(b *testing.B) {
	ctx := context.Background()
	tbl, store := newTable(b)
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
	b.ReportAllocs()
	for b.Loop() {
		s, err := NewTable(store, testRoot).Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if s.Version != 1000 || s.NumFiles() != want {
			b.Fatalf("snapshot %v, want version 1000 with %d files", s, want)
		}
	}
}
