package delta

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestCreateCommitReplay(t *testing.T) {
	ctx := context.Background()
	tbl, store := newTable(t)

	s0 := mustSnapshot(t, tbl)
	if s0.Version != 0 || s0.NumFiles() != 0 || !reflect.DeepEqual(s0.Protocol, DefaultProtocol) {
		t.Fatalf("after Create: %v, protocol %+v", s0, s0.Protocol)
	}
	if s0.CommitInfo == nil || s0.CommitInfo.Operation != "CREATE TABLE" || s0.CommitInfo.Timestamp == 0 {
		t.Errorf("version 0 commitInfo = %+v", s0.CommitInfo)
	}
	sch, err := s0.Schema()
	if err != nil || len(sch.Fields) != 3 {
		t.Fatalf("Schema = %v, %v", sch, err)
	}

	v1 := mustCommit(t, tbl, 0, addFile("a.parquet", "north", 100), addFile("b.parquet", "south", 200))
	v2 := mustCommit(t, tbl, v1, addFile("c.parquet", "north", 300),
		Action{Txn: &Txn{AppID: "loader", Version: 1}})
	s2 := mustSnapshot(t, tbl)
	v3 := mustCommit(t, tbl, v2, removeFile(t, s2, "region=north/a.parquet"),
		Action{Txn: &Txn{AppID: "loader", Version: 2}},
		Action{CommitInfo: &CommitInfo{Operation: "DELETE", OperationParameters: map[string]any{"predicate": "id < 5"}}})
	if v1 != 1 || v2 != 2 || v3 != 3 {
		t.Fatalf("versions %d %d %d, want 1 2 3", v1, v2, v3)
	}

	// A fresh Table replays the whole log from the store.
	for name, tb := range map[string]*Table{"same table": tbl, "fresh table": NewTable(store, testRoot+"/")} {
		t.Run(name, func(t *testing.T) {
			s := mustSnapshot(t, tb)
			if s.Version != 3 {
				t.Fatalf("Version = %d, want 3", s.Version)
			}
			if got, want := filePaths(t, s), []string{"region=north/c.parquet", "region=south/b.parquet"}; !equalStrings(got, want) {
				t.Errorf("files = %v, want %v", got, want)
			}
			ts := s.Tombstones()
			if len(ts) != 1 || ts[0].Path != "region=north/a.parquet" || !ts[0].ExtendedFileMetadata || *ts[0].Size != 100 {
				t.Errorf("tombstones = %+v", ts)
			}
			if txn, ok := s.AppTransaction("loader"); !ok || txn.Version != 2 {
				t.Errorf("loader txn = %+v, %v; want version 2", txn, ok)
			}
			if s.CommitInfo == nil || s.CommitInfo.Operation != "DELETE" || s.CommitInfo.OperationParameters["predicate"] != "id < 5" {
				t.Errorf("commitInfo = %+v", s.CommitInfo)
			}
			if s.Metadata.ID != s0.Metadata.ID {
				t.Errorf("metadata id changed: %s -> %s", s0.Metadata.ID, s.Metadata.ID)
			}
		})
	}

	// Every commit file starts with a commitInfo carrying a timestamp and an
	// operation.
	for v := int64(0); v <= 3; v++ {
		actions, err := tbl.ReadCommit(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		ci := actions[0].CommitInfo
		if ci == nil || ci.Timestamp == 0 || ci.Operation == "" {
			t.Errorf("version %d: first action %+v is not a complete commitInfo", v, actions[0])
		}
	}
	if _, err := tbl.ReadCommit(ctx, 4); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("ReadCommit(4) error = %v, want ErrVersionNotFound", err)
	}
	if v, err := tbl.LatestVersion(ctx); err != nil || v != 3 {
		t.Errorf("LatestVersion = %d, %v", v, err)
	}
}

func TestCreateExistingTable(t *testing.T) {
	ctx := context.Background()
	tbl, store := newTable(t)
	mustCommit(t, tbl, 0, addFile("a.parquet", "x", 1))
	other := NewTable(store, testRoot)
	err := other.Create(ctx, testMetadata(t, nil), Protocol{})
	if !errors.Is(err, ErrTableExists) {
		t.Fatalf("second Create error = %v, want ErrTableExists", err)
	}
	if s := mustSnapshot(t, other); s.Version != 1 || s.NumFiles() != 1 {
		t.Errorf("table changed by failed Create: %v", s)
	}
	if ok, err := other.Exists(ctx); !ok || err != nil {
		t.Errorf("Exists = %v, %v", ok, err)
	}
}

func TestMissingTable(t *testing.T) {
	ctx := context.Background()
	tbl := NewTable(newStore(t), "nothing/here")
	if _, err := tbl.Snapshot(ctx); !errors.Is(err, ErrTableNotFound) {
		t.Errorf("Snapshot error = %v, want ErrTableNotFound", err)
	}
	if ok, err := tbl.Exists(ctx); ok || err != nil {
		t.Errorf("Exists = %v, %v", ok, err)
	}
	if _, err := tbl.Commit(ctx, 0, []Action{addFile("a", "x", 1)}); !errors.Is(err, ErrTableNotFound) {
		t.Errorf("Commit error = %v, want ErrTableNotFound", err)
	}
}

