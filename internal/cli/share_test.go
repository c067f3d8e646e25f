package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/publish"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// cli runs commands against one database and checks their outcome.
type cli struct {
	t  *testing.T
	db []string
}

func newCLI(t *testing.T, backend string) *cli {
	db := []string{"--data-dir", t.TempDir()}
	if backend == "postgres" {
		db = []string{"--database-url", testenv.PostgresURL(t)}
	}
	return &cli{t: t, db: db}
}

// ok runs a command that must succeed and returns its stdout and stderr.
func (c *cli) ok(args ...string) (string, string) {
	c.t.Helper()
	code, out, errs := run(c.t, append(args, c.db...)...)
	if code != 0 {
		c.t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out, errs
}

// fails runs a command that must fail with one line on stderr containing want.
func (c *cli) fails(want string, args ...string) {
	c.t.Helper()
	code, _, errs := run(c.t, append(args, c.db...)...)
	if code != 1 || !strings.Contains(errs, want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		c.t.Errorf("%s: exit %d, stderr %q; want one line with %q", strings.Join(args, " "), code, errs, want)
	}
}

func (c *cli) store() *sqlstore.Store {
	c.t.Helper()
	url := c.db[1]
	if c.db[0] == "--data-dir" {
		url = "sqlite://" + filepath.Join(url, "trestle.db")
	}
	st, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { st.Close() })
	return st
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q does not contain %q", what, got, w)
		}
	}
}

func TestDefaultSchemaIsThePublishedOne(t *testing.T) {
	if store.DefaultSchema != publish.Schema {
		t.Fatalf("store.DefaultSchema %q, publish.Schema %q", store.DefaultSchema, publish.Schema)
	}
}

