package delta

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/blob/local"
)

// replayFromZero computes version v by applying every commit from version 0,
// without looking at checkpoints: the reference the checkpoint reads must match.
func replayFromZero(tb testing.TB, store *local.Store, v int64) *Snapshot {
	tb.Helper()
	tbl := NewTable(store, testRoot)
	s := newSnapshot()
	for i := int64(0); i <= v; i++ {
		actions, err := tbl.ReadCommit(context.Background(), i)
		if err != nil {
			tb.Fatalf("ReadCommit(%d): %v", i, err)
		}
		if err := s.apply(commit{logEntry: logEntry{version: i}, actions: actions}); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// liveTombstones returns the tombstones a checkpoint written now keeps, without
// the fields checkpoints do not store (stats, tags).
func liveTombstones(s *Snapshot, retention time.Duration) []Remove {
	expireBefore := time.Now().Add(-retention).UnixMilli()
	var out []Remove
	for _, r := range s.Tombstones() {
		if r.DeletionTimestamp == nil || *r.DeletionTimestamp < expireBefore {
			continue
		}
		r.Stats, r.Tags = "", nil
		out = append(out, r)
	}
	return out
}

// sameSnapshot fails unless got and want show the same table state.
func sameSnapshot(tb testing.TB, got, want *Snapshot) {
	tb.Helper()
	if got.Version != want.Version {
		tb.Fatalf("version %d, want %d", got.Version, want.Version)
	}
	check := func(what string, g, w any) {
		tb.Helper()
		if !reflect.DeepEqual(g, w) {
			tb.Errorf("version %d: %s differ:\n got %+v\nwant %+v", want.Version, what, g, w)
		}
	}
	check("protocols", got.Protocol, want.Protocol)
	check("metadata", got.Metadata, want.Metadata)
	check("files", got.Files(), want.Files())
	check("txns", got.AppTransactions(), want.AppTransactions())
	check("tombstones", liveTombstones(got, time.Hour), liveTombstones(want, time.Hour))
	check("commitInfo", got.CommitInfo, want.CommitInfo)
	if !got.Timestamp.Equal(want.Timestamp) {
		tb.Errorf("version %d: timestamp %v, want %v", want.Version, got.Timestamp, want.Timestamp)
	}
}

// buildHistory commits n versions after Create, mixing adds (with stats, tags,
// odd paths), removes, txns, a metadata and a protocol change. Checkpoints are
// written every 7 versions from version 5 on (the metadata change).
func buildHistory(tb testing.TB, n int) (*Table, *local.Store) {
	tb.Helper()
	tbl, store := newTable(tb)
	var live []string
	for i := 1; i <= n; i++ {
		snap := mustSnapshot(tb, tbl)
		var actions []Action
		name := fmt.Sprintf("part %03d+ü.parquet", i)
		a := addFile(name, fmt.Sprintf("r%d", i%3), int64(100+i))
		if i%4 == 0 {
			a.Add.Tags = map[string]string{"INSERTION_TIME": fmt.Sprint(i)}
			row := int64(i * 1000)
			a.Add.BaseRowID = &row
		}
		actions = append(actions, a)
		if i%3 == 0 && len(live) > 0 {
			actions = append(actions, removeFile(tb, snap, live[0]))
			live = live[1:]
		}
		if i%5 == 0 {
			ts := nowMillis()
			actions = append(actions, Action{Txn: &Txn{AppID: fmt.Sprintf("app-%d", i%2), Version: int64(i), LastUpdated: &ts}})
		}
		switch i {
		case 5:
			m := snap.Metadata
			m.Configuration = map[string]string{configCheckpointInterval: "7", "owner": "tests"}
			m.Description = "people"
			actions = append(actions, Action{Metadata: &m})
		case 12:
			actions = append(actions, Action{Protocol: &Protocol{MinReaderVersion: 1, MinWriterVersion: 7, WriterFeatures: []string{"appendOnly"}}})
		}
		mustCommit(tb, tbl, snap.Version, actions...)
		live = append(live, "region="+a.Add.PartitionValues["region"]+"/"+name)
	}
	return tbl, store
}

func TestCheckpointReplayEqualsFullReplay(t *testing.T) {
	ctx := context.Background()
	const n = 45
	tbl, store := buildHistory(t, n)
	// Automatic checkpoints at multiples of 10 up to version 5, then of 7.
	for _, v := range []int64{7, 14, 21, 28, 35, 42} {
		if _, err := store.Stat(ctx, testRoot+"/"+LogDir+"/"+CheckpointFileName(v)); err != nil {
			t.Errorf("no automatic checkpoint at version %d: %v", v, err)
		}
	}
	if _, err := store.Stat(ctx, testRoot+"/"+LogDir+"/"+CheckpointFileName(10)); err == nil {
		t.Errorf("checkpoint at version 10 although the interval became 7 at version 5")
	}
	lc, err := tbl.readLastCheckpoint(ctx)
	if err != nil || lc.Version != 42 || lc.SizeInBytes == nil || lc.NumOfAddFiles == nil || lc.Parts != nil {
		t.Fatalf("_last_checkpoint = %+v, %v; want version 42", lc, err)
	}
	// Latest, from a fresh Table (uses _last_checkpoint), and every version by
	// time travel from fresh Tables and from one that keeps its state.
	sameSnapshot(t, mustSnapshot(t, NewTable(store, testRoot)), replayFromZero(t, store, n))
	kept := NewTable(store, testRoot)
	for v := int64(0); v <= n; v++ {
		want := replayFromZero(t, store, v)
		for _, tb := range []*Table{NewTable(store, testRoot), kept} {
			got, err := tb.SnapshotAt(ctx, v)
			if err != nil {
				t.Fatalf("SnapshotAt(%d): %v", v, err)
			}
			sameSnapshot(t, got, want)
		}
	}
}

func TestCheckpointIsUsed(t *testing.T) {
	ctx := context.Background()
	_, store := buildHistory(t, 30)
	want := replayFromZero(t, store, 30)
	// Without the commits before checkpoint 28 only the checkpoint can give the
	// state; time travel before it must fail.
	for v := int64(0); v < 28; v++ {
		if err := store.Delete(ctx, testRoot+"/"+LogDir+"/"+CommitFileName(v)); err != nil {
			t.Fatal(err)
		}
	}
	sameSnapshot(t, mustSnapshot(t, NewTable(store, testRoot)), want)
	if _, err := NewTable(store, testRoot).SnapshotAt(ctx, 27); err == nil {
		t.Errorf("SnapshotAt(27) without its commits: no error")
	}
	// Time travel to 22 uses checkpoint 21 and commit 22 — which is gone.
	if _, err := NewTable(store, testRoot).SnapshotAt(ctx, 22); err == nil {
		t.Errorf("SnapshotAt(22) without commit 22: no error")
	}
}

func TestLastCheckpointFallback(t *testing.T) {
	ctx := context.Background()
	_, store := buildHistory(t, 33)
	logDir := testRoot + "/" + LogDir + "/"
	want := replayFromZero(t, store, 33)
	good, err := os.ReadFile(filepath.Join(store.Dir(), filepath.FromSlash(logDir+LastCheckpointFileName)))
	if err != nil {
		t.Fatal(err)
	}
	// Commits before the newest checkpoint (28) are deleted so that only finding
	// that checkpoint gives the state.
	for v := int64(0); v < 28; v++ {
		if err := store.Delete(ctx, logDir+CommitFileName(v)); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]string{
		"not json":          "{\"version\":",
		"wrong checksum":    strings.Replace(string(good), `"checksum":"`, `"checksum":"0`, 1),
		"missing version":   `{"version":990,"size":3}`,
		"older checkpoint":  `{"version":21,"size":3}`,
		"negative version":  `{"version":-4,"size":3}`,
		"good":              string(good),
		"without checksum ": `{"version":28,"size":30}`,
	}
	for name, body := range cases {
		if err := store.Put(ctx, logDir+LastCheckpointFileName, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { sameSnapshot(t, mustSnapshot(t, NewTable(store, testRoot)), want) })
	}
	if err := store.Delete(ctx, logDir+LastCheckpointFileName); err != nil {
		t.Fatal(err)
	}
	t.Run("missing", func(t *testing.T) { sameSnapshot(t, mustSnapshot(t, NewTable(store, testRoot)), want) })
}

func TestCorruptCheckpointFallsBackToOlder(t *testing.T) {
	ctx := context.Background()
	_, store := buildHistory(t, 33)
	want := replayFromZero(t, store, 33)
	logDir := testRoot + "/" + LogDir + "/"
	if err := store.Put(ctx, logDir+CheckpointFileName(28), strings.NewReader("PAR1 not parquet")); err != nil {
		t.Fatal(err)
	}
	for v := int64(0); v < 21; v++ { // checkpoint 21 still covers the rest
		if err := store.Delete(ctx, logDir+CommitFileName(v)); err != nil {
			t.Fatal(err)
		}
	}
	sameSnapshot(t, mustSnapshot(t, NewTable(store, testRoot)), want)
}

// readParquet opens a checkpoint with arrow-go's own Parquet reader.
func readParquet(t *testing.T, store *local.Store, key string) (*file.Reader, arrow.Table) {
	t.Helper()
	f, err := os.Open(filepath.Join(store.Dir(), filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatalf("not a Parquet file: %v", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tbl.Release)
	return pf, tbl
}

func TestCheckpointParquetSchema(t *testing.T) {
	ctx := context.Background()
	tbl, store := buildHistory(t, 21)
	snap := mustSnapshot(t, tbl)
	pf, at := readParquet(t, store, testRoot+"/"+LogDir+"/"+CheckpointFileName(21))
	if got, want := at.Schema().Fields(), []string{"txn", "add", "remove", "metaData", "protocol"}; len(got) != len(want) {
		t.Fatalf("columns %v, want %v", at.Schema(), want)
	} else {
		for i, f := range got {
			if f.Name != want[i] || f.Type.ID() != arrow.STRUCT {
				t.Errorf("column %d is %s %s, want struct %s", i, f.Name, f.Type, want[i])
			}
		}
	}
	children := func(col string) map[string]arrow.DataType {
		f, _ := at.Schema().FieldsByName(col)
		out := map[string]arrow.DataType{}
		for _, c := range f[0].Type.(*arrow.StructType).Fields() {
			out[c.Name] = c.Type
		}
		return out
	}
	add := children("add")
	for name, id := range map[string]arrow.Type{"path": arrow.STRING, "partitionValues": arrow.MAP, "size": arrow.INT64,
		"modificationTime": arrow.INT64, "dataChange": arrow.BOOL, "stats": arrow.STRING, "tags": arrow.MAP,
		"baseRowId": arrow.INT64, "defaultRowCommitVersion": arrow.INT64} {
		if add[name] == nil || add[name].ID() != id {
			t.Errorf("add.%s is %v, want %v", name, add[name], id)
		}
	}
	if m, ok := add["partitionValues"].(*arrow.MapType); !ok || m.KeyType().ID() != arrow.STRING || m.ItemType().ID() != arrow.STRING {
		t.Errorf("add.partitionValues is %v, want map<string,string>", add["partitionValues"])
	}
	remove := children("remove")
	for _, name := range []string{"path", "deletionTimestamp", "dataChange"} {
		if remove[name] == nil {
			t.Errorf("remove.%s missing", name)
		}
	}
	for _, name := range []string{"stats", "tags"} {
		if remove[name] != nil {
			t.Errorf("remove.%s present; checkpoints leave it out", name)
		}
	}
	for col, names := range map[string][]string{
		"metaData": {"id", "name", "description", "format", "schemaString", "partitionColumns", "createdTime", "configuration"},
		"protocol": {"minReaderVersion", "minWriterVersion", "readerFeatures", "writerFeatures"},
		"txn":      {"appId", "version"},
	} {
		c := children(col)
		for _, name := range names {
			if c[name] == nil {
				t.Errorf("%s.%s missing", col, name)
			}
		}
	}
	// The Parquet schema itself annotates the map as MAP.
	if idx := pf.MetaData().Schema.ColumnIndexByName("add.partitionValues.key_value.key"); idx < 0 {
		t.Errorf("no Parquet column add.partitionValues.key_value.key")
	}
	// One row per action, each with exactly one non-null column; add.stats is
	// the JSON string of the add.
	want := 2 + len(snap.AppTransactions()) + snap.NumFiles() + len(liveTombstones(snap, 7*24*time.Hour))
	if int(at.NumRows()) != want {
		t.Errorf("%d rows, want %d", at.NumRows(), want)
	}
	tr := array.NewTableReader(at, at.NumRows())
	defer tr.Release()
	stats := 0
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := range int(rec.NumRows()) {
			set := 0
			for c := range int(rec.NumCols()) {
				if rec.Column(c).IsValid(i) {
					set++
				}
			}
			if set != 1 {
				t.Errorf("row %d has %d actions", i, set)
			}
			a := rec.Column(1).(*array.Struct)
			if a.IsValid(i) {
				path := a.Field(0).(*array.String).Value(i)
				p, _ := DecodePath(path)
				f, _ := snap.File(p)
				if got := a.Field(5).(*array.String).Value(i); got != f.Stats || got == "" {
					t.Errorf("add %s stats %q, want %q", path, got, f.Stats)
				}
				stats++
			}
		}
	}
	if stats != snap.NumFiles() {
		t.Errorf("%d add rows, want %d", stats, snap.NumFiles())
	}
	_ = ctx
}

func TestCheckpointStreamsRowGroups(t *testing.T) {
	ctx := context.Background()
	defer func(n int) { checkpointRowGroupRows = n }(checkpointRowGroupRows)
	checkpointRowGroupRows = 4
	tbl, store := buildHistory(t, 25)
	snap := mustSnapshot(t, tbl)
	if _, err := tbl.Checkpoint(ctx, snap); err != nil {
		t.Fatal(err)
	}
	pf, _ := readParquet(t, store, testRoot+"/"+LogDir+"/"+CheckpointFileName(25))
	if pf.NumRowGroups() < 3 {
		t.Errorf("%d row groups, want several of at most 4 rows", pf.NumRowGroups())
	}
	for v := int64(0); v < 25; v++ {
		if err := store.Delete(ctx, testRoot+"/"+LogDir+"/"+CommitFileName(v)); err != nil {
			t.Fatal(err)
		}
	}
	got := mustSnapshot(t, NewTable(store, testRoot))
	if got.Version != 25 || !reflect.DeepEqual(got.Files(), snap.Files()) || !reflect.DeepEqual(got.Metadata, snap.Metadata) {
		t.Errorf("from a multi-row-group checkpoint: %v, want %v", got, snap)
	}
}

func TestCheckpointDropsExpiredTombstones(t *testing.T) {
	ctx := context.Background()
	tbl, store := newTable(t)
	mustCommit(t, tbl, 0, addFile("old", "r", 1), addFile("new", "r", 1), addFile("never", "r", 1))
	old := time.Now().Add(-8 * 24 * time.Hour).UnixMilli()
	recent := time.Now().Add(-6 * 24 * time.Hour).UnixMilli()
	mustCommit(t, tbl, 1,
		Action{Remove: &Remove{Path: EncodePath("region=r/old"), DeletionTimestamp: &old, DataChange: true}},
		Action{Remove: &Remove{Path: EncodePath("region=r/new"), DeletionTimestamp: &recent, DataChange: true}},
		Action{Remove: &Remove{Path: EncodePath("region=r/never"), DataChange: true}})
	if _, err := tbl.Checkpoint(ctx, mustSnapshot(t, tbl)); err != nil {
		t.Fatal(err)
	}
	for v := range 2 {
		if err := store.Delete(ctx, testRoot+"/"+LogDir+"/"+CommitFileName(int64(v))); err != nil {
			t.Fatal(err)
		}
	}
	s := mustSnapshot(t, NewTable(store, testRoot))
	if ts := s.Tombstones(); len(ts) != 1 || ts[0].Path != EncodePath("region=r/new") {
		t.Errorf("tombstones %+v, want only the one removed 6 days ago (retention one week)", ts)
	}
}

func TestAutomaticCheckpointFailureKeepsCommit(t *testing.T) {
	store := newStore(t)
	tbl := NewTable(store, testRoot)
	m := testMetadata(t, map[string]string{configCheckpointInterval: "2", configWriteStatsAsStruct: "true"})
	if err := tbl.Create(context.Background(), m, Protocol{}); err != nil {
		t.Fatal(err)
	}
	var failed []int64
	tbl.SetCheckpointErrorHandler(func(v int64, err error) { failed = append(failed, v) })
	for v := range int64(4) {
		mustCommit(t, tbl, v, addFile(fmt.Sprint(v), "r", 1))
	}
	if !reflect.DeepEqual(failed, []int64{2, 4}) {
		t.Errorf("failed checkpoints %v, want [2 4]", failed)
	}
	if s := mustSnapshot(t, NewTable(store, testRoot)); s.Version != 4 || s.NumFiles() != 4 {
		t.Errorf("table %v, want version 4 with 4 files", s)
	}
}

func TestLastCheckpointChecksum(t *testing.T) {
	doc := `{"k0":"'v 0'", "checksum": "adsaskfljadfkjadfkj", "k1":{"k2": 2, "k3": ["v3", [1, 2], {"k4": "v4", "k5": ["v5", "v6", "v7"]}]}}`
	got, err := lastCheckpointChecksum([]byte(doc))
	if err != nil || got != "6a92d155a59bf2eecbd4b4ec7fd1f875" {
		t.Errorf("checksum = %q, %v; want the protocol's example 6a92d155a59bf2eecbd4b4ec7fd1f875", got, err)
	}
}

func TestLogFileNames(t *testing.T) {
	for name, want := range map[string]logFile{
		"00000000000000000010.json":                                                 {kind: logCommit, version: 10},
		"00000000000000000010.checkpoint.parquet":                                   {kind: logCheckpoint, version: 10},
		"00000000000000000010.checkpoint.0000000002.0000000003.parquet":             {kind: logCheckpointPart, version: 10, part: 2, parts: 3},
		"00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json": {kind: logCheckpointUUID, version: 10},
		"00000000000000000010.crc":                                                  {kind: logChecksum, version: 10},
		"00000000000000000004.00000000000000000006.compacted.json":                  {kind: logCompaction, version: 4},
	} {
		if got, ok := parseLogFileName(name); !ok || got != want {
			t.Errorf("%s: %+v %v, want %+v", name, got, ok, want)
		}
	}
	for _, name := range []string{"_last_checkpoint", "0000000000000000010.json", "00000000000000000010.checkpoint.parquet.tmp",
		"_sidecars/00000000000000000010.json", "00000000000000000010.checkpoint.0000000004.0000000003.parquet"} {
		if f, ok := parseLogFileName(name); ok && f.kind != logCheckpointUUID {
			t.Errorf("%s parsed as %+v", name, f)
		}
	}
}

func TestParseInterval(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"interval 30 days": 30 * 24 * time.Hour, "1 week": 7 * 24 * time.Hour, "INTERVAL 2 days 12 hours": 60 * time.Hour,
		"interval 1 second": time.Second, "15 minutes": 15 * time.Minute,
	} {
		if got, err := ParseInterval(s); err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "interval", "30", "interval 1 month", "-1 day", "1 fortnight", "99999999999 weeks"} {
		if _, err := ParseInterval(s); err == nil {
			t.Errorf("ParseInterval(%q): no error", s)
		}
	}
	m := testMetadata(t, nil)
	if n, err := m.CheckpointInterval(); n != 10 || err != nil {
		t.Errorf("default checkpoint interval %d, %v", n, err)
	}
	if d, err := m.LogRetention(); d != 30*24*time.Hour || err != nil {
		t.Errorf("default log retention %v, %v", d, err)
	}
	if d, err := m.DeletedFileRetention(); d != 7*24*time.Hour || err != nil {
		t.Errorf("default deleted file retention %v, %v", d, err)
	}
	m.Configuration = map[string]string{configCheckpointInterval: "0"}
	if _, err := m.CheckpointInterval(); err == nil {
		t.Errorf("checkpoint interval 0: no error")
	}
}
