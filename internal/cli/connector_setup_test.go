package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/schedule"

	"github.com/trestle-dev/trestle/internal/connector/schedule/scheduletest"
)

const setupTestProfile = `{"shareCredentialsVersion": 1, "bearerToken": "secret-token", "endpoint": "http://127.0.0.1:1/delta-sharing/"}` // nothing listens there

// writeTestProfile writes a valid config.share-style profile and returns its path.
func writeTestProfile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "downloaded.share")
	if err := os.WriteFile(p, []byte(setupTestProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runSetup runs "trestle connector setup --non-interactive" for the config at path.
func runSetup(t *testing.T, path string, args ...string) (int, string, string) {
	t.Helper()
	return run(t, append([]string{"connector", "setup", "--non-interactive", "--config", path}, args...)...)
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestConnectorSetupNonInteractive(t *testing.T) {
	profile := writeTestProfile(t)
	dir := filepath.Join(t.TempDir(), "conn")
	path := filepath.Join(dir, "config.yaml")
	code, out, errs := runSetup(t, path, "--profile", profile, "--tables", "demo.planning.people, demo.planning.projects",
		"--destination", "sqlite", "--sqlite-path", "landed.db", "--cron", "0 3 * * *")
	if code != 0 {
		t.Fatalf("setup: %d %s", code, errs)
	}
	if !strings.Contains(out, "Wrote "+path) || strings.Contains(out, "Note:") {
		t.Fatalf("stdout %q", out)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("config.yaml mode %v", m)
	}
	share := filepath.Join(dir, "config.share")
	if m := fileMode(t, share); m != 0o600 {
		t.Fatalf("config.share mode %v", m)
	}
	if b, _ := os.ReadFile(share); string(b) != setupTestProfile {
		t.Fatalf("config.share = %q", b)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if c.Profile != "config.share" || c.ProfilePath() != share || strings.Join(c.Tables, ",") != "demo.planning.people,demo.planning.projects" ||
		c.Destination.Type != "sqlite" || c.Destination.SQLite.Path != filepath.Join(wd, "landed.db") || c.Schedule.Cron != "0 3 * * *" {
		t.Fatalf("config %+v %+v", c, c.Destination.SQLite)
	}
}

func TestConnectorSetupSecretsAsReferences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	code, out, errs := runSetup(t, path, "--profile", writeTestProfile(t), "--destination", "s3", "--s3-bucket", "s3://landing",
		"--s3-prefix", "trestle/", "--s3-region", "eu-west-1", "--s3-endpoint", "http://minio:9000", "--format", "delta",
		"--s3-access-key", "${AWS_ACCESS_KEY_ID}", "--s3-secret-key", "${AWS_SECRET_ACCESS_KEY}")
	if code != 0 || strings.Contains(out, "Note:") {
		t.Fatalf("setup: %d %q %s", code, out, errs)
	}
	raw, _ := os.ReadFile(path)
	for _, want := range []string{"${AWS_ACCESS_KEY_ID}", "${AWS_SECRET_ACCESS_KEY}", "bucket: landing", "format: delta", "endpoint: http://minio:9000"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("config.yaml lacks %q:\n%s", want, raw)
		}
	}
	// An access key alone reads the secret key from the environment.
	if code, _, errs := runSetup(t, path, "--s3-access-key", "AKIA1", "--s3-secret-key", ""); code != 0 {
		t.Fatal(errs)
	}
	if c, _ := readConnectorConfig(path); c.Destination.S3.AccessKey != "AKIA1" || c.Destination.S3.SecretKey != "${AWS_SECRET_ACCESS_KEY}" || c.Destination.S3.Bucket != "landing" {
		t.Fatalf("s3 keys: %+v", c.Destination.S3)
	}
	// A secret given as a value is kept, with a note.
	code, out, _ = runSetup(t, path, "--destination", "postgres", "--postgres-dsn", "postgres://u:pw@db/x")
	if code != 0 || !strings.Contains(out, "Note: config.yaml holds the PostgreSQL DSN's password") {
		t.Fatalf("literal secret: %d %q", code, out)
	}
}

func TestConnectorSetupMissingAndBadFlags(t *testing.T) {
	profile := writeTestProfile(t)
	notProfile := filepath.Join(t.TempDir(), "x.share")
	os.WriteFile(notProfile, []byte(`{"endpoint": 3}`), 0o600)
	path := filepath.Join(t.TempDir(), "config.yaml")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"missing settings: --profile", "--destination (postgres, sqlite, local, s3, mysql, sqlserver, snowflake, azure)"}},
		{[]string{"--profile", profile, "--destination", "postgres"}, []string{"missing settings: --postgres-dsn"}},
		{[]string{"--profile", profile, "--destination", "sqlite"}, []string{"--sqlite-path"}},
		{[]string{"--profile", profile, "--destination", "local"}, []string{"--local-path"}},
		{[]string{"--profile", profile, "--destination", "s3", "--s3-access-key", "k"}, []string{"missing settings: --s3-bucket"}},
		{[]string{"--profile", profile, "--destination", "ftp"}, []string{`--destination: "ftp" is not one of`}},
		{[]string{"--profile", notProfile, "--destination", "sqlite", "--sqlite-path", "x"}, []string{"--profile: delta sharing profile"}},
		{[]string{"--profile", filepath.Join(t.TempDir(), "none"), "--destination", "sqlite", "--sqlite-path", "x"}, []string{"--profile:", "no such file"}},
		{[]string{"--profile", profile, "--tables", "a.b,c.d.e,x..y", "--destination", "sqlite", "--sqlite-path", "x"}, []string{`--tables: "a.b", "x..y": each table must be share.schema.table`}},
		{[]string{"--profile", profile, "--destination", "local", "--local-path", "x", "--format", "xml"}, []string{`--format: "xml" is not a format of the local destination; use parquet, csv, delta`}},
		{[]string{"--profile", profile, "--destination", "s3", "--s3-bucket", "b", "--format", "csv"}, []string{`--format: "csv"`}},
		{[]string{"--profile", profile, "--destination", "postgres", "--postgres-dsn", "x", "--sqlite-path", "y", "--format", "csv"},
			[]string{"--format: is not a setting of the postgres destination", "--sqlite-path: is not a setting"}},
		{[]string{"--profile", profile, "--destination", "s3", "--s3-bucket", "s3://b/p"}, []string{`--s3-bucket: "s3://b/p" is more than a bucket name`}},
		{[]string{"--profile", profile, "--destination", "sqlite", "--sqlite-path", "x", "--cron", "daily"}, []string{`--cron: cron expression "daily" has 1 fields`}},
	} {
		code, _, errs := runSetup(t, path, tc.args...)
		for _, want := range tc.want {
			if code != 1 || !strings.Contains(errs, want) {
				t.Errorf("%q: code %d, stderr %q, want %q", tc.args, code, errs, want)
			}
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%q: config.yaml written despite the error", tc.args)
		}
	}
	if code, _, errs := runSetup(t, t.TempDir()); code != 1 || !strings.Contains(errs, "is a folder: give the path of the connector's config.yaml") {
		t.Fatalf("--config folder: %d %q", code, errs)
	}
}

func TestConnectorSetupKeepsAndChangesExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if code, _, errs := runSetup(t, path, "--profile", writeTestProfile(t), "--tables", "s.a.t", "--destination", "sqlite", "--sqlite-path", "/data/x.db", "--cron", "0 4 * * *"); code != 0 {
		t.Fatal(errs)
	}
	// Settings setup does not ask about survive a re-run.
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, append(raw, "mode: full\nconcurrency: 4\n"...), 0o600)

	// Only the tables change: profile, destination and schedule are kept.
	if code, _, errs := runSetup(t, path, "--tables", "s.a.u"); code != 0 {
		t.Fatal(errs)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tables[0] != "s.a.u" || c.Destination.SQLite.Path != "/data/x.db" || c.Schedule.Cron != "0 4 * * *" || c.Mode != "full" || c.Concurrency != 4 {
		t.Fatalf("kept: %+v", c)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "config.share")); string(b) != setupTestProfile || fileMode(t, filepath.Join(dir, "config.share")) != 0o600 {
		t.Fatalf("config.share after re-run: %q", b)
	}

	// Another destination type needs its own settings...
	if code, _, errs := runSetup(t, path, "--destination", "local"); code != 1 || !strings.Contains(errs, "missing settings: --local-path") {
		t.Fatalf("change to local without a path: %d %q", code, errs)
	}
	// ...and replaces the old one; the source is kept; blank --tables is every table.
	if code, _, errs := runSetup(t, path, "--destination", "postgres", "--postgres-dsn", "${PG_DSN}", "--postgres-schema", "landing", "--tables", ""); code != 0 {
		t.Fatal(errs)
	}
	c, err = readConnectorConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Destination.Type != "postgres" || c.Destination.SQLite != nil || c.Destination.Postgres.DSN != "${PG_DSN}" ||
		c.Destination.Postgres.Schema != "landing" || len(c.Tables) != 0 || c.Profile != "config.share" {
		t.Fatalf("changed: %+v %+v", c, c.Destination)
	}
	// One setting of the same destination changes, the others stay.
	if code, _, errs := runSetup(t, path, "--postgres-schema", "other"); code != 0 {
		t.Fatal(errs)
	}
	if c, _ = readConnectorConfig(path); c.Destination.Postgres.DSN != "${PG_DSN}" || c.Destination.Postgres.Schema != "other" {
		t.Fatalf("schema change: %+v", c.Destination.Postgres)
	}
}

