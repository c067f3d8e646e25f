package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// referenceConfig is a reference server config in the layout of delta-sharing's
// conf/delta-sharing-server.yaml.template: two shares, three tables, and server
// settings that do not apply. DIR is replaced by a folder holding Delta tables.
const referenceConfig = `# The format version of this config file
version: 1
# Config shares/schemas/tables to share
shares:
- name: "share1"
  schemas:
  - name: "schema1"
    tables:
    - name: "table1"
      # S3
      location: "s3a://lake/sales/table1"
      id: "00000000-0000-0000-0000-000000000000"
      historyShared: true
    - name: "table2"
      location: "file://DIR/table2"
      id: "00000000-0000-0000-0000-000000000001"
- name: "share2"
  schemas:
  - name: "schema2"
    tables:
    - name: "table3"
      location: "DIR/table3"
      historyShared: false
host: "localhost"
port: 8080
endpoint: "/delta-sharing"
authorization:
  bearerToken: "123456"
preSignedUrlTimeoutSeconds: 3600
`

// writeConfig writes a config file, DIR replaced by dir, and returns its path.
func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "delta-sharing-server.yaml")
	must(t, os.WriteFile(file, []byte(strings.ReplaceAll(text, "DIR", dir)), 0o644))
	return file
}

// deltaDir makes a folder with Delta tables table2 and table3 (their logs only).
func deltaDir(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range []string{"table2", "table3"} {
		must(t, os.MkdirAll(filepath.Join(dir, name, "_delta_log"), 0o755))
	}
	return dir
}

// importFails runs an import that must fail, with want on stderr, and nothing on
// stdout.
func importFails(c *cli, want string, args ...string) {
	c.t.Helper()
	code, out, errs := run(c.t, append(args, c.db...)...)
	if code != 1 || out != "" || !strings.Contains(errs, want) || !strings.Contains(errs, "nothing was imported") {
		c.t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", strings.Join(args, " "), code, out, errs, want)
	}
}

func TestShareImport(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := newCLI(t, backend)
			c.ok("company", "create", "--name", "Acme", "--slug", "acme")
			dir := deltaDir(t)
			file := writeConfig(t, dir, referenceConfig)

			out, errs := c.ok("share", "import", "--company", "acme", file)
			want := []string{
				"created share share1 in company acme",
				"added share1.schema1.table1 (s3://lake/sales/table1, history on)",
				"added share1.schema1.table2 (" + dir + "/table2, history off)",
				"created share share2 in company acme",
				"added share2.schema2.table3 (" + dir + "/table3, history off)",
			}
			if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("import printed\n%s\nwant\n%s", out, strings.Join(want, "\n"))
			}
			mustContain(t, "import notes", errs, "note: "+file+": host, port, endpoint, authorization, preSignedUrlTimeoutSeconds do not apply to Trestle and are ignored")
			if strings.Contains(errs, "warning") {
				t.Errorf("warning for Delta tables: %q", errs)
			}

			out, _ = c.ok("share", "table", "list", "--share", "share1")
			mustContain(t, "share1 tables", strings.Join(strings.Fields(out), " "),
				"schema1 table1 s3://lake/sales/table1 yes", "schema1 table2 "+dir+"/table2 no")
			out, _ = c.ok("share", "table", "list", "--share", "share2")
			mustContain(t, "share2 tables", strings.Join(strings.Fields(out), " "), "schema2 table3 "+dir+"/table3 no")
			out, _ = c.ok("share", "list", "--company", "acme")
			mustContain(t, "share list", out, "share1", "share2", "imported from delta-sharing-server.yaml")

			// Importing again changes nothing.
			out, _ = c.ok("share", "import", "--company", "acme", file)
			if strings.Count(out, "unchanged") != 5 || strings.Count(out, "\n") != 5 {
				t.Errorf("re-import printed %q", out)
			}
		})
	}
}