func TestTimeTravelEveryVersion(t *testing.T) {
	ctx := context.Background()
	tbl, store := newTable(t)
	want := [][]string{{}}
	files := []string{}
	for i := range 8 {
		snap := mustSnapshot(t, tbl)
		var actions []Action
		name := string(rune('a'+i)) + ".parquet"
		actions = append(actions, addFile(name, "r", int64(10+i)))
		files = append(files, "region=r/"+name)
		if i%3 == 2 { // every third commit also removes the oldest file
			actions = append(actions, removeFile(t, snap, files[0]))
			files = files[1:]
		}
		mustCommit(t, tbl, snap.Version, actions...)
		want = append(want, append([]string{}, files...))
	}
	for _, tb := range []*Table{tbl, NewTable(store, testRoot)} {
		for v, files := range want {
			s, err := tb.SnapshotAt(ctx, int64(v))
			if err != nil {
				t.Fatalf("SnapshotAt(%d): %v", v, err)
			}
			got := filePaths(t, s)
			if s.Version != int64(v) || !equalStrings(got, files) && !(len(got) == 0 && len(files) == 0) {
				t.Errorf("SnapshotAt(%d) = version %d files %v, want %v", v, s.Version, got, files)
			}
		}
	}
	if _, err := tbl.SnapshotAt(ctx, int64(len(want))); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("SnapshotAt(future) error = %v, want ErrVersionNotFound", err)
	}
	if _, err := tbl.SnapshotAt(ctx, -1); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("SnapshotAt(-1) error = %v, want ErrVersionNotFound", err)
	}
}

func TestRemoveThenReAdd(t *testing.T) {
	tbl, _ := newTable(t)
	const p = "region=r/same file.parquet"
	v1 := mustCommit(t, tbl, 0, addFile("same file.parquet", "r", 100))
	v2 := mustCommit(t, tbl, v1, removeFile(t, mustSnapshot(t, tbl), p))
	s2 := mustSnapshot(t, tbl)
	if s2.NumFiles() != 0 || len(s2.Tombstones()) != 1 {
		t.Fatalf("after remove: %v", s2)
	}
	re := addFile("same file.parquet", "r", 555)
	v3 := mustCommit(t, tbl, v2, re)
	s3 := mustSnapshot(t, tbl)
	a, ok := s3.File(p)
	if !ok || a.Size != 555 {
		t.Fatalf("after re-add: file %+v, %v; want size 555", a, ok)
	}
	if len(s3.Tombstones()) != 0 {
		t.Errorf("re-added file is still a tombstone: %+v", s3.Tombstones())
	}
	// A second add of a present path replaces its metadata (e.g. new stats).
	upd := *re.Add
	upd.Stats, upd.DataChange = `{"numRecords":99}`, false
	mustCommit(t, tbl, v3, Action{Add: &upd})
	if a, _ := mustSnapshot(t, tbl).File(p); a.Stats != `{"numRecords":99}` || a.Size != 555 {
		t.Errorf("after re-commit: %+v", a)
	}
	if s, err := tbl.SnapshotAt(context.Background(), v2); err != nil || s.NumFiles() != 0 {
		t.Errorf("SnapshotAt(%d) = %v, %v; want no files", v2, s, err)
	}
}

func TestConcurrentCommitOneWins(t *testing.T) {
	ctx := context.Background()
	for round := range 10 {
		_, store := newTable(t)
		// Two writers, as two processes would be: separate Tables on one store.
		writers := []*Table{NewTable(store, testRoot), NewTable(store, testRoot)}
		if round%2 == 1 { // and one Table shared by two goroutines
			writers[1] = writers[0]
		}
		for _, w := range writers {
			mustSnapshot(t, w)
		}
		var start, done sync.WaitGroup
		start.Add(1)
		errs := make([]error, 2)
		versions := make([]int64, 2)
		for i, w := range writers {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				versions[i], errs[i] = w.Commit(ctx, 0, []Action{addFile("w"+string(rune('0'+i))+".parquet", "r", 1)})
			}()
		}
		start.Done()
		done.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
				if versions[i] != 1 {
					t.Errorf("round %d: winner wrote version %d, want 1", round, versions[i])
				}
			case errors.Is(err, ErrConcurrentCommit):
				var ce *ConflictError
				if !errors.As(err, &ce) || ce.Version != 1 {
					t.Errorf("round %d: conflict error %v is not a *ConflictError for version 1", round, err)
				}
			default:
				t.Errorf("round %d: writer %d: unexpected error %v", round, i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1 (errors %v)", round, wins, errs)
		}
		if s := mustSnapshot(t, NewTable(store, testRoot)); s.Version != 1 || s.NumFiles() != 1 {
			t.Errorf("round %d: table is %v, want version 1 with 1 file", round, s)
		}
	}
}

