package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func newUser(t *testing.T, st store.Store) planning.User {
	t.Helper()
	seq++
	u, err := st.CreateUser(context.Background(), planning.User{Email: fmt.Sprintf("analyst%d-%d@example.com", time.Now().UnixNano(), seq), Name: "Ana Lyst"}, by)
	must(t, err)
	return u
}

func testShareTokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	u := newUser(t, st)
	id := "tok" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	hash := sha256.Sum256([]byte("secret"))
	expires := time.Now().Add(90 * 24 * time.Hour).Round(0)
	tok, err := st.CreateShareToken(ctx, store.ShareToken{ID: id, UserID: u.Email, Name: "laptop", Hash: hash[:], ExpiresAt: expires}, by)
	must(t, err)
	if tok.UserID != u.ID || tok.CreatedAt.IsZero() || !tok.ExpiresAt.Equal(expires.Truncate(time.Microsecond)) || !tok.Active(time.Now()) {
		t.Fatalf("created = %+v", tok)
	}
	got, err := st.ShareToken(ctx, id)
	must(t, err)
	if got.ID != id || got.UserID != u.ID || got.Name != "laptop" || !bytes.Equal(got.Hash, hash[:]) ||
		!got.CreatedAt.Equal(tok.CreatedAt) || !got.ExpiresAt.Equal(tok.ExpiresAt) || !got.RevokedAt.IsZero() || !got.LastUsedAt.IsZero() {
		t.Fatalf("ShareToken = %+v, want %+v", got, tok)
	}
	if got.Active(expires.Add(time.Second)) {
		t.Error("active after it expires")
	}
	// A token that never expires; a duplicate id; invalid input; an unknown user.
	forever, err := st.CreateShareToken(ctx, store.ShareToken{ID: id + "b", UserID: u.ID, Hash: hash[:]}, by)
	must(t, err)
	if !forever.ExpiresAt.IsZero() || !forever.Active(time.Now().AddDate(100, 0, 0)) {
		t.Errorf("never-expiring token = %+v", forever)
	}
	if _, err := st.CreateShareToken(ctx, store.ShareToken{ID: id, UserID: u.ID, Hash: hash[:]}, by); err == nil {
		t.Error("duplicate token id accepted")
	}
	_, err = st.CreateShareToken(ctx, store.ShareToken{ID: "bad id", UserID: u.ID}, by)
	if f := invalidFields(t, err); f["0:id"] == "" || f["0:hash"] == "" {
		t.Errorf("invalid token: %v", f)
	}
	if _, err := st.CreateShareToken(ctx, store.ShareToken{ID: id + "c", UserID: "nobody@example.com", Hash: hash[:]}, by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := st.ShareToken(ctx, "no-such-token"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	list, err := st.ShareTokens(ctx, u.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != id || list[1].ID != forever.ID {
		t.Fatalf("ShareTokens = %+v", list)
	}
	if list, err := st.ShareTokens(ctx, "not-a-user"); err != nil || len(list) != 0 {
		t.Errorf("ShareTokens(unknown) = %v, %v", list, err)
	}
	// Last use: written, not moved back, and at most once a minute.
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	must(t, st.TouchShareToken(ctx, id, t0))
	must(t, st.TouchShareToken(ctx, id, t0.Add(30*time.Second)))
	if got, _ := st.ShareToken(ctx, id); !got.LastUsedAt.Equal(t0) {
		t.Errorf("last used = %v, want %v", got.LastUsedAt, t0)
	}
	must(t, st.TouchShareToken(ctx, id, t0.Add(2*time.Minute)))
	must(t, st.TouchShareToken(ctx, id, t0.Add(-time.Hour)))
	if got, _ := st.ShareToken(ctx, id); !got.LastUsedAt.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("last used = %v, want %v", got.LastUsedAt, t0.Add(2*time.Minute))
	}
	must(t, st.TouchShareToken(ctx, "no-such-token", t0))
	// Revoking, twice.
	must(t, st.RevokeShareToken(ctx, id, by))
	got, _ = st.ShareToken(ctx, id)
	if got.RevokedAt.IsZero() || got.Active(time.Now()) {
		t.Fatalf("revoked token = %+v", got)
	}
	must(t, st.RevokeShareToken(ctx, id, by))
	if again, _ := st.ShareToken(ctx, id); !again.RevokedAt.Equal(got.RevokedAt) {
		t.Errorf("second revoke moved revoked_at: %v -> %v", got.RevokedAt, again.RevokedAt)
	}
	if err := st.RevokeShareToken(ctx, "no-such-token", by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke unknown token: %v", err)
	}
}

func testRecipientAccess(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b, c := newCompany(t, st), newCompany(t, st), newCompany(t, st)
	u, other := newUser(t, st), newUser(t, st)
	set := func(co planning.Company, user planning.User, p planning.Permission, analytics bool) {
		t.Helper()
		must(t, st.SetMembership(ctx, planning.Membership{UserID: user.ID, CompanyID: co.ID, Permission: p, Analytics: analytics}, by))
	}
	access := func() []string {
		t.Helper()
		list, err := st.RecipientAccess(ctx, u.ID)
		must(t, err)
		var out []string
		for _, x := range list {
			out = append(out, x.Company.Slug+"="+string(x.Permission))
			if x.Company.ID == "" || x.Company.Name == "" || x.Company.CreatedAt.IsZero() {
				t.Errorf("company incomplete: %+v", x.Company)
			}
		}
		return out
	}
	set(a, u, planning.PermissionViewer, true)
	set(b, u, planning.PermissionAdmin, false)
	set(c, u, planning.PermissionEditor, true)
	set(b, other, planning.PermissionViewer, true)
	want := []string{a.Slug + "=viewer", c.Slug + "=editor"}
	slices.Sort(want) // by slug
	if got := access(); !slices.Equal(got, want) {
		t.Fatalf("RecipientAccess = %v, want %v", got, want)
	}
	ms, err := st.Memberships(ctx, u.ID)
	must(t, err)
	for _, m := range ms {
		if m.Analytics != (m.CompanyID != b.ID) {
			t.Errorf("membership %+v: analytics wrong", m)
		}
	}
	// A person with the user's email: active keeps access, inactive ends it.
	p := person(1)
	p.Email = strings.ToUpper(u.Email)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{p})
		return err
	})
	update(t, st, a, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(2)})
		return err
	})
	if got := access(); !slices.Equal(got, want) {
		t.Fatalf("with an active person: %v, want %v", got, want)
	}
	p.Status = planning.StatusInactive
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{p})
		return err
	})
	if got := access(); !slices.Equal(got, []string{a.Slug + "=viewer"}) {
		t.Fatalf("after the person became inactive: %v, want only %s", got, a.Slug)
	}
	// Taking analytics away, or the membership, ends access; the history says so.
	set(a, u, planning.PermissionViewer, false)
	if got := access(); len(got) != 0 {
		t.Fatalf("after analytics was taken away: %v", got)
	}
	set(a, u, planning.PermissionViewer, false) // no change, no history
	h := historyOf(t, st, a, planning.KindMembership)
	if len(h) != 2 || h[1].Operation != store.OpUpdate {
		t.Fatalf("membership history = %s", ops(h))
	}
	var before, after planning.Membership
	must(t, json.Unmarshal(h[1].Before, &before))
	must(t, json.Unmarshal(h[1].After, &after))
	if !before.Analytics || after.Analytics || after.Permission != planning.PermissionViewer {
		t.Errorf("membership change: %s -> %s", h[1].Before, h[1].After)
	}
	if list, err := st.RecipientAccess(ctx, "not-a-user"); err != nil || len(list) != 0 {
		t.Errorf("RecipientAccess(unknown) = %v, %v", list, err)
	}
}

