package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/sharing/sharingtest"
	"github.com/trestle-dev/trestle/internal/sharing/testserver"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// A sync killed (SIGKILL) in the middle of a table leaves the destination's
// previous complete table and the previous state; the next run completes the
// work.
func TestConnectorSurvivesKill(t *testing.T) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tables := sharingtest.Build(t)
	srv := testserver.Start(t, tables.Store, map[string]string{"s.rp.people": "people"}, testserver.Options{})
	dir := t.TempDir()
	srv.WriteProfile(t, dir, time.Time{})
	url := testenv.PostgresURL(t)
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "profile: config.share\ndestination:\n  type: postgres\n  postgres:\n    dsn: %q\n", url), 0o600); err != nil {
		t.Fatal(err)
	}
	runSync := func(args ...string) *exec.Cmd {
		return exec.Command(bin, append([]string{"connector", "sync", "--config", cfg}, args...)...)
	}
	if out, err := runSync().CombinedOutput(); err != nil {
		t.Fatalf("first sync: %v\n%s", err, out)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	people := func() []string {
		rows, err := conn.Query(ctx, "SELECT id::text || ' ' || name FROM s__people ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	before := []string{"1 Ana", "2 Benjamin", "4 Dee", "5 Eve"}
	if got := people(); !slices.Equal(got, before) {
		t.Fatalf("after the first sync: %q", got)
	}

	// The source changes; the next full sync stalls on its second data file,
	// after the first file's rows went to the staging table, and is killed.
	if _, err := tables.ByName["people"].Merge(ctx, []string{"id"}, sharingtest.PeopleBatch(t, sharingtest.Person{ID: 2, Name: "Bo"}, sharingtest.Person{ID: 9, Name: "Ivy"}),
		[][]any{{int64(5)}}, delta.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	stalled := make(chan struct{})
	var once sync.Once
	var downloads int
	var mu sync.Mutex
	srv.SetHook(func(w http.ResponseWriter, r *http.Request, n int) bool {
		if !strings.Contains(r.URL.Path, "/files/") {
			return false
		}
		mu.Lock()
		downloads++
		d := downloads
		mu.Unlock()
		if d != 2 {
			return false
		}
		once.Do(func() { close(stalled) })
		<-r.Context().Done() // until the client goes away
		return true
	})
	cmd := runSync("--full")
	cmd.Stdout, cmd.Stderr = &lockedBuffer{}, &lockedBuffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stalled:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the sync never reached its second file\n%s", cmd.Stderr)
	}
	time.Sleep(300 * time.Millisecond) // let the first file's rows reach the staging table
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the sync was not killed: %v\n%s", cmd.ProcessState, cmd.Stderr)
	}
	srv.SetHook(nil)
	if got := people(); !slices.Equal(got, before) {
		t.Fatalf("after the kill the destination holds %q, want the previous table %q", got, before)
	}
	var st struct {
		Tables map[string]struct{ Version int64 } `json:"tables"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil || st.Tables["s.rp.people"].Version != 3 {
		t.Fatalf("state after the kill: %s (%v), want version 3", b, err)
	}

	// The next run completes the work.
	if out, err := runSync().CombinedOutput(); err != nil {
		t.Fatalf("sync after the kill: %v\n%s", err, out)
	}
	if got, want := people(), []string{"1 Ana", "2 Bo", "4 Dee", "9 Ivy"}; !slices.Equal(got, want) {
		t.Fatalf("after the next run: %q, want %q", got, want)
	}
}
