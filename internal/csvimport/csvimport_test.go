package csvimport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// eachStore runs fn on a fresh SQLite store and on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, st store.Store, company string)) {
	for _, b := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "hub.db") }},
		{"postgres", func(t *testing.T) string { return testenv.PostgresURL(t) }},
	} {
		t.Run(b.name, func(t *testing.T) {
			st, err := sqlstore.Open(context.Background(), b.url(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			c, err := st.CreateCompany(context.Background(), planning.Company{Slug: "acme", Name: "Acme", Timezone: "America/Chicago"}, store.Console("test"))
			if err != nil {
				t.Fatal(err)
			}
			fn(t, st, c.ID)
		})
	}
}

// write writes files (name -> content) into a new folder and returns their
// paths.
func write(t testing.TB, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

const groups = "code,name,timezone\nKS,Kansas,America/Chicago\nMO,Missouri,America/Chicago\n"
const jobTitles = "code,name,group_codes\nAPP,Apprentice,All\nFORE,Foreman,KS\n"

func peopleCSV(n int, skip map[int]bool) string {
	var b strings.Builder
	b.WriteString("employee_id,first_name,last_name,group_codes,job_title,email,hired_date\n")
	for i := 1; i <= n; i++ {
		if skip[i] {
			continue
		}
		fmt.Fprintf(&b, "E%d,Pat,Worker%d,KS,APP,pat%d@example.com,03/01/2020\n", i, i, i)
	}
	return b.String()
}

func count(t *testing.T, st store.Store, company string, status planning.Status) int {
	t.Helper()
	var n int
	if err := st.View(context.Background(), company, func(tx store.Tx) error {
		var err error
		n, err = tx.People().Count(context.Background(), store.Query{Status: status})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportDryRunApplyAndHistory(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store, company string) {
		ctx := context.Background()
		paths := write(t, map[string]string{"groups.csv": groups, "job_titles.csv": jobTitles, "people.csv": peopleCSV(10, nil)})
		o := Options{Source: planning.SourceImport, Actor: "tester", DryRun: true}
		rep, err := Import(ctx, st, company, paths, o)
		if err != nil || rep.Run.Status != store.ImportDryRun || rep.Plan.People.Creates != 10 {
			t.Fatalf("dry run: %v %+v", err, rep.Run)
		}
		if n := count(t, st, company, ""); n != 0 {
			t.Fatalf("a dry run wrote %d people", n)
		}
		o.DryRun, o.MarkHubManaged = false, true
		rep, err = Import(ctx, st, company, paths, o)
		if err != nil || rep.Run.Status != store.ImportApplied {
			t.Fatalf("import: %v %+v %v", err, rep.Run, rep.Problems)
		}
		if n := count(t, st, company, planning.StatusActive); n != 10 {
			t.Fatalf("%d active people after the import, want 10", n)
		}
		if got := rep.Run.Counts["people"]; got.Created != 10 {
			t.Errorf("counts = %+v", rep.Run.Counts)
		}
		if c, _ := st.Company(ctx, company); !c.HubManaged {
			t.Errorf("the company is not hub-managed after the import")
		}
		runs, err := st.Imports(ctx, company, 0)
		if err != nil || len(runs) != 2 || runs[0].Status != store.ImportApplied || runs[1].Status != store.ImportDryRun {
			t.Fatalf("history = %+v (%v)", runs, err)
		}
		var people store.ImportFile
		for _, f := range runs[0].Files {
			if f.Name == "people.csv" {
				people = f
			}
		}
		if people.Size != int64(len(peopleCSV(10, nil))) || len(people.SHA256) != 64 {
			t.Errorf("people.csv in the history = %+v", people)
		}
		if byFile, err := st.ImportsOfFile(ctx, company, people.SHA256); err != nil || len(byFile) != 2 {
			t.Errorf("runs of the file = %d (%v), want 2", len(byFile), err)
		}
		// The same files again change nothing.
		rep, err = Import(ctx, st, company, paths, o)
		if err != nil || rep.Run.Status != store.ImportUnchanged {
			t.Fatalf("second import: %v %+v", err, rep.Run)
		}
	})
}

func TestImportInvalidChangesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store, company string) {
		ctx := context.Background()
		people := "employee_id,first_name,last_name,group_codes,job_title,hired_date\n" +
			"E1,Ann,One,KS,APP,2020-01-01\n" +
			"E2,Ben,Two,ZZ,APP,2020-02-30\n" + // unknown group, bad date
			"E1,Cy,Three,KS,APP,2020-03-01\n" // duplicate employee_id
		paths := write(t, map[string]string{"groups.csv": groups, "job_titles.csv": jobTitles, "people.csv": people})
		rep, err := Import(ctx, st, company, paths, Options{Source: planning.SourceImport})
		if err != nil || rep.Run.Status != store.ImportInvalid {
			t.Fatalf("import: %v %+v", err, rep.Run)
		}
		var text []string
		for _, p := range rep.Problems {
			text = append(text, p.Error())
		}
		all := strings.Join(text, "\n")
		for _, want := range []string{"people.csv line 3, column hired_date", "people.csv line 4", "E1", "ZZ"} {
			if !strings.Contains(all, want) {
				t.Errorf("problems lack %q:\n%s", want, all)
			}
		}
		if n := count(t, st, company, ""); n != 0 {
			t.Fatalf("an invalid import wrote %d people", n)
		}
		var groupsN int
		_ = st.View(ctx, company, func(tx store.Tx) error {
			groupsN, _ = tx.Groups().Count(ctx, store.Query{})
			return nil
		})
		if groupsN != 0 {
			t.Fatalf("an invalid import wrote %d groups (all-or-nothing)", groupsN)
		}
	})
}

