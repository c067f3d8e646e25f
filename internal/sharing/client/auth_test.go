package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoadProfile(t *testing.T) {
	p, err := LoadProfile(writeProfile(t, map[string]any{"shareCredentialsVersion": 1, "endpoint": "https://h.example.com/delta-sharing/",
		"bearerToken": "tok", "expirationTime": "2031-02-03T04:05:06.000Z"}))
	must(t, err)
	if p.Version != 1 || p.Type != TypeBearerToken || p.Endpoint != "https://h.example.com/delta-sharing" || p.BearerToken != "tok" ||
		!p.ExpirationTime.Equal(time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)) || !strings.HasSuffix(p.Path, "config.share") {
		t.Errorf("v1 profile = %+v", p)
	}
	p, err = LoadProfile(writeProfile(t, map[string]any{"shareCredentialsVersion": 2, "type": "oauth_client_credentials",
		"endpoint": "https://h.example.com/ds", "tokenEndpoint": "https://h.example.com/oauth/token/", "clientId": "id", "clientSecret": "s", "scope": "sharing"}))
	must(t, err)
	if p.Version != 2 || p.Type != TypeOAuthClientCredentials || p.TokenEndpoint != "https://h.example.com/oauth/token" ||
		p.ClientID != "id" || p.ClientSecret != "s" || p.Scope != "sharing" {
		t.Errorf("v2 profile = %+v", p)
	}
	for _, tc := range []struct {
		profile string
		want    string
	}{
		{`{"endpoint":"https://h","bearerToken":"t"}`, `"shareCredentialsVersion" is missing`},
		{`{"shareCredentialsVersion":3,"endpoint":"https://h","bearerToken":"t"}`, `"shareCredentialsVersion" is 3`},
		{`{"shareCredentialsVersion":1,"bearerToken":"t"}`, `"endpoint" is missing`},
		{`{"shareCredentialsVersion":1,"endpoint":"h.example.com","bearerToken":"t"}`, `"endpoint" "h.example.com" is not an http(s) URL`},
		{`{"shareCredentialsVersion":1,"endpoint":"https://h"}`, `"bearerToken" is missing`},
		{`{"shareCredentialsVersion":1,"endpoint":"https://h","bearerToken":"t","expirationTime":"soon"}`, `"expirationTime" "soon"`},
		{`{"shareCredentialsVersion":2,"endpoint":"https://h"}`, `"type" is missing`},
		{`{"shareCredentialsVersion":2,"type":"magic","endpoint":"https://h"}`, `"type" "magic" is not supported`},
		{`{"shareCredentialsVersion":2,"type":"oauth_client_credentials","endpoint":"https://h","tokenEndpoint":"https://h/t","clientId":"i"}`, `"clientSecret" is missing`},
		{`{"shareCredentialsVersion":2,"type":"oauth_client_credentials","endpoint":"https://h","clientId":"i","clientSecret":"s"}`, `"tokenEndpoint" is missing`},
		{`{"shareCredentialsVersion":1,`, "not a valid JSON profile file"},
	} {
		_, err := LoadProfile(writeProfileRaw(t, tc.profile))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "config.share") {
			t.Errorf("profile %s: %v, want %q", tc.profile, err, tc.want)
		}
	}
}

func writeProfileRaw(tb testing.TB, s string) string {
	p := filepath.Join(tb.TempDir(), "config.share")
	must(tb, os.WriteFile(p, []byte(s), 0o600))
	return p
}

// TestExpiredProfile: one line naming the expiry date, before any request.
func TestExpiredProfile(t *testing.T) {
	var requests atomic.Int32
	srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) { requests.Add(1) })
	path := writeProfile(t, map[string]any{"shareCredentialsVersion": 1, "endpoint": srv.URL, "bearerToken": "t", "expirationTime": "2024-03-05T10:00:00Z"})
	p, err := LoadProfile(path)
	must(t, err)
	_, err = New(p, Options{})
	var te *TokenExpiredError
	if !errors.As(err, &te) || !te.Expiry.Equal(time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("expired profile: %v", err)
	}
	want := "delta sharing: the bearer token of profile " + path + " expired on 2024-03-05 10:00:00 UTC; ask the data provider for a new profile file"
	if err.Error() != want || strings.Contains(err.Error(), "\n") {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
	// A token that expires while the client is in use: the same error, still
	// before any request.
	now := time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)
	c, err := New(p, Options{Clock: func() time.Time { return now }})
	must(t, err)
	now = now.Add(2 * time.Hour)
	if _, err := c.ListShares(context.Background()); !errors.As(err, &te) {
		t.Errorf("token expired in use: %v", err)
	}
	if requests.Load() != 0 {
		t.Errorf("%d requests sent with an expired token", requests.Load())
	}
}

