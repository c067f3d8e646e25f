package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

// The change history's entities for API clients and tokens (recorded under
// their company, with their id as the entity key).
const (
	kindAPIClient planning.Kind = "api_client"
	kindAPIToken  planning.Kind = "api_token"
)

// apiID returns a token id no other test uses.
func apiID(prefix string) string {
	return prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:10]
}

// apiHash returns a hash-like value with bytes text encodings would mangle (a
// NUL, 0xff, invalid UTF-8), distinct per seed.
func apiHash(seed string) []byte {
	h := sha256.Sum256([]byte(seed))
	return append([]byte{0x00, 0xff, 0xc3, 0x28}, h[:]...)
}

// noHash fails when doc (JSON or any text) holds hash in a common encoding, or
// a "hash" field.
func noHash(t *testing.T, what string, doc []byte, hash []byte) {
	t.Helper()
	for _, enc := range []string{base64.StdEncoding.EncodeToString(hash), hex.EncodeToString(hash), hex.EncodeToString(hash[4:])} {
		if bytes.Contains(doc, []byte(enc)) {
			t.Errorf("%s holds the secret's hash: %s", what, doc)
		}
	}
	if bytes.Contains(bytes.ToLower(doc), []byte(`"hash"`)) || bytes.Contains(bytes.ToLower(doc), []byte(`secret`)) {
		t.Errorf("%s has a hash field: %s", what, doc)
	}
}

func newAPIClient(t *testing.T, st store.Store, c planning.Company, scopes ...store.Scope) store.APIClient {
	t.Helper()
	id := apiID("cl")
	cl, err := st.CreateAPIClient(context.Background(), store.APIClient{ID: id, CompanyID: c.ID, Name: "Payroll " + id, Scopes: scopes, Hash: apiHash(id)}, by)
	must(t, err)
	return cl
}

