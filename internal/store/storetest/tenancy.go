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

// testViewSeesOneSnapshot: a view's reads all see one state, and HistorySeq names
// the last change of that state, even while another transaction commits.
func testViewSeesOneSnapshot(t *testing.T, st store.Store) {
	ctx := context.Background()
	c := newCompany(t, st)
	add := func(id string) {
		must(t, st.Update(ctx, c.ID, store.Console("test"), func(tx store.Tx) error {
			_, err := tx.People().Upsert(ctx, []planning.Person{{FirstName: "Pat", LastName: id, EmployeeID: id, GroupCodes: []string{"KS"}}})
			return err
		}))
	}
	add("V1")
	var last int64
	for ch, err := range st.Changes(ctx, c.ID, 0, 0) {
		must(t, err)
		last = ch.Seq
	}
	must(t, st.View(ctx, c.ID, func(tx store.Tx) error {
		seq, err := tx.HistorySeq(ctx)
		must(t, err)
		if seq != last {
			t.Errorf("HistorySeq = %d, want the last change %d", seq, last)
		}
		n, err := tx.People().Count(ctx, store.Query{})
		must(t, err)
		add("V2") // commits while the view is open
		seq2, err := tx.HistorySeq(ctx)
		must(t, err)
		n2, err := tx.People().Count(ctx, store.Query{})
		must(t, err)
		if seq2 != seq || n2 != n {
			t.Errorf("inside one view: seq %d then %d, people %d then %d; want no change", seq, seq2, n, n2)
		}
		return nil
	}))
	must(t, st.View(ctx, c.ID, func(tx store.Tx) error {
		seq, err := tx.HistorySeq(ctx)
		must(t, err)
		if seq <= last {
			t.Errorf("HistorySeq after a new change = %d, want more than %d", seq, last)
		}
		return nil
	}))
}
