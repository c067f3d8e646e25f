package delta

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// handSchema is a schemaString for the hand-written table, escaped for JSON.
const handSchema = `{\"type\":\"struct\",\"fields\":[{\"name\":\"val\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},{\"name\":\"date\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}}]}`

// TestHandWrittenLog replays commit files written by hand in the shapes of the
// protocol's examples, including an action kind this package does not know.
func TestHandWrittenLog(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	const root = "hand"
	putLog(t, store, root, 0,
		`{"commitInfo":{"timestamp":1515491537026,"userId":"100121","userName":"michael@databricks.com","operation":"INSERT","operationParameters":{"mode":"Append","partitionBy":"[]"},"notebook":{"notebookId":"4443029","notebookPath":"Users/michael@databricks.com/actions"},"clusterId":"1027-202406-pooh991"}}`,
		`{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}`,
		`{"metaData":{"id":"af23c9d7-fff1-4a5a-a2c8-55c59bd782aa","format":{"provider":"parquet","options":{}},"schemaString":"`+handSchema+`","partitionColumns":["date"],"configuration":{"appendOnly":"true"}}}`,
		`{"add":{"path":"date=2017-12-10/part-000...c000.gz.parquet","partitionValues":{"date":"2017-12-10"},"size":841454,"modificationTime":1512909768000,"dataChange":true,"baseRowId":4071,"defaultRowCommitVersion":41,"stats":"{\"numRecords\":1,\"minValues\":{\"val\":\"a\"},\"maxValues\":{\"val\":\"a\"},\"nullCount\":{\"val\":0}}"}}`,
		`{"add":{"path":"part-00001-9…..snappy.parquet","partitionValues":{"date":""},"size":10,"modificationTime":1512909768000,"dataChange":true}}`,
		`{"txn":{"appId":"3ba13872-2d47-4e17-86a0-21afd2a22395","version":364475}}`,
	)
	putLog(t, store, root, 1,
		`{"remove":{"path":"part-00001-9…..snappy.parquet","deletionTimestamp":1515488792485,"baseRowId":4071,"defaultRowCommitVersion":41,"dataChange":true}}`,
		`{"cdc":{"path":"_change_data/cdc-00001-c…..snappy.parquet","partitionValues":{},"size":1213,"dataChange":false}}`,
		`{"domainMetadata":{"domain":"delta.deltaTableFeatureX","configuration":"{\"key1\":\"value1\"}","removed":false}}`,
		`{"txn":{"appId":"3ba13872-2d47-4e17-86a0-21afd2a22395","version":364476,"lastUpdated":1515488792485}}`,
	)

	tbl := NewTable(store, root)
	s := mustSnapshot(t, tbl)
	if s.Version != 1 || s.Metadata.ID != "af23c9d7-fff1-4a5a-a2c8-55c59bd782aa" || s.Metadata.PartitionColumns[0] != "date" {
		t.Fatalf("snapshot %v, metadata %+v", s, s.Metadata)
	}
	if got := filePaths(t, s); !equalStrings(got, []string{"date=2017-12-10/part-000...c000.gz.parquet"}) {
		t.Errorf("files = %v", got)
	}
	a, _ := s.File("date=2017-12-10/part-000...c000.gz.parquet")
	if a.Size != 841454 || a.PartitionValues["date"] != "2017-12-10" || a.BaseRowID == nil || *a.BaseRowID != 4071 {
		t.Errorf("add = %+v", a)
	}
	st, err := ParseStats(a.Stats)
	if err != nil || st.NumRecords != 1 || st.MinValues["val"] != "a" {
		t.Errorf("ParseStats = %+v, %v", st, err)
	}
	if ts := s.Tombstones(); len(ts) != 1 || ts[0].Path != "part-00001-9…..snappy.parquet" || *ts[0].DeletionTimestamp != 1515488792485 {
		t.Errorf("tombstones = %+v", ts)
	}
	if txn, _ := s.AppTransaction("3ba13872-2d47-4e17-86a0-21afd2a22395"); txn.Version != 364476 || *txn.LastUpdated != 1515488792485 {
		t.Errorf("txn = %+v", txn)
	}
	sch, err := s.Schema()
	if err != nil || len(sch.Fields) != 2 {
		t.Errorf("schema = %v, %v", sch, err)
	}

	v0, err := tbl.SnapshotAt(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v0.NumFiles() != 2 || !v0.Timestamp.Equal(time.UnixMilli(1515491537026)) {
		t.Errorf("version 0: %v at %v", v0, v0.Timestamp)
	}
	if v0.CommitInfo == nil || v0.CommitInfo.Operation != "INSERT" || string(v0.CommitInfo.Extra["userId"]) != `"100121"` {
		t.Errorf("version 0 commitInfo = %+v", v0.CommitInfo)
	}
	if a, _ := v0.File("part-00001-9…..snappy.parquet"); a.PartitionValues["date"] != "" {
		t.Errorf("null partition value = %q", a.PartitionValues["date"])
	}

	// The unknown action survives a read and a write.
	actions, err := tbl.ReadCommit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) != 4 || actions[2].Unknown == nil || actions[2].Kind() != "domainMetadata" {
		t.Fatalf("version 1 actions = %+v", actions)
	}
	var buf bytes.Buffer
	if err := EncodeCommit(&buf, actions[2:3]); err != nil {
		t.Fatal(err)
	}
	if want := `{"domainMetadata":{"domain":"delta.deltaTableFeatureX","configuration":"{\"key1\":\"value1\"}","removed":false}}` + "\n"; buf.String() != want {
		t.Errorf("re-encoded unknown action:\n got %s\nwant %s", buf.String(), want)
	}

	// This package can write on top of the hand-written log.
	if v := mustCommit(t, tbl, 1, Action{Add: &Add{Path: "date=2017-12-11/new.parquet", PartitionValues: map[string]string{"date": "2017-12-11"}, Size: 5, DataChange: true}}); v != 2 {
		t.Errorf("commit = %d", v)
	}
	if s := mustSnapshot(t, NewTable(store, root)); s.NumFiles() != 2 {
		t.Errorf("after commit: %v", s)
	}
}

