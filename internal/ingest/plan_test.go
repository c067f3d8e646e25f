package ingest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func TestMergeCreatesUpdatesAndLeavesTheRest(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2, 3, 4), []planning.Project{project(1), project(2)})
		e2 := person(2)
		e2.LastName, e2.Union = "Smith", "Local 101"
		p1 := project(1)
		p1.Name = "Project One"
		set := &Set{
			Groups: items("groups.csv",
				planning.Group{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"},
				planning.Group{Name: "Texas", Code: "TX", Timezone: "America/Chicago"}),
			People:   items("people.csv", person(1), e2, person(5)),
			Projects: items("projects.csv", p1),
		}
		pl := h.plan(set, opts(Merge))
		for _, tc := range []struct {
			kind KindPlan
			want string
		}{
			{pl.Groups, "1/0/0/1"}, {pl.JobTitles, "0/0/0/0"}, {pl.People, "1/1/0/1"}, {pl.Projects, "0/1/0/0"},
		} {
			if got := counted(tc.kind); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.kind.Kind, got, tc.want)
			}
		}
		if pl.Held() || pl.Empty() {
			t.Fatalf("held %v, empty %v: %s", pl.Held(), pl.Empty(), pl.Summary())
		}
		var upd Change
		for _, c := range pl.People.Changes {
			if c.Op == OpUpdate {
				upd = c
			}
		}
		want := []FieldChange{{"last_name", "Worker2", "Smith"}, {"union", "", "Local 101"}}
		if upd.Key != "E2" || upd.Origin != (Origin{"people.csv", 3}) || !slices.Equal(upd.Fields, want) {
			t.Fatalf("update detail = %+v, want E2 at people.csv line 3 with %v", upd, want)
		}
		if c := pl.People.Changes[0]; c.Op != OpCreate || c.Key != "E5" || c.Origin.Line != 4 {
			t.Errorf("first change = %+v, want the create of E5", c)
		}
		h.apply(pl, false)
		if p := h.person("E2"); p.LastName != "Smith" || p.Version != 2 {
			t.Errorf("E2 after apply: %s v%d", p.LastName, p.Version)
		}
		if p := h.person("E3"); p.Status != planning.StatusActive || p.Version != 1 {
			t.Errorf("E3 (not in the set) changed: %s v%d", p.Status, p.Version)
		}
		if p := h.project("P-1"); p.Name != "Project One" || p.Timezone != "America/Denver" {
			t.Errorf("P-1 after apply: %q in %s", p.Name, p.Timezone)
		}
		// The same set again changes nothing.
		again := h.plan(set, opts(Merge))
		if !again.Empty() || again.People.Unchanged != 3 || again.Projects.Unchanged != 1 {
			t.Fatalf("second plan: %s", again.Summary())
		}
	})
}