func TestShareCommands(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := newCLI(t, backend)
			c.ok("company", "create", "--name", "Acme", "--slug", "acme")
			c.ok("company", "create", "--name", "Beta", "--slug", "beta")
			out, _ := c.ok("share", "list")
			mustContain(t, "share list", out, "acme", "beta", "company")

			out, _ = c.ok("share", "create", "--company", "acme", "--name", "Acme-Finance", "--comment", "for finance")
			mustContain(t, "share create", out, "created share Acme-Finance in company acme")
			c.fails(`name "acme-finance" is already used by share Acme-Finance of company acme`, "share", "create", "--company", "beta", "--name", "acme-finance")
			c.fails(`name "beta" is already used by share beta of company beta`, "share", "create", "--company", "acme", "--name", "beta")
			c.fails(`"two words" is not a valid share name; use 1 to 255 characters with no spaces, '/', '.' or control characters`,
				"share", "create", "--company", "acme", "--name", "two words")
			c.fails(`no company with id or slug "nope"`, "share", "create", "--company", "nope", "--name", "x")

			out, _ = c.ok("share", "table", "add", "--share", "acme-finance", "--hub-table", "projects")
			mustContain(t, "add hub table", out, "added Acme-Finance.resource_planning.projects (hub table projects, history off)")
			c.ok("share", "table", "add", "--share", "acme-finance", "--schema", "hr", "--name", "staff", "--hub-table", "people", "--history")
			c.fails(`--hub-table "nosuch" is not a published table; use one of groups`, "share", "table", "add", "--share", "acme-finance", "--hub-table", "nosuch")
			c.fails(`HR.STAFF" is already used by shared table hr.staff in share Acme-Finance (hub table people)`,
				"share", "table", "add", "--share", "acme-finance", "--schema", "HR", "--name", "STAFF", "--location", "/x")
			c.fails("none of the others can be", "share", "table", "add", "--share", "acme-finance", "--hub-table", "people", "--location", "/x")
			c.fails("needs a --schema and a --name", "share", "table", "add", "--share", "acme-finance", "--location", "/x")
			c.fails(`"a.b" is not a valid schema name`, "share", "table", "add", "--share", "acme-finance", "--schema", "a.b", "--name", "t", "--location", "/x")

			// A local Delta table, given relative to the working directory, and one
			// without a log (a warning only).
			dir := t.TempDir()
			must(t, os.MkdirAll(filepath.Join(dir, "sales", "_delta_log"), 0o755))
			t.Chdir(dir)
			_, errs := c.ok("share", "table", "add", "--share", "acme", "--schema", "ext", "--name", "sales", "--location", "sales")
			if errs != "" {
				t.Errorf("warning for a Delta table: %q", errs)
			}
			_, errs = c.ok("share", "table", "add", "--share", "acme", "--schema", "ext", "--name", "later", "--location", "later")
			mustContain(t, "no _delta_log", errs, "warning: "+filepath.Join(dir, "later")+" has no _delta_log folder on this machine")
			c.ok("share", "table", "add", "--share", "acme-finance", "--schema", "lake", "--name", "costs", "--location", "s3://lake/costs")
			c.fails("holds every published table already", "share", "table", "add", "--share", "acme", "--schema", "x", "--name", "p", "--hub-table", "people")

			out, _ = c.ok("share", "table", "list", "--share", "ACME-FINANCE")
			mustContain(t, "table list", strings.Join(strings.Fields(out), " "), "hr staff hub table people yes", "lake costs s3://lake/costs no",
				"resource_planning projects hub table projects no")
			out, _ = c.ok("share", "table", "list", "--share", "acme")
			mustContain(t, "default table list", out, "resource_planning  people", "published hub table", "ext", filepath.Join(dir, "sales"))
			out, _ = c.ok("share", "list", "--company", "acme")
			mustContain(t, "share list --company", out, "Acme-Finance", "custom", "for finance")
			if strings.Contains(out, "beta") {
				t.Errorf("share list --company acme shows beta: %q", out)
			}

			out, _ = c.ok("share", "table", "remove", "--share", "acme-finance", "--schema", "HR", "--name", "Staff")
			mustContain(t, "remove", out, "removed Acme-Finance.HR.Staff")
			c.fails(`no shared table with name "Acme-Finance.hr.staff"`, "share", "table", "remove", "--share", "acme-finance", "--schema", "hr", "--name", "staff")

			out, _ = c.ok("share", "rename", "--share", "acme-finance", "--name", "finance")
			mustContain(t, "rename", out, "renamed share Acme-Finance to finance")
			c.fails(`name "ACME" is already used by share acme of company acme`, "share", "rename", "--share", "finance", "--name", "ACME")
			c.fails("default share cannot be deleted", "share", "delete", "--share", "acme")
			out, _ = c.ok("share", "delete", "--share", "finance")
			mustContain(t, "delete", out, "deleted share finance (2 table(s))")
			c.fails(`no share with name "finance"`, "share", "table", "list", "--share", "finance")
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestShareTokensAndProfiles(t *testing.T) {
	c := newCLI(t, "sqlite")
	c.ok("company", "create", "--name", "Acme", "--slug", "acme")
	c.ok("user", "create", "--email", "ana@acme.com", "--name", "Ana", "--company", "acme=admin")

	// A token for a user without analytics access: printed alone on stdout, with
	// a note on how to grant access that keeps the user's permission.
	out, errs := c.ok("share", "token", "create", "--user", "Ana@Acme.com", "--name", "laptop")
	full := strings.TrimSpace(out)
	id, secret, ok := auth.Parse(full)
	if !ok || strings.Count(out, "\n") != 1 {
		t.Fatalf("token create printed %q", out)
	}
	mustContain(t, "token create", errs, "created share token "+id+" for ana@acme.com, expires ", "shown only this once",
		"trestle share profile --user ana@acme.com", "trestle user grant --email ana@acme.com --company acme=admin --analytics")
	st := c.store()
	tok, err := st.ShareToken(context.Background(), id)
	must(t, err)
	if !auth.Verify(secret, tok.Hash) || tok.Name != "laptop" || tok.ExpiresAt.Sub(time.Now()) < 89*24*time.Hour || tok.ExpiresAt.Sub(time.Now()) > 90*24*time.Hour {
		t.Fatalf("stored token %+v does not match", tok)
	}

	// Analytics access: granted, kept when not named, taken away.
	out, _ = c.ok("user", "grant", "--email", "ana@acme.com", "--company", "acme=admin", "--analytics")
	mustContain(t, "grant --analytics", out, "ana@acme.com is admin in acme, with analytics access")
	out, _ = c.ok("user", "list")
	mustContain(t, "user list", out, "acme=admin+analytics")
	c.ok("user", "grant", "--email", "ana@acme.com", "--company", "acme=editor")
	out, _ = c.ok("user", "list")
	mustContain(t, "user list after a grant without --analytics", out, "acme=editor+analytics")
	c.ok("user", "grant", "--email", "ana@acme.com", "--company", "acme=editor", "--analytics=false")
	out, _ = c.ok("user", "list")
	if !strings.Contains(out, "acme=editor") || strings.Contains(out, "analytics") {
		t.Errorf("user list after --analytics=false: %q", out)
	}
	c.ok("user", "grant", "--email", "ana@acme.com", "--company", "acme=viewer", "--analytics")
	if _, errs := c.ok("share", "token", "create", "--user", "ana@acme.com", "--expires", "never"); strings.Contains(errs, "note:") || !strings.Contains(errs, "never expires") {
		t.Errorf("token for a recipient with access: %q", errs)
	}
	c.fails(`--expires "3x" is not a lifetime; use days (90d), a duration (720h) or never`, "share", "token", "create", "--user", "ana@acme.com", "--expires", "3x")
	c.fails(`no user with id or email "nobody@acme.com"`, "share", "token", "create", "--user", "nobody@acme.com")

	// Profiles: to a file (0600, even over an existing file), and to stdout.
	dir := t.TempDir()
	file := filepath.Join(dir, "config.share")
	must(t, os.WriteFile(file, []byte("old"), 0o644))
	_, errs = c.ok("share", "profile", "--user", "ana@acme.com", "--endpoint", "https://hub.acme.com/delta-sharing/", "--out", file)
	mustContain(t, "profile --out", errs, "wrote a profile for ana@acme.com to "+file)
	fi, err := os.Stat(file)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("profile file mode %v, want 0600", fi.Mode().Perm())
	}
	data, err := os.ReadFile(file)
	must(t, err)
	if !strings.HasPrefix(string(data), "{\n  \"shareCredentialsVersion\": 1,\n  \"endpoint\"") {
		t.Errorf("profile layout: %s", data)
	}
	var p map[string]any
	must(t, json.Unmarshal(data, &p))
	if p["endpoint"] != "https://hub.acme.com/delta-sharing" || len(p) != 4 {
		t.Errorf("profile = %v", p)
	}
	pid, psecret, ok := auth.Parse(p["bearerToken"].(string))
	if !ok {
		t.Fatalf("bearer token %q", p["bearerToken"])
	}
	exp, err := time.Parse(time.RFC3339, p["expirationTime"].(string))
	must(t, err)
	ptok, err := st.ShareToken(context.Background(), pid)
	must(t, err)
	if !ptok.ExpiresAt.Equal(exp) || !auth.Verify(psecret, ptok.Hash) || ptok.Name != "profile" || !strings.HasSuffix(p["expirationTime"].(string), "Z") {
		t.Errorf("profile expires %v, token %+v", exp, ptok)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".config.share.*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
	out, _ = c.ok("share", "profile", "--user", "ana@acme.com", "--expires", "never")
	p = nil
	must(t, json.Unmarshal([]byte(out), &p))
	if p["endpoint"] != defaultEndpoint || p["expirationTime"] != nil || p["shareCredentialsVersion"] != 1.0 {
		t.Errorf("profile on stdout = %v", p)
	}
	t.Setenv("TRESTLE_PUBLIC_URL", "https://public.acme.com/")
	out, _ = c.ok("share", "profile", "--user", "ana@acme.com")
	mustContain(t, "profile with TRESTLE_PUBLIC_URL", out, `"endpoint": "https://public.acme.com/delta-sharing"`)
	c.fails(`--endpoint "ftp://x" is not an http:// or https:// URL`, "share", "profile", "--user", "ana@acme.com", "--endpoint", "ftp://x")

	// Listing and revoking, by id or by the whole token.
	out, _ = c.ok("share", "token", "list", "--user", "ana@acme.com")
	if n := strings.Count(out, "\n"); n != 6 {
		t.Errorf("token list has %d lines, want a header and 5 tokens: %q", n, out)
	}
	mustContain(t, "token list", out, id, "laptop", "never", "active", "profile")
	out, _ = c.ok("share", "token", "revoke", "--id", id)
	mustContain(t, "revoke", out, "revoked share token "+id+" of ana@acme.com")
	out, _ = c.ok("share", "token", "revoke", "--id", full)
	mustContain(t, "revoke again", out, "was already revoked at")
	out, _ = c.ok("share", "token", "revoke", "--id", p["bearerToken"].(string))
	mustContain(t, "revoke by token", out, "revoked share token")
	out, _ = c.ok("share", "token", "list", "--user", "ana@acme.com")
	if strings.Count(out, "revoked") != 2 {
		t.Errorf("token list after revoking: %q", out)
	}
	c.fails(`no share token with id "nope"`, "share", "token", "revoke", "--id", "nope")
	if strings.Contains(out, secret) {
		t.Error("token list shows a secret")
	}
}

func TestShareLog(t *testing.T) {
	c := newCLI(t, "sqlite")
	c.ok("user", "create", "--email", "ana@acme.com", "--name", "Ana")
	st := c.store()
	ctx := context.Background()
	u, err := st.User(ctx, "ana@acme.com")
	must(t, err)
	now := time.Now().UTC()
	for _, e := range []store.SharingAccess{
		{At: now.Add(-48 * time.Hour), UserID: u.ID, Method: "GET", Path: "/delta-sharing/shares", Status: 200},
		{At: now.Add(-time.Hour), UserID: u.ID, TokenID: "tok1", Method: "POST", Path: "/delta-sharing/shares/acme/schemas/resource_planning/tables/people/query",
			Share: "acme", Schema: "resource_planning", Table: "people", Status: 200, Files: 3, Bytes: 3 << 20, Duration: 12 * time.Millisecond, Remote: "10.1.2.3:4444"},
		{At: now.Add(-time.Minute), Method: "GET", Path: "/delta-sharing/shares", Status: 401},
	} {
		must(t, st.LogSharingAccess(ctx, e))
	}
	out, _ := c.ok("share", "log")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "401") || !strings.Contains(lines[2], "ana@acme.com") || !strings.Contains(lines[2], "3.0 MiB") {
		t.Fatalf("share log:\n%s", out)
	}
	out, _ = c.ok("share", "log", "--since", "24h", "--user", "ana@acme.com")
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("--since 24h --user: %q", out)
	}
	out, _ = c.ok("share", "log", "--share", "ACME", "--json")
	var line map[string]any
	must(t, json.Unmarshal([]byte(out), &line))
	if line["user"] != "ana@acme.com" || line["files"] != 3.0 || line["duration_ms"] != 12.0 || line["table"] != "people" {
		t.Errorf("--json: %s", out)
	}
	if out, _ := c.ok("share", "log", "--limit", "1"); strings.Count(out, "\n") != 2 {
		t.Errorf("--limit 1: %q", out)
	}
	c.fails(`--since "yesterday" is neither a duration`, "share", "log", "--since", "yesterday")
	c.fails(`no user with id or email "bob@acme.com"`, "share", "log", "--user", "bob@acme.com")
}
