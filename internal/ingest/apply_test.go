package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func TestApplyIsAllOrNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1, 2, 3), []planning.Project{project(1)})
		pct := 100
		set := func() *Set {
			e1 := person(1)
			e1.LastName = "Changed"
			return &Set{
				Groups:   items("groups.csv", planning.Group{Name: "Texas", Code: "TX", Timezone: "America/Chicago"}),
				People:   items("people.csv", e1, person(2), person(4)),
				Projects: items("projects.csv", project(1), project(2)),
				Assignments: items("assignments.csv", Assignment{EmployeeID: "E4", ProjectNumber: "P-2", Assignment: planning.Assignment{
					StartDay: planning.MustParseDate("2026-01-05"), EndDay: planning.MustParseDate("2026-01-09"), PercentAllocated: &pct}}),
			}
		}
		before, seq := h.counts(), h.seq()
		// 1. A failure after people and projects are written.
		pl := h.plan(set(), opts(Replace))
		applyHook = func(k planning.Kind) error {
			if k == planning.KindAssignment {
				return errors.New("injected failure")
			}
			return nil
		}
		_, err := Apply(context.Background(), h.st, pl, ApplyOptions{})
		applyHook = nil
		if err == nil || !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("apply with a failure: %v", err)
		}
		if got := h.counts(); got != before || h.seq() != seq {
			t.Fatalf("counts %s -> %s, seq %d -> %d after a failed apply", before, got, seq, h.seq())
		}
		if p := h.person("E1"); p.LastName != "Worker1" || p.Status != planning.StatusActive {
			t.Fatalf("E1 changed by a failed apply: %+v", p)
		}
		// 2. A record the database refuses: a row written behind the store's back
		// (no history, so the plan is not stale) takes E4's email; the people are
		// refused after the groups were written.
		sneak := uuid.NewString()
		ts := "2026-01-01T00:00:00.000000Z"
		h.exec(`INSERT INTO people (id, company_id, employee_id, status, email, version, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`,
			sneak, h.company.ID, "SNEAK", "active", person(4).Email, ts, ts,
			fmt.Sprintf(`{"id":%q,"first_name":"Sneaky","last_name":"Row","status":"active","group_codes":["KS"],"employee_id":"SNEAK","email":%q}`, sneak, person(4).Email))
		mid := h.counts()
		_, err = Apply(context.Background(), h.st, pl, ApplyOptions{})
		if err == nil || !strings.Contains(err.Error(), "pat4@example.com") {
			t.Fatalf("apply against a conflicting row: %v", err)
		}
		if got := h.counts(); got != mid || h.seq() != seq {
			t.Fatalf("counts %s -> %s after a refused apply", mid, got)
		}
		h.view(func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Groups().GetByKey(ctx, "TX"); err == nil {
				t.Error("group TX was written by a failed apply")
			}
			return nil
		})
		h.exec(`DELETE FROM people WHERE id = ?`, sneak)
		// 3. The same plan, applied once nothing stands in the way.
		h.apply(pl, false)
		if p := h.person("E3"); p.Status != planning.StatusInactive {
			t.Errorf("E3 is %s", p.Status)
		}
	})
}

func TestStalePlanIsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *hub) {
		h.seed(people(1), nil)
		e1 := person(1)
		e1.Union = "Local 1"
		set := &Set{People: items("people.csv", e1)}
		pl := h.plan(set, opts(Merge))
		other := person(1)
		other.LastName = "Elsewhere"
		h.seed([]planning.Person{other}, nil)
		_, err := Apply(context.Background(), h.st, pl, ApplyOptions{})
		if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "plan again") {
			t.Fatalf("stale apply: %v", err)
		}
		if p := h.person("E1"); p.Union != "" || p.LastName != "Elsewhere" {
			t.Fatalf("stale plan wrote: %+v", p)
		}
		// Run plans again when the hub moved on between its plan and apply.
		pl, res, err := Run(context.Background(), h.st, h.company.Slug, set, opts(Merge))
		if err != nil || res.Seq <= pl.BaseSeq {
			t.Fatalf("run: %v (%+v)", err, res)
		}
		if p := h.person("E1"); p.Union != "Local 1" || p.LastName != "Worker1" {
			t.Fatalf("after run: %+v", p)
		}
	})
}

func TestDryRunAndOptions(t *testing.T) {
	h := newHub(t, openStore(t, "sqlite://"+t.TempDir()+"/hub.db"), "", "")
	seq := h.seq()
	o := opts(Replace)
	o.DryRun = true
	pl, _, err := Run(context.Background(), h.st, h.company.ID, &Set{People: items("people.csv", person(1))}, o)
	if err != nil || pl.People.Creates != 1 || h.seq() != seq {
		t.Fatalf("dry run: %v, %+v", err, pl)
	}
	for _, bad := range []Options{{Source: "ftp"}, {Source: planning.SourceImport, Mode: "snapshot"}, {Source: planning.SourceImport, HoldAbove: -1}} {
		if _, err := MakePlan(context.Background(), h.st, h.company.ID, &Set{}, bad); err == nil {
			t.Errorf("options %+v accepted", bad)
		}
	}
	if _, err := MakePlan(context.Background(), h.st, "no-such-company", &Set{}, opts(Merge)); err == nil {
		t.Error("unknown company accepted")
	}
	// Details are capped; counts are not.
	var ps []planning.Person
	for n := range 30 {
		ps = append(ps, person(n))
	}
	o = opts(Merge)
	o.MaxDetails = 10
	pl = h.plan(&Set{People: items("people.csv", ps...)}, o)
	if pl.People.Creates != 30 || len(pl.People.Changes) != 10 || pl.People.Omitted != 20 {
		t.Fatalf("capped details: %d creates, %d listed, %d omitted", pl.People.Creates, len(pl.People.Changes), pl.People.Omitted)
	}
}