func TestConnectorSetupInstallsScheduleAndRunsNow(t *testing.T) {
	script, file := scheduletest.FakeCrontab(t)
	t.Setenv("TRESTLE_CRONTAB_COMMAND", script)
	os.WriteFile(file, []byte("MAILTO=me@example.com\n0 0 * * * /usr/bin/other\n"), 0o600)
	path := filepath.Join(t.TempDir(), "config.yaml")
	// The sync itself fails (nothing serves the profile's endpoint), and may
	// take its time to: setup's own work must be done all the same.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var stdout, stderr strings.Builder
	code := Main(ctx, []string{"connector", "setup", "--non-interactive", "--config", path, "--profile", writeTestProfile(t),
		"--destination", "local", "--local-path", t.TempDir(), "--install-schedule", "--run-now"}, &stdout, &stderr)
	out, errs := stdout.String(), stderr.String()
	if !strings.Contains(out, "Installed in your crontab (0 2 * * *)") || !strings.Contains(out, "Running the first sync now") {
		t.Fatalf("setup: %d %q %q", code, out, errs)
	}
	tab, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(tab), "MAILTO=me@example.com\n0 0 * * * /usr/bin/other\n0 2 * * * ") || !strings.Contains(string(tab), schedule.Marker(path)) {
		t.Fatalf("crontab %q", tab)
	}
	if c, err := readConnectorConfig(path); err != nil || c.Schedule.Cron != "0 2 * * *" {
		t.Fatalf("config %+v %v", c, err)
	}
}

// formLineReader gives one line per Read, as a terminal does: huh's accessible
// prompts each read with a fresh buffered scanner.
type formLineReader struct{ lines []string }

func (r *formLineReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0]+"\n")
	r.lines = r.lines[1:]
	return n, nil
}

func TestConnectorSetupFormNewConfig(t *testing.T) {
	profile := writeTestProfile(t)
	s := &setupOptions{}
	var out strings.Builder
	w := &setupWizard{opts: s, accessible: true, out: &out, in: &formLineReader{lines: []string{
		"a.b", "s.a.t, s.a.u", // 1. a bad table list is asked again
		filepath.Join(t.TempDir(), "missing.share"), profile, // 2. a missing profile is asked again
		"3",                 // 3. local folder
		"", "/data/landing", // required: asked again
		"2",              // csv
		"y",              // 4. schedule
		"61 * * * *", "", // a bad cron is asked again; blank keeps "0 2 * * *"
		"n", // 5. run now
	}}}
	if err := w.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := s.build(nil, nil)
	if err != nil {
		t.Fatalf("build: %v (answers %+v)\n%s", err, s, out.String())
	}
	if strings.Join(c.Tables, ",") != "s.a.t,s.a.u" || s.profile != profile || c.Destination.Local.Path != "/data/landing" ||
		c.Destination.Local.Format != "csv" || c.Schedule.Cron != "0 2 * * *" || !s.installSchedule || s.runNow {
		t.Fatalf("answers %+v -> %+v", s, c.Destination.Local)
	}
	for _, want := range []string{"each table must be share.schema.table", "no such file", "is required", `cron expression "61 * * * *" is not valid`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the form did not say %q:\n%s", want, out.String())
		}
	}
}