func TestReplaceDeactivatesMissingPeople(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2, 3, 4), []planning.Project{project(1), project(2)})
		today := h.today()
		var running, future, past planning.Assignment
		h.update(func(ctx context.Context, tx store.Tx) error {
			e4, err := tx.People().GetByKey(ctx, "E4")
			if err != nil {
				return err
			}
			p1, err := tx.Projects().GetByKey(ctx, "P-1")
			if err != nil {
				return err
			}
			pct := 50
			mk := func(from, to int) (planning.Assignment, error) {
				return tx.Assignments().Create(ctx, planning.Assignment{PersonID: e4.ID, ProjectID: p1.ID,
					StartDay: today.AddDays(from), EndDay: today.AddDays(to), PercentAllocated: &pct})
			}
			if running, err = mk(-10, 30); err != nil {
				return err
			}
			if future, err = mk(5, 40); err != nil {
				return err
			}
			past, err = mk(-30, -20)
			return err
		})
		set := &Set{People: items("people.csv", person(1), person(2), person(3))}
		pl := h.plan(set, opts(Replace))
		if got := counted(pl.People); got != "0/0/1/3" || pl.People.Active != 4 || pl.Held() {
			t.Fatalf("people %s (active %d), held %v", got, pl.People.Active, pl.Holds)
		}
		if c := pl.People.Changes[0]; c.Op != OpDeactivate || c.Key != "E4" ||
			!slices.Equal(c.Fields, []FieldChange{{"status", "active", "inactive"}}) {
			t.Fatalf("deactivation detail = %+v", c)
		}
		if got := counted(pl.Projects); got != "0/0/0/0" {
			t.Errorf("projects are not in the set, so not replaced: %s", got)
		}
		h.apply(pl, false)
		if p := h.person("E4"); p.Status != planning.StatusInactive {
			t.Fatalf("E4 is %s", p.Status)
		}
		if p := h.project("P-2"); p.Status != planning.StatusActive {
			t.Errorf("P-2 is %s", p.Status)
		}
		h.view(func(ctx context.Context, tx store.Tx) error {
			r, err := tx.Assignments().Get(ctx, running.ID)
			if err != nil || r.EndDay != today {
				t.Errorf("running assignment ends %s (%v), want %s", r.EndDay, err, today)
			}
			if _, err := tx.Assignments().Get(ctx, future.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("future assignment still there: %v", err)
			}
			if p, err := tx.Assignments().Get(ctx, past.ID); err != nil || p.EndDay != past.EndDay {
				t.Errorf("past assignment changed: %v", err)
			}
			return nil
		})
	})
}

func TestReplaceHeldThenForced(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(span(1, 10)...), nil)
		set := func() *Set { return &Set{People: items("people.csv", people(1, 2, 3, 4)...)} }
		pl := h.plan(set(), opts(Replace))
		if !pl.Held() || pl.People.Deactivations != 6 || !strings.Contains(pl.Holds[0], "6 of 10 active people (60%)") {
			t.Fatalf("plan not held as expected: %s", pl.Summary())
		}
		before, seq := h.counts(), h.seq()
		_, err := Apply(context.Background(), h.st, pl, ApplyOptions{})
		if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "Nothing was changed") {
			t.Fatalf("apply of held plan: %v", err)
		}
		if h.counts() != before || h.seq() != seq {
			t.Fatal("a held plan changed the hub")
		}
		// A higher limit lets it through; so does force.
		o := opts(Replace)
		o.HoldAbove = 0.6
		if pl := h.plan(set(), o); pl.Held() {
			t.Errorf("held at a 60%% limit: %v", pl.Holds)
		}
		h.apply(pl, true)
		var inactive int
		h.view(func(ctx context.Context, tx store.Tx) error {
			var err error
			inactive, err = tx.People().Count(ctx, store.Query{Status: planning.StatusInactive})
			return err
		})
		if inactive != 6 {
			t.Fatalf("%d inactive after the forced apply", inactive)
		}
		// A hub-managed company holds any replace.
		if err := h.st.SetHubManaged(context.Background(), h.company.ID, true, store.Console("test")); err != nil {
			t.Fatal(err)
		}
		if pl := h.plan(set(), opts(Replace)); !pl.Held() || !strings.Contains(pl.Holds[0], "hub-managed") {
			t.Errorf("replace on a hub-managed company: %v", pl.Holds)
		}
		if pl := h.plan(set(), opts(Merge)); pl.Held() {
			t.Errorf("merge on a hub-managed company held: %v", pl.Holds)
		}
	})
}

