// Package storetest is the conformance suite every store.Store backend must pass.
// Each backend's tests call Run with a function that opens a fresh, empty store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Opener returns a new, empty, migrated store; the test cleans it up.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against stores from open.
func Run(t *testing.T, open Opener) {
	st := open(t)
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"Companies", testCompanies},
		{"UsersAndMemberships", testUsersAndMemberships},
		{"UpsertPeople", testUpsertPeople},
		{"InvalidBatchWritesNothing", testInvalidBatchWritesNothing},
		{"References", testReferences},
		{"UniqueEmailAndPhone", testUniqueEmailAndPhone},
		{"UniqueValueMovesWithinBatch", testUniqueValueMoves},
		{"OptimisticConcurrency", testOptimisticConcurrency},
		{"DeactivationEndsAssignments", testDeactivationEndsAssignments},
		{"DeleteAndInUse", testDeleteAndInUse},
		{"ProjectDefaults", testProjectDefaults},
		{"HistoryIsComplete", testHistoryIsComplete},
		{"RollbackWritesNothing", testRollback},
		{"ListFilters", testListFilters},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"CompaniesAreIsolated", testIsolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, st) })
	}
}

var seq int

// newCompany creates a company with a unique slug, two groups, job titles and tags.
func newCompany(t *testing.T, st store.Store) planning.Company {
	t.Helper()
	ctx := context.Background()
	seq++
	slug := fmt.Sprintf("co-%d-%d", time.Now().UnixNano()%1e6, seq)
	c, err := st.CreateCompany(ctx, planning.Company{Slug: slug, Name: "Company " + slug, Timezone: "America/Chicago"}, store.Console("test"))
	if err != nil {
		t.Fatalf("create company: %v", err)
	}
	must(t, st.Update(ctx, c.ID, store.Console("test"), func(tx store.Tx) error {
		if _, err := tx.Groups().Upsert(ctx, []planning.Group{
			{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"},
			{Name: "Colorado", Code: "CO", Timezone: "America/Denver"},
		}); err != nil {
			return err
		}
		if _, err := tx.JobTitles().Upsert(ctx, []planning.JobTitle{
			{Name: "Apprentice", Code: "APP", Global: true},
			{Name: "Foreman", Code: "FOR", GroupCodes: []string{"KS"}},
		}); err != nil {
			return err
		}
		_, err := tx.Tags().Upsert(ctx, []planning.Tag{{Name: "OSHA 30", Code: "OSHA30", Global: true}})
		return err
	}))
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func person(n int) planning.Person {
	return planning.Person{
		FirstName: "Pat", LastName: fmt.Sprintf("Worker%d", n), EmployeeID: fmt.Sprintf("E%05d", n),
		GroupCodes: []string{"KS"}, JobTitle: "APP", IsAssignable: true,
		Email: fmt.Sprintf("pat%d@example.com", n), MobilePhone: fmt.Sprintf("+1312555%04d", n),
		HourlyWage: planning.DecimalPtr("31.50"), HiredDate: planning.MustParseDate("2020-03-01"),
		Tags: []planning.PersonTag{{Code: "OSHA30", Expires: planning.MustParseDate("2027-01-31")}},
	}
}

func project(n int) planning.Project {
	return planning.Project{
		Name: fmt.Sprintf("Project %d", n), ProjectNumber: fmt.Sprintf("P-%03d", n), GroupCodes: []string{"CO", "KS"},
		StartDate: planning.MustParseDate("2026-01-05"), Categories: []planning.Category{{Name: "Level 1", Subcategories: []string{"East"}}},
	}
}

// update runs fn in a write transaction and fails the test on error.
func update(t *testing.T, st store.Store, c planning.Company, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	must(t, st.Update(ctx, c.ID, store.Console("test"), func(tx store.Tx) error { return fn(ctx, tx) }))
}

func changes(t *testing.T, st store.Store, c planning.Company, after int64) []store.Change {
	t.Helper()
	var out []store.Change
	for ch, err := range st.Changes(context.Background(), c.ID, after, 0) {
		must(t, err)
		out = append(out, ch)
	}
	return out
}

func lastSeq(t *testing.T, st store.Store, c planning.Company) int64 {
	t.Helper()
	all := changes(t, st, c, 0)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

func countPeople(t *testing.T, st store.Store, c planning.Company) int {
	t.Helper()
	var n int
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		var err error
		n, err = tx.People().Count(context.Background(), store.Query{})
		return err
	}))
	return n
}

