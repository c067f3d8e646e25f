package hubshare

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// AccessTokenTTL is how long a bearer token issued by the token endpoint lives.
const AccessTokenTTL = time.Hour

// TokenHandler is the OAuth 2.0 token endpoint (RFC 6749, client credentials
// grant) of Delta Sharing profile version 2 (type oauth_client_credentials):
// a recipient's client presents its id and secret (HTTP Basic, or client_id and
// client_secret form fields) with grant_type=client_credentials and receives a
// bearer token that lives AccessTokenTTL. Issued tokens are share tokens of the
// client's user, so the same access rules apply to them, and revoking the
// client stops it from getting new ones.
func (h *Hub) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
			return
		}
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
			return
		}
		if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only grant_type=client_credentials is supported")
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		client, err := h.client(r, id, secret)
		if err != nil {
			if !errors.Is(err, errInvalidClient) {
				oauthError(w, http.StatusInternalServerError, "server_error", "")
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="trestle"`)
			oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client, wrong secret, or the client was revoked or has expired")
			return
		}
		tid, tsecret, full := auth.NewToken(auth.ShareTokenPrefix)
		exp := h.now().Add(AccessTokenTTL)
		if _, err := h.st.CreateShareToken(r.Context(), store.ShareToken{ID: tid, UserID: client.UserID, Kind: store.TokenBearer,
			Name: "oauth " + client.ID, Hash: auth.Hash(tsecret), ExpiresAt: exp},
			store.Actor{Source: planning.SourceAPI, Actor: "oauth client " + client.ID}); err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", "")
			return
		}
		body := map[string]any{"access_token": full, "token_type": "Bearer", "expires_in": int(AccessTokenTTL.Seconds())}
		if sc := r.PostForm.Get("scope"); sc != "" {
			body["scope"] = sc
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})
}

var errInvalidClient = errors.New("invalid client")

// client checks a client's id and secret. The id may be the client id or the
// whole credential (trs_<id>_<secret>) with an empty secret.
func (h *Hub) client(r *http.Request, id, secret string) (store.ShareToken, error) {
	full := id
	if secret != "" {
		full = auth.ShareTokenPrefix + "_" + strings.TrimPrefix(id, auth.ShareTokenPrefix+"_") + "_" + secret
	}
	tid, tsecret, ok := auth.Parse(full)
	if !ok {
		return store.ShareToken{}, errInvalidClient
	}
	c, err := h.st.ShareToken(r.Context(), tid)
	if errors.Is(err, store.ErrNotFound) {
		return c, errInvalidClient
	}
	if err != nil {
		return c, err
	}
	if c.Kind != store.TokenClient || !auth.Verify(tsecret, c.Hash) || !c.Active(h.now()) {
		return c, errInvalidClient
	}
	return c, nil
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	_ = json.NewEncoder(w).Encode(body)
}