func TestProblemsNameOriginAndField(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2), []planning.Project{project(1)})
		badCode, noExpiry, dup, clash, own := person(10), person(11), person(12), person(13), person(14)
		badCode.JobTitle, badCode.GroupCodes = "XX", []string{"KS", "TX"}
		badCode.Tags = []planning.PersonTag{{Code: "FORK"}}
		noExpiry.Tags = []planning.PersonTag{{Code: "OSHA30"}, {Code: "CPR"}}
		dup.EmployeeID = "E10"
		clash.Email = "PAT1@example.com" // held by E1, who is not in the set
		own.Email = "not an email"
		withLead := person(15)
		withLead.JobTitle = "LEAD" // defined in the set: fine
		pr := project(5)
		pr.Roles = []planning.ProjectRole{{PersonID: "E99", JobTitle: "FOR"}, {PersonID: "E1", JobTitle: "APP"}}
		pct := 100
		asg := func(emp, pn, cat string) Assignment {
			return Assignment{EmployeeID: emp, ProjectNumber: pn, Assignment: planning.Assignment{
				StartDay: planning.MustParseDate("2026-01-05"), EndDay: planning.MustParseDate("2026-01-09"), PercentAllocated: &pct, Category: cat}}
		}
		set := &Set{
			JobTitles:   items("job_titles.csv", planning.JobTitle{Name: "Lead", Code: "LEAD", GroupCodes: []string{"NOPE"}}),
			People:      items("people.csv", badCode, noExpiry, dup, clash, own, withLead),
			Projects:    items("projects.csv", pr),
			Assignments: items("assignments.csv", asg("E404", "P-1", ""), asg("E1", "P-1", "Level 9"), asg("E1", "P-404", "")),
		}
		seq := h.seq()
		_, err := MakePlan(context.Background(), h.st, h.company.ID, set, opts(Merge))
		var inv *InvalidError
		if !errors.As(err, &inv) {
			t.Fatalf("want *InvalidError, got %v", err)
		}
		got := map[string]string{}
		for _, p := range inv.Problems {
			got[p.Origin.String()+" "+p.Field] = p.Message
		}
		for where, want := range map[string]string{
			"job_titles.csv line 2 group_codes[0]":   `no group with code "NOPE" in this import or the hub`,
			"people.csv line 2 job_title":            `no job title with code "XX"`,
			"people.csv line 2 group_codes[1]":       `no group with code "TX"`,
			"people.csv line 2 tags[0]":              `no tag with code "FORK"`,
			"people.csv line 3 tags[1].expires":      `tag "CPR" requires an expiry date`,
			"people.csv line 4 employee_id":          `"E10" is also used by people.csv line 2`,
			"people.csv line 5 email":                `"pat1@example.com" is already used by Pat Worker1 (E1) in the hub`,
			"people.csv line 6 email":                `"not an email" is not an email address`,
			"projects.csv line 2 roles[0].person_id": `no person with employee_id "E99" in this import or the hub`,
			"assignments.csv line 2 employee_id":     `no person with employee_id "E404"`,
			"assignments.csv line 3 category":        `project "P-1" has no category "Level 9"`,
			"assignments.csv line 4 project_number":  `no project with project_number "P-404"`,
		} {
			if !strings.Contains(got[where], want) {
				t.Errorf("%s: got %q, want it to contain %q", where, got[where], want)
			}
		}
		if inv.Total != len(inv.Problems) || inv.Total != 12 {
			t.Errorf("%d problems (total %d), want 12: %v", len(inv.Problems), inv.Total, got)
		}
		if !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), `job_titles.csv line 2 (job title "LEAD"): group_codes[0]`) {
			t.Errorf("error text: %v", err)
		}
		if h.seq() != seq {
			t.Fatal("an invalid set wrote history")
		}
	})
}

func TestProblemsAreCapped(t *testing.T) {
	h := newHub(t, openStore(t, "sqlite://"+t.TempDir()+"/hub.db"), "", "")
	var ps []planning.Person
	for n := range 1200 {
		p := person(n)
		p.FirstName = ""
		ps = append(ps, p)
	}
	_, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{People: items("people.csv", ps...)}, opts(Merge))
	var inv *InvalidError
	if !errors.As(err, &inv) || len(inv.Problems) != MaxProblems || inv.Total != 1200 {
		t.Fatalf("got %d problems of %d: %v", len(inv.Problems), inv.Total, err)
	}
	if inv.Problems[0].Origin.Line != 2 || inv.Problems[999].Origin.Line != 1001 {
		t.Errorf("problems not in line order: %v ... %v", inv.Problems[0], inv.Problems[999])
	}
}

