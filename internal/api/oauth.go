package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/store"
)

// TokenHandler is the OAuth 2.0 token endpoint (RFC 6749 section 4.4, client
// credentials grant) of the API's clients: a client presents its id and secret
// (HTTP Basic, or client_id and client_secret form fields) and receives an
// access token that lives AccessTokenTTL, with the scopes asked for (scope,
// space-separated) or, by default, all the client's scopes. Requests of other
// clients (Delta Sharing's) go to next, which shares the path /oauth/token.
func (a *API) TokenHandler(next http.Handler) http.Handler {
	var sweep sweeper
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			if next != nil {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Allow", http.MethodPost)
			oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form (application/x-www-form-urlencoded)")
			return
		}
		id, secret, basic := r.BasicAuth()
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if !strings.HasPrefix(id, ClientPrefix+"_") && !strings.HasPrefix(secret, ClientPrefix+"_") && next != nil {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only grant_type=client_credentials is supported")
			return
		}
		c, err := a.client(r.Context(), id, secret)
		if err != nil {
			if !errors.Is(err, errBadToken) {
				a.log.Error("oauth token endpoint failed", "err", err)
				oauthError(w, http.StatusInternalServerError, "server_error", "")
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="trestle"`)
			oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client, wrong secret, or the client was revoked")
			return
		}
		scopes := c.Scopes
		if asked := strings.Fields(r.PostForm.Get("scope")); len(asked) > 0 {
			scopes = nil
			for _, s := range asked {
				if !slices.Contains(c.Scopes, store.Scope(s)) {
					oauthError(w, http.StatusBadRequest, "invalid_scope", "the client may not have the scope "+s)
					return
				}
				if !slices.Contains(scopes, store.Scope(s)) {
					scopes = append(scopes, store.Scope(s))
				}
			}
		}
		tid, tsecret, full := auth.NewToken(AccessTokenPrefix)
		now := a.now()
		if _, err := a.st.CreateAPIToken(r.Context(), store.APIToken{ID: tid, Kind: store.APITokenAccess, ClientID: c.ID,
			CompanyID: c.CompanyID, Name: "oauth", Scopes: scopes, Hash: auth.Hash(tsecret), ExpiresAt: now.Add(AccessTokenTTL)},
			store.Actor{Source: "api", Actor: "api client " + c.ID}); err != nil {
			a.log.Error("oauth token endpoint failed", "err", err)
			oauthError(w, http.StatusInternalServerError, "server_error", "")
			return
		}
		sweep.maybe(a, now)
		names := make([]string, len(scopes))
		for i, s := range scopes {
			names[i] = string(s)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": full, "token_type": "Bearer",
			"expires_in": int(AccessTokenTTL.Seconds()), "scope": strings.Join(names, " ")})
	})
}

// client checks a client's id and secret. The secret may be the whole
// credential (trc_<id>_<secret>), with or without the id.
func (a *API) client(ctx context.Context, id, secret string) (store.APIClient, error) {
	full := secret
	if !strings.HasPrefix(secret, ClientPrefix+"_") {
		full = ClientPrefix + "_" + strings.TrimPrefix(id, ClientPrefix+"_") + "_" + secret
	}
	cid, csecret, ok := auth.Parse(full)
	if !ok || (id != "" && strings.TrimPrefix(id, ClientPrefix+"_") != cid) {
		return store.APIClient{}, errBadToken
	}
	c, err := a.st.APIClient(ctx, cid)
	if errors.Is(err, store.ErrNotFound) {
		auth.Verify(csecret, nil)
		return c, errBadToken
	}
	if err != nil {
		return c, err
	}
	if !auth.Verify(csecret, c.Hash) || !c.Active() {
		return c, errBadToken
	}
	return c, nil
}

// sweeper deletes expired access tokens at most once an hour.
type sweeper struct {
	mu   sync.Mutex
	last time.Time
}

func (s *sweeper) maybe(a *API, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.last) > time.Hour
	if due {
		s.last = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := a.st.DeleteExpiredAPITokens(ctx, now.Add(-24*time.Hour)); err != nil {
			a.log.Warn("could not delete expired API access tokens", "err", err)
		}
	}()
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	_ = json.NewEncoder(w).Encode(body)
}