func testAPIClients(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := newCompany(t, st), newCompany(t, st)
	id := apiID("cl")
	hash := apiHash(id)
	start := time.Now().Add(-time.Second)
	// By slug, scopes repeated and out of order, permission defaulted.
	cl, err := st.CreateAPIClient(ctx, store.APIClient{ID: id, CompanyID: a.Slug, Name: "  Payroll sync ", Hash: hash,
		Scopes: []store.Scope{store.ScopeWrite, store.ScopeRead, store.ScopeWrite}}, by)
	must(t, err)
	if cl.CompanyID != a.ID || cl.Name != "Payroll sync" || !slices.Equal(cl.Scopes, []store.Scope{store.ScopeRead, store.ScopeWrite}) ||
		cl.Permission != planning.PermissionEditor || cl.CreatedBy != by.Actor || cl.CreatedAt.Before(start) || !cl.Active() {
		t.Fatalf("created = %+v", cl)
	}
	got, err := st.APIClient(ctx, id)
	must(t, err)
	if got.ID != id || got.CompanyID != a.ID || got.Name != cl.Name || !slices.Equal(got.Scopes, cl.Scopes) || got.Permission != cl.Permission ||
		!bytes.Equal(got.Hash, hash) || got.CreatedBy != cl.CreatedBy || !got.CreatedAt.Equal(cl.CreatedAt) || !got.RevokedAt.IsZero() || !got.LastUsedAt.IsZero() {
		t.Fatalf("APIClient = %+v, want %+v", got, cl)
	}
	doc, err := json.Marshal(got)
	must(t, err)
	noHash(t, "the client's JSON", doc, hash)
	viewer, err := st.CreateAPIClient(ctx, store.APIClient{ID: id + "v", CompanyID: a.ID, Name: "BI export", Hash: hash,
		Scopes: []store.Scope{store.ScopeRead}, Permission: planning.PermissionViewer, CreatedBy: "ana@example.com"}, by)
	must(t, err)
	if viewer.Permission != planning.PermissionViewer || viewer.CreatedBy != "ana@example.com" {
		t.Errorf("viewer client = %+v", viewer)
	}
	other := newAPIClient(t, st, b, store.ScopeRead)

	// Lists: oldest first, per company.
	ids := func(c planning.Company) []string {
		t.Helper()
		list, err := st.APIClients(ctx, c.ID)
		must(t, err)
		var out []string
		for _, x := range list {
			out = append(out, x.ID)
		}
		return out
	}
	if got := ids(a); !slices.Equal(got, []string{id, viewer.ID}) {
		t.Errorf("APIClients(a) = %v", got)
	}
	if got := ids(b); !slices.Equal(got, []string{other.ID}) {
		t.Errorf("APIClients(b) = %v", got)
	}
	if list, err := st.APIClients(ctx, "not-a-company"); err != nil || len(list) != 0 {
		t.Errorf("APIClients(unknown) = %v, %v", list, err)
	}

	// Revoking, twice; the list keeps revoked clients.
	must(t, st.RevokeAPIClient(ctx, id, by))
	revoked, err := st.APIClient(ctx, id)
	must(t, err)
	if revoked.Active() || revoked.RevokedAt.Before(cl.CreatedAt) {
		t.Fatalf("revoked client = %+v", revoked)
	}
	must(t, st.RevokeAPIClient(ctx, id, by))
	if again, _ := st.APIClient(ctx, id); !again.RevokedAt.Equal(revoked.RevokedAt) {
		t.Errorf("second revoke moved revoked_at: %v -> %v", revoked.RevokedAt, again.RevokedAt)
	}
	if got := ids(a); !slices.Equal(got, []string{id, viewer.ID}) {
		t.Errorf("APIClients(a) after revoking = %v", got)
	}
	if v, _ := st.APIClient(ctx, viewer.ID); !v.Active() {
		t.Error("revoking one client revoked another")
	}

	// Unknown ids.
	for _, bad := range []string{"no-such-client", "bad id", ""} {
		if _, err := st.APIClient(ctx, bad); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "no API client with id") {
			t.Errorf("APIClient(%q): %v", bad, err)
		}
		if err := st.RevokeAPIClient(ctx, bad, by); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeAPIClient(%q): %v", bad, err)
		}
	}

	// The history: the creations and the revocation, under the company, never
	// with the hash.
	h := historyOf(t, st, a, kindAPIClient)
	if got, want := ops(h), fmt.Sprintf("api_client:create:%s,api_client:create:%s,api_client:update:%s", id, viewer.ID, id); got != want {
		t.Errorf("history = %s, want %s", got, want)
	}
	for _, ch := range h {
		noHash(t, "the history's before", ch.Before, hash)
		noHash(t, "the history's after", ch.After, hash)
		if ch.EntityID != a.ID || ch.Actor != by.Actor {
			t.Errorf("history entry %+v", ch)
		}
	}
	if len(h) == 3 && !bytes.Contains(h[2].After, []byte(`"revoked_at"`)) {
		t.Errorf("revocation's after = %s", h[2].After)
	}
}

func testAPIClientsInvalid(t *testing.T, st store.Store) {
	ctx := context.Background()
	c := newCompany(t, st)
	valid := func() store.APIClient {
		id := apiID("cl")
		return store.APIClient{ID: id, CompanyID: c.ID, Name: "Sync", Scopes: []store.Scope{store.ScopeRead}, Hash: apiHash(id)}
	}
	for _, tc := range []struct {
		name, field string
		edit        func(*store.APIClient)
	}{
		{"bad id", "id", func(x *store.APIClient) { x.ID = "not an id!" }},
		{"long id", "id", func(x *store.APIClient) { x.ID = strings.Repeat("a", 65) }},
		{"no hash", "hash", func(x *store.APIClient) { x.Hash = nil }},
		{"no name", "name", func(x *store.APIClient) { x.Name = "   " }},
		{"long name", "name", func(x *store.APIClient) { x.Name = strings.Repeat("é", 201) }},
		{"no scopes", "scopes", func(x *store.APIClient) { x.Scopes = nil }},
		{"bad scope", "scopes[1]", func(x *store.APIClient) { x.Scopes = []store.Scope{store.ScopeRead, "admin"} }},
		{"bad permission", "permission", func(x *store.APIClient) { x.Permission = "owner" }},
		{"no company", "company_id", func(x *store.APIClient) { x.CompanyID = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := valid()
			tc.edit(&x)
			_, err := st.CreateAPIClient(ctx, x, by)
			if f := invalidFields(t, err); f["0:"+tc.field] == "" {
				t.Errorf("want a problem with %s, got %v", tc.field, err)
			}
		})
	}
	// A name of exactly 200 characters is fine.
	x := valid()
	x.Name = strings.Repeat("é", 200)
	if _, err := st.CreateAPIClient(ctx, x, by); err != nil {
		t.Errorf("200-character name: %v", err)
	}
	// Unknown companies, by id and by slug; a duplicate id.
	for _, company := range []string{uuid.NewString(), "no-such-company"} {
		x := valid()
		x.CompanyID = company
		if _, err := st.CreateAPIClient(ctx, x, by); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown company %s: %v", company, err)
		}
	}
	if _, err := st.CreateAPIClient(ctx, store.APIClient{ID: x.ID, CompanyID: c.ID, Name: "Again", Scopes: x.Scopes, Hash: x.Hash}, by); err == nil {
		t.Error("duplicate client id accepted")
	}
	list, err := st.APIClients(ctx, c.ID)
	must(t, err)
	if len(list) != 1 || list[0].ID != x.ID {
		t.Errorf("clients after rejected input = %+v", list)
	}
}

func testAPITokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := newCompany(t, st)
	u := newUser(t, st)
	cl := newAPIClient(t, st, a, store.ScopeRead, store.ScopeWrite)
	ro := newAPIClient(t, st, a, store.ScopeRead)
	start := time.Now().Add(-time.Second)
	expires := time.Now().Add(time.Hour).Round(0)

	// An access token: the company comes from the client.
	id := apiID("at")
	hash := apiHash(id)
	tok, err := st.CreateAPIToken(ctx, store.APIToken{ID: id, Kind: store.APITokenAccess, ClientID: cl.ID, Scopes: []store.Scope{store.ScopeRead},
		Hash: hash, ExpiresAt: expires}, by)
	must(t, err)
	if tok.CompanyID != a.ID || tok.CreatedAt.Before(start) || !tok.ExpiresAt.Equal(expires.Truncate(time.Microsecond)) || !tok.Active(time.Now()) {
		t.Fatalf("created = %+v", tok)
	}
	got, err := st.APIToken(ctx, id)
	must(t, err)
	if got.ID != id || got.Kind != store.APITokenAccess || got.ClientID != cl.ID || got.CompanyID != a.ID || got.UserID != "" ||
		!slices.Equal(got.Scopes, []store.Scope{store.ScopeRead}) || !bytes.Equal(got.Hash, hash) || !got.CreatedAt.Equal(tok.CreatedAt) ||
		!got.ExpiresAt.Equal(tok.ExpiresAt) || !got.RevokedAt.IsZero() || !got.LastUsedAt.IsZero() {
		t.Fatalf("APIToken = %+v, want %+v", got, tok)
	}
	if !got.Has(store.ScopeRead) || got.Has(store.ScopeWrite) {
		t.Errorf("read token: Has(read) = %v, Has(write) = %v", got.Has(store.ScopeRead), got.Has(store.ScopeWrite))
	}
	if got.Active(expires) || got.Active(expires.Add(time.Second)) || !got.Active(expires.Add(-time.Second)) {
		t.Error("Active does not end at the expiry")
	}
	doc, err := json.Marshal(got)
	must(t, err)
	noHash(t, "the token's JSON", doc, hash)

	// A write token (write implies read), given the company; a personal token by
	// the user's email that never expires.
	wid := apiID("at")
	wtok, err := st.CreateAPIToken(ctx, store.APIToken{ID: wid, Kind: store.APITokenAccess, ClientID: cl.ID, CompanyID: a.ID,
		Scopes: []store.Scope{store.ScopeWrite}, Hash: apiHash(wid), ExpiresAt: expires}, by)
	must(t, err)
	if !wtok.Has(store.ScopeRead) || !wtok.Has(store.ScopeWrite) {
		t.Errorf("write token scopes: %+v", wtok)
	}
	pid := apiID("pt")
	ptok, err := st.CreateAPIToken(ctx, store.APIToken{ID: pid, Kind: store.APITokenPersonal, UserID: strings.ToUpper(u.Email), Name: "laptop",
		Scopes: []store.Scope{store.ScopeRead, store.ScopeWrite}, Hash: apiHash(pid)}, by)
	must(t, err)
	if ptok.UserID != u.ID || ptok.CompanyID != "" || ptok.ClientID != "" || !ptok.ExpiresAt.IsZero() || !ptok.Active(time.Now().AddDate(100, 0, 0)) {
		t.Errorf("personal token = %+v", ptok)
	}
	if got, err := st.APIToken(ctx, pid); err != nil || got.UserID != u.ID || got.Name != "laptop" || !got.ExpiresAt.IsZero() {
		t.Errorf("APIToken(personal) = %+v, %v", got, err)
	}
	roID := apiID("at")
	if _, err := st.CreateAPIToken(ctx, store.APIToken{ID: roID, Kind: store.APITokenAccess, ClientID: ro.ID, Scopes: []store.Scope{store.ScopeRead},
		Hash: apiHash(roID), ExpiresAt: expires}, by); err != nil {
		t.Fatal(err)
	}

	// Lists.
	list := func(q store.APITokenQuery) []string {
		t.Helper()
		toks, err := st.APITokens(ctx, q)
		must(t, err)
		var out []string
		for _, x := range toks {
			out = append(out, x.ID)
		}
		return out
	}
	if got := list(store.APITokenQuery{ClientID: cl.ID}); !slices.Equal(got, []string{id, wid}) {
		t.Errorf("client's tokens = %v", got)
	}
	if got := list(store.APITokenQuery{UserID: u.ID}); !slices.Equal(got, []string{pid}) {
		t.Errorf("user's tokens = %v", got)
	}
	for _, q := range []store.APITokenQuery{{UserID: "nobody"}, {UserID: uuid.NewString()}, {ClientID: "no-such-client"}} {
		if got := list(q); len(got) != 0 {
			t.Errorf("APITokens(%+v) = %v", q, got)
		}
	}
	for _, q := range []store.APITokenQuery{{}, {UserID: u.ID, ClientID: cl.ID}} {
		if _, err := st.APITokens(ctx, q); err == nil {
			t.Errorf("APITokens(%+v) gave no error", q)
		}
	}

	// Revoking one token, twice.
	must(t, st.RevokeAPIToken(ctx, pid, by))
	revoked, _ := st.APIToken(ctx, pid)
	if revoked.RevokedAt.IsZero() || revoked.Active(time.Now()) {
		t.Fatalf("revoked token = %+v", revoked)
	}
	must(t, st.RevokeAPIToken(ctx, pid, by))
	if again, _ := st.APIToken(ctx, pid); !again.RevokedAt.Equal(revoked.RevokedAt) {
		t.Errorf("second revoke moved revoked_at: %v -> %v", revoked.RevokedAt, again.RevokedAt)
	}

	// Revoking the client revokes its tokens (and no others) at once, and it
	// gets no new ones.
	must(t, st.RevokeAPIToken(ctx, wid, by))
	wRevoked, _ := st.APIToken(ctx, wid)
	must(t, st.RevokeAPIClient(ctx, cl.ID, by))
	client, _ := st.APIClient(ctx, cl.ID)
	if got, _ := st.APIToken(ctx, id); got.Active(time.Now()) || !got.RevokedAt.Equal(client.RevokedAt) {
		t.Errorf("token of the revoked client = %+v (client revoked at %v)", got, client.RevokedAt)
	}
	if got, _ := st.APIToken(ctx, wid); !got.RevokedAt.Equal(wRevoked.RevokedAt) {
		t.Errorf("revoking the client moved an earlier token revocation: %v -> %v", wRevoked.RevokedAt, got.RevokedAt)
	}
	if got, _ := st.APIToken(ctx, roID); !got.Active(time.Now()) {
		t.Error("revoking a client revoked another client's token")
	}
	lateID := apiID("at")
	if _, err := st.CreateAPIToken(ctx, store.APIToken{ID: lateID, Kind: store.APITokenAccess, ClientID: cl.ID, Scopes: []store.Scope{store.ScopeRead},
		Hash: apiHash(lateID)}, by); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("token for a revoked client: %v", err)
	}

	// Unknown ids.
	for _, bad := range []string{"no-such-token", "bad id", ""} {
		if _, err := st.APIToken(ctx, bad); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "no API token with id") {
			t.Errorf("APIToken(%q): %v", bad, err)
		}
		if err := st.RevokeAPIToken(ctx, bad, by); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeAPIToken(%q): %v", bad, err)
		}
	}

	// The company's history: the access tokens' creations and revocations,
	// never with a hash; personal tokens are not the company's.
	h := historyOf(t, st, a, kindAPIToken)
	want := []string{"create:" + id, "create:" + wid, "create:" + roID, "update:" + wid, "update:" + id}
	var gotOps []string
	for _, ch := range h {
		gotOps = append(gotOps, string(ch.Operation)+":"+ch.EntityKey)
		if ch.EntityID != a.ID {
			t.Errorf("history entry under %s, want the company %s", ch.EntityID, a.ID)
		}
		for _, x := range []string{id, wid, roID} {
			noHash(t, "the history", ch.Before, apiHash(x))
			noHash(t, "the history", ch.After, apiHash(x))
		}
	}
	if !slices.Equal(gotOps, want) {
		t.Errorf("token history = %v, want %v", gotOps, want)
	}
}

