package state

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Get("s.sc.t"); ok {
		t.Fatal("empty state has a table")
	}
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	want := Table{Version: 7, Mode: ModeIncremental, Rows: 12, Deleted: 2, SyncedAt: at, Destination: "s__t"}
	if err := f.Set("s.sc.t", want); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode: %v %v", fi.Mode(), err)
	}
	g, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := g.Get("s.sc.t")
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("reopened state = %+v, want %+v", got, want)
	}
	if tables := g.Tables(); len(tables) != 1 || tables[0] != "s.sc.t" {
		t.Fatalf("tables = %v", tables)
	}
	if err := g.Forget("s.sc.t"); err != nil {
		t.Fatal(err)
	}
	h, _ := Open(path)
	if _, ok := h.Get("s.sc.t"); ok {
		t.Fatal("forgotten table still there")
	}
	// No temporary files left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("folder holds %d files", len(entries))
	}
}

func TestStateErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("corrupt state: %v", err)
	}
	newer := filepath.Join(dir, "newer.json")
	os.WriteFile(newer, []byte(`{"version":2,"tables":{}}`), 0o600)
	if _, err := Open(newer); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("newer state: %v", err)
	}
	// A failed write keeps the previous state in memory and on disk.
	path := filepath.Join(dir, "sub", FileName)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set("a.b.c", Table{Version: 1}); err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
	if _, ok := f.Get("a.b.c"); ok {
		t.Error("a failed Set left the table in memory")
	}
}
