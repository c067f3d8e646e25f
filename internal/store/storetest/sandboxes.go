package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// newSandbox creates a sandbox company of prod (no records in it yet).
func newSandbox(t *testing.T, st store.Store, prod planning.Company) planning.Company {
	t.Helper()
	sb, err := st.CreateCompany(context.Background(), planning.Company{Slug: prod.Slug + "-sandbox", Name: prod.Name + " (sandbox)",
		Timezone: prod.Timezone, SandboxOf: prod.ID}, store.Console("test"))
	must(t, err)
	return sb
}

// fillCompany adds a record of every kind to a company made by newCompany:
// two people, a project with a role, an assignment, time off and a request.
func fillCompany(t *testing.T, st store.Store, c planning.Company) {
	t.Helper()
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		people := []planning.Person{person(1), person(2)}
		if _, err := tx.People().Upsert(ctx, people); err != nil {
			return err
		}
		pr := project(1)
		pr.Roles = []planning.ProjectRole{{PersonID: people[0].ID, JobTitle: "FOR"}}
		pr, err := tx.Projects().Create(ctx, pr)
		if err != nil {
			return err
		}
		pct := 100
		day := planning.MustParseDate("2026-02-02")
		if _, err := tx.Assignments().Create(ctx, planning.Assignment{PersonID: people[1].ID, ProjectID: pr.ID,
			StartDay: day, EndDay: day.AddDays(4), PercentAllocated: &pct}); err != nil {
			return err
		}
		if _, err := tx.TimeOff().Create(ctx, planning.TimeOff{PersonID: people[0].ID, StartDay: day, EndDay: day}); err != nil {
			return err
		}
		_, err = tx.ResourceRequests().Create(ctx, planning.ResourceRequest{ProjectID: pr.ID, JobTitle: "APP", Quantity: 2,
			StartDay: day, EndDay: day.AddDays(9)})
		return err
	})
}

// recordCounts counts a company's records of every kind, in ResetCompanyData's
// order, as "kind=n" words.
func recordCounts(t *testing.T, st store.Store, c planning.Company) string {
	t.Helper()
	var out []string
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		ctx, q := context.Background(), store.Query{}
		counts := []func() (int, error){
			func() (int, error) { return tx.Assignments().Count(ctx, q) },
			func() (int, error) { return tx.TimeOff().Count(ctx, q) },
			func() (int, error) { return tx.ResourceRequests().Count(ctx, q) },
			func() (int, error) { return tx.Projects().Count(ctx, q) },
			func() (int, error) { return tx.People().Count(ctx, q) },
			func() (int, error) { return tx.Tags().Count(ctx, q) },
			func() (int, error) { return tx.JobTitles().Count(ctx, q) },
			func() (int, error) { return tx.Groups().Count(ctx, q) },
		}
		names := []string{"assignment", "time_off", "resource_request", "project", "person", "tag", "job_title", "group"}
		for i, count := range counts {
			n, err := count()
			if err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%s=%d", names[i], n))
		}
		return nil
	}))
	return strings.Join(out, " ")
}

const (
	filledCounts = "assignment=1 time_off=1 resource_request=1 project=1 person=2 tag=1 job_title=2 group=2"
	emptyCounts  = "assignment=0 time_off=0 resource_request=0 project=0 person=0 tag=0 job_title=0 group=0"
)

// foreignTx is a store.Tx the store did not make.
type foreignTx struct{ store.Tx }

