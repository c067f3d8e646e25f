package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// authenticator makes the Authorization header of protocol requests.
type authenticator interface {
	// header returns the Authorization header value to send now.
	header(ctx context.Context) (string, error)
	// renew is called once when the server answered 401 to a request sent
	// with header value used; it reports whether a retry with a new
	// credential is worth it.
	renew(ctx context.Context, used string) (bool, error)
}

// bearerAuth sends the profile's bearer token, refusing it once expired.
type bearerAuth struct {
	p   *Profile
	now func() time.Time
}

func (a bearerAuth) header(context.Context) (string, error) {
	if err := a.p.checkExpiry(a.now()); err != nil {
		return "", err
	}
	return "Bearer " + a.p.BearerToken, nil
}

func (a bearerAuth) renew(context.Context, string) (bool, error) { return false, nil }

// basicAuth sends the profile's user name and password.
type basicAuth struct{ p *Profile }

func (a basicAuth) header(context.Context) (string, error) {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.p.Username+":"+a.p.Password)), nil
}

func (a basicAuth) renew(context.Context, string) (bool, error) { return false, nil }

// Renewal margin of OAuth access tokens: a token is renewed when less than
// min(renewBefore, half its lifetime) remains.
const renewBefore = 5 * time.Minute

// oauthAuth gets access tokens from the profile's token endpoint with the
// client credentials grant (RFC 6749 section 4.4) and renews them shortly
// before they expire, and once when the server refuses one.
type oauthAuth struct {
	c *Client
	p *Profile

	mu       sync.Mutex
	token    string
	obtained time.Time
	expires  time.Time // zero: the endpoint gave no expires_in
	renewals int       // tokens fetched, for tests and logs
}

func (a *oauthAuth) header(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == "" || a.dueLocked(a.c.now()) {
		if err := a.fetchLocked(ctx); err != nil {
			return "", err
		}
	}
	return "Bearer " + a.token, nil
}

func (a *oauthAuth) renew(ctx context.Context, used string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && "Bearer "+a.token != used {
		return true, nil // another request renewed it meanwhile
	}
	if err := a.fetchLocked(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// dueLocked reports whether the token should be renewed at now.
func (a *oauthAuth) dueLocked(now time.Time) bool {
	if a.expires.IsZero() {
		return false
	}
	margin := min(renewBefore, a.expires.Sub(a.obtained)/2)
	return !now.Before(a.expires.Add(-margin))
}

// tokenResponse is a token endpoint's answer.
type tokenResponse struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"` // a number, or a string of one
}

func (a *oauthAuth) fetchLocked(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}}
	if a.p.Scope != "" {
		form.Set("scope", a.p.Scope)
	}
	body := form.Encode()
	what := "POST " + a.p.TokenEndpoint
	resp, err := a.c.send(ctx, what, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.p.TokenEndpoint, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(a.p.ClientID, a.p.ClientSecret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		return fmt.Errorf("get an access token: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("get an access token from %s for client %s: %w", a.p.TokenEndpoint, a.p.ClientID, readError(resp))
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil {
		return fmt.Errorf("delta sharing: token endpoint %s: the answer is not a JSON token response: %w", a.p.TokenEndpoint, err)
	}
	if tr.AccessToken == "" {
		return fmt.Errorf("delta sharing: token endpoint %s: the answer has no access_token", a.p.TokenEndpoint)
	}
	if tt := strings.ToLower(tr.TokenType); tt != "" && tt != "bearer" {
		return fmt.Errorf("delta sharing: token endpoint %s: token_type %q is not bearer", a.p.TokenEndpoint, tr.TokenType)
	}
	now := a.c.now()
	a.token, a.obtained, a.expires = tr.AccessToken, now, time.Time{}
	if secs, ok := parseExpiresIn(tr.ExpiresIn); ok {
		a.expires = now.Add(time.Duration(secs) * time.Second)
	}
	a.renewals++
	a.c.log.Debug("delta sharing: got an access token", "token_endpoint", a.p.TokenEndpoint, "expires", a.expires)
	return nil
}

// parseExpiresIn reads expires_in, a number of seconds (some servers send it
// as a string).
func parseExpiresIn(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return int64(f), true
}