func testAPITokensInvalid(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := newCompany(t, st), newCompany(t, st)
	u := newUser(t, st)
	ro := newAPIClient(t, st, a, store.ScopeRead)
	for _, tc := range []struct {
		name, field string
		tok         store.APIToken
	}{
		{"bad id", "id", store.APIToken{ID: "a b", Kind: store.APITokenPersonal, UserID: u.ID}},
		{"no hash", "hash", store.APIToken{Kind: store.APITokenPersonal, UserID: u.ID}},
		{"no kind", "kind", store.APIToken{UserID: u.ID}},
		{"bad kind", "kind", store.APIToken{Kind: "refresh", UserID: u.ID}},
		{"no scopes", "scopes", store.APIToken{Kind: store.APITokenPersonal, UserID: u.ID, Scopes: []store.Scope{}}},
		{"bad scope", "scopes[0]", store.APIToken{Kind: store.APITokenPersonal, UserID: u.ID, Scopes: []store.Scope{"READ"}}},
		{"long name", "name", store.APIToken{Kind: store.APITokenPersonal, UserID: u.ID, Name: strings.Repeat("n", 201)}},
		{"access without client", "client_id", store.APIToken{Kind: store.APITokenAccess}},
		{"access with a user", "user_id", store.APIToken{Kind: store.APITokenAccess, ClientID: ro.ID, UserID: u.ID}},
		{"personal without user", "user_id", store.APIToken{Kind: store.APITokenPersonal}},
		{"personal with a client", "client_id", store.APIToken{Kind: store.APITokenPersonal, UserID: u.ID, ClientID: ro.ID}},
		{"personal with a company", "company_id", store.APIToken{Kind: store.APITokenPersonal, UserID: u.ID, CompanyID: a.ID}},
		{"scope beyond the client's", "scopes", store.APIToken{Kind: store.APITokenAccess, ClientID: ro.ID, Scopes: []store.Scope{store.ScopeWrite}}},
		{"another company", "company_id", store.APIToken{Kind: store.APITokenAccess, ClientID: ro.ID, CompanyID: b.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.tok
			if x.ID == "" {
				x.ID = apiID("bad")
			}
			if x.Hash == nil && tc.field != "hash" {
				x.Hash = apiHash(x.ID)
			}
			if x.Scopes == nil {
				x.Scopes = []store.Scope{store.ScopeRead}
			}
			_, err := st.CreateAPIToken(ctx, x, by)
			if f := invalidFields(t, err); f["0:"+tc.field] == "" {
				t.Errorf("want a problem with %s, got %v", tc.field, err)
			}
			if x.ID != "" {
				if _, err := st.APIToken(ctx, x.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("rejected token stored: %v", err)
				}
			}
		})
	}
	// Unknown client and user; a duplicate id.
	for _, tok := range []store.APIToken{
		{Kind: store.APITokenAccess, ClientID: "no-such-client"},
		{Kind: store.APITokenPersonal, UserID: uuid.NewString()},
		{Kind: store.APITokenPersonal, UserID: "nobody@example.com"},
	} {
		tok.ID = apiID("x")
		tok.Hash, tok.Scopes = apiHash(tok.ID), []store.Scope{store.ScopeRead}
		if _, err := st.CreateAPIToken(ctx, tok, by); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown owner %+v: %v", tok, err)
		}
	}
	id := apiID("dup")
	tok := store.APIToken{ID: id, Kind: store.APITokenPersonal, UserID: u.ID, Scopes: []store.Scope{store.ScopeRead}, Hash: apiHash(id)}
	_, err := st.CreateAPIToken(ctx, tok, by)
	must(t, err)
	if _, err := st.CreateAPIToken(ctx, tok, by); err == nil {
		t.Error("duplicate token id accepted")
	}
}