func testSharingAccessLog(t *testing.T, st store.Store) {
	ctx := context.Background()
	u, v := uuid.NewString(), uuid.NewString()
	share := uniqueName("Log")
	t0 := time.Now().UTC().Truncate(time.Microsecond).Add(-time.Hour)
	entries := []store.SharingAccess{
		{At: t0, UserID: u, TokenID: "tokA", Method: "GET", Path: "/delta-sharing/shares", Status: 200, Duration: 1500 * time.Microsecond, Remote: "10.0.0.1:5000"},
		{At: t0.Add(time.Second), UserID: u, TokenID: "tokA", Method: "POST", Path: "/delta-sharing/shares/" + share + "/schemas/s/tables/t/query",
			Share: share, Schema: "s", Table: "t", Status: 200, Files: 12, Bytes: 1 << 40, Duration: 42 * time.Millisecond, Remote: "10.0.0.1:5001"},
		{At: t0.Add(2 * time.Second), UserID: u, TokenID: "tokA", Method: "GET", Path: "/delta-sharing/shares/nope", Share: "nope", Status: 404},
		{At: t0.Add(3 * time.Second), UserID: v, Method: "GET", Path: "/delta-sharing/shares/" + share, Share: strings.ToUpper(share), Status: 200},
	}
	for _, e := range entries {
		must(t, st.LogSharingAccess(ctx, e))
	}
	must(t, st.LogSharingAccess(ctx, store.SharingAccess{Method: "GET", Path: "/delta-sharing/shares", Status: 401}))
	read := func(q store.SharingAccessQuery) []store.SharingAccess {
		t.Helper()
		var out []store.SharingAccess
		for e, err := range st.SharingAccessLog(ctx, q) {
			must(t, err)
			out = append(out, e)
		}
		return out
	}
	got := read(store.SharingAccessQuery{UserID: u})
	if len(got) != 3 || got[0] != entries[2] || got[1] != entries[1] || got[2] != entries[0] {
		t.Fatalf("by user, newest first:\n got %+v\nwant %+v", got, entries[:3])
	}
	if got := read(store.SharingAccessQuery{UserID: u, Limit: 2}); len(got) != 2 || got[0] != entries[2] {
		t.Errorf("limit 2: %+v", got)
	}
	if got := read(store.SharingAccessQuery{UserID: u, Since: t0.Add(time.Second)}); len(got) != 2 {
		t.Errorf("since: %+v", got)
	}
	if got := read(store.SharingAccessQuery{Share: strings.ToLower(share)}); len(got) != 2 || got[0] != entries[3] || got[1] != entries[1] {
		t.Errorf("by share, case-insensitively: %+v", got)
	}
	if got := read(store.SharingAccessQuery{Share: share, UserID: v}); len(got) != 1 {
		t.Errorf("by share and user: %+v", got)
	}
	newest := read(store.SharingAccessQuery{Limit: 1})
	if len(newest) != 1 || newest[0].Status != 401 || newest[0].UserID != "" || time.Since(newest[0].At) > time.Minute {
		t.Errorf("an entry without a time gets the current one: %+v", newest)
	}
}
