package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Token prefixes of the REST API's credentials. They tell people and secret
// scanners what a string is.
const (
	// ClientPrefix starts an OAuth client's credential ("trc_<id>_<secret>";
	// the client_id is "trc_<id>").
	ClientPrefix = "trc"
	// AccessTokenPrefix starts an access token issued by POST /oauth/token.
	AccessTokenPrefix = "tra"
	// PersonalTokenPrefix starts a user's personal access token.
	PersonalTokenPrefix = "trp"
)

// AccessTokenTTL is how long an access token issued to a client lives.
const AccessTokenTTL = time.Hour

// principal is who a request acts for, once its token is checked.
type principal struct {
	token store.APIToken
	// client is set for access tokens.
	client store.APIClient
	// label names the principal in the change history ("api client <id>",
	// "user <email> (token <id>)").
	label string
}

// access is what a principal may do in one company.
type access struct {
	company    planning.Company
	permission planning.Permission
}

// bearer reads the request's bearer token ("" when there is none).
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

var errBadToken = errors.New("bad token")

// authenticate checks the request's token against the store: one indexed
// query, so a revoked token fails on its next request.
func (a *API) authenticate(ctx context.Context, r *http.Request) (*principal, *Error) {
	raw := bearer(r)
	if raw == "" {
		return nil, unauthorized("this request needs an access token: send \"Authorization: Bearer <token>\" (get one from POST /oauth/token, or use a personal access token)")
	}
	prefix, _, _ := strings.Cut(raw, "_")
	if prefix != AccessTokenPrefix && prefix != PersonalTokenPrefix {
		return nil, unauthorized("the token is not a Trestle API token (they start with tra_ or trp_)")
	}
	id, secret, ok := auth.Parse(raw)
	if !ok {
		return nil, unauthorized("the token is malformed")
	}
	t, err := a.st.APIToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Do the work of a real check, so that timing tells nothing.
		auth.Verify(secret, nil)
		return nil, unauthorized("the token is not valid")
	}
	if err != nil {
		return nil, internal(err)
	}
	if !auth.Verify(secret, t.Hash) || (t.Kind == store.APITokenAccess) != (prefix == AccessTokenPrefix) {
		return nil, unauthorized("the token is not valid")
	}
	now := a.now()
	switch {
	case !t.RevokedAt.IsZero():
		return nil, unauthorized("the token was revoked")
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return nil, unauthorized("the token expired at %s; get a new one", t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	p := &principal{token: t}
	if t.Kind == store.APITokenAccess {
		c, err := a.st.APIClient(ctx, t.ClientID)
		if err != nil {
			return nil, internal(err)
		}
		if !c.Active() {
			return nil, unauthorized("the API client was revoked")
		}
		p.client, p.label = c, "api client "+c.ID
	} else {
		p.label = "user " + t.UserID + " (token " + t.ID + ")"
	}
	a.touch(t.ID, now)
	return p, nil
}

// companyAccess says what p may do in the company named by ref (id or slug):
// an access token reaches its client's company at the client's permission; a
// personal token reaches the companies its user is a member of, at the
// membership's permission. Any other company is 403, whether or not it exists,
// so that nothing leaks.
func (a *API) companyAccess(ctx context.Context, p *principal, ref string) (access, *Error) {
	forbidden := newError(http.StatusForbidden, CodeForbidden, "this token has no access to company %q", ref)
	c, err := a.company(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return access{}, forbidden
	}
	if err != nil {
		return access{}, internal(err)
	}
	if p.token.Kind == store.APITokenAccess {
		if c.ID != p.token.CompanyID {
			return access{}, forbidden
		}
		return access{company: c, permission: p.client.Permission}, nil
	}
	ms, err := a.st.Memberships(ctx, p.token.UserID)
	if err != nil {
		return access{}, internal(err)
	}
	for _, m := range ms {
		if m.CompanyID == c.ID {
			return access{company: c, permission: m.Permission}, nil
		}
	}
	return access{}, forbidden
}

// company finds a company by id or slug. A company's id and slug never
// change, and they are all the API uses of it, so found companies are
// remembered; an unknown reference is asked again every time.
func (a *API) company(ctx context.Context, ref string) (planning.Company, error) {
	if c, ok := a.companies.Load(ref); ok {
		return c.(planning.Company), nil
	}
	c, err := a.st.Company(ctx, ref)
	if err != nil {
		return c, err
	}
	a.companies.Store(c.ID, c)
	a.companies.Store(c.Slug, c)
	return c, nil
}

// allowed checks the scope and permission a request needs: reads need the
// read scope and viewer; writes need the write scope and editor.
func allowed(p *principal, acc access, write bool) *Error {
	scope, perm := store.ScopeRead, planning.PermissionViewer
	if write {
		scope, perm = store.ScopeWrite, planning.PermissionEditor
	}
	if !p.token.Has(scope) {
		return newError(http.StatusForbidden, CodeForbidden, "this token does not have the %s scope", scope)
	}
	if !acc.permission.Allows(perm) {
		return newError(http.StatusForbidden, CodeForbidden, "your permission in %s is %s; this needs %s", acc.company.Slug, acc.permission, perm)
	}
	return nil
}

func unauthorized(format string, args ...any) *Error {
	e := newError(http.StatusUnauthorized, CodeUnauthorized, format, args...)
	e.header = http.Header{"Www-Authenticate": {`Bearer realm="trestle"`}}
	return e
}

func internal(err error) *Error {
	e := newError(http.StatusInternalServerError, CodeInternal, "the server failed to answer; try again, and tell the hub's operator if it persists")
	e.cause = err
	return e
}

// toucher records tokens' last use at most once a minute per token.
type toucher struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (a *API) touch(id string, now time.Time) {
	a.touched.mu.Lock()
	if now.Sub(a.touched.last[id]) < time.Minute {
		a.touched.mu.Unlock()
		return
	}
	a.touched.last[id] = now
	if len(a.touched.last) > 100_000 {
		clear(a.touched.last)
	}
	a.touched.mu.Unlock()
	// Written inline (once a minute per token), so that nothing outlives
	// the request.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.st.TouchAPIToken(ctx, id, now); err != nil {
		a.log.Warn("could not record an API token's use", "token", id, "err", err)
	}
}