func TestImportBadFiles(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store, company string) {
		for name, files := range map[string]map[string]string{
			"empty file":       {"people.csv": ""},
			"not a template":   {"staff.csv": "a,b\n1,2\n"},
			"missing column":   {"people.csv": "employee_id,first_name\nE1,Ann\n"},
			"unknown column":   {"groups.csv": "code,name,timezone,colour\nKS,Kansas,America/Chicago,red\n"},
			"truncated upload": {"groups.csv": "code,name,timezone\nKS,Kansas,America/Chi\"cago"},
			"latin-1":          {"groups.csv": "code,name,timezone\nKS,K\xe4nsas,America/Chicago\n"},
		} {
			rep, err := Import(context.Background(), st, company, write(t, files), Options{Source: planning.SourceImport})
			if err != nil || rep.Run.Status != store.ImportInvalid || len(rep.Problems) == 0 {
				t.Errorf("%s: %v %+v %v", name, err, rep.Run, rep.Problems)
			}
		}
	})
}

// A replace that would deactivate more than half the people is held; with
// force it applies.
func TestImportReplaceHeldThenForced(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store, company string) {
		ctx := context.Background()
		base := map[string]string{"groups.csv": groups, "job_titles.csv": jobTitles, "people.csv": peopleCSV(10, nil)}
		if rep, err := Import(ctx, st, company, write(t, base), Options{Source: planning.SourceImport}); err != nil || rep.Run.Status != store.ImportApplied {
			t.Fatalf("seed: %v %+v", err, rep.Run)
		}
		keep3 := map[string]string{"people.csv": peopleCSV(3, nil)}
		o := Options{Source: planning.SourceSFTP, Mode: ingest.Replace}
		rep, err := Import(ctx, st, company, write(t, keep3), o)
		if err != nil || rep.Run.Status != store.ImportHeld || !strings.Contains(rep.Run.Message, "--force") {
			t.Fatalf("replace keeping 3 of 10: %v %+v", err, rep.Run)
		}
		if n := count(t, st, company, planning.StatusActive); n != 10 {
			t.Fatalf("a held import changed the hub: %d active", n)
		}
		o.Force = true
		rep, err = Import(ctx, st, company, write(t, keep3), o)
		if err != nil || rep.Run.Status != store.ImportApplied || rep.Run.Counts["people"].Deactivated != 7 {
			t.Fatalf("forced: %v %+v", err, rep.Run)
		}
		if n := count(t, st, company, planning.StatusInactive); n != 7 {
			t.Fatalf("%d inactive after the forced replace, want 7", n)
		}
	})
}