func TestEmailAndPhoneSwap(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		// Enough people that a two-person merge looks them up by key and value.
		h.seed(people(span(1, 12)...), nil)
		a, b := person(1), person(2)
		a.Email, b.Email = b.Email, a.Email
		a.MobilePhone, b.MobilePhone = b.MobilePhone, a.MobilePhone
		for _, mode := range []Mode{Merge, Replace} {
			set := &Set{People: items("people.csv", a, b)}
			o := opts(mode)
			o.HoldAbove = 1
			pl := h.plan(set, o)
			if pl.People.Updates != 2 {
				t.Fatalf("%s: %s", mode, pl.Summary())
			}
			if mode == Merge {
				continue
			}
			h.apply(pl, false)
		}
		if p := h.person("E1"); p.Email != "pat2@example.com" || p.MobilePhone != person(2).MobilePhone {
			t.Errorf("E1 after the swap: %s %s", p.Email, p.MobilePhone)
		}
		// A value held by someone who keeps it is refused, whether found by lookup
		// (merge of few people) or by the replace's scan.
		c := person(3)
		c.Email = person(4).Email
		for _, mode := range []Mode{Merge, Replace} {
			o := opts(mode)
			o.HoldAbove = 1
			_, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{People: items("people.csv", c)}, o)
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Total != 1 || inv.Problems[0].Field != "email" {
				t.Errorf("%s: want one email problem, got %v", mode, err)
			}
		}
	})
}

func TestProjectRolesAndAssignmentsByKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1), []planning.Project{project(1)})
		pr := project(2)
		pr.Roles = []planning.ProjectRole{{PersonID: "E1", JobTitle: "FOR"}, {PersonID: "E7", JobTitle: "APP"}}
		pct := 100
		a := func(emp, pn string, end string) Assignment {
			return Assignment{EmployeeID: emp, ProjectNumber: pn, Assignment: planning.Assignment{
				StartDay: planning.MustParseDate("2026-01-05"), EndDay: planning.MustParseDate(end), PercentAllocated: &pct,
				Category: "Level 1", Subcategory: "East"}}
		}
		set := func(end string) *Set {
			return &Set{
				People:      items("people.csv", person(7)),
				Projects:    items("projects.csv", pr),
				Assignments: items("assignments.csv", a("E1", "P-1", end), a("E7", "P-2", end)),
			}
		}
		pl := h.plan(set("2026-01-30"), opts(Merge))
		if got := counted(pl.Assignments); got != "2/0/0/0" {
			t.Fatalf("assignments %s", got)
		}
		h.apply(pl, false)
		e7, p2 := h.person("E7"), h.project("P-2")
		if p2.Roles[1].PersonID != e7.ID || p2.Roles[0].PersonID != h.person("E1").ID {
			t.Fatalf("roles not resolved to ids: %+v", p2.Roles)
		}
		// Again: unchanged. With another end day: updated in place.
		if pl := h.plan(set("2026-01-30"), opts(Merge)); !pl.Empty() || pl.Assignments.Unchanged != 2 || pl.Projects.Unchanged != 1 {
			t.Fatalf("second plan: %s", pl.Summary())
		}
		pl = h.plan(set("2026-02-27"), opts(Merge))
		if got := counted(pl.Assignments); got != "0/2/0/0" ||
			!slices.Equal(pl.Assignments.Changes[0].Fields, []FieldChange{{"end_day", "2026-01-30", "2026-02-27"}}) {
			t.Fatalf("assignments %s: %+v", got, pl.Assignments.Changes)
		}
		h.apply(pl, false)
		h.view(func(ctx context.Context, tx store.Tx) error {
			n, err := tx.Assignments().Count(ctx, store.Query{PersonID: e7.ID})
			if n != 1 {
				t.Errorf("E7 has %d assignments", n)
			}
			return err
		})
	})
}