func invalidFields(t *testing.T, err error) map[string]string {
	t.Helper()
	var inv *planning.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("want *planning.InvalidError, got %T: %v", err, err)
	}
	out := map[string]string{}
	for _, r := range inv.Records {
		for _, fe := range r.Errors {
			out[fmt.Sprintf("%d:%s", r.Index, fe.Field)] = fe.Message
		}
	}
	return out
}

func testCompanies(t *testing.T, st store.Store) {
	ctx := context.Background()
	c := newCompany(t, st)
	got, err := st.Company(ctx, c.Slug)
	must(t, err)
	if got.ID != c.ID || got.Name != c.Name || got.Timezone != "America/Chicago" || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("Company(slug) = %+v, want %+v", got, c)
	}
	if byID, err := st.Company(ctx, c.ID); err != nil || byID.Slug != c.Slug {
		t.Fatalf("Company(id) = %+v, %v", byID, err)
	}
	_, err = st.CreateCompany(ctx, planning.Company{Slug: c.Slug, Name: "Other", Timezone: "UTC"}, store.Console("test"))
	var clash *store.KeyClashError
	if !errors.As(err, &clash) || !strings.Contains(err.Error(), c.Name) {
		t.Fatalf("duplicate slug: want KeyClashError naming %q, got %v", c.Name, err)
	}
	_, err = st.CreateCompany(ctx, planning.Company{Slug: "Bad Slug!", Timezone: "Mars/Base"}, store.Console("test"))
	f := invalidFields(t, err)
	for _, want := range []string{"0:name", "0:slug", "0:timezone"} {
		if f[want] == "" {
			t.Errorf("invalid company: no error for %s in %v", want, f)
		}
	}
	if _, err := st.Company(ctx, "no-such-company"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing company: want ErrNotFound, got %v", err)
	}
	must(t, st.SetHubManaged(ctx, c.ID, true, store.Console("test")))
	if got, _ := st.Company(ctx, c.ID); !got.HubManaged {
		t.Fatal("SetHubManaged(true) did not stick")
	}
	list, err := st.Companies(ctx)
	must(t, err)
	found := false
	for _, x := range list {
		found = found || x.ID == c.ID
	}
	if !found {
		t.Fatalf("Companies() does not list %s", c.Slug)
	}
}

func testUsersAndMemberships(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := newCompany(t, st), newCompany(t, st)
	email := fmt.Sprintf("Planner%d@Example.com", time.Now().UnixNano())
	u, err := st.CreateUser(ctx, planning.User{Email: email, Name: "Pat Planner"}, store.Console("test"))
	must(t, err)
	if u.Email != strings.ToLower(email) {
		t.Fatalf("email not normalized: %q", u.Email)
	}
	if _, err := st.CreateUser(ctx, planning.User{Email: email, Name: "Again"}, store.Console("test")); !strings.Contains(fmt.Sprint(err), "Pat Planner") {
		t.Fatalf("duplicate email: want error naming the holder, got %v", err)
	}
	got, err := st.User(ctx, email)
	must(t, err)
	if got.ID != u.ID {
		t.Fatalf("User(email) = %+v", got)
	}
	must(t, st.SetMembership(ctx, planning.Membership{UserID: u.ID, CompanyID: a.ID, Permission: planning.PermissionAdmin}, store.Console("test")))
	must(t, st.SetMembership(ctx, planning.Membership{UserID: u.ID, CompanyID: b.ID, Permission: planning.PermissionViewer}, store.Console("test")))
	must(t, st.SetMembership(ctx, planning.Membership{UserID: u.ID, CompanyID: b.ID, Permission: planning.PermissionEditor}, store.Console("test")))
	ms, err := st.Memberships(ctx, u.ID)
	must(t, err)
	perm := map[string]planning.Permission{}
	for _, m := range ms {
		perm[m.CompanyID] = m.Permission
	}
	if len(ms) != 2 || perm[a.ID] != planning.PermissionAdmin || perm[b.ID] != planning.PermissionEditor {
		t.Fatalf("memberships = %+v", ms)
	}
	err = st.SetMembership(ctx, planning.Membership{UserID: u.ID, CompanyID: a.ID, Permission: "owner"}, store.Console("test"))
	if f := invalidFields(t, err); f["0:permission"] == "" {
		t.Fatalf("bad permission: %v", f)
	}
	must(t, st.RemoveMembership(ctx, u.ID, a.ID, store.Console("test")))
	if ms, _ := st.Memberships(ctx, u.ID); len(ms) != 1 {
		t.Fatalf("after removal: %+v", ms)
	}
	// Membership changes are in the company's history.
	var ops []string
	for _, ch := range changes(t, st, b, 0) {
		if ch.Entity == planning.KindMembership {
			ops = append(ops, string(ch.Operation))
		}
	}
	if strings.Join(ops, ",") != "create,update" {
		t.Fatalf("membership history in company b = %v, want create,update", ops)
	}
}

