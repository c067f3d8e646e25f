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

// authorize checks the request's token and what it may do in the company
// named by ref (id or slug). A token is looked up with what it grants in the
// company in one indexed query (store.APITokenGrant), so a revoked token, a
// revoked client or a membership taken away is seen on the next request. An
// access token reaches its client's company at the client's permission; a
// personal token reaches the companies its user is a member of, at the
// membership's permission. Any other company is 403, whether or not it
// exists, so that nothing leaks; a token that is not valid is 401 first.
func (a *API) authorize(ctx context.Context, r *http.Request, ref string) (*principal, access, *Error) {
	raw := bearer(r)
	if raw == "" {
		return nil, access{}, unauthorized("this request needs an access token: send \"Authorization: Bearer <token>\" (get one from POST /oauth/token, or use a personal access token)")
	}
	prefix, _, _ := strings.Cut(raw, "_")
	if prefix != AccessTokenPrefix && prefix != PersonalTokenPrefix {
		return nil, access{}, unauthorized("the token is not a Trestle API token (they start with tra_ or trp_)")
	}
	id, secret, ok := auth.Parse(raw)
	if !ok {
		return nil, access{}, unauthorized("the token is malformed")
	}
	forbidden := newError(http.StatusForbidden, CodeForbidden, "this token has no access to company %q", ref)
	company, err := a.company(ctx, ref)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, access{}, internal(err)
	}
	var g store.APIGrant
	if known {
		g, err = a.st.APITokenGrant(ctx, id, company.ID)
	} else {
		g.Token, err = a.st.APIToken(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		auth.Verify(secret, nil) // the work of a real check, so that timing tells nothing
		return nil, access{}, unauthorized("the token is not valid")
	}
	if err != nil {
		return nil, access{}, internal(err)
	}
	t := g.Token
	if !auth.Verify(secret, t.Hash) || (t.Kind == store.APITokenAccess) != (prefix == AccessTokenPrefix) {
		return nil, access{}, unauthorized("the token is not valid")
	}
	now := a.now()
	switch {
	case !t.RevokedAt.IsZero():
		return nil, access{}, unauthorized("the token was revoked")
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return nil, access{}, unauthorized("the token expired at %s; get a new one", t.ExpiresAt.UTC().Format(time.RFC3339))
	case t.Kind == store.APITokenAccess && known && !g.ClientActive:
		return nil, access{}, unauthorized("the API client was revoked")
	}
	p := &principal{token: t, label: "user " + t.UserID + " (token " + t.ID + ")"}
	if t.Kind == store.APITokenAccess {
		p.label = "api client " + t.ClientID
	}
	a.touch(t.ID, now)
	if !known || g.Permission == "" {
		return p, access{}, forbidden
	}
	return p, access{company: company, permission: g.Permission}, nil
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