func TestChangeHistoryCarriesTheSource(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2), nil)
		e1 := person(1)
		e1.Union = "Local 9"
		o := Options{Mode: Replace, Source: planning.SourceSFTP, Actor: "acme/inbox/people.csv"}
		pl := h.plan(&Set{People: items("people.csv", e1, person(3))}, o)
		res := h.apply(pl, false)
		var got []string
		for ch, err := range h.st.Changes(context.Background(), h.company.ID, pl.BaseSeq, 0) {
			if err != nil {
				t.Fatal(err)
			}
			if ch.Source != planning.SourceSFTP || ch.Actor != o.Actor {
				t.Errorf("change %d: source %s, actor %q", ch.Seq, ch.Source, ch.Actor)
			}
			got = append(got, string(ch.Operation)+" "+ch.EntityKey)
			if ch.Seq > res.Seq {
				t.Errorf("change %d after the result's seq %d", ch.Seq, res.Seq)
			}
		}
		slices.Sort(got)
		if strings.Join(got, ", ") != "create E3, update E1, update E2" {
			t.Fatalf("history: %v", got)
		}
	})
}

func TestAllGroupsAndRecordsFlaggedByTheirParser(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		e1 := person(1)
		e1.GroupCodes = nil
		set := &Set{
			Groups: items("groups.csv", planning.Group{Name: "Texas", Code: "TX", Timezone: "America/Chicago"}),
			People: []Item[planning.Person]{{Value: e1, Origin: Origin{"people.csv", 2}, AllGroups: true}},
		}
		h.apply(h.plan(set, opts(Merge)), false)
		if got := h.person("E1").GroupCodes; !slices.Equal(got, []string{"CO", "KS", "TX"}) {
			t.Fatalf("All gave %v", got)
		}
		// A row its parser found wrong is not reported again; what refers to it
		// is not "unknown"; and there is no plan.
		bad := person(2)
		bad.HiredDate = planning.Date{} // say the parser could not read it
		bad.FirstName = ""
		pct := 100
		set = &Set{
			People: []Item[planning.Person]{{Value: bad, Origin: Origin{"people.csv", 2}, Invalid: true}},
			Assignments: items("assignments.csv", Assignment{EmployeeID: "E2", ProjectNumber: "P-9", Assignment: planning.Assignment{
				StartDay: planning.MustParseDate("2026-01-05"), EndDay: planning.MustParseDate("2026-01-09"), PercentAllocated: &pct}}),
		}
		_, err := MakePlan(context.Background(), h.st, h.company.ID, set, opts(Merge))
		var inv *InvalidError
		if !errors.As(err, &inv) || inv.Flagged != 1 || inv.Total != 1 || inv.Problems[0].Field != "project_number" {
			t.Fatalf("want one problem (project P-9) and one flagged record, got %v", err)
		}
		if !strings.Contains(err.Error(), "besides 1 record with problems reported when reading them") {
			t.Errorf("error text: %v", err)
		}
		set.Assignments = nil
		if _, err := MakePlan(context.Background(), h.st, h.company.ID, set, opts(Merge)); !errors.As(err, &inv) || inv.Total != 0 || inv.Flagged != 1 {
			t.Fatalf("a set with only a flagged record made a plan: %v", err)
		}
	})
}

func TestReplaceDeactivatesMissingProjects(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		pending := project(3)
		pending.Status, pending.StartDate = planning.StatusPending, planning.Date{}
		h.seed(people(1), []planning.Project{project(1), project(2), pending})
		pl := h.plan(&Set{Projects: items("projects.csv", project(1), project(2))}, opts(Replace))
		if got := counted(pl.Projects); got != "0/0/1/2" || pl.Projects.Active != 3 || pl.Held() {
			t.Fatalf("projects %s (active %d), held %v", got, pl.Projects.Active, pl.Holds)
		}
		if got := counted(pl.People); got != "0/0/0/0" {
			t.Errorf("people are not in the set, so not replaced: %s", got)
		}
		h.apply(pl, false)
		if p := h.project("P-3"); p.Status != planning.StatusInactive {
			t.Errorf("P-3 is %s", p.Status)
		}
		if p := h.person("E1"); p.Status != planning.StatusActive {
			t.Errorf("E1 is %s", p.Status)
		}
		// Two of three would go: held.
		if pl := h.plan(&Set{Projects: items("projects.csv", project(9))}, opts(Replace)); !pl.Held() {
			t.Errorf("not held: %s", pl.Summary())
		}
	})
}