func testUpsertPeople(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	var people []planning.Person
	for i := range 25 {
		people = append(people, person(i))
	}
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, people)
		if err != nil {
			return err
		}
		if res != (store.UpsertResult{Created: 25}) {
			t.Errorf("first upsert: %+v", res)
		}
		return nil
	})
	if people[0].ID == "" || people[0].Version != 1 || people[0].CreatedAt.IsZero() {
		t.Fatalf("Upsert did not fill Meta: %+v", people[0].Meta)
	}
	firstID := people[0].ID
	// Same data again (fresh values, no ids): nothing changes.
	again := make([]planning.Person, 25)
	for i := range again {
		again[i] = person(i)
	}
	again[3].HourlyWage = planning.DecimalPtr("33")
	again[4].Tags = nil
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, again)
		if err != nil {
			return err
		}
		if res != (store.UpsertResult{Updated: 2, Unchanged: 23}) {
			t.Errorf("second upsert: %+v", res)
		}
		return nil
	})
	if again[0].ID != firstID || again[0].Version != 1 {
		t.Fatalf("unchanged record got new meta: %+v", again[0].Meta)
	}
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		p, err := tx.People().GetByKey(context.Background(), "E00003")
		if err != nil {
			return err
		}
		if p.Version != 2 || p.HourlyWage.String() != "33" || !p.UpdatedAt.After(p.CreatedAt) && !p.UpdatedAt.Equal(p.CreatedAt) {
			t.Errorf("updated person: version %d wage %s", p.Version, p.HourlyWage)
		}
		if p.Tags[0].Expires.String() != "2027-01-31" || p.HiredDate.String() != "2020-03-01" {
			t.Errorf("round trip lost dates: %+v", p)
		}
		return nil
	}))
	if n := countPeople(t, st, c); n != 25 {
		t.Fatalf("count = %d", n)
	}
}

func testInvalidBatchWritesNothing(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	before := lastSeq(t, st, c)
	good, bad1, bad2 := person(1), person(2), person(3)
	bad1.FirstName = ""
	bad1.MobilePhone = "555-1234"
	bad2.IsUser, bad2.Email = true, ""
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{good, bad1, bad2})
		return err
	})
	f := invalidFields(t, err)
	for _, want := range []string{"1:first_name", "1:mobile_phone", "2:email"} {
		if f[want] == "" {
			t.Errorf("missing error %s; got %v", want, f)
		}
	}
	if len(f) != 3 {
		t.Errorf("want exactly 3 problems, got %v", f)
	}
	if !strings.Contains(err.Error(), `"E00002"`) {
		t.Errorf("error does not name the record: %v", err)
	}
	if n := countPeople(t, st, c); n != 0 {
		t.Fatalf("invalid batch wrote %d people", n)
	}
	if after := lastSeq(t, st, c); after != before {
		t.Fatalf("invalid batch wrote history (%d -> %d)", before, after)
	}
}

func testReferences(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	p := person(1)
	p.JobTitle = "NOPE"
	p.GroupCodes = []string{"KS", "TX"}
	p.Tags = []planning.PersonTag{{Code: "FORKLIFT"}}
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{p})
		return err
	})
	f := invalidFields(t, err)
	if !strings.Contains(f["0:job_title"], `no job title with code "NOPE"`) || !strings.Contains(f["0:group_codes[1]"], `"TX"`) ||
		!strings.Contains(f["0:tags[0]"], "FORKLIFT") {
		t.Fatalf("reference errors = %v", f)
	}
	// An assignment to a person who does not exist.
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		pct := 100
		_, err := tx.Assignments().Create(context.Background(), planning.Assignment{
			PersonID: "0190c1a2-0000-7000-8000-000000000000", ProjectID: "not-a-uuid",
			StartDay: planning.MustParseDate("2026-01-01"), EndDay: planning.MustParseDate("2026-01-02"), PercentAllocated: &pct})
		return err
	})
	f = invalidFields(t, err)
	if f["0:person_id"] == "" || f["0:project_id"] == "" {
		t.Fatalf("assignment reference errors = %v", f)
	}
}