func TestCommitWithRetryBothLand(t *testing.T) {
	ctx := context.Background()
	_, store := newTable(t)
	// Both writers build on version 0 before either commits, so one of them must
	// conflict and retry.
	var firstBuilds sync.WaitGroup
	firstBuilds.Add(2)
	var wg sync.WaitGroup
	versions := make([]int64, 2)
	errs := make([]error, 2)
	builds := make([]int, 2)
	for i := range 2 {
		w := NewTable(store, testRoot)
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "w" + string(rune('0'+i)) + ".parquet"
			versions[i], errs[i] = w.CommitWithRetry(ctx, func(snap *Snapshot) ([]Action, error) {
				builds[i]++
				if builds[i] == 1 {
					firstBuilds.Done()
					firstBuilds.Wait()
				}
				return []Action{addFile(name, "r", int64(snap.NumFiles()+1))}, nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if !(versions[0] == 1 && versions[1] == 2 || versions[0] == 2 && versions[1] == 1) {
		t.Errorf("versions = %v, want 1 and 2", versions)
	}
	if builds[0]+builds[1] != 3 {
		t.Errorf("build called %v times, want 1 for the winner and 2 for the loser", builds)
	}
	s := mustSnapshot(t, NewTable(store, testRoot))
	if got, want := filePaths(t, s), []string{"region=r/w0.parquet", "region=r/w1.parquet"}; s.Version != 2 || !equalStrings(got, want) {
		t.Errorf("table = %v files %v, want version 2 with %v", s, got, want)
	}
}

func TestCommitWithRetryStopsOnBuildError(t *testing.T) {
	tbl, _ := newTable(t)
	boom := errors.New("boom")
	if _, err := tbl.CommitWithRetry(context.Background(), func(*Snapshot) ([]Action, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("error = %v, want boom", err)
	}
}

func TestStaleReadVersionConflicts(t *testing.T) {
	tbl, store := newTable(t)
	mustCommit(t, tbl, 0, addFile("a", "r", 1))
	mustCommit(t, tbl, 1, addFile("b", "r", 1))
	for _, w := range []*Table{tbl, NewTable(store, testRoot)} {
		_, err := w.Commit(context.Background(), 0, []Action{addFile("c", "r", 1)})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Version != 1 || !errors.Is(err, ErrConcurrentCommit) {
			t.Errorf("Commit on stale version 0: error = %v, want ConflictError for version 1", err)
		}
	}
	if _, err := tbl.Commit(context.Background(), 7, []Action{addFile("c", "r", 1)}); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("Commit on future version: error = %v, want ErrVersionNotFound", err)
	}
	if s := mustSnapshot(t, tbl); s.Version != 2 || s.NumFiles() != 2 {
		t.Errorf("table = %v", s)
	}
}

func TestCrashBeforeCommit(t *testing.T) {
	ctx := context.Background()
	tbl, store := newTable(t)
	mustCommit(t, tbl, 0, addFile("kept.parquet", "r", 10))

	// A writer stores its data file, then dies before committing.
	orphan := addFile("orphan.parquet", "r", 20)
	key, err := tbl.DataKey(orphan.Add.Path)
	if err != nil {
		t.Fatal(err)
	}
	if key != testRoot+"/region=r/orphan.parquet" {
		t.Errorf("DataKey = %q", key)
	}
	if err := store.Put(ctx, key, bytes.NewReader([]byte("PAR1...PAR1"))); err != nil {
		t.Fatal(err)
	}

	s := mustSnapshot(t, NewTable(store, testRoot))
	if s.Version != 1 {
		t.Errorf("version = %d, want 1", s.Version)
	}
	if got := filePaths(t, s); !equalStrings(got, []string{"region=r/kept.parquet"}) {
		t.Errorf("files = %v, want only the committed file", got)
	}
	if _, ok := s.File("region=r/orphan.parquet"); ok {
		t.Error("orphan data file is in the snapshot")
	}
	// The next writer carries on from version 1.
	if v := mustCommit(t, NewTable(store, testRoot), 1, addFile("next.parquet", "r", 1)); v != 2 {
		t.Errorf("next commit = %d, want 2", v)
	}
}

func TestDataKey(t *testing.T) {
	tbl := NewTable(nil, "/t/root/")
	tests := []struct{ path, key, err string }{
		{"region=north%20america/part%201.parquet", "t/root/region=north america/part 1.parquet", ""},
		{"a/./b", "t/root/a/b", ""},
		{"../escape", "", "not inside"},
		{"a/../../escape", "", "not inside"},
		{"s3://bucket/x.parquet", "", "absolute"},
		{"bad%zz", "", "invalid URL escape"},
	}
	for _, tt := range tests {
		key, err := tbl.DataKey(tt.path)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("DataKey(%q) error = %v, want %q", tt.path, err, tt.err)
			}
			continue
		}
		if err != nil || key != tt.key {
			t.Errorf("DataKey(%q) = %q, %v; want %q", tt.path, key, err, tt.key)
		}
	}
}
