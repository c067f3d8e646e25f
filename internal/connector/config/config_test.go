package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadExpandsEnvAndResolvesProfile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PG_DSN", "postgres://u:p@h/db?x=1: not yaml")
	path := filepath.Join(dir, FileName)
	os.WriteFile(path, []byte(`profile: config.share
tables: [demo.resource_planning.people]
destination:
  type: postgres
  postgres:
    dsn: ${PG_DSN}
    schema: analytics
schedule:
  cron: "0 2 * * *"
`), 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Destination.Postgres.DSN != "postgres://u:p@h/db?x=1: not yaml" || c.ProfilePath() != filepath.Join(dir, "config.share") {
		t.Fatalf("config = %+v, profile %s", c.Destination.Postgres, c.ProfilePath())
	}
	out := filepath.Join(dir, "saved.yaml")
	if err := c.Save(out); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved mode %v", fi.Mode())
	}
	back, err := Load(out)
	if err != nil || back.Schedule.Cron != "0 2 * * *" || back.Tables[0] != "demo.resource_planning.people" {
		t.Fatalf("reloaded: %+v %v", back, err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ yaml, want string }{
		"missing env":   {"profile: p\ndestination: {type: postgres, postgres: {dsn: '${NO_SUCH_VAR_X}'}}\n", "NO_SUCH_VAR_X are not set"},
		"unknown field": {"profile: p\ndestnation: {}\n", "field destnation not found"},
		"everything": {"tables: [a.b]\nmode: sometimes\ndestination: {type: ftp}\nschedule: {cron: daily}\n",
			"profile: is required|tables[0]: \"a.b\" is not share.schema.table|mode: \"sometimes\"|destination.type: \"ftp\"|schedule.cron: \"daily\""},
		"no dsn": {"profile: p\ndestination: {type: postgres}\n", "destination.postgres.dsn: is required"},
	} {
		path := filepath.Join(dir, name+".yaml")
		os.WriteFile(path, []byte(tc.yaml), 0o600)
		_, err := Load(path)
		for _, want := range strings.Split(tc.want, "|") {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %v, want %q", name, err, want)
			}
		}
	}
}

func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, FileName)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(cfg, []byte("profile: config.share\ndestination:\n  type: postgres\n  postgres:\n    dsn: ${TRESTLE_TEST_ENVFILE_DSN}\n"), 0o600))
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), EnvFileName) {
		t.Fatalf("missing variable: %v", err)
	}
	must(os.WriteFile(filepath.Join(dir, EnvFileName), []byte("# secrets\nexport TRESTLE_TEST_ENVFILE_DSN='postgres://u:p@h/db'\n"), 0o600))
	c, err := Load(cfg)
	must(err)
	if got := c.Destination.Postgres.DSN; got != "postgres://u:p@h/db" {
		t.Fatalf("dsn = %q", got)
	}
	t.Setenv("TRESTLE_TEST_ENVFILE_DSN", "postgres://from-env")
	c, err = Load(cfg)
	must(err)
	if got := c.Destination.Postgres.DSN; got != "postgres://from-env" {
		t.Fatalf("the environment should win: dsn = %q", got)
	}
	must(os.WriteFile(filepath.Join(dir, EnvFileName), []byte("not a line\n"), 0o600))
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), "connector.env:1") {
		t.Fatalf("bad line: %v", err)
	}
}
