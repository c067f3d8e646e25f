package demo

import (
	"context"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// TestLoadExistingCompany loads into a company that was created beforehand, under
// another slug.
func TestLoadExistingCompany(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	co, err := st.CreateCompany(ctx, planning.Company{Slug: "acme", Name: "Acme Builders", Timezone: "America/Denver"}, store.Console("test"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Load(ctx, st, "acme", testToday)
	if err != nil {
		t.Fatal(err)
	}
	if sum.CompanyCreated || sum.Company.ID != co.ID || sum.Company.Name != "Acme Builders" {
		t.Errorf("loaded into %+v (created %v), want the existing company %+v", sum.Company, sum.CompanyCreated, co)
	}
	if sum.People.Created != NumPeople || sum.ScheduleSkipped || sum.Assignments == 0 {
		t.Errorf("summary %s; want every person and the schedule created", sum)
	}
	if cs, _ := st.Companies(ctx); len(cs) != 1 {
		t.Errorf("%d companies after loading into an existing one, want 1", len(cs))
	}
}

// checkLoad loads the demo twice (and once more a day later) into st and checks what
// the store holds after each load. Loading must take less than limit.
func checkLoad(t *testing.T, st store.Store, limit time.Duration) {
	t.Helper()
	ctx := context.Background()
	ds := Generate(testToday)

	start := time.Now()
	sum, err := Load(ctx, st, "", testToday)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	t.Logf("first load took %v: %s", took, sum)
	if took > limit {
		t.Errorf("first load took %v; want under %v", took, limit)
	}

	if !sum.CompanyCreated || sum.Company.ID == "" {
		t.Errorf("first load did not create the company: %+v", sum)
	}
	if c := sum.Company; c.Slug != DefaultSlug || c.Name != CompanyName || c.Timezone != CompanyTimezone {
		t.Errorf("company %+v; want slug %q, name %q, time zone %s", c, DefaultSlug, CompanyName, CompanyTimezone)
	}
	for _, c := range []struct {
		what string
		got  store.UpsertResult
		want int
	}{
		{"groups", sum.Groups, len(ds.Groups)},
		{"job titles", sum.JobTitles, len(ds.JobTitles)},
		{"tags", sum.Tags, len(ds.Tags)},
		{"people", sum.People, NumPeople},
		{"projects", sum.Projects, NumProjects},
	} {
		if c.got != (store.UpsertResult{Created: c.want}) {
			t.Errorf("first load %s: %+v, want %d created", c.what, c.got, c.want)
		}
	}
	if sum.ScheduleSkipped || sum.Assignments != len(ds.Assignments) || sum.TimeOff != NumTimeOff || sum.ResourceRequests != NumResourceRequests {
		t.Errorf("first load created %d assignments, %d time off, %d requests (skipped %v); want %d, %d, %d",
			sum.Assignments, sum.TimeOff, sum.ResourceRequests, sum.ScheduleSkipped,
			len(ds.Assignments), NumTimeOff, NumResourceRequests)
	}
	companyID := sum.Company.ID
	checkStored(t, st, companyID, ds)
	changes := countChanges(t, st, companyID)
	if changes == 0 {
		t.Error("the first load left no change history")
	}

	// Loading again for the same day changes nothing.
	start = time.Now()
	again, err := Load(ctx, st, DefaultSlug, testToday)
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	t.Logf("second load took %v: %s", time.Since(start), again)
	if again.CompanyCreated || again.Company.ID != companyID {
		t.Errorf("second load used company %+v (created %v), want the existing %s", again.Company, again.CompanyCreated, companyID)
	}
	for _, c := range []struct {
		what string
		got  store.UpsertResult
		want int
	}{
		{"groups", again.Groups, len(ds.Groups)},
		{"job titles", again.JobTitles, len(ds.JobTitles)},
		{"tags", again.Tags, len(ds.Tags)},
		{"people", again.People, NumPeople},
		{"projects", again.Projects, NumProjects},
	} {
		if c.got != (store.UpsertResult{Unchanged: c.want}) {
			t.Errorf("second load %s: %+v, want %d unchanged", c.what, c.got, c.want)
		}
	}
	if !again.ScheduleSkipped || again.Assignments+again.TimeOff+again.ResourceRequests != 0 {
		t.Errorf("second load: %s; want the schedule skipped", again)
	}
	checkStored(t, st, companyID, ds)
	if n := countChanges(t, st, companyID); n != changes {
		t.Errorf("second load recorded %d changes, want none", n-changes)
	}

	// A day later the dates move, but nothing is duplicated.
	later, err := Load(ctx, st, DefaultSlug, testToday.AddDays(1))
	if err != nil {
		t.Fatalf("load a day later: %v", err)
	}
	if later.People.Created != 0 || later.People.Updated == 0 || later.Projects.Created != 0 || !later.ScheduleSkipped {
		t.Errorf("load a day later: %s; want people and projects updated, none created, schedule skipped", later)
	}
	checkStored(t, st, companyID, Generate(testToday.AddDays(1)))
}

// checkStored checks that the company holds exactly ds's records, with the
// references resolved to the right people and projects.
func checkStored(t *testing.T, st store.Store, companyID string, ds *Dataset) {
	t.Helper()
	ctx := context.Background()
	err := st.View(ctx, companyID, func(tx store.Tx) error {
		counts := []struct {
			what string
			c    func() (int, error)
			want int
		}{
			{"groups", func() (int, error) { return tx.Groups().Count(ctx, store.Query{}) }, len(ds.Groups)},
			{"job titles", func() (int, error) { return tx.JobTitles().Count(ctx, store.Query{}) }, len(ds.JobTitles)},
			{"tags", func() (int, error) { return tx.Tags().Count(ctx, store.Query{}) }, len(ds.Tags)},
			{"people", func() (int, error) { return tx.People().Count(ctx, store.Query{}) }, NumPeople},
			{"projects", func() (int, error) { return tx.Projects().Count(ctx, store.Query{}) }, NumProjects},
			{"assignments", func() (int, error) { return tx.Assignments().Count(ctx, store.Query{}) }, len(ds.Assignments)},
			{"time off", func() (int, error) { return tx.TimeOff().Count(ctx, store.Query{}) }, NumTimeOff},
			{"resource requests", func() (int, error) { return tx.ResourceRequests().Count(ctx, store.Query{}) }, NumResourceRequests},
		}
		for _, c := range counts {
			n, err := c.c()
			if err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("%d %s stored, want %d", n, c.what, c.want)
			}
		}

		// The first assignment is on the right person and project.
		a := ds.Assignments[0]
		p, err := tx.People().GetByKey(ctx, a.EmployeeID)
		if err != nil {
			return err
		}
		if want := ds.People[0]; p.Name() != want.Name() || p.Email != want.Email || p.HiredDate != want.HiredDate {
			t.Errorf("stored %s, hired %s; want %s, hired %s", p.Label(), p.HiredDate, want.Label(), want.HiredDate)
		}
		pr, err := tx.Projects().GetByKey(ctx, a.ProjectNumber)
		if err != nil {
			return err
		}
		want := 0
		for _, b := range ds.Assignments {
			if b.EmployeeID == a.EmployeeID {
				want++
			}
		}
		got, found := 0, false
		for v, err := range tx.Assignments().List(ctx, store.Query{PersonID: p.ID}) {
			if err != nil {
				return err
			}
			got++
			if v.PersonID != p.ID {
				t.Errorf("assignment %s listed for %s is for person %s", v.ID, p.ID, v.PersonID)
			}
			found = found || (v.ProjectID == pr.ID && v.StartDay == a.StartDay && v.EndDay == a.EndDay && v.Category == a.Category)
		}
		if got != want || !found {
			t.Errorf("%s has %d assignments stored, want %d; the one on %s from %s found: %v",
				p.Label(), got, want, pr.Label(), a.StartDay, found)
		}

		// Project roles point at the right people.
		for _, r := range ds.ProjectRoles[:3] {
			pr, err := tx.Projects().GetByKey(ctx, r.ProjectNumber)
			if err != nil {
				return err
			}
			found := false
			for _, role := range pr.Roles {
				if role.JobTitle != r.JobTitle {
					continue
				}
				who, err := tx.People().Get(ctx, role.PersonID)
				if err != nil {
					return err
				}
				found = found || who.EmployeeID == r.EmployeeID
			}
			if !found {
				t.Errorf("%s: no %s role for %s; roles %+v", pr.Label(), r.JobTitle, r.EmployeeID, pr.Roles)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
}

// countChanges counts the company's change history entries and checks they are all
// recorded as made by the demo loader.
func countChanges(t *testing.T, st store.Store, companyID string) int {
	t.Helper()
	n := 0
	for c, err := range st.Changes(context.Background(), companyID, 0, 0) {
		if err != nil {
			t.Fatalf("changes: %v", err)
		}
		if c.Entity != planning.KindCompany && (c.Source != planning.SourceDemo || c.Actor != "demo") {
			t.Errorf("change %d to %s %s recorded as %s/%s, want demo/demo", c.Seq, c.Entity, c.EntityKey, c.Source, c.Actor)
		}
		n++
	}
	return n
}
