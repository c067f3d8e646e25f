package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func TestSandboxCommands(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			db := []string{"--data-dir", t.TempDir()}
			if backend == "postgres" {
				db = []string{"--database-url", testenv.PostgresURL(t)}
			}
			cmd := func(args ...string) (int, string, string) { return run(t, append(args, db...)...) }
			if code, _, errs := cmd("demo", "load"); code != 0 {
				t.Fatalf("demo load: %s", errs)
			}
			code, out, errs := cmd("sandbox", "create", "--from", "demo")
			if code != 0 {
				t.Fatalf("sandbox create: %d %q %q", code, out, errs)
			}
			for _, want := range []string{
				"created sandbox demo-sandbox (Demo Construction Co. (sandbox)) of demo",
				"copied 4 groups, 12 job titles, 10 tags, 500 people, 60 projects,",
				"refresh: monthly; next refresh ", "(America/Chicago)",
				"trestle api client create --company demo-sandbox --scopes read,write",
			} {
				if !strings.Contains(out, want) {
					t.Fatalf("sandbox create printed %q; want it to contain %q", out, want)
				}
			}
			code, out, errs = cmd("sandbox", "refresh", "demo-sandbox")
			if code != 0 || !strings.Contains(out, "refreshed sandbox demo-sandbox from demo in ") || !strings.Contains(out, "500 people") {
				t.Fatalf("sandbox refresh: %d %q %q", code, out, errs)
			}
			if code, _, errs := cmd("sandbox", "refresh", "demo"); code != 1 || !strings.Contains(errs, "company demo is not a sandbox") {
				t.Fatalf("refresh of a production company: %d %q", code, errs)
			}
			if code, _, errs := cmd("sandbox", "create", "--from", "demo-sandbox", "--slug", "again"); code != 1 || !strings.Contains(errs, "itself a sandbox") {
				t.Fatalf("sandbox of a sandbox: %d %q", code, errs)
			}

			code, out, errs = cmd("sandbox", "set", "demo-sandbox", "--refresh", "cron: 0 2 * * 6")
			if code != 0 || !strings.Contains(out, "sandbox demo-sandbox: refresh cron: 0 2 * * 6; next refresh ") {
				t.Fatalf("sandbox set: %d %q %q", code, out, errs)
			}
			if code, _, errs := cmd("sandbox", "set", "demo-sandbox", "--refresh", "hourly"); code != 1 ||
				!strings.Contains(errs, `refresh "hourly" is not a schedule; use monthly`) || !strings.Contains(errs, "off") {
				t.Fatalf("sandbox set with a bad schedule: %d %q", code, errs)
			}

			code, out, errs = cmd("sandbox", "list")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "SANDBOX") || !strings.Contains(lines[1], "demo-sandbox") ||
				!strings.Contains(lines[1], "cron: 0 2 * * 6") || strings.Contains(lines[1], "never") {
				t.Fatalf("sandbox list: %d %q %q", code, out, errs)
			}
			code, out, errs = cmd("sandbox", "list", "--json")
			var row sandboxRow
			if code != 0 || json.Unmarshal([]byte(out), &row) != nil {
				t.Fatalf("sandbox list --json: %d %q %q", code, out, errs)
			}
			if row.Slug != "demo-sandbox" || row.Production != "demo" || row.Refresh != "cron: 0 2 * * 6" || row.LastRefreshError != "" ||
				time.Since(row.LastRefreshAt) > time.Hour || !row.NextRefreshAt.After(row.LastRefreshAt) || row.NextRefreshAt.Weekday() != time.Saturday {
				t.Fatalf("sandbox list --json: %+v", row)
			}
		})
	}
}

// TestStartSandboxes runs serve's sandbox scheduler until its context ends,
// and not at all with --sandbox-refresh=false.
func TestStartSandboxes(t *testing.T) {
	st, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g := &globals{log: slog.New(slog.DiscardHandler)}
	for _, args := range [][]string{nil, {"--sandbox-refresh=false"}} {
		var f sandboxFlags
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		f.addFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if f.refresh != (args == nil) {
			t.Fatalf("flags %v: refresh %v", args, f.refresh)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		startSandboxes(ctx, g, st, f, done)
		if f.refresh {
			select {
			case err := <-done:
				t.Fatalf("the scheduler stopped before its context ended: %v", err)
			case <-time.After(100 * time.Millisecond):
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the scheduler did not stop")
		}
	}
}