func testUniqueEmailAndPhone(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1), person(2)})
		return err
	})
	// Create with another's email: a KeyClashError naming the holder.
	p := person(3)
	p.Email = "PAT1@example.com"
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Create(context.Background(), p)
		return err
	})
	var clash *store.KeyClashError
	if !errors.As(err, &clash) || clash.Field != "email" || !strings.Contains(err.Error(), "Pat Worker1 (E00001)") {
		t.Fatalf("email clash: want KeyClashError naming Pat Worker1 (E00001), got %v", err)
	}
	// Create with an existing employee id.
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Create(context.Background(), person(2))
		return err
	})
	if !errors.As(err, &clash) || clash.Field != "employee_id" {
		t.Fatalf("employee id clash: got %v", err)
	}
	// In a batch: all clashes at once, against the store and within the batch.
	q, r := person(4), person(5)
	q.MobilePhone = person(2).MobilePhone
	r.Email = q.Email
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{q, r})
		return err
	})
	f := invalidFields(t, err)
	if !strings.Contains(f["0:mobile_phone"], "E00002") || !strings.Contains(f["1:email"], "record #1 of this batch") {
		t.Fatalf("batch clashes = %v", f)
	}
}

func testUniqueValueMoves(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1), person(2)})
		return err
	})
	// Swap the two people's emails in one batch: allowed, the end state is unique.
	a, b := person(1), person(2)
	a.Email, b.Email = b.Email, a.Email
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, []planning.Person{a, b})
		if err == nil && res.Updated != 2 {
			t.Errorf("swap: %+v", res)
		}
		return err
	})
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		p, err := tx.People().GetByKey(context.Background(), "E00001")
		if err == nil && p.Email != "pat2@example.com" {
			t.Errorf("after swap E00001 has %q", p.Email)
		}
		return err
	}))
}

func testOptimisticConcurrency(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	var p planning.Person
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		var err error
		p, err = tx.People().Create(ctx, person(1))
		return err
	})
	first := p
	first.LastName = "Changed"
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		got, err := tx.People().Update(ctx, first)
		if err == nil && got.Version != 2 {
			t.Errorf("version after update = %d", got.Version)
		}
		return err
	})
	stale := p // still version 1
	stale.FirstName = "Stale"
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Update(context.Background(), stale)
		return err
	})
	var conflict *store.ConflictError
	if !errors.As(err, &conflict) || conflict.Have != 2 || conflict.Want != 1 {
		t.Fatalf("stale update: want ConflictError(have 2, want 1), got %v", err)
	}
	// Version 0 means "whatever is stored": last writer wins.
	stale.Version = 0
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Update(ctx, stale)
		return err
	})
	if _, err := getPerson(t, st, c, "E00001"); err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		ghost := person(9)
		ghost.ID = "0190c1a2-0000-7000-8000-000000000009"
		_, err := tx.People().Update(context.Background(), ghost)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of missing record: %v", err)
	}
}

func getPerson(t *testing.T, st store.Store, c planning.Company, key string) (planning.Person, error) {
	var p planning.Person
	err := st.View(context.Background(), c.ID, func(tx store.Tx) error {
		var err error
		p, err = tx.People().GetByKey(context.Background(), key)
		return err
	})
	return p, err
}

func testDeactivationEndsAssignments(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	loc, _ := time.LoadLocation(c.Timezone)
	today := planning.DateOf(time.Now().In(loc))
	var running, future, past planning.Assignment
	var pr planning.Project
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		people := []planning.Person{person(1)}
		if _, err := tx.People().Upsert(ctx, people); err != nil {
			return err
		}
		var err error
		if pr, err = tx.Projects().Create(ctx, project(1)); err != nil {
			return err
		}
		pct := 50
		mk := func(from, to int) (planning.Assignment, error) {
			return tx.Assignments().Create(ctx, planning.Assignment{PersonID: people[0].ID, ProjectID: pr.ID,
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
	seq := lastSeq(t, st, c)
	p := person(1)
	p.Status = planning.StatusInactive
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{p})
		return err
	})
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		ctx := context.Background()
		r, err := tx.Assignments().Get(ctx, running.ID)
		if err != nil {
			return err
		}
		if r.EndDay != today || r.StartDay != running.StartDay {
			t.Errorf("running assignment: %s..%s, want it to end %s", r.StartDay, r.EndDay, today)
		}
		if _, err := tx.Assignments().Get(ctx, future.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("future assignment still there: %v", err)
		}
		if old, err := tx.Assignments().Get(ctx, past.ID); err != nil || old.EndDay != past.EndDay {
			t.Errorf("past assignment changed: %+v %v", old, err)
		}
		return nil
	}))
	var got []string
	for _, ch := range changes(t, st, c, seq) {
		got = append(got, fmt.Sprintf("%s %s", ch.Entity, ch.Operation))
	}
	if strings.Join(got, ", ") != "person update, assignment update, assignment delete" {
		t.Fatalf("history of deactivation = %v", got)
	}
	// People and projects are never deleted.
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		return tx.Projects().Delete(context.Background(), pr.ID)
	})
	if !errors.Is(err, store.ErrNotDeletable) {
		t.Fatalf("delete project: %v", err)
	}
}

