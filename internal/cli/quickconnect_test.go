package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuickConnectCommands(t *testing.T) {
	data, work := t.TempDir(), t.TempDir()
	db := []string{"--data-dir", data}
	must := func(args ...string) string {
		t.Helper()
		code, out, errs := runTrestle(t, append(args, db...)...)
		if code != 0 {
			t.Fatalf("trestle %s: %d\n%s\n%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	must("company", "create", "--name", "Acme", "--slug", "acme")
	groups := filepath.Join(work, "groups.csv")
	if err := os.WriteFile(groups, []byte("code,name,timezone\nKS,Kansas,America/Chicago\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	must("import", "--company", "acme", "--keep-source-of-truth", groups)
	people := filepath.Join(work, "employees.csv")
	write := func(rows string) {
		if err := os.WriteFile(people, []byte("emp,first,last\n"+rows), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("E1,Ann,One\nE2,Ben,Two\n")
	def := filepath.Join(work, "hr.yaml")
	if err := os.WriteFile(def, fmt.Appendf(nil, `schedule: "06:00, 18:00"
sources:
  hr: {path: %q}
entities:
  people: {source: hr, deactivate_missing: true}
hold_above: 1
mapping:
  people:
    fields:
      employee_id: emp
      first_name: first
      last_name: last
      group_codes: {value: KS}
`, people), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := must("quickconnect", "validate", def); !strings.Contains(out, "valid") {
		t.Fatalf("validate: %s", out)
	}
	if out := must("quickconnect", "save", "--company", "acme", "--name", "hr", def); !strings.Contains(out, "06:00, 18:00 America/Chicago") {
		t.Fatalf("save: %s", out)
	}
	if out := must("quickconnect", "test-connection", "--company", "acme", "--name", "hr"); !strings.Contains(out, "people: ok") {
		t.Fatalf("test-connection: %s", out)
	}
	if out := must("quickconnect", "dry-run", "--company", "acme", "--name", "hr"); !strings.Contains(out, "run ok (dry-run)") || !strings.Contains(out, "+2") {
		t.Fatalf("dry-run: %s", out)
	}
	if out := must("quickconnect", "run", "--company", "acme", "--name", "hr"); !strings.Contains(out, "run ok (manual)") {
		t.Fatalf("run: %s", out)
	}
	if out := must("quickconnect", "run", "--company", "acme", "--name", "hr"); !strings.Contains(out, "run unchanged") {
		t.Fatalf("second run: %s", out)
	}
	// The same source under a changed mapping is applied again, not skipped.
	if raw, err := os.ReadFile(def); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(def, []byte(strings.Replace(string(raw), "first_name: first", "first_name: {column: first, case: upper}", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	must("quickconnect", "save", "--company", "acme", "--name", "hr", def)
	if out := must("quickconnect", "run", "--company", "acme", "--name", "hr"); !strings.Contains(out, "~2") {
		t.Fatalf("run after a mapping change: %s", out)
	}
	write("E1,Ann,One\nE3,Cy,Three\n") // Ben leaves, Cy joins
	if out := must("quickconnect", "run", "--company", "acme", "--name", "hr"); !strings.Contains(out, "+1 ~0 -1") {
		t.Fatalf("third run: %s", out)
	}
	write("E1,Ann,One\n,Nobody,Here\nE3,Cy,\n") // no key (skipped? invalid), no last name
	code, out, _ := runTrestle(t, append([]string{"quickconnect", "run", "--company", "acme", "--name", "hr"}, db...)...)
	if code != 1 || !strings.Contains(out, "run invalid") {
		t.Fatalf("invalid run: %d %s", code, out)
	}
	if out := must("quickconnect", "history", "--company", "acme", "--name", "hr"); strings.Count(out, "\n") != 7 {
		t.Fatalf("history:\n%s", out)
	}
	if out := must("quickconnect", "list", "--company", "acme"); !strings.Contains(out, "hr") || !strings.Contains(out, "invalid") {
		t.Fatalf("list:\n%s", out)
	}
}
