package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/templates"
)

func TestTemplateCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "import")
	code, out, errs := run(t, "template", "--dir", dir)
	if code != 0 {
		t.Fatalf("template: %d %q", code, errs)
	}
	for _, s := range templates.Specs() {
		for _, name := range []string{s.File(), s.ExampleFile()} {
			if !strings.Contains(out, filepath.Join(dir, name)) {
				t.Errorf("output does not name %s: %q", name, out)
			}
		}
		header, err := os.ReadFile(filepath.Join(dir, s.File()))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Join(s.ColumnNames(), ",") + "\n"; string(header) != want {
			t.Errorf("%s = %q, want %q", s.File(), header, want)
		}
		example, err := os.ReadFile(filepath.Join(dir, s.ExampleFile()))
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Split(strings.TrimSpace(string(example)), "\n"); len(lines) != 2 {
			t.Errorf("%s has %d lines, want a header and an example row", s.ExampleFile(), len(lines))
		}
	}

	// A second run refuses to overwrite, and writes nothing.
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run(t, "template", "people", "--dir", dir)
	if code != 1 || !strings.Contains(errs, "people.csv, people.example.csv already exist in "+dir+"; nothing was written (use --force to overwrite)") {
		t.Fatalf("second run: %d %q", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "people.csv")); string(b) != "mine\n" {
		t.Fatalf("people.csv was overwritten: %q", b)
	}
	code, _, errs = run(t, "template", "people", "--dir", dir, "--force")
	if b, _ := os.ReadFile(filepath.Join(dir, "people.csv")); code != 0 || !strings.HasPrefix(string(b), "employee_id,") {
		t.Fatalf("--force: %d %q %q", code, errs, b)
	}

	// One entity, by any of its names; unknown names are refused.
	one := t.TempDir()
	if code, _, errs := run(t, "template", "job_titles.csv", "--dir", one); code != 0 {
		t.Fatalf("job_titles.csv: %q", errs)
	}
	entries, _ := os.ReadDir(one)
	if len(entries) != 2 {
		t.Errorf("%d files for one entity", len(entries))
	}
	code, _, errs = run(t, "template", "timesheets", "--dir", one)
	if code != 1 || !strings.Contains(errs, `there is no template "timesheets"; use one of all, groups, job_titles, tags, people, projects, assignments`) {
		t.Errorf("unknown entity: %d %q", code, errs)
	}
}