func testDeleteAndInUse(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1)})
		return err
	})
	seq := lastSeq(t, st, c)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		jt, err := tx.JobTitles().GetByKey(ctx, "FOR")
		if err != nil {
			return err
		}
		return tx.JobTitles().Delete(ctx, jt.ID)
	})
	ch := changes(t, st, c, seq)
	if len(ch) != 1 || ch[0].Operation != store.OpDelete || ch[0].After != nil || !strings.Contains(string(ch[0].Before), `"FOR"`) {
		t.Fatalf("delete history = %+v", ch)
	}
	// Group KS is now used only by the person.
	var inUse *store.InUseError
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		g, err := tx.Groups().GetByKey(context.Background(), "KS")
		if err != nil {
			return err
		}
		return tx.Groups().Delete(context.Background(), g.ID)
	})
	if !errors.As(err, &inUse) || !strings.Contains(err.Error(), "E00001") {
		t.Fatalf("delete used group: want InUseError naming E00001, got %v", err)
	}
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		jt, err := tx.JobTitles().GetByKey(context.Background(), "APP")
		if err != nil {
			return err
		}
		jt.Code = "APX"
		_, err = tx.JobTitles().Update(context.Background(), jt)
		return err
	})
	if !errors.As(err, &inUse) {
		t.Fatalf("recode used job title: want InUseError, got %v", err)
	}
	if lastSeq(t, st, c) != ch[0].Seq {
		t.Fatal("refused changes wrote history")
	}
}

func testProjectDefaults(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		p, err := tx.Projects().Create(ctx, project(1)) // first group CO
		if err != nil {
			return err
		}
		if p.Timezone != "America/Denver" || p.DailyStartTime.String() != "07:30" || p.DailyEndTime.String() != "15:30" {
			t.Errorf("defaults: tz %q, %s-%s", p.Timezone, p.DailyStartTime, p.DailyEndTime)
		}
		return nil
	})
	bad := project(2)
	bad.StartDate = planning.Date{}
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.Projects().Create(context.Background(), bad)
		return err
	})
	if f := invalidFields(t, err); f["0:start_date"] == "" {
		t.Fatalf("active project without start date: %v", f)
	}
}

func testHistoryIsComplete(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	seq := lastSeq(t, st, c)
	var p planning.Person
	var txIDs []string
	ctx := context.Background()
	must(t, st.Update(ctx, c.ID, store.Actor{Source: planning.SourceSFTP, Actor: "people.csv"}, func(tx store.Tx) error {
		var err error
		if p, err = tx.People().Create(ctx, person(1)); err != nil {
			return err
		}
		_, err = tx.People().Upsert(ctx, []planning.Person{person(2), person(3)})
		return err
	}))
	p.LastName = "Renamed"
	must(t, st.Update(ctx, c.ID, store.Actor{Source: planning.SourceAPI, Actor: "client-1"}, func(tx store.Tx) error {
		_, err := tx.People().Update(ctx, p)
		return err
	}))
	ch := changes(t, st, c, seq)
	if len(ch) != 4 {
		t.Fatalf("want 4 changes, got %d: %+v", len(ch), ch)
	}
	for i, x := range ch {
		if i > 0 && x.Seq <= ch[i-1].Seq {
			t.Errorf("sequence not increasing: %d then %d", ch[i-1].Seq, x.Seq)
		}
		if x.At.IsZero() || x.EntityID == "" || x.Entity != planning.KindPerson {
			t.Errorf("change %d incomplete: %+v", i, x)
		}
		txIDs = append(txIDs, x.TxID)
	}
	if txIDs[0] != txIDs[2] || txIDs[0] == txIDs[3] {
		t.Errorf("tx ids do not group transactions: %v", txIDs)
	}
	if ch[0].Source != planning.SourceSFTP || ch[0].Actor != "people.csv" || ch[0].Operation != store.OpCreate || ch[0].Before != nil {
		t.Errorf("create change: %+v", ch[0])
	}
	last := ch[3]
	if last.Source != planning.SourceAPI || last.Operation != store.OpUpdate || last.Version != 2 || last.EntityKey != "E00001" {
		t.Errorf("update change: %+v", last)
	}
	var before, after planning.Person
	must(t, json.Unmarshal(last.Before, &before))
	must(t, json.Unmarshal(last.After, &after))
	if before.LastName != "Worker1" || after.LastName != "Renamed" || after.Version != 2 || after.ID != p.ID {
		t.Errorf("before/after: %+v / %+v", before, after)
	}
	// Paging through the feed.
	var paged []store.Change
	for x, err := range st.Changes(ctx, c.ID, seq, 2) {
		must(t, err)
		paged = append(paged, x)
	}
	if len(paged) != 2 || paged[1].Seq != ch[1].Seq {
		t.Errorf("limit 2: %d changes", len(paged))
	}
}

