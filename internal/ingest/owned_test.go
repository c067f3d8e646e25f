package ingest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// syncOpts is a QuickConnect-like merge owning some fields of people.
func syncOpts(people ...string) Options {
	return Options{Mode: Merge, Source: planning.SourceQuickConnect, Actor: "hr-db",
		Owned: map[planning.Kind][]string{planning.KindPerson: people}}
}

func TestOwnedFieldsKeepTheHubsEdits(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		e1, e2 := person(1), person(2)
		e1.Custom = planning.CustomFields{"cost_center": "CC-1", "shirt_size": "L"}
		h.seed([]planning.Person{e1, e2}, nil)
		// A planner edits E1 in the hub: a manual override field (union, job
		// title) and an owned one (last name), and makes E2 inactive.
		e1 = h.person("E1")
		e1.Union, e1.JobTitle, e1.LastName = "Local 9", "FOR", "Hubname"
		e2 = h.person("E2")
		e2.Status = planning.StatusInactive
		h.seed([]planning.Person{e1, e2}, nil)

		// The source: E1 with a new wage and cost center, and other values for
		// fields the sync does not own; E2 as it was (active, other union); E3 new.
		in1, in2, in3 := person(1), person(2), person(3)
		in1.HourlyWage, in1.Union = planning.DecimalPtr("33.00"), "Local 1"
		in1.Custom = planning.CustomFields{"cost_center": "CC-2", "shirt_size": "S"}
		in2.Union = "Local 2"
		in2.JobTitle = "NOPE" // not owned: not checked for a record that exists
		in3.Union = "Local 3"
		set := func() *Set { return &Set{People: items("people.csv", in1, in2, in3)} }
		o := syncOpts("first_name", "last_name", "hourly_wage", "group_codes", "email", "custom.cost_center")
		pl := h.plan(set(), o)
		if got := counted(pl.People); got != "1/1/0/1" {
			t.Fatalf("people %s: %s", got, pl.Summary())
		}
		var upd Change
		for _, c := range pl.People.Changes {
			if c.Op == OpUpdate {
				upd = c
			}
		}
		want := []FieldChange{{"last_name", "Hubname", "Worker1"}, {"hourly_wage", "31.5", "33"},
			{"custom", `{"cost_center":"CC-1","shirt_size":"L"}`, `{"cost_center":"CC-2","shirt_size":"L"}`}}
		if upd.Key != "E1" || !slices.Equal(upd.Fields, want) {
			t.Fatalf("update = %+v,\nwant E1 with %v", upd, want)
		}
		h.apply(pl, false)
		got := h.person("E1")
		if got.Union != "Local 9" || got.JobTitle != "FOR" || got.LastName != "Worker1" || got.HourlyWage.String() != "33" ||
			!maps.Equal(got.Custom, planning.CustomFields{"cost_center": "CC-2", "shirt_size": "L"}) {
			t.Errorf("E1 after the sync: %+v", got)
		}
		if got := h.person("E2"); got.Status != planning.StatusInactive || got.Union != "" || got.Version != 2 {
			t.Errorf("E2 after the sync: %s, union %q, v%d", got.Status, got.Union, got.Version)
		}
		if got := h.person("E3"); got.Union != "Local 3" || got.Status != planning.StatusActive {
			t.Errorf("E3 was created without all its fields: %+v", got)
		}
		// The next sync of the same source changes nothing.
		if again := h.plan(set(), o); !again.Empty() || again.People.Unchanged != 3 {
			t.Fatalf("second sync: %s", again.Summary())
		}
		// Owning every field (no Owned) would undo the planner's edits.
		in2.JobTitle = "APP"
		all := h.plan(&Set{People: items("people.csv", in1, in2)}, opts(Merge))
		if got := counted(all.People); got != "0/2/0/0" {
			t.Errorf("without owned fields: %s", got)
		}
	})
}

func TestOwnedFieldsAndUniqueValues(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2), nil)
		// E1's source email is E2's: not owned, so not written and no clash.
		in1 := person(1)
		in1.Email = person(2).Email
		pl := h.plan(&Set{People: items("people.csv", in1, person(2))}, syncOpts("first_name", "last_name"))
		if !pl.Empty() {
			t.Fatalf("plan: %s", pl.Summary())
		}
		// A new person taking E1's email: E1 keeps it, even though the source
		// gives E1 another, since the sync does not own emails.
		in1.Email = "new1@example.com"
		in3 := person(3)
		in3.Email = person(1).Email
		_, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{People: items("people.csv", in1, in3)}, syncOpts("last_name"))
		var inv *InvalidError
		if !errors.As(err, &inv) || inv.Total != 1 || inv.Problems[0].Key != "E3" || inv.Problems[0].Field != "email" ||
			!strings.Contains(inv.Problems[0].Message, "who keeps it (this import does not own their email)") {
			t.Fatalf("want E3's email clash, got %v", err)
		}
		// Owning emails, the same set moves the email.
		if _, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{People: items("people.csv", in1, in3)}, syncOpts("email")); err != nil {
			t.Fatalf("owning emails: %v", err)
		}
		// The hub's values must go with the owned ones: E2 made a user without
		// an email of their own.
		h.update(func(ctx context.Context, tx store.Tx) error {
			e2, err := tx.People().GetByKey(ctx, "E2")
			e2.Email = ""
			if err == nil {
				_, err = tx.People().Update(ctx, e2)
			}
			return err
		})
		in2 := person(2)
		in2.IsUser = true
		_, err = MakePlan(context.Background(), h.st, h.company.ID, &Set{People: items("people.csv", in2)}, syncOpts("is_user"))
		if !errors.As(err, &inv) || inv.Total != 1 || inv.Problems[0].Field != "email" ||
			!strings.Contains(inv.Problems[0].Message, "with the hub's values of the fields this import does not own") {
			t.Fatalf("want E2's missing email, got %v", err)
		}
	})
}