func TestConnectorSetupFormExistingConfig(t *testing.T) {
	existing := &config.Config{Profile: "config.share", Tables: []string{"s.a.t"},
		Destination: config.Destination{Type: "postgres", Postgres: &config.PostgresConfig{DSN: "${PG_DSN}"}}}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.share"), []byte(setupTestProfile), 0o600)
	s := &setupOptions{}
	s.fillFrom(existing, dir, func(string) bool { return false })
	var out strings.Builder
	w := &setupWizard{opts: s, existing: existing, accessible: true, out: &out, in: &formLineReader{lines: []string{
		"y", "n", // keep the source, change the destination
		"4",                                            // s3
		"s3://bucket", "", "us-east-2", "", "", "", "", // bucket, prefix, region, endpoint, keys blank: the AWS chain
		"", // format: parquet
		"n", "n",
	}}}
	if err := w.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := s.build(existing, nil)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out.String())
	}
	if s.profile != filepath.Join(dir, "config.share") || c.Tables[0] != "s.a.t" || c.Destination.Type != "s3" || c.Destination.Postgres != nil ||
		c.Destination.S3.Bucket != "bucket" || c.Destination.S3.Region != "us-east-2" || c.Destination.S3.Format != "parquet" || c.Destination.S3.AccessKey != "" {
		t.Fatalf("answers %+v -> %+v", s, c.Destination.S3)
	}
	if !strings.Contains(out.String(), "Keep the source: s.a.t read with "+filepath.Join(dir, "config.share")+"?") || strings.Contains(out.String(), "Tables to sync") {
		t.Fatalf("kept source asked again:\n%s", out.String())
	}
}

func TestConnectorSetupFormsBuild(t *testing.T) {
	// The full-screen forms are built for every destination type and way to
	// sign in; only destinations with several ways ask which one.
	for _, typ := range config.Types {
		auths := authTypes[typ]
		if auths == nil {
			auths = []string{""}
		}
		for _, auth := range auths {
			s := &setupOptions{destination: typ, installSchedule: true, sfAuth: auth, azAuth: auth, sqlDSN: "${MSSQL_DSN}"}
			w := &setupWizard{opts: s, existing: &config.Config{}, in: os.Stdin}
			for i, step := range w.forms() {
				f := step()
				if f == nil && !(i == 3 && auth == "") {
					t.Fatalf("%s %s: step %d has no form", typ, auth, i)
				}
				if f == nil {
					continue
				}
				f.Init()
				_ = f.View()
			}
		}
	}
}

func TestConnectorSetupValidators(t *testing.T) {
	if l, err := parseTableList(" a.b.c ,, a.b.c,d.e.f "); err != nil || strings.Join(l, ",") != "a.b.c,d.e.f" {
		t.Fatalf("tables %q %v", l, err)
	}
	if l, err := parseTableList(""); err != nil || l != nil {
		t.Fatalf("blank tables %q %v", l, err)
	}
	if err := validateProfile(""); err == nil || !strings.Contains(err.Error(), "give the path") {
		t.Fatalf("blank profile: %v", err)
	}
	if err := validateProfile(writeTestProfile(t)); err != nil {
		t.Fatal(err)
	}
	cur := "0 2 * * *"
	v := orCurrent(&cur, schedule.ValidateCron)
	if v("") != nil || v("x") == nil || v("*/5 * * * *") != nil {
		t.Fatal("cron validator")
	}
	cur = ""
	if v("") == nil {
		t.Fatal("blank cron without a current value accepted")
	}
}