func testAPITokenTouch(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := newCompany(t, st)
	u := newUser(t, st)
	cl := newAPIClient(t, st, a, store.ScopeRead)
	mk := func(tok store.APIToken) string {
		t.Helper()
		tok.ID = apiID("tt")
		tok.Hash, tok.Scopes = apiHash(tok.ID), []store.Scope{store.ScopeRead}
		_, err := st.CreateAPIToken(ctx, tok, by)
		must(t, err)
		return tok.ID
	}
	id := mk(store.APIToken{Kind: store.APITokenAccess, ClientID: cl.ID})
	pid := mk(store.APIToken{Kind: store.APITokenPersonal, UserID: u.ID})
	lastUsed := func() (token, client time.Time) {
		t.Helper()
		tok, err := st.APIToken(ctx, id)
		must(t, err)
		c, err := st.APIClient(ctx, cl.ID)
		must(t, err)
		return tok.LastUsedAt, c.LastUsedAt
	}
	histSeq := lastSeq(t, st, a)
	// Written, with the client's; then at most once a minute, never back.
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	must(t, st.TouchAPIToken(ctx, id, t0))
	if tok, c := lastUsed(); !tok.Equal(t0) || !c.Equal(t0) {
		t.Fatalf("last used = %v, client %v; want %v", tok, c, t0)
	}
	must(t, st.TouchAPIToken(ctx, id, t0.Add(30*time.Second)))
	if tok, c := lastUsed(); !tok.Equal(t0) || !c.Equal(t0) {
		t.Errorf("within the minute: last used = %v, client %v; want %v", tok, c, t0)
	}
	t2 := t0.Add(2 * time.Minute)
	must(t, st.TouchAPIToken(ctx, id, t2))
	must(t, st.TouchAPIToken(ctx, id, t0.Add(-time.Hour)))
	if tok, c := lastUsed(); !tok.Equal(t2) || !c.Equal(t2) {
		t.Errorf("last used = %v, client %v; want %v", tok, c, t2)
	}
	// A personal token; unknown tokens are no error.
	must(t, st.TouchAPIToken(ctx, pid, t0))
	if p, _ := st.APIToken(ctx, pid); !p.LastUsedAt.Equal(t0) {
		t.Errorf("personal token last used = %v, want %v", p.LastUsedAt, t0)
	}
	must(t, st.TouchAPIToken(ctx, "no-such-token", t0))
	must(t, st.TouchAPIToken(ctx, "bad id", t0))
	if after := changes(t, st, a, histSeq); len(after) != 0 {
		t.Errorf("touching wrote history: %s", ops(after))
	}
}

func testDeleteExpiredAPITokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := newCompany(t, st)
	u := newUser(t, st)
	cl := newAPIClient(t, st, a, store.ScopeRead)
	// Dates before 2000 are used by this test alone, so the count is exact.
	cut := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(kind string, expires time.Time) string {
		t.Helper()
		tok := store.APIToken{ID: apiID("ex"), Kind: kind, ExpiresAt: expires, Scopes: []store.Scope{store.ScopeRead}}
		tok.Hash = apiHash(tok.ID)
		if kind == store.APITokenAccess {
			tok.ClientID = cl.ID
		} else {
			tok.UserID = u.ID
		}
		_, err := st.CreateAPIToken(ctx, tok, by)
		must(t, err)
		return tok.ID
	}
	gone := []string{mk(store.APITokenAccess, cut.Add(-48*time.Hour)), mk(store.APITokenAccess, cut.Add(-time.Microsecond))}
	kept := []string{
		mk(store.APITokenAccess, cut),                       // expires at the cut, not before it
		mk(store.APITokenAccess, time.Now().Add(time.Hour)), // still valid
		mk(store.APITokenAccess, time.Time{}),               // never expires
		mk(store.APITokenPersonal, cut.Add(-48*time.Hour)),  // personal: kept, even expired
	}
	n, err := st.DeleteExpiredAPITokens(ctx, cut)
	must(t, err)
	if n != len(gone) {
		t.Errorf("deleted %d tokens, want %d", n, len(gone))
	}
	for _, id := range gone {
		if _, err := st.APIToken(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired access token %s: %v", id, err)
		}
	}
	for _, id := range kept {
		if _, err := st.APIToken(ctx, id); err != nil {
			t.Errorf("token %s: %v", id, err)
		}
	}
	if n, err := st.DeleteExpiredAPITokens(ctx, cut); err != nil || n != 0 {
		t.Errorf("second clean-up: %d, %v", n, err)
	}
}

