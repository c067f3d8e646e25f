package delta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/blob/local"
)

// agedTable writes a table whose commits carry the given commit times: version
// 0 at times[0], then one commit per further time, each adding a file and
// every third removing one. Checkpoints come every interval versions.
func agedTable(tb testing.TB, interval int, times []time.Time) (*Table, *local.Store) {
	tb.Helper()
	ctx := context.Background()
	store := newStore(tb)
	m := testMetadata(tb, map[string]string{configCheckpointInterval: fmt.Sprint(interval)})
	p := DefaultProtocol
	data, err := encodeCommitBytes([]Action{
		{CommitInfo: &CommitInfo{Timestamp: times[0].UnixMilli(), Operation: "CREATE TABLE"}},
		{Protocol: &p}, {Metadata: &m},
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.PutIfAbsent(ctx, testRoot+"/"+LogDir+"/"+CommitFileName(0), bytes.NewReader(data)); err != nil {
		tb.Fatal(err)
	}
	tbl := NewTable(store, testRoot)
	for i, ts := range times[1:] {
		v := int64(i)
		actions := []Action{
			{CommitInfo: &CommitInfo{Timestamp: ts.UnixMilli()}},
			addFile(fmt.Sprintf("f%03d", v+1), "r", 10),
		}
		if v%3 == 2 {
			actions = append(actions, removeFile(tb, mustSnapshot(tb, tbl), fmt.Sprintf("region=r/f%03d", v-1)))
		}
		mustCommit(tb, tbl, v, actions...)
	}
	return tbl, store
}

func logKeys(tb testing.TB, store *local.Store) []string {
	tb.Helper()
	var out []string
	prefix := testRoot + "/" + LogDir + "/"
	for info, err := range store.List(context.Background(), prefix, "") {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, strings.TrimPrefix(info.Key, prefix))
	}
	return out
}

func TestCleanupLogKeepsLaterVersionsReadable(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	var times []time.Time
	for v := range 60 {
		if v < 40 { // versions 0-39: 60 days old, an hour apart
			times = append(times, now.Add(-60*24*time.Hour+time.Duration(v)*time.Hour))
		} else {
			times = append(times, now.Add(-time.Hour+time.Duration(v)*time.Second))
		}
	}
	tbl, store := agedTable(t, 10, times)
	want := map[int64]*Snapshot{}
	for v := int64(0); v < 60; v++ {
		want[v] = replayFromZero(t, store, v)
	}
	early := NewTable(store, testRoot) // a reader that saw version 5 before the cleanup
	if _, err := early.stateAt(ctx, 5); err != nil {
		t.Fatal(err)
	}

	res, err := tbl.CleanupLog(ctx, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// The cut-off commit is 39 (the newest older than 30 days), so the cut-off
	// checkpoint is 30: commits 0-29 and checkpoints 10 and 20 go.
	if res.CutoffCheckpoint != 30 || len(res.Deleted) != 32 {
		t.Fatalf("cleanup = checkpoint %d, %d deleted %v; want checkpoint 30 and 32 files", res.CutoffCheckpoint, len(res.Deleted), res.Deleted)
	}
	keys := logKeys(t, store)
	if keys[0] != CheckpointFileName(30) || keys[1] != CommitFileName(30) {
		t.Errorf("log now starts with %v, want checkpoint 30 and commit 30", keys[:2])
	}
	for v := int64(30); v < 60; v++ {
		for _, tb := range []*Table{NewTable(store, testRoot), tbl} {
			got, err := tb.SnapshotAt(ctx, v)
			if err != nil {
				t.Fatalf("after cleanup, SnapshotAt(%d): %v", v, err)
			}
			sameSnapshot(t, got, want[v])
		}
	}
	for _, v := range []int64{0, 29} {
		if _, err := NewTable(store, testRoot).SnapshotAt(ctx, v); err == nil {
			t.Errorf("SnapshotAt(%d) after its commit was cleaned up: no error", v)
		}
	}
	sameSnapshot(t, mustSnapshot(t, early), want[59]) // commits 6-29 are gone
	if s, err := NewTable(store, testRoot).SnapshotAtTime(ctx, now); err != nil || s.Version != 59 {
		t.Errorf("SnapshotAtTime(now) = %v, %v", s, err)
	}
	if _, err := NewTable(store, testRoot).SnapshotAtTime(ctx, now.Add(-90*24*time.Hour)); !errors.Is(err, ErrTimestampTooEarly) {
		t.Errorf("SnapshotAtTime(90 days ago) error = %v, want ErrTimestampTooEarly", err)
	}
	// A second cleanup has nothing left to do; writing goes on.
	if res, err := tbl.CleanupLog(ctx, 30*24*time.Hour); err != nil || res.CutoffCheckpoint != 30 || len(res.Deleted) != 0 {
		t.Errorf("second cleanup = %+v, %v", res, err)
	}
	mustCommit(t, NewTable(store, testRoot), 59, addFile("late", "r", 1))
}

func TestCleanupLogNeedsAnOldCheckpoint(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	old := func(n int) []time.Time {
		var out []time.Time
		for v := range n {
			out = append(out, now.Add(-60*24*time.Hour+time.Duration(v)*time.Minute))
		}
		return out
	}
	t.Run("no checkpoint", func(t *testing.T) {
		tbl, store := agedTable(t, 1000, old(25))
		before := logKeys(t, store)
		res, err := tbl.CleanupLog(ctx, 24*time.Hour)
		if err != nil || res.CutoffCheckpoint != -1 || len(res.Deleted) != 0 || len(logKeys(t, store)) != len(before) {
			t.Errorf("cleanup = %+v, %v; want nothing deleted", res, err)
		}
	})
	t.Run("checkpoints too new", func(t *testing.T) {
		times := old(8) // checkpoint 10 is among the recent versions
		for v := 8; v < 25; v++ {
			times = append(times, now.Add(-time.Minute))
		}
		tbl, store := agedTable(t, 10, times)
		before := logKeys(t, store)
		res, err := tbl.CleanupLog(ctx, 24*time.Hour)
		if err != nil || res.CutoffCheckpoint != -1 || len(res.Deleted) != 0 || len(logKeys(t, store)) != len(before) {
			t.Errorf("cleanup = %+v, %v; want nothing deleted", res, err)
		}
	})
	t.Run("unreadable checkpoint", func(t *testing.T) {
		tbl, store := agedTable(t, 10, old(25))
		if err := store.Put(ctx, testRoot+"/"+LogDir+"/"+CheckpointFileName(20), strings.NewReader("junk")); err != nil {
			t.Fatal(err)
		}
		before := logKeys(t, store)
		if res, err := tbl.CleanupLog(ctx, 24*time.Hour); err == nil || len(res.Deleted) != 0 || len(logKeys(t, store)) != len(before) {
			t.Errorf("cleanup with a corrupt cut-off checkpoint = %+v, %v; want an error and nothing deleted", res, err)
		}
	})
	t.Run("everything old", func(t *testing.T) {
		tbl, store := agedTable(t, 10, old(25))
		want := replayFromZero(t, store, 24)
		res, err := tbl.CleanupLog(ctx, 0)
		if err != nil || res.CutoffCheckpoint != 20 {
			t.Fatalf("cleanup = %+v, %v; want cut-off checkpoint 20", res, err)
		}
		for v := int64(20); v <= 24; v++ {
			got, err := NewTable(store, testRoot).SnapshotAt(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if v == 24 {
				sameSnapshot(t, got, want)
			}
		}
	})
}