// tokenEndpoint is an OAuth token endpoint: it issues tokens the fixture's
// server accepts (unless refuse is set) and counts them.
type tokenEndpoint struct {
	mu      sync.Mutex
	issued  []string
	refuse  bool // issue tokens the sharing server does not know
	expires any  // expires_in
}

func (te *tokenEndpoint) last() string {
	te.mu.Lock()
	defer te.mu.Unlock()
	return te.issued[len(te.issued)-1]
}

func (te *tokenEndpoint) count() int {
	te.mu.Lock()
	defer te.mu.Unlock()
	return len(te.issued)
}

func (f *fixture) tokenEndpoint(t *testing.T, te *tokenEndpoint) string {
	srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != "sharing" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request"}`)
			return
		}
		if !ok || id != "client-1" || secret != "s3cret" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"unknown client or wrong secret"}`)
			return
		}
		te.mu.Lock()
		tok := fmt.Sprintf("oauth-%d", len(te.issued)+1)
		te.issued = append(te.issued, tok)
		refuse, expires := te.refuse, te.expires
		te.mu.Unlock()
		if !refuse {
			f.tokens.set(tok, true)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": expires})
	})
	return srv.URL + "/oauth/token"
}

func TestOAuthClientCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	te := &tokenEndpoint{expires: 3600}
	profile := func(secret string) *Profile {
		p, err := LoadProfile(writeProfile(t, map[string]any{"shareCredentialsVersion": 2, "type": "oauth_client_credentials",
			"endpoint": f.endpoint(), "tokenEndpoint": f.tokenEndpoint(t, te), "clientId": "client-1", "clientSecret": secret, "scope": "sharing"}))
		must(t, err)
		return p
	}
	var skew atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	c, err := New(profile("s3cret"), Options{Clock: clock, Retry: fastRetry})
	must(t, err)
	list := func(step string) {
		t.Helper()
		if shares, err := c.ListShares(ctx); err != nil || len(shares) != 3 {
			t.Fatalf("%s: %v", step, err)
		}
	}
	list("first request")
	list("second request")
	if te.count() != 1 {
		t.Fatalf("%d tokens fetched for two requests, want 1", te.count())
	}
	// Shortly before the hour is up, the token is renewed before use.
	skew.Store(int64(56 * time.Minute))
	list("near expiry")
	if te.count() != 2 {
		t.Fatalf("%d tokens after nearing expiry, want 2", te.count())
	}
	// The server refuses the token (expired or revoked there): renewed once
	// on the 401, and the request succeeds.
	f.tokens.set(te.last(), false)
	list("after the server refused the token")
	if te.count() != 3 {
		t.Fatalf("%d tokens after a 401, want 3", te.count())
	}
	// New tokens refused too: one renewal, then the 401 is the answer.
	te.mu.Lock()
	te.refuse = true
	te.mu.Unlock()
	f.tokens.set(te.last(), false)
	_, err = c.ListShares(ctx)
	var e *Error
	if !errors.As(err, &e) || e.Status != 401 || te.count() != 4 {
		t.Errorf("tokens refused: %v after %d tokens, want 401 after 4", err, te.count())
	}
	// Wrong secret: the token endpoint's error, before any sharing request.
	bad, err := New(profile("wrong"), Options{Retry: fastRetry})
	must(t, err)
	_, err = bad.ListShares(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || !strings.Contains(err.Error(), "client-1") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestOAuthExpiresIn(t *testing.T) {
	f := newFixture(t)
	te := &tokenEndpoint{expires: "120"} // a string, as some servers send
	p, err := LoadProfile(writeProfile(t, map[string]any{"shareCredentialsVersion": 2, "type": "oauth_client_credentials",
		"endpoint": f.endpoint(), "tokenEndpoint": f.tokenEndpoint(t, te), "clientId": "client-1", "clientSecret": "s3cret", "scope": "sharing"}))
	must(t, err)
	now := time.Now()
	var mu sync.Mutex
	c, err := New(p, Options{Clock: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	must(t, err)
	_, err = c.ListShares(context.Background())
	must(t, err)
	mu.Lock()
	now = now.Add(59 * time.Second) // under half the 120 s lifetime
	mu.Unlock()
	_, err = c.ListShares(context.Background())
	must(t, err)
	mu.Lock()
	now = now.Add(2 * time.Second) // past half of it
	mu.Unlock()
	_, err = c.ListShares(context.Background())
	must(t, err)
	if te.count() != 2 {
		t.Errorf("%d tokens, want 2 (one renewal at half the lifetime)", te.count())
	}
}
