package store

import (
	"context"
	"slices"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// APIAuth is the part of the store the REST API uses: OAuth 2.0 clients (one
// company's integrations) and the bearer tokens that authenticate requests,
// access tokens issued to clients and users' personal access tokens. Only hashes
// of secrets are stored. Store includes it.
type APIAuth interface {
	// CreateAPIClient stores a client: its ID (auth.NewToken's id), company,
	// name, scopes, permission and the hash of its secret. CreatedAt is filled.
	CreateAPIClient(ctx context.Context, c APIClient, by Actor) (APIClient, error)
	// APIClient finds a client by id, revoked ones included (ErrNotFound).
	APIClient(ctx context.Context, id string) (APIClient, error)
	// APIClients lists a company's clients, oldest first, revoked ones included.
	APIClients(ctx context.Context, companyID string) ([]APIClient, error)
	// RevokeAPIClient ends a client and every access token issued to it, at
	// once. Revoking a revoked client does nothing (ErrNotFound when unknown).
	RevokeAPIClient(ctx context.Context, id string, by Actor) error

	// CreateAPIToken stores a token: an access token of a client or a
	// personal access token of a user. CreatedAt is filled.
	CreateAPIToken(ctx context.Context, t APIToken, by Actor) (APIToken, error)
	// APIToken finds a token by id, revoked and expired ones included
	// (ErrNotFound). It is one indexed query, made for every API request.
	APIToken(ctx context.Context, id string) (APIToken, error)
	// APITokenGrant finds a token by id, as APIToken does, together with what
	// it grants in one company (by id), in one query made for every API
	// request: see APIGrant.
	APITokenGrant(ctx context.Context, tokenID, companyID string) (APIGrant, error)
	// APITokens lists a user's personal access tokens (or, with a client id,
	// the client's access tokens), oldest first, revoked and expired included.
	APITokens(ctx context.Context, q APITokenQuery) ([]APIToken, error)
	// RevokeAPIToken ends a token at once (ErrNotFound when unknown).
	RevokeAPIToken(ctx context.Context, id string, by Actor) error
	// TouchAPIToken records that a token (and its client) was used at at,
	// written at most once a minute per token and process; no history.
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	// DeleteExpiredAPITokens removes access tokens (not personal ones) that
	// expired before before, and returns how many it removed.
	DeleteExpiredAPITokens(ctx context.Context, before time.Time) (int, error)
}

// Scope is what a token may do: read, or write too.
type Scope string

// The scopes.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
)

// Kinds of API token.
const (
	// APITokenAccess is an access token issued by the token endpoint to a client.
	APITokenAccess = "access"
	// APITokenPersonal is a user's personal access token.
	APITokenPersonal = "personal"
)

// APIClient is an OAuth 2.0 client (client credentials grant) of one company:
// an integration. It acts in its company with Permission, limited by Scopes.
type APIClient struct {
	ID        string `json:"id"`
	CompanyID string `json:"company_id"`
	Name      string `json:"name"`
	// Scopes are the scopes its tokens may have.
	Scopes []Scope `json:"scopes"`
	// Permission is the level the client acts at in its company (editor by
	// default; viewer for read-only integrations).
	Permission planning.Permission `json:"permission"`
	// Hash is auth.Hash of the secret; never shown nor written to the history.
	Hash       []byte    `json:"-"`
	CreatedBy  string    `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Active reports whether the client may still get tokens.
func (c APIClient) Active() bool { return c.RevokedAt.IsZero() }

// APIToken is a bearer token for the REST API, as stored (never the secret).
type APIToken struct {
	ID string `json:"id"`
	// Kind is APITokenAccess or APITokenPersonal.
	Kind string `json:"kind"`
	// ClientID and CompanyID are set on access tokens: the client and its
	// company, the only company the token reaches.
	ClientID  string `json:"client_id,omitempty"`
	CompanyID string `json:"company_id,omitempty"`
	// UserID is set on personal access tokens: they reach the user's
	// companies, with each membership's permission.
	UserID string  `json:"user_id,omitempty"`
	Name   string  `json:"name,omitempty"`
	Scopes []Scope `json:"scopes"`
	// Hash is auth.Hash of the secret; never shown nor written to the history.
	Hash       []byte    `json:"-"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"` // zero: never
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Active reports whether the token works at now: not revoked and not expired.
func (t APIToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// Has reports whether the token carries scope s. Write implies read.
func (t APIToken) Has(s Scope) bool {
	return slices.Contains(t.Scopes, s) || s == ScopeRead && slices.Contains(t.Scopes, ScopeWrite)
}

// APIGrant is a token and what it grants in one company.
type APIGrant struct {
	Token APIToken
	// ClientActive is, for an access token, whether its client is not
	// revoked.
	ClientActive bool
	// Permission is the level the token acts at in the company: for an access
	// token its client's permission when the client is active and of that
	// company; for a personal token, the permission of its user's membership
	// there. "" when it grants nothing there.
	Permission planning.Permission
}

// APITokenQuery chooses whose tokens APITokens lists: a user's personal tokens
// or a client's access tokens (exactly one is set).
type APITokenQuery struct {
	UserID   string
	ClientID string
}
