package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// ParseScopes reads a scope list ("read,write", "read write"). Write includes
// read; an empty list is an error.
func ParseScopes(s string) ([]store.Scope, error) {
	var out []store.Scope
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' }) {
		sc := store.Scope(f)
		if sc != store.ScopeRead && sc != store.ScopeWrite {
			return nil, fmt.Errorf("scope %q is not known; use read, write or read,write", f)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("give at least one scope: read, write or read,write")
	}
	if slices.Contains(out, store.ScopeWrite) && !slices.Contains(out, store.ScopeRead) {
		out = append([]store.Scope{store.ScopeRead}, out...)
	}
	return out, nil
}

// NewClient is what CreateClient returns: the client as stored and its
// credentials, shown once.
type NewClient struct {
	Client store.APIClient
	// ClientID ("trc_<id>") and Secret (the whole credential,
	// "trc_<id>_<secret>") go to POST /oauth/token.
	ClientID, Secret string
}

// CreateClient makes an OAuth client of a company. permission "" means editor
// when the scopes include write, else viewer.
func CreateClient(ctx context.Context, st store.Store, company, name string, scopes []store.Scope, permission planning.Permission, by store.Actor) (NewClient, error) {
	c, err := st.Company(ctx, company)
	if err != nil {
		return NewClient{}, err
	}
	if strings.TrimSpace(name) == "" {
		return NewClient{}, fmt.Errorf("give the client a name saying what it is for (for example \"payroll sync\")")
	}
	if permission == "" {
		permission = planning.PermissionViewer
		if slices.Contains(scopes, store.ScopeWrite) {
			permission = planning.PermissionEditor
		}
	}
	if !permission.Valid() {
		return NewClient{}, fmt.Errorf("permission %q is not admin, editor or viewer", permission)
	}
	id, secret, full := auth.NewToken(ClientPrefix)
	cl, err := st.CreateAPIClient(ctx, store.APIClient{ID: id, CompanyID: c.ID, Name: name, Scopes: scopes,
		Permission: permission, Hash: auth.Hash(secret), CreatedBy: by.Actor}, by)
	if err != nil {
		return NewClient{}, err
	}
	return NewClient{Client: cl, ClientID: ClientPrefix + "_" + id, Secret: full}, nil
}

// CreatePersonalToken makes a user's personal access token; expires zero
// means it never expires. It returns the token as stored and the token
// itself, shown once.
func CreatePersonalToken(ctx context.Context, st store.Store, user, name string, scopes []store.Scope, expires time.Time, by store.Actor) (store.APIToken, string, error) {
	u, err := st.User(ctx, user)
	if err != nil {
		return store.APIToken{}, "", err
	}
	id, secret, full := auth.NewToken(PersonalTokenPrefix)
	t, err := st.CreateAPIToken(ctx, store.APIToken{ID: id, Kind: store.APITokenPersonal, UserID: u.ID, Name: name,
		Scopes: scopes, Hash: auth.Hash(secret), ExpiresAt: expires}, by)
	if err != nil {
		return store.APIToken{}, "", err
	}
	return t, full, nil
}