func TestOwnedProjectFieldsKeepRolesAndReplaceSomeKinds(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2), nil)
		e1 := h.person("E1").ID
		p1, p2 := project(1), project(2)
		p1.Roles = []planning.ProjectRole{{PersonID: e1, JobTitle: "FOR"}}
		p2.Roles = []planning.ProjectRole{{PersonID: e1, JobTitle: "APP"}}
		h.seed(nil, []planning.Project{p1, p2, project(3)})
		// The source renames P-1 and knows nothing of roles; P-2 is gone from
		// it; E2 is gone from the people, who are merged.
		in1 := project(1)
		in1.Name, in1.Stage = "Riverside", "bidding"
		o := Options{Mode: Replace, Source: planning.SourceQuickConnect, ReplaceKinds: []planning.Kind{planning.KindProject},
			Owned: map[planning.Kind][]string{planning.KindProject: {"name", "status", "group_codes"}}}
		pl := h.plan(&Set{People: items("people.csv", person(1)), Projects: items("projects.csv", in1, project(3))}, o)
		if counted(pl.Projects) != "0/1/1/1" || counted(pl.People) != "0/0/0/1" || pl.Held() {
			t.Fatalf("plan: %s", pl.Summary())
		}
		if c := pl.Projects.Changes[0]; !slices.Equal(c.Fields, []FieldChange{{"name", "Project 1", "Riverside"}}) {
			t.Errorf("P-1 change: %+v", c)
		}
		h.apply(pl, false)
		got1, got2 := h.project("P-1"), h.project("P-2")
		if got1.Name != "Riverside" || got1.Stage != "" || len(got1.Roles) != 1 || got1.Roles[0].PersonID != e1 {
			t.Errorf("P-1 after the sync: %+v", got1)
		}
		if got2.Status != planning.StatusInactive || len(got2.Roles) != 1 || got2.Roles[0].PersonID != e1 {
			t.Errorf("P-2 after the sync: %+v", got2)
		}
		if got := h.person("E2"); got.Status != planning.StatusActive {
			t.Errorf("E2 was deactivated though only projects are replaced: %s", got.Status)
		}
		// Owning the roles, the source's roles (by employee_id) are written.
		in1.Roles = []planning.ProjectRole{{PersonID: "E2", JobTitle: "FOR"}}
		o.Owned[planning.KindProject] = append(o.Owned[planning.KindProject], "roles")
		h.apply(h.plan(&Set{Projects: items("projects.csv", in1, project(3))}, o), false)
		if got := h.project("P-1"); len(got.Roles) != 1 || got.Roles[0].PersonID != h.person("E2").ID {
			t.Errorf("P-1's roles: %+v", got.Roles)
		}
	})
}

func TestOwnedFieldsMustBeKnown(t *testing.T) {
	h := newHub(t, openStore(t, "sqlite://"+t.TempDir()+"/hub.db"), "", "")
	o := opts(Merge)
	o.Owned = map[planning.Kind][]string{
		planning.KindPerson:     {"first_name", "frist_name", " hourly_wage ", "custom.", "id"},
		planning.KindProject:    {"nme"},
		planning.KindJobTitle:   {"hourly_rate"},
		planning.KindAssignment: {"end_day"},
	}
	_, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{}, o)
	for _, want := range []string{
		`"assignment" cannot own fields (groups, job titles, tags, people and projects can)`,
		`"frist_name", "custom.", "id" are not fields of a person; the fields are address_1, address_2, can_receive_email,`,
		`custom, date_of_birth,`, `, custom.<name>`,
		`"nme" is not a field of a project`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\ndoes not say %q", err, want)
		}
	}
	if err != nil && (strings.Contains(err.Error(), `"hourly_rate"`) || strings.Contains(err.Error(), `hourly_wage"`)) {
		t.Errorf("known fields reported: %v", err)
	}
	o = opts(Replace)
	o.ReplaceKinds = []planning.Kind{planning.KindGroup}
	if _, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{}, o); err == nil || !strings.Contains(err.Error(), `only people and projects can be replaced, not "group"`) {
		t.Errorf("replacing groups: %v", err)
	}
	// Fields of embedded structs and every kind that can own fields.
	o = opts(Merge)
	o.Owned = map[planning.Kind][]string{planning.KindPerson: {"city", "custom", "tags"}, planning.KindGroup: {"timezone", "postal_code"},
		planning.KindTag: {"name"}, planning.KindProject: {"custom.cost_center", "daily_start_time"}}
	if _, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{}, o); err != nil {
		t.Errorf("known fields refused: %v", err)
	}
}