func testRollback(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	seq := lastSeq(t, st, c)
	boom := errors.New("boom")
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		if _, err := tx.People().Upsert(context.Background(), []planning.Person{person(1), person(2)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v", err)
	}
	if n := countPeople(t, st, c); n != 0 {
		t.Fatalf("rolled back transaction left %d people", n)
	}
	if lastSeq(t, st, c) != seq {
		t.Fatal("rolled back transaction left history")
	}
}

func testListFilters(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	var people []planning.Person
	for i := range 10 {
		p := person(i)
		if i%3 == 0 {
			p.Status = planning.StatusInactive
		}
		people = append(people, p)
	}
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, people)
		return err
	})
	mark := time.Now()
	time.Sleep(5 * time.Millisecond)
	p5 := person(5)
	p5.Union = "Local 101"
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{p5})
		return err
	})
	keys := func(q store.Query) []string {
		var out []string
		must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
			for p, err := range tx.People().List(context.Background(), q) {
				if err != nil {
					return err
				}
				out = append(out, p.EmployeeID)
			}
			return nil
		}))
		return out
	}
	if got := keys(store.Query{UpdatedAfter: mark}); strings.Join(got, ",") != "E00005" {
		t.Errorf("updated_after: %v", got)
	}
	if got := keys(store.Query{Status: planning.StatusInactive}); len(got) != 4 {
		t.Errorf("status inactive: %v", got)
	}
	if got := keys(store.Query{Keys: []string{"E00001", "E00002", "E99999"}}); len(got) != 2 {
		t.Errorf("keys: %v", got)
	}
	if got := keys(store.Query{Email: "PAT7@example.com"}); strings.Join(got, ",") != "E00007" {
		t.Errorf("email: %v", got)
	}
	all := keys(store.Query{})
	page2 := keys(store.Query{Limit: 4, Offset: 4})
	if len(all) != 10 || strings.Join(page2, ",") != strings.Join(all[4:8], ",") {
		t.Errorf("paging: all %v, page 2 %v", all, page2)
	}
	if got := keys(store.Query{Offset: 8}); len(got) != 2 {
		t.Errorf("offset without limit: %v", got)
	}
	// Cursor paging by id.
	var ids []string
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		for p, err := range tx.People().List(context.Background(), store.Query{Limit: 3}) {
			if err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		n, err := tx.People().Count(context.Background(), store.Query{After: ids[2]})
		if n != 7 {
			t.Errorf("count after cursor = %d", n)
		}
		return err
	}))
}

func testViewIsReadOnly(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	err := st.View(context.Background(), c.ID, func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{person(1)})
		return err
	})
	if !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("write in View: %v", err)
	}
}

func testIsolation(t *testing.T, st store.Store) {
	a, b := newCompany(t, st), newCompany(t, st)
	update(t, st, a, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1)})
		return err
	})
	// The same employee id and email in another company is a different person.
	update(t, st, b, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, []planning.Person{person(1)})
		if err == nil && res.Created != 1 {
			t.Errorf("company b: %+v", res)
		}
		return err
	})
	pa, _ := getPerson(t, st, a, "E00001")
	must(t, st.View(context.Background(), b.ID, func(tx store.Tx) error {
		if _, err := tx.People().Get(context.Background(), pa.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("company b sees company a's person: %v", err)
		}
		return nil
	}))
}