func TestAssignmentsReadInOnePass(t *testing.T) {
	defer func(n int) { perPersonLookups = n }(perPersonLookups)
	for _, lookups := range []int{1, 200} {
		perPersonLookups = lookups
		h := newHub(t, openStore(t, "sqlite://"+t.TempDir()+"/hub.db"), "", "")
		h.seed(people(span(1, 5)...), []planning.Project{project(1)})
		pct := 40
		var as []Assignment
		for n := 1; n <= 5; n++ {
			as = append(as, Assignment{EmployeeID: person(n).EmployeeID, ProjectNumber: "P-1", Assignment: planning.Assignment{
				StartDay: planning.MustParseDate("2026-01-05"), EndDay: planning.MustParseDate("2026-01-09"), PercentAllocated: &pct}})
		}
		h.apply(h.plan(&Set{Assignments: items("assignments.csv", as...)}, opts(Merge)), false)
		as[4].EndDay = planning.MustParseDate("2026-01-16")
		pl := h.plan(&Set{Assignments: items("assignments.csv", as...)}, opts(Merge))
		if got := counted(pl.Assignments); got != "0/1/0/4" {
			t.Errorf("per-person lookups up to %d: %s", lookups, got)
		}
	}
}

func TestReplaceEndsAPersonAndTheirAssignmentTogether(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2, 3), []planning.Project{project(1)})
		today := h.today()
		pct := 50
		start := today.AddDays(-10)
		h.update(func(ctx context.Context, tx store.Tx) error {
			e3, err := tx.People().GetByKey(ctx, "E3")
			if err != nil {
				return err
			}
			p1, err := tx.Projects().GetByKey(ctx, "P-1")
			if err != nil {
				return err
			}
			_, err = tx.Assignments().Create(ctx, planning.Assignment{PersonID: e3.ID, ProjectID: p1.ID,
				StartDay: start, EndDay: today.AddDays(30), PercentAllocated: &pct})
			return err
		})
		// E3 left: the people file drops them and the assignments file ends their
		// assignment yesterday. Deactivating E3 ends it today first; the file's
		// end day still wins.
		set := &Set{
			People: items("people.csv", person(1), person(2)),
			Assignments: items("assignments.csv", Assignment{EmployeeID: "E3", ProjectNumber: "P-1", Assignment: planning.Assignment{
				StartDay: start, EndDay: today.AddDays(-1), PercentAllocated: &pct}}),
		}
		pl := h.plan(set, opts(Replace))
		if counted(pl.Assignments) != "0/1/0/0" || pl.People.Deactivations != 1 {
			t.Fatalf("plan: %s", pl.Summary())
		}
		h.apply(pl, false)
		h.view(func(ctx context.Context, tx store.Tx) error {
			for a, err := range tx.Assignments().List(ctx, store.Query{}) {
				if err != nil {
					return err
				}
				if a.EndDay != today.AddDays(-1) {
					t.Errorf("assignment ends %s, want %s", a.EndDay, today.AddDays(-1))
				}
			}
			return nil
		})
		// Running on past today for a person the import makes inactive: refused.
		set.People = items("people.csv", person(1))
		set.Assignments[0].Value.EndDay = today.AddDays(5)
		o := opts(Replace)
		o.HoldAbove = 1
		_, err := MakePlan(context.Background(), h.st, h.company.ID, set, o)
		var inv *InvalidError
		if !errors.As(err, &inv) || inv.Total != 1 || !strings.Contains(inv.Problems[0].Message, `person "E3" is inactive after this import`) {
			t.Fatalf("want the inactive-person problem, got %v", err)
		}
	})
}