func TestShareImportProblems(t *testing.T) {
	c := newCLI(t, "sqlite")
	c.ok("company", "create", "--name", "Acme", "--slug", "acme")
	c.ok("company", "create", "--name", "Beta", "--slug", "beta")
	file := writeConfig(t, "", `version: 1
shares:
- name: "two words"
  schemas:
  - name: "a.b"
    tables:
    - name: "t1"
    - name: "t2"
      location: "wasbs://c@a.blob.core.windows.net/t2"
      historyshared: true
    - name: "t/3"
      location: "relative/t3"
      historyShared: maybe
- name: BETA
  schemas:
  - name: s
    tables:
    - name: x
      location: s3n://lake/x
- name: fine
  schemas:
  - name: s
    tables:
    - name: y
      location: /data/y
    - name: Y
      location: gs://bucket/y
`)
	code, out, errs := run(t, append([]string{"share", "import", "--company", "acme", file}, c.db...)...)
	want := []string{
		`:3: shares[0].name: "two words" is not a valid share name`,
		`:5: shares[0].schemas[0].name: "a.b" is not a valid schema name`,
		`:7: shares[0].schemas[0].tables[0].location: is required`,
		`:9: shares[0].schemas[0].tables[1].location: table two words.a.b.t2: "wasbs://c@a.blob.core.windows.net/t2": Trestle does not read wasbs:// tables`,
		`:10: shares[0].schemas[0].tables[1].historyshared: is not a key here; use name, location, id, historyShared`,
		`:11: shares[0].schemas[0].tables[2].name: "t/3" is not a valid table name`,
		`:12: shares[0].schemas[0].tables[2].location: table two words.a.b.t/3: "relative/t3" is a relative path`,
		`:13: shares[0].schemas[0].tables[2].historyShared: is "maybe"; use true or false`,
		`:14: shares[1].name: share beta belongs to company beta, not acme; import it with --company beta`,
		`:26: shares[2].schemas[0].tables[1].name: table s.Y of share fine is listed twice (first at shares[2].schemas[0].tables[0].name, line 24)`,
		`:27: shares[2].schemas[0].tables[1].location: table fine.s.Y: "gs://bucket/y": Trestle does not read gs:// tables`,
		"trestle: " + file + ": 11 problem(s); nothing was imported",
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != 1 || out != "" || len(lines) != len(want) {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) || i < len(want)-1 && !strings.HasPrefix(lines[i], file+":") {
			t.Errorf("problem %d: %q, want %q", i, lines[i], w)
		}
	}
	shares, err := c.store().AllShares(context.Background())
	must(t, err)
	if len(shares) != 2 {
		t.Errorf("shares after a failed import: %+v", shares)
	}

	c.fails("yaml: line 2:", "share", "import", "--company", "acme", writeConfig(t, "", "version: 1\nshares: [\n"))
	c.fails(`no company with id or slug "nope"`, "share", "import", "--company", "nope", writeConfig(t, "", referenceConfig))
}

func TestShareImportDryRunAndReplace(t *testing.T) {
	c := newCLI(t, "sqlite")
	c.ok("company", "create", "--name", "Acme", "--slug", "acme")
	dir := deltaDir(t)
	c.ok("share", "table", "add", "--share", "acme", "--schema", "schema1", "--name", "table1", "--location", "s3://lake/old")
	file := writeConfig(t, dir, strings.Replace(referenceConfig, `"share1"`, `"ACME"`, 1))

	// The company's default share takes the tables; table1 differs from the file.
	importFails(c, "shares[0].schemas[0].tables[0].location: acme.schema1.table1 is already shared as s3://lake/old, history off; use --replace",
		"share", "import", "--company", "acme", file, "--dry-run")
	out, errs := c.ok("share", "import", "--company", "acme", file, "--dry-run", "--replace")
	mustContain(t, "dry run", out, "unchanged share acme\n",
		"would replace acme.schema1.table1 (s3://lake/sales/table1, history on; was s3://lake/old, history off)",
		"would add acme.schema1.table2", "would create share share2 in company acme", "would add share2.schema2.table3")
	mustContain(t, "dry run", errs, "dry run: nothing was written")
	st := c.store()
	shares, err := st.AllShares(context.Background())
	must(t, err)
	tables, err := st.SharedTables(context.Background(), shares[0].ID)
	must(t, err)
	if len(shares) != 1 || len(tables) != 1 || tables[0].Location != "s3://lake/old" {
		t.Fatalf("dry run wrote: shares %+v, tables %+v", shares, tables)
	}

	out, _ = c.ok("share", "import", "--company", "acme", file, "--replace")
	mustContain(t, "replace", out, "replaced acme.schema1.table1 (s3://lake/sales/table1, history on; was s3://lake/old, history off)", "added acme.schema1.table2")
	out, _ = c.ok("share", "table", "list", "--share", "acme")
	mustContain(t, "after replace", strings.Join(strings.Fields(out), " "), "schema1 table1 s3://lake/sales/table1 yes")

	// The default share's published schema is not for imported tables.
	importFails(c, "shares[0].schemas[0].name: resource_planning holds the default share's published tables", "share", "import", "--company", "acme",
		writeConfig(t, "", "version: 1\nshares:\n- name: acme\n  schemas:\n  - name: resource_planning\n    tables:\n    - {name: t, location: /t}\n"))
}

func TestImportLocation(t *testing.T) {
	for loc, want := range map[string]string{
		"s3a://bucket/a/b": "s3://bucket/a/b", "s3n://bucket/a": "s3://bucket/a", "S3://bucket/a": "s3://bucket/a",
		"/data/t": "/data/t", "file:///data/t": "/data/t", "file:/data/t": "/data/t", "file://localhost/data/t": "/data/t",
		"abfss://c@a.dfs.core.windows.net/t": "", "gs://b/t": "", "hdfs:/t": "", "data/t": "", "file://host/t": "",
	} {
		got, err := importLocation(loc)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("importLocation(%q) = %q, %v; want %q", loc, got, err, want)
		}
	}
}
