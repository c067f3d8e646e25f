// Package api is the hub's REST API: /api/v1/companies/{company_id}/... for
// groups, job titles, tags, people, projects, assignments, time off and
// resource requests, with OAuth 2.0 client credentials and personal access
// tokens, read and write scopes checked against the caller's permission in
// the company, per-token rate limits, JSON errors, and an OpenAPI 3.1
// document generated from the handlers themselves.
//
// The handlers are registered with huma (github.com/danielgtaylor/huma/v2),
// which derives the OpenAPI document and the request validation from the Go
// types the handlers take and return, so the document cannot drift from the
// code. Every write of groups, job titles, tags, people and projects goes
// through ingest, the path CSV imports, SFTP drops and QuickConnect take,
// inside one store transaction recorded with source api.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/trestle-dev/trestle/internal/store"
)

// Prefix is where the API is served.
const Prefix = "/api/v1"

// OpenAPIPath is where the OpenAPI document is served.
const OpenAPIPath = Prefix + "/openapi.json"

// DefaultMaxBodyBytes is the largest request body accepted (413 above).
const DefaultMaxBodyBytes = 1 << 20

// Config configures the API.
type Config struct {
	// Store is the hub's database. Required.
	Store store.Store
	// Log receives errors the API could not answer (500s) and warnings.
	Log *slog.Logger
	// RateLimit is the limit per token and company; nil means
	// DefaultRateLimit, a zero RateLimit no limit.
	RateLimit *RateLimit
	// MaxBodyBytes caps request bodies (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Version is the hub's version, shown in the OpenAPI document.
	Version string
	// ServerURL is the URL clients reach the hub at, listed in the document
	// ("" lists none).
	ServerURL string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// API serves the REST API.
type API struct {
	st      store.Store
	log     *slog.Logger
	now     func() time.Time
	limiter *limiter
	maxBody int64
	mux     *http.ServeMux
	huma    huma.API
	touched toucher
	// companies remembers companies by id and slug (see company).
	companies sync.Map
	// patchSchemas are the PATCH operations whose body documentPatches
	// describes.
	patchSchemas []docSchema
	// listSchemas are the list operations whose page documentLists
	// describes.
	listSchemas []docSchema
}

// New builds the API and registers every operation.
func New(cfg Config) *API {
	a := &API{st: cfg.Store, log: cfg.Log, now: cfg.Now, maxBody: cfg.MaxBodyBytes, mux: http.NewServeMux(),
		touched: toucher{last: map[string]time.Time{}}}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	limit := DefaultRateLimit
	if cfg.RateLimit != nil {
		limit = *cfg.RateLimit
	}
	if limit.Requests > 0 {
		a.limiter = newLimiter(limit)
	}
	hc := huma.DefaultConfig("Trestle resource planning API", orDefault(cfg.Version, "dev"))
	hc.CreateHooks = nil // no $schema links in bodies
	hc.DocsPath = ""
	hc.SchemasPath = ""
	hc.OpenAPIPath = strings.TrimSuffix(OpenAPIPath, ".json")
	hc.RejectUnknownQueryParameters = true
	hc.Info.Description = "Groups, job titles, tags, people, projects, assignments, time off and resource requests of the companies a token may reach. See docs/api.md."
	if cfg.ServerURL != "" {
		hc.Servers = []*huma.Server{{URL: strings.TrimRight(cfg.ServerURL, "/")}}
	}
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"oauth2": {Type: "oauth2", Description: "OAuth 2.0 client credentials: trestle api client create",
			Flows: &huma.OAuthFlows{ClientCredentials: &huma.OAuthFlow{TokenURL: "/oauth/token",
				Scopes: map[string]string{"read": "read the company's records", "write": "create, change and deactivate records"}}}},
		"personalToken": {Type: "http", Scheme: "bearer", Description: "A personal access token (trp_...): trestle api token create"},
	}
	hc.Security = []map[string][]string{{"oauth2": {}}, {"personalToken": {}}}
	registerSchemas(hc.Components.Schemas)
	a.huma = humago.New(a.mux, hc)
	a.register()
	return a
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// OpenAPI is the API's OpenAPI document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

type ctxKey int

const (
	principalKey ctxKey = iota
	accessKey
	urlKey
)

// ServeHTTP serves the API (mount it at Prefix+"/"). Requests under
// /api/v1/companies/{company_id}/ are authenticated, checked against the
// company, scope and permission, and rate limited before they reach the
// operation; the OpenAPI document needs no token.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if strings.HasPrefix(path, Prefix+"/openapi") {
		a.mux.ServeHTTP(w, r)
		return
	}
	rest, ok := strings.CutPrefix(path, Prefix+"/companies/")
	company, _, _ := strings.Cut(rest, "/")
	if !ok || company == "" {
		writeError(w, newError(http.StatusNotFound, CodeNotFound, "no such endpoint: %s %s; see %s", r.Method, path, OpenAPIPath))
		return
	}
	ctx := r.Context()
	p, acc, e := a.authorize(ctx, r, company)
	if e == nil {
		e = a.limit(w, p.token.ID, acc.company.ID)
	}
	if e == nil {
		e = allowed(p, acc, r.Method != http.MethodGet && r.Method != http.MethodHead)
	}
	if e != nil {
		a.fail(w, r, e)
		return
	}
	ctx = context.WithValue(ctx, principalKey, p)
	ctx = context.WithValue(ctx, accessKey, acc)
	ctx = context.WithValue(ctx, urlKey, r.URL)
	a.mux.ServeHTTP(w, r.WithContext(ctx))
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.status >= 500 && e.cause != nil {
		a.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", e.cause)
	}
	writeError(w, e)
}

// from returns the principal and company access the middleware put in ctx.
func from(ctx context.Context) (*principal, access) {
	p, _ := ctx.Value(principalKey).(*principal)
	acc, _ := ctx.Value(accessKey).(access)
	return p, acc
}

// actor is the change history's record of who wrote.
func actor(ctx context.Context) store.Actor {
	p, _ := from(ctx)
	a := store.Actor{Source: "api"}
	if p != nil {
		a.Actor = p.label
	}
	return a
}
