package hubshare

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/store"
)

// TestOAuthClientCredentials: profile version 2. A client credential buys a
// one-hour bearer token at /oauth/token (HTTP Basic, as the Python and Spark
// clients send it, or form fields); the credential itself is not a bearer
// token; a wrong secret, a revoked client and other grant types are refused
// with RFC 6749 errors.
func TestOAuthClientCredentials(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	id, secret, full := auth.NewToken(auth.ShareTokenPrefix)
	client, err := e.st.CreateShareToken(ctx, store.ShareToken{ID: id, UserID: e.analyst.ID, Kind: store.TokenClient, Name: "bi", Hash: auth.Hash(secret)}, admin)
	must(t, err)
	token := func(form url.Values, basicID, basicSecret string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basicID != "" {
			req.SetBasicAuth(basicID, basicSecret)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	grant := url.Values{"grant_type": {"client_credentials"}}
	code, body := token(grant, id, secret)
	access, _ := body["access_token"].(string)
	if code != 200 || access == "" || body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) {
		t.Fatalf("token endpoint: %d %v", code, body)
	}
	if code, _, b := e.get(t, "GET", "/delta-sharing/shares", access, ""); code != 200 || !strings.Contains(string(b), `"demo"`) {
		t.Fatalf("issued token on /shares: %d %s", code, b)
	}
	// Form fields work too.
	if code, body := token(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, "", ""); code != 200 || body["access_token"] == nil {
		t.Errorf("client_secret_post: %d %v", code, body)
	}
	// The client credential is not a bearer token.
	if code, _, _ := e.get(t, "GET", "/delta-sharing/shares", full, ""); code != 401 {
		t.Errorf("client credential used as a bearer token: %d", code)
	}
	for _, tc := range []struct {
		name       string
		form       url.Values
		id, secret string
		status     int
		err        string
	}{
		{"wrong secret", grant, id, secret + "x", 401, "invalid_client"},
		{"unknown client", grant, "nosuchclient", secret, 401, "invalid_client"},
		{"no credentials", grant, "", "", 401, "invalid_client"},
		{"password grant", url.Values{"grant_type": {"password"}}, id, secret, 400, "unsupported_grant_type"},
	} {
		code, body := token(tc.form, tc.id, tc.secret)
		if code != tc.status || body["error"] != tc.err {
			t.Errorf("%s: %d %v, want %d %s", tc.name, code, body, tc.status, tc.err)
		}
	}
	// A bearer token is not a client.
	bid, bsecret, _ := auth.NewToken(auth.ShareTokenPrefix)
	_, err = e.st.CreateShareToken(ctx, store.ShareToken{ID: bid, UserID: e.analyst.ID, Hash: auth.Hash(bsecret), ExpiresAt: time.Now().Add(time.Hour)}, admin)
	must(t, err)
	if code, _ := token(grant, bid, bsecret); code != 401 {
		t.Errorf("bearer token used as a client: %d", code)
	}
	// Revoked client: no new tokens.
	must(t, e.st.RevokeShareToken(ctx, client.ID, admin))
	if code, body := token(grant, id, secret); code != 401 || body["error"] != "invalid_client" {
		t.Errorf("revoked client: %d %v", code, body)
	}
}
