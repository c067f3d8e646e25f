package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportCommand(t *testing.T) {
	data := t.TempDir()
	files := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(files, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("groups.csv", "code,name,timezone\nKS,Kansas,America/Chicago\n")
	write("job_titles.csv", "code,name,group_codes\nAPP,Apprentice,All\n")
	write("people.csv", "employee_id,first_name,last_name,group_codes,job_title\nE1,Ann,One,KS,APP\nE2,Ben,Two,KS,APP\n")
	write("people.example.csv", "ignored: example files are skipped in a folder\n")
	db := []string{"--data-dir", data}
	if code, out, errs := runTrestle(t, append([]string{"company", "create", "--name", "Acme", "--slug", "acme"}, db...)...); code != 0 {
		t.Fatalf("company create: %s %s", out, errs)
	}
	code, out, errs := runTrestle(t, append([]string{"import", "--company", "acme", "--dry-run", files}, db...)...)
	if code != 0 || !strings.Contains(out, "import dry-run") || !strings.Contains(out, "people") {
		t.Fatalf("dry run: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runTrestle(t, append([]string{"import", "--company", "acme", files}, db...)...)
	if code != 0 || !strings.Contains(out, "import applied") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	// The company is hub-managed now: a replace is held without --force.
	code, out, _ = runTrestle(t, append([]string{"import", "--company", "acme", "--mode", "replace", filepath.Join(files, "people.csv")}, db...)...)
	if code != 1 || !strings.Contains(out, "import held") {
		t.Fatalf("replace into a hub-managed company: %d\n%s", code, out)
	}
	write("bad.csv", "x\n")
	code, out, errs = runTrestle(t, append([]string{"import", "--company", "acme", filepath.Join(files, "bad.csv")}, db...)...)
	if code != 1 || !strings.Contains(errs, "bad.csv: is not a template file") {
		t.Fatalf("bad file: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runTrestle(t, append([]string{"import", "history", "--company", "acme"}, db...)...)
	if code != 0 || strings.Count(out, "\n") != 5 || !strings.Contains(out, "held") || !strings.Contains(out, "dry-run") {
		t.Fatalf("history: %d\n%s", code, out)
	}
}