// testAPITokenGrant checks APITokenGrant: a token and its permission in one
// company, for both kinds, revoked clients and users without a membership.
func testAPITokenGrant(t *testing.T, st store.Store) {
	ctx := context.Background()
	c := newCompany(t, st)
	other := newCompany(t, st)
	u, err := st.CreateUser(ctx, planning.User{Email: fmt.Sprintf("grant%d@example.com", time.Now().UnixNano()), Name: "Grant"}, store.Console("test"))
	must(t, err)
	must(t, st.SetMembership(ctx, planning.Membership{UserID: u.ID, CompanyID: c.ID, Permission: planning.PermissionViewer}, store.Console("test")))
	pat, err := st.CreateAPIToken(ctx, store.APIToken{ID: "grantPAT01", Kind: store.APITokenPersonal, UserID: u.ID,
		Scopes: []store.Scope{store.ScopeRead}, Hash: []byte("h")}, store.Console("test"))
	must(t, err)
	cl, err := st.CreateAPIClient(ctx, store.APIClient{ID: "grantCLI01", CompanyID: c.ID, Name: "grant", Scopes: []store.Scope{store.ScopeRead, store.ScopeWrite},
		Permission: planning.PermissionEditor, Hash: []byte("h")}, store.Console("test"))
	must(t, err)
	acc, err := st.CreateAPIToken(ctx, store.APIToken{ID: "grantACC01", Kind: store.APITokenAccess, ClientID: cl.ID, CompanyID: c.ID,
		Scopes: []store.Scope{store.ScopeRead}, Hash: []byte("h"), ExpiresAt: time.Now().Add(time.Hour)}, store.Console("test"))
	must(t, err)
	cases := []struct {
		name, token, company string
		perm                 planning.Permission
		active               bool
	}{
		{"personal, member", pat.ID, c.ID, planning.PermissionViewer, false},
		{"personal, not a member", pat.ID, other.ID, "", false},
		{"access, its company", acc.ID, c.ID, planning.PermissionEditor, true},
		{"access, another company", acc.ID, other.ID, "", true},
	}
	for _, tc := range cases {
		g, err := st.APITokenGrant(ctx, tc.token, tc.company)
		must(t, err)
		if g.Token.ID != tc.token || g.Permission != tc.perm || g.ClientActive != tc.active || string(g.Token.Hash) != "h" {
			t.Errorf("%s: grant %+v", tc.name, g)
		}
	}
	must(t, st.RevokeAPIClient(ctx, cl.ID, store.Console("test")))
	g, err := st.APITokenGrant(ctx, acc.ID, c.ID)
	must(t, err)
	if g.ClientActive || g.Permission != "" || g.Token.RevokedAt.IsZero() {
		t.Errorf("after revoking the client: %+v", g)
	}
	if _, err := st.APITokenGrant(ctx, "nosuchtok1", c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
}
