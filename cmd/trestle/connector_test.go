package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	sqlitesink "github.com/trestle-dev/trestle/internal/connector/sink/sqlite"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/sharing/sharingtest"
	"github.com/trestle-dev/trestle/internal/sharing/testserver"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
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

// The connector against the real hub: `trestle serve --demo`, the profile its
// printed command writes, every published table synced into SQLite; then a
// change in the hub arrives with an incremental sync.
func TestConnectorFromDemoHub(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, "--demo", "--data-dir", dir)
	s.waitReady(t, 30*time.Second)
	var line string
	for _, l := range strings.Split(s.stdout.String(), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "trestle share profile") {
			line = l
		}
	}
	bin, _ := buildBinary()
	work := t.TempDir()
	cmd := exec.Command(bin, strings.Fields(strings.ReplaceAll(strings.TrimPrefix(line, "trestle "), "'", ""))...)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	cfg := filepath.Join(work, "config.yaml")
	if err := os.WriteFile(cfg, []byte("profile: config.share\ndestination:\n  type: sqlite\n  sqlite:\n    path: dest.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dest, err := sql.Open("sqlite", sqlitesink.DSN(filepath.Join(work, "dest.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	hub, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(dir, "trestle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	ctx := context.Background()
	company, err := hub.Company(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var active int
	if err := hub.View(ctx, company.ID, func(tx store.Tx) error {
		var err error
		active, err = tx.People().Count(ctx, store.Query{})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// The tables are published a moment after start: sync until people arrive.
	deadline := time.Now().Add(60 * time.Second)
	var people int
	var out []byte
	for people != active {
		out, err = exec.Command(bin, "connector", "sync", "--config", cfg).CombinedOutput()
		if err == nil {
			_ = dest.QueryRow("SELECT count(*) FROM demo__people").Scan(&people)
		}
		if people != active && time.Now().After(deadline) {
			t.Fatalf("demo__people holds %d rows, the hub %d people (%v)\n%s", people, active, err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, table := range []string{"demo__groups", "demo__job_titles", "demo__tags", "demo__projects", "demo__assignments", "demo__person_tags"} {
		var n int
		if err := dest.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d rows (%v)\n%s", table, n, err, out)
		}
	}

	// Rename a person in the hub; the publisher makes a commit; the next sync
	// applies it incrementally.
	var id string
	if err := hub.Update(ctx, company.ID, store.Actor{Source: planning.SourceConsole, Actor: "test"}, func(tx store.Tx) error {
		for p, err := range tx.People().List(ctx, store.Query{Limit: 1}) {
			if err != nil {
				return err
			}
			p.FirstName, id = "Renamed", p.ID
			_, err = tx.People().Update(ctx, p)
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(60 * time.Second)
	for {
		out, err = exec.Command(bin, "connector", "sync", "--config", cfg).CombinedOutput()
		var name string
		_ = dest.QueryRow("SELECT first_name FROM demo__people WHERE id = ?", id).Scan(&name)
		if err == nil && name == "Renamed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rename never arrived (%v)\n%s", err, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !strings.Contains(string(out), "demo.resource_planning.people") || !regexp.MustCompile(`demo\.resource_planning\.people\s+demo__people\s+incremental`).Match(out) {
		t.Errorf("the rename was not applied incrementally:\n%s", out)
	}

	// A version 2 profile (OAuth client credentials against the hub's
	// /oauth/token) reads the same tables: everything is up to date.
	args := strings.Fields(strings.ReplaceAll(strings.TrimPrefix(line, "trestle "), "'", ""))
	for i, a := range args {
		if a == "config.share" {
			args[i] = "oauth.share"
		}
	}
	cmd = exec.Command(bin, append(args, "--oauth")...)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("share profile --oauth: %v\n%s", err, out)
	}
	if err := os.WriteFile(cfg, []byte("profile: oauth.share\ndestination:\n  type: sqlite\n  sqlite:\n    path: dest.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "connector", "sync", "--config", cfg).CombinedOutput()
	if err != nil || !regexp.MustCompile(`demo\.resource_planning\.people\s+demo__people\s+up-to-date`).Match(out) {
		t.Fatalf("sync with an OAuth profile: %v\n%s", err, out)
	}
}
