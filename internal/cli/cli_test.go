package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/trestle-dev/trestle/internal/testenv"
)

// run runs the command line in-process and returns exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUnreachableDatabaseIsOneLine(t *testing.T) {
	code, _, stderr := run(t, "company", "list", "--database-url", "postgres://trestle:secret@127.0.0.1:1/trestle?connect_timeout=2")
	if code != 1 {
		t.Fatalf("exit code %d", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "cannot connect to PostgreSQL at") || !strings.Contains(lines[0], "refused") {
		t.Fatalf("stderr = %q, want one line saying the connection was refused", stderr)
	}
	if strings.Contains(stderr, "secret") {
		t.Fatalf("password printed: %q", stderr)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "Usage:") {
		t.Fatalf("stack trace or usage printed: %q", stderr)
	}
}

func TestSchemaNewerThanBinaryIsRefused(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "trestle.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, stderr := run(t, "serve", "--data-dir", dir, "--http-addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "newer than this binary") || !strings.Contains(stderr, "9999") {
		t.Fatalf("serve on a newer schema: code %d, %q", code, stderr)
	}
	_, out, _ := run(t, "migrate", "status", "--data-dir", dir)
	if !strings.Contains(out, "newer than this binary") {
		t.Fatalf("migrate status: %q", out)
	}
}

func TestCompanyAndUserAdmin(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			db := []string{"--data-dir", t.TempDir()}
			if backend == "postgres" {
				db = []string{"--database-url", testenv.PostgresURL(t)}
			}
			cmd := func(args ...string) (int, string, string) { return run(t, append(args, db...)...) }
			if code, out, errs := cmd("company", "create", "--name", "Acme Builders", "--timezone", "America/Denver"); code != 0 || !strings.Contains(out, "created company acme-builders") {
				t.Fatalf("company create: %d %q %q", code, out, errs)
			}
			cmd("company", "create", "--name", "Beta Civil", "--slug", "beta")
			if code, _, errs := cmd("company", "create", "--name", "Acme Again", "--slug", "acme-builders"); code != 1 || !strings.Contains(errs, `slug "acme-builders" is already used by company Acme Builders`) {
				t.Fatalf("duplicate slug: %d %q", code, errs)
			}
			if code, _, errs := cmd("company", "create", "--name", "X", "--timezone", "Mars/Olympus"); code != 1 || !strings.Contains(errs, "timezone") {
				t.Fatalf("bad timezone: %d %q", code, errs)
			}
			code, out, errs := cmd("user", "create", "--email", "pat@acme.com", "--name", "Pat Planner", "--company", "acme-builders=admin", "--company", "beta")
			if code != 0 || !strings.Contains(out, "admin in acme-builders") || !strings.Contains(out, "viewer in beta") {
				t.Fatalf("user create: %d %q %q", code, out, errs)
			}
			if code, _, errs := cmd("user", "create", "--email", "lee@acme.com", "--name", "Lee", "--company", "nope"); code != 1 || !strings.Contains(errs, `no company with id or slug "nope"`) {
				t.Fatalf("user create in unknown company: %d %q", code, errs)
			}
			if _, out, _ := cmd("user", "list"); strings.Contains(out, "lee@acme.com") {
				t.Fatalf("a failed create left a user: %q", out)
			}
			cmd("user", "grant", "--email", "pat@acme.com", "--company", "beta", "--permission", "editor")
			_, out, _ = cmd("user", "list")
			if !strings.Contains(out, "acme-builders=admin, beta=editor") {
				t.Fatalf("user list: %q", out)
			}
			if code, _, _ := cmd("user", "revoke", "--email", "pat@acme.com", "--company", "beta"); code != 0 {
				t.Fatal("revoke failed")
			}
			_, out, _ = cmd("user", "list")
			if strings.Contains(out, "beta=") {
				t.Fatalf("after revoke: %q", out)
			}
			_, out, _ = cmd("company", "list")
			if !strings.Contains(out, "acme-builders") || !strings.Contains(out, "America/Denver") {
				t.Fatalf("company list: %q", out)
			}
		})
	}
}

func TestEnvironmentAndJSONLogs(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TRESTLE_DATA_DIR", dir)
	t.Setenv("TRESTLE_LOG_FORMAT", "json")
	code, out, errs := run(t, "demo", "load")
	if code != 0 || !strings.Contains(out, "500 people") {
		t.Fatalf("demo load: %d %q %q", code, out, errs)
	}
	if _, err := filepath.Glob(filepath.Join(dir, "trestle.db")); err != nil {
		t.Fatal(err)
	}
	_, out, _ = run(t, "company", "list")
	if !strings.Contains(out, "demo") {
		t.Fatalf("TRESTLE_DATA_DIR not used: %q", out)
	}
	// A flag beats the environment.
	_, out, _ = run(t, "company", "list", "--data-dir", t.TempDir())
	if strings.Contains(out, "demo") {
		t.Fatalf("--data-dir did not win over TRESTLE_DATA_DIR: %q", out)
	}
	if code, _, errs := run(t, "version", "--json"); code != 0 || errs != "" {
		t.Fatalf("version: %q", errs)
	}
	_, out, _ = run(t, "version", "--json")
	var v map[string]string
	if json.Unmarshal([]byte(out), &v) != nil || v["version"] == "" {
		t.Fatalf("version --json: %q", out)
	}
	if code, _, errs := run(t, "company", "list", "--log-format", "xml"); code != 1 || !strings.Contains(errs, "log format") {
		t.Fatalf("bad log format: %q", errs)
	}
}

func TestPublishCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, "demo", "load", "--data-dir", dir); code != 0 {
		t.Fatalf("demo load: %s", stderr)
	}
	code, out, stderr := run(t, "publish", "--company", "demo", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "published 10 table(s)") || !strings.Contains(out, "people") {
		t.Fatalf("publish: code %d\n%s\n%s", code, out, stderr)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "tables", "*", "resource_planning", "people", "_delta_log", "*.json"))
	if len(matches) == 0 {
		t.Fatalf("no people table under %s/tables", dir)
	}
	if code, out, _ := run(t, "publish", "--company", "demo", "--data-dir", dir); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second publish: code %d, %s", code, out)
	}
	if code, out, _ := run(t, "publish", "--company", "demo", "--rebuild", "--data-dir", dir); code != 0 || !strings.Contains(out, "rebuilt 10 table(s)") {
		t.Fatalf("rebuild: code %d, %s", code, out)
	}
	for args, want := range map[string]string{
		"publish":                  "--company is required",
		"publish --company nosuch": `no company with id or slug "nosuch"`,
		"publish --company demo --tables ftp://x/y": "unknown scheme",
	} {
		code, _, stderr := run(t, append(strings.Fields(args), "--data-dir", dir)...)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%s: code %d, stderr %q; want %q", args, code, stderr, want)
		}
	}
}