func testResetCompanyData(t *testing.T, st store.Store) {
	ctx := context.Background()
	prod := newCompany(t, st)
	fillCompany(t, st, prod)
	sb := newSandbox(t, st, prod)
	update(t, st, sb, func(ctx context.Context, tx store.Tx) error {
		for _, g := range []planning.Group{{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"}, {Name: "Colorado", Code: "CO", Timezone: "America/Denver"}} {
			if _, err := tx.Groups().Create(ctx, g); err != nil {
				return err
			}
		}
		if _, err := tx.JobTitles().Upsert(ctx, []planning.JobTitle{{Name: "Apprentice", Code: "APP", Global: true}, {Name: "Foreman", Code: "FOR", GroupCodes: []string{"KS"}}}); err != nil {
			return err
		}
		_, err := tx.Tags().Upsert(ctx, []planning.Tag{{Name: "OSHA 30", Code: "OSHA30", Global: true}})
		return err
	})
	fillCompany(t, st, sb)
	if got := recordCounts(t, st, sb); got != filledCounts {
		t.Fatalf("sandbox before the reset: %s", got)
	}

	// A production company is refused, and keeps its records.
	err := st.Update(ctx, prod.ID, store.Console("test"), func(tx store.Tx) error { return st.ResetCompanyData(ctx, tx) })
	if err == nil || !strings.Contains(err.Error(), "not a sandbox") {
		t.Fatalf("reset of a production company: want a refusal saying it is not a sandbox, got %v", err)
	}
	// A read-only transaction and a transaction the store did not make are refused.
	err = st.View(ctx, sb.ID, func(tx store.Tx) error { return st.ResetCompanyData(ctx, tx) })
	if !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("reset in a view: want ErrReadOnly, got %v", err)
	}
	err = st.Update(ctx, sb.ID, store.Console("test"), func(tx store.Tx) error { return st.ResetCompanyData(ctx, foreignTx{tx}) })
	if err == nil || !strings.Contains(err.Error(), "not one of this store's") {
		t.Fatalf("reset with a foreign transaction: got %v", err)
	}
	// A reset in a transaction that fails afterwards deletes nothing.
	boom := errors.New("boom")
	err = st.Update(ctx, sb.ID, store.Console("test"), func(tx store.Tx) error {
		if err := st.ResetCompanyData(ctx, tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("rolled back reset: %v", err)
	}
	if got := recordCounts(t, st, sb); got != filledCounts {
		t.Fatalf("sandbox after a rolled-back reset: %s", got)
	}

	// The reset: everything goes, each deletion recorded.
	seq := lastSeq(t, st, sb)
	prodSeq := lastSeq(t, st, prod)
	var before map[string]string // record id -> kind, as stored before the reset
	must(t, st.View(ctx, sb.ID, func(tx store.Tx) error {
		before = map[string]string{}
		for p, err := range tx.People().List(ctx, store.Query{}) {
			if err != nil {
				return err
			}
			before[p.ID] = "person"
		}
		for a, err := range tx.Assignments().List(ctx, store.Query{}) {
			if err != nil {
				return err
			}
			before[a.ID] = "assignment"
		}
		return nil
	}))
	by := store.Actor{Source: planning.SourceSystem, Actor: "sandbox refresh test"}
	must(t, st.Update(ctx, sb.ID, by, func(tx store.Tx) error {
		if err := st.ResetCompanyData(ctx, tx); err != nil {
			return err
		}
		// In the same transaction the deleted codes are gone (nothing stale is
		// remembered), and records can be made again with the same keys.
		p := person(1)
		p.GroupCodes = []string{"KS"}
		p.JobTitle, p.Tags = "", nil
		if _, err := tx.People().Upsert(ctx, []planning.Person{p}); err == nil {
			return errors.New("a person in a deleted group was accepted after the reset")
		}
		if _, err := tx.Groups().Create(ctx, planning.Group{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"}); err != nil {
			return fmt.Errorf("group again after the reset: %w", err)
		}
		_, err := tx.People().Upsert(ctx, []planning.Person{p})
		return err
	}))
	if got, want := recordCounts(t, st, sb), "assignment=0 time_off=0 resource_request=0 project=0 person=1 tag=0 job_title=0 group=1"; got != want {
		t.Fatalf("sandbox after the reset and one new group and person: %s, want %s", got, want)
	}
	if got := recordCounts(t, st, prod); got != filledCounts {
		t.Fatalf("production after the sandbox's reset: %s", got)
	}
	if lastSeq(t, st, prod) != prodSeq {
		t.Fatal("the sandbox's reset wrote to the production company's change history")
	}

	var kinds []string
	var txID string
	deleted := map[string]bool{}
	for _, ch := range changes(t, st, sb, seq) {
		if ch.Operation != store.OpDelete {
			continue
		}
		if txID == "" {
			txID = ch.TxID
		}
		if ch.TxID != txID || ch.Source != planning.SourceSystem || ch.Actor != "sandbox refresh test" || ch.After != nil || len(ch.Before) == 0 {
			t.Fatalf("deletion entry %+v: want one transaction, source system, the actor, a before and no after", ch)
		}
		if ch.CompanyID != sb.ID || ch.At.IsZero() || ch.Version < 2 {
			t.Fatalf("deletion entry %+v: company, time or version wrong", ch)
		}
		if k, ok := before[ch.EntityID]; ok && k != string(ch.Entity) {
			t.Fatalf("deletion of %s recorded as %s", k, ch.Entity)
		}
		if ch.Entity == planning.KindPerson && ch.EntityKey == "" {
			t.Fatalf("person deletion without its employee id: %+v", ch)
		}
		deleted[ch.EntityID] = true
		if len(kinds) == 0 || kinds[len(kinds)-1] != string(ch.Entity) {
			kinds = append(kinds, string(ch.Entity))
		}
	}
	if got, want := strings.Join(kinds, ","), "assignment,time_off,resource_request,project,person,tag,job_title,group"; got != want {
		t.Fatalf("deletions recorded in the order %s, want %s", got, want)
	}
	if len(deleted) != 11 {
		t.Fatalf("%d deletions recorded, want 11 (one per record)", len(deleted))
	}
	for id := range before {
		if !deleted[id] {
			t.Fatalf("record %s (%s) deleted without a history entry", id, before[id])
		}
	}

	// Outside a reset, people and projects are still never deleted.
	err = st.Update(ctx, sb.ID, store.Console("test"), func(tx store.Tx) error {
		for p, err := range tx.People().List(ctx, store.Query{}) {
			if err != nil {
				return err
			}
			return tx.People().Delete(ctx, p.ID)
		}
		return errors.New("no person")
	})
	if !errors.Is(err, store.ErrNotDeletable) {
		t.Fatalf("deleting a sandbox person outside a reset: want ErrNotDeletable, got %v", err)
	}
}

func testSandboxSettings(t *testing.T, st store.Store) {
	ctx := context.Background()
	prod := newCompany(t, st)
	sb := newSandbox(t, st, prod)
	if _, err := st.Sandbox(ctx, sb.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("settings of a sandbox never saved: want ErrNotFound, got %v", err)
	}
	if _, err := st.Sandbox(ctx, "not-an-id"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("settings by a malformed id: want ErrNotFound, got %v", err)
	}
	// Only a sandbox company, of the production company it names.
	if err := st.SaveSandbox(ctx, store.Sandbox{SandboxID: prod.ID, ProductionID: sb.ID, Refresh: "monthly"}, store.Console("test")); err == nil ||
		!strings.Contains(err.Error(), "not a sandbox") {
		t.Fatalf("saving a production company as a sandbox: %v", err)
	}
	other := newCompany(t, st)
	if err := st.SaveSandbox(ctx, store.Sandbox{SandboxID: sb.ID, ProductionID: other.ID, Refresh: "monthly"}, store.Console("test")); err == nil {
		t.Fatal("a sandbox saved as mirroring a company other than its SandboxOf")
	}
	if err := st.SaveSandbox(ctx, store.Sandbox{SandboxID: sb.ID, ProductionID: prod.ID}, store.Console("test")); err == nil {
		t.Fatal("a sandbox saved without a refresh setting")
	}

	seq := lastSeq(t, st, sb)
	must(t, st.SaveSandbox(ctx, store.Sandbox{SandboxID: sb.ID, ProductionID: prod.ID, Refresh: "monthly"}, store.Console("test")))
	got, err := st.Sandbox(ctx, sb.ID)
	must(t, err)
	if got.SandboxID != sb.ID || got.ProductionID != prod.ID || got.Refresh != "monthly" || !got.LastRefreshAt.IsZero() ||
		got.LastRefreshError != "" || got.CreatedAt.IsZero() {
		t.Fatalf("saved sandbox = %+v", got)
	}
	created := got.CreatedAt

	at := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	got.Refresh, got.LastRefreshAt, got.LastRefreshError = "cron: 0 4 * * 1", at, "copy people: boom"
	got.CreatedAt = time.Time{} // kept as first saved
	must(t, st.SaveSandbox(ctx, got, store.Console("test")))
	again, err := st.Sandbox(ctx, sb.ID)
	must(t, err)
	if again.Refresh != "cron: 0 4 * * 1" || !again.LastRefreshAt.Equal(at) || again.LastRefreshError != "copy people: boom" || !again.CreatedAt.Equal(created) {
		t.Fatalf("updated sandbox = %+v (created %v)", again, created)
	}
	// Saving the same settings again records nothing.
	must(t, st.SaveSandbox(ctx, again, store.Console("test")))
	var ops []string
	for _, ch := range changes(t, st, sb, seq) {
		ops = append(ops, string(ch.Entity)+" "+string(ch.Operation))
	}
	if strings.Join(ops, ", ") != "sandbox create, sandbox update" {
		t.Fatalf("history of the sandbox's settings = %v", ops)
	}

	sb2 := newSandbox(t, st, other)
	must(t, st.SaveSandbox(ctx, store.Sandbox{SandboxID: sb2.ID, Refresh: "off"}, store.Console("test")))
	all, err := st.Sandboxes(ctx)
	must(t, err)
	found := map[string]store.Sandbox{}
	for _, s := range all {
		found[s.SandboxID] = s
	}
	if found[sb.ID].Refresh != "cron: 0 4 * * 1" || found[sb2.ID].ProductionID != other.ID || found[sb2.ID].Refresh != "off" {
		t.Fatalf("Sandboxes() = %+v", all)
	}
	if _, ok := found[prod.ID]; ok {
		t.Fatal("Sandboxes() lists a production company")
	}
}