func TestTimestampTimeTravel(t *testing.T) {
	ctx := context.Background()
	tbl, store := newTable(t)
	for i := range 4 {
		time.Sleep(3 * time.Millisecond) // commit timestamps are milliseconds
		mustCommit(t, tbl, int64(i), addFile(string(rune('a'+i)), "r", 1))
	}
	var stamps []time.Time
	for v := int64(0); v <= 4; v++ {
		s, err := tbl.SnapshotAt(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		stamps = append(stamps, s.Timestamp)
	}
	reader := NewTable(store, testRoot)
	for v, ts := range stamps {
		for _, at := range []time.Time{ts, ts.Add(time.Millisecond)} {
			s, err := reader.SnapshotAtTime(ctx, at)
			if err != nil {
				t.Fatalf("SnapshotAtTime(%v): %v", at, err)
			}
			if s.Version != int64(v) || s.NumFiles() != v {
				t.Errorf("SnapshotAtTime(version %d time +%v) = %v", v, at.Sub(ts), s)
			}
		}
	}
	if s, err := reader.SnapshotAtTime(ctx, time.Now().Add(time.Hour)); err != nil || s.Version != 4 {
		t.Errorf("SnapshotAtTime(future) = %v, %v; want version 4", s, err)
	}
	_, err := reader.SnapshotAtTime(ctx, stamps[0].Add(-time.Millisecond))
	if !errors.Is(err, ErrTimestampTooEarly) {
		t.Errorf("SnapshotAtTime(before creation) error = %v, want ErrTimestampTooEarly", err)
	}
}

func TestTimestampFallsBackToFileTime(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	putLog(t, store, "t", 0,
		`{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}`,
		`{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"`+handSchema+`","partitionColumns":[],"configuration":{}}}`)
	info, err := store.Stat(ctx, "t/"+LogDir+"/"+CommitFileName(0))
	if err != nil {
		t.Fatal(err)
	}
	tbl := NewTable(store, "t")
	s, err := tbl.SnapshotAtTime(ctx, info.ModTime)
	if err != nil || s.Version != 0 || !s.Timestamp.Equal(info.ModTime) {
		t.Errorf("SnapshotAtTime(file time) = %v at %v, %v; want version 0 at %v", s, s.Timestamp, err, info.ModTime)
	}
	if _, err := tbl.SnapshotAtTime(ctx, info.ModTime.Add(-time.Second)); !errors.Is(err, ErrTimestampTooEarly) {
		t.Errorf("error = %v, want ErrTimestampTooEarly", err)
	}

	mod := time.UnixMilli(1000)
	tests := []struct {
		name string
		ci   *CommitInfo
		want time.Time
	}{
		{"no commitInfo", nil, mod},
		{"no timestamp", &CommitInfo{Operation: "WRITE"}, mod},
		{"timestamp", &CommitInfo{Timestamp: 5000}, time.UnixMilli(5000)},
		{"inCommitTimestamp wins", &CommitInfo{Timestamp: 5000, InCommitTimestamp: ptr[int64](7000)}, time.UnixMilli(7000)},
	}
	for _, tt := range tests {
		if got := CommitTimestamp(tt.ci, mod); !got.Equal(tt.want) {
			t.Errorf("%s: CommitTimestamp = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLogListing(t *testing.T) {
	ctx := context.Background()
	tbl, store := newTable(t)
	mustCommit(t, tbl, 0, addFile("a", "r", 1))
	mustCommit(t, tbl, 1, addFile("b", "r", 1))
	logDir := testRoot + "/" + LogDir + "/"
	// Files that share the log folder but are not commits are ignored.
	for _, name := range []string{
		"00000000000000000001.checkpoint.parquet",
		"00000000000000000001.crc",
		"00000000000000000000.00000000000000000001.compacted.json",
		"_last_checkpoint",
		"_staged_commits/00000000000000000003.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json",
	} {
		if err := store.Put(ctx, logDir+name, strings.NewReader("not json")); err != nil {
			t.Fatal(err)
		}
	}
	if s := mustSnapshot(t, NewTable(store, testRoot)); s.Version != 2 || s.NumFiles() != 2 {
		t.Errorf("with extra files: %v", s)
	}

	// A missing commit in the middle is an error, not a silent skip.
	if err := store.Delete(ctx, logDir+CommitFileName(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTable(store, testRoot).Snapshot(ctx); err == nil || !strings.Contains(err.Error(), "missing version 1") {
		t.Errorf("gap: error = %v, want one about missing version 1", err)
	}
	// A log that no longer starts at version 0 needs checkpoints.
	if err := store.Delete(ctx, logDir+CommitFileName(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTable(store, testRoot).Snapshot(ctx); err == nil || !strings.Contains(err.Error(), "checkpoints") {
		t.Errorf("no version 0: error = %v, want one about checkpoints", err)
	}
}

func TestCorruptCommitFile(t *testing.T) {
	_, store := newTable(t)
	putLog(t, store, testRoot, 1, `{"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}`, `{"add":`)
	if _, err := NewTable(store, testRoot).Snapshot(context.Background()); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("error = %v, want one naming version 1", err)
	}
}
