package cli

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trestle-dev/trestle/internal/connector/sink/sqlite"
	"github.com/trestle-dev/trestle/internal/sharing/sharingtest"
	"github.com/trestle-dev/trestle/internal/sharing/testserver"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// connectorEnv is a sharing server over the sharingtest tables and a
// connector folder.
type connectorEnv struct {
	srv *testserver.Server
	dir string
}

func newConnectorEnv(t *testing.T) *connectorEnv {
	t.Helper()
	tables := sharingtest.Build(t)
	srv := testserver.Start(t, tables.Store, map[string]string{"s.rp.people": "people", "s.rp.regions": "regions"}, testserver.Options{})
	return &connectorEnv{srv: srv, dir: t.TempDir()}
}

// writeConfig writes config.yaml with the destination block given as YAML
// and a profile expiring at expiry (never when zero).
func (e *connectorEnv) writeConfig(t *testing.T, destination string, expiry time.Time) string {
	t.Helper()
	e.srv.WriteProfile(t, e.dir, expiry)
	cfg := "profile: config.share\ntables: [s.rp.people, s.rp.regions]\ndestination:\n" + destination
	path := filepath.Join(e.dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs trestle with args and returns the exit code, stdout and stderr.
func runTrestle(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestConnectorSyncAndStatus(t *testing.T) {
	e := newConnectorEnv(t)
	cfg := e.writeConfig(t, "  type: sqlite\n  sqlite:\n    path: dest.db\n", time.Time{})
	code, out, errs := runTrestle(t, "connector", "sync", "--config", cfg)
	if code != 0 {
		t.Fatalf("sync exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"s.rp.people", "s__people", "full", "ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "syncing table") {
		t.Errorf("stderr (not a terminal) should have plain log lines:\n%s", errs)
	}
	db, err := sql.Open("sqlite", sqlite.DSN(filepath.Join(e.dir, "dest.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM s__people`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("s__people holds %d rows (%v), want 4", n, err)
	}
	logText, err := os.ReadFile(filepath.Join(e.dir, connectorLogFile))
	if err != nil || !strings.Contains(string(logText), "sync finished") {
		t.Fatalf("connector.log: %v\n%s", err, logText)
	}
	if _, err := os.Stat(filepath.Join(e.dir, failedTablesFile)); !os.IsNotExist(err) {
		t.Errorf("failed_tables.log exists after a clean run: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(e.dir, "state.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state.json: %v %v", fi, err)
	}

	code, out, errs = runTrestle(t, "connector", "sync", "--config", cfg)
	if code != 0 || strings.Count(out, "up-to-date") != 2 {
		t.Fatalf("second sync: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runTrestle(t, "connector", "status", "--config", cfg)
	if code != 0 || !strings.Contains(out, "s.rp.people") || !strings.Contains(out, "SQLite dest.db") || !strings.Contains(out, "s__regions") {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
}

// An expired profile token: one clear line naming the expiry date.
func TestConnectorExpiredProfile(t *testing.T) {
	e := newConnectorEnv(t)
	expiry := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cfg := e.writeConfig(t, "  type: sqlite\n  sqlite:\n    path: dest.db\n", expiry)
	code, _, errs := runTrestle(t, "connector", "sync", "--config", cfg)
	if code == 0 {
		t.Fatal("sync with an expired profile succeeded")
	}
	last := lastLine(errs)
	if !strings.HasPrefix(last, "trestle: ") || !strings.Contains(last, "expired on 2026-03-01 12:00:00 UTC") {
		t.Fatalf("last line = %q, want the expiry date\nall:\n%s", last, errs)
	}
	failed, err := os.ReadFile(filepath.Join(e.dir, failedTablesFile))
	if err != nil || string(failed) != "s.rp.people\ns.rp.regions\n" {
		t.Fatalf("failed_tables.log = %q (%v)", failed, err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// A destination table that cannot be replaced fails that table only; a
// destination that is down fails every table; both exit 1 and list the
// failed tables.
func TestConnectorDestinationFailures(t *testing.T) {
	e := newConnectorEnv(t)
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A lock wait fails after one second instead of hanging.
	dsn := url + "&lock_timeout=1000"
	cfg := e.writeConfig(t, fmt.Sprintf("  type: postgres\n  postgres:\n    dsn: %q\n", dsn), time.Time{})
	if code, out, errs := runTrestle(t, "connector", "sync", "--config", cfg); code != 0 {
		t.Fatalf("first sync: exit %d\n%s\n%s", code, out, errs)
	}
	// Another session holds s__regions: replacing it times out.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE s__regions IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runTrestle(t, "connector", "sync", "--full", "--config", cfg)
	tx.Rollback(ctx)
	if code != 1 {
		t.Fatalf("sync with a locked table: exit %d, want 1\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(lastLine(errs), "1 of 2 tables failed (s.rp.regions)") {
		t.Errorf("last line = %q", lastLine(errs))
	}
	if failed, _ := os.ReadFile(filepath.Join(e.dir, failedTablesFile)); string(failed) != "s.rp.regions\n" {
		t.Errorf("failed_tables.log = %q", failed)
	}
	var people int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM s__people").Scan(&people); err != nil || people != 4 {
		t.Errorf("people was not synced: %d rows, %v", people, err)
	}

	// The destination is down.
	cfg = e.writeConfig(t, "  type: postgres\n  postgres:\n    dsn: \"postgres://postgres@127.0.0.1:1/test?connect_timeout=2\"\n", time.Time{})
	code, out, errs = runTrestle(t, "connector", "sync", "--full", "--config", cfg)
	if last := lastLine(errs); code != 1 || !strings.Contains(last, "open the destination (PostgreSQL postgres://postgres@127.0.0.1:1/test") ||
		!strings.Contains(last, "connection refused") {
		t.Fatalf("sync to a destination that is down: exit %d\n%s\n%s", code, out, errs)
	}
	if failed, _ := os.ReadFile(filepath.Join(e.dir, failedTablesFile)); string(failed) != "s.rp.people\ns.rp.regions\n" {
		t.Errorf("failed_tables.log = %q", failed)
	}
}
