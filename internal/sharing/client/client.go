package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/buildinfo"
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// HTTPClient sends the requests (http.DefaultClient when nil). Its Timeout,
	// if any, bounds whole responses, including long NDJSON streams and file
	// downloads: prefer contexts.
	HTTPClient *http.Client
	// UserAgent is sent with every request (a trestle one when empty).
	UserAgent string
	// Retry is the retry policy of every request, file downloads included.
	Retry RetryPolicy
	// Logger receives retries (warn) and requests (debug); nil discards.
	Logger *slog.Logger
	// Clock is the time (time.Now when nil): token and URL expiry use it.
	Clock func() time.Time
	// ListPageSize is the maxResults of list requests (0: the server's default).
	ListPageSize int
}

// Client talks to one Delta Sharing server as one recipient. It is safe for
// concurrent use.
type Client struct {
	profile  *Profile
	http     *http.Client
	ua       string
	retry    RetryPolicy
	log      *slog.Logger
	now      func() time.Time
	auth     authenticator
	pageSize int
}

// New returns a client for the server and credentials of profile. It fails,
// without sending anything, when the profile's bearer token has expired
// (*TokenExpiredError).
func New(profile *Profile, opts Options) (*Client, error) {
	if profile == nil {
		return nil, errors.New("delta sharing: no profile")
	}
	c := &Client{
		profile:  profile,
		http:     opts.HTTPClient,
		ua:       opts.UserAgent,
		retry:    opts.Retry.withDefaults(),
		log:      opts.Logger,
		now:      opts.Clock,
		pageSize: opts.ListPageSize,
	}
	if c.http == nil {
		c.http = http.DefaultClient
	}
	if c.ua == "" {
		c.ua = fmt.Sprintf("trestle/%s (Delta Sharing client; %s; %s/%s)", buildinfo.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.pageSize < 0 || c.pageSize > 1<<31-1 {
		return nil, fmt.Errorf("delta sharing: list page size %d is out of range", c.pageSize)
	}
	switch profile.Type {
	case TypeBearerToken:
		if err := profile.checkExpiry(c.now()); err != nil {
			return nil, err
		}
		c.auth = bearerAuth{p: profile, now: c.now}
	case TypeBasic:
		c.auth = basicAuth{p: profile}
	case TypeOAuthClientCredentials:
		c.auth = &oauthAuth{c: c, p: profile}
	default:
		return nil, fmt.Errorf("delta sharing: profile type %q is not supported", profile.Type)
	}
	if profile.Endpoint == "" {
		return nil, errors.New("delta sharing: the profile has no endpoint")
	}
	return c, nil
}

// Profile returns the client's profile.
func (c *Client) Profile() *Profile { return c.profile }

// Error is an error answered by the server: its status and, when the body is
// the protocol's {"errorCode", "message"}, the code and message (otherwise
// Message holds the start of the body).
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error reads "delta sharing: {status} {code}: {message}", e.g.
// "delta sharing: 404 RESOURCE_DOES_NOT_EXIST: share 'x' not found".
func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("delta sharing: %d", e.Status)
	if code != "" {
		s += " " + code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// maxErrorBody is how much of an error response is read.
const maxErrorBody = 64 << 10

// readError turns a non-2xx response into an *Error and closes its body.
func readError(resp *http.Response) *Error {
	defer resp.Body.Close()
	e := &Error{Status: resp.StatusCode}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		ErrorCode string `json:"errorCode"`
		Message   string `json:"message"`
		// OAuth token endpoints (RFC 6749) answer with these.
		OAuthError string `json:"error"`
		OAuthDesc  string `json:"error_description"`
	}
	if json.Unmarshal(raw, &body) == nil && (body.ErrorCode != "" || body.Message != "" || body.OAuthError != "") {
		e.Code, e.Message = body.ErrorCode, body.Message
		if e.Code == "" && e.Message == "" {
			e.Code, e.Message = body.OAuthError, body.OAuthDesc
		}
	} else {
		e.Message = string(raw)
	}
	e.Message = oneLine(e.Message, 300)
	return e
}

// oneLine collapses whitespace (an HTML error page, a stack trace) and cuts s
// to n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// call is one protocol request.
type call struct {
	method string
	path   string     // under the endpoint, segments escaped
	query  url.Values // may be nil
	body   []byte     // a JSON body, or nil
	header http.Header
}

func (cl call) String() string { return cl.method + " " + cl.path }

// do sends a protocol request with the retry policy and authentication
// (renewing an OAuth token once on 401) and returns a 2xx response, whose
// body the caller closes, or an error (an *Error for an error response).
func (c *Client) do(ctx context.Context, cl call) (*http.Response, error) {
	u := c.profile.Endpoint + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	renewed := false
	for {
		var authz string
		resp, err := c.send(ctx, cl.String(), func() (*http.Request, error) {
			var err error
			if authz, err = c.auth.header(ctx); err != nil {
				return nil, err
			}
			var body io.Reader
			if cl.body != nil {
				body = bytes.NewReader(cl.body)
			}
			req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
			if err != nil {
				return nil, err
			}
			for k, v := range cl.header {
				req.Header[k] = v
			}
			if cl.body != nil {
				req.Header.Set("Content-Type", "application/json; charset=utf-8")
			}
			req.Header.Set("Authorization", authz)
			return req, nil
		})
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		apiErr := readError(resp)
		if resp.StatusCode == http.StatusUnauthorized && !renewed {
			ok, err := c.auth.renew(ctx, authz)
			if err != nil {
				return nil, err
			}
			if ok {
				c.log.Info("delta sharing: token refused, renewed it", "request", cl.String())
				renewed = true
				continue
			}
		}
		return nil, apiErr
	}
}

// send sends the request build makes (anew for each attempt) until it gets
// a response that is not worth retrying, or attempts run out: it returns that
// response (any status; the caller reads and closes its body), or the last
// connection error, or an *Error for the last retryable response.
func (c *Client) send(ctx context.Context, what string, build func() (*http.Request, error)) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		req, err := build()
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", c.ua)
		start := c.now()
		resp, err := c.http.Do(req)
		if err != nil {
			if canceled(ctx, err) {
				return nil, fmt.Errorf("delta sharing: %s: %w", what, context.Cause(ctx))
			}
			if attempt >= c.retry.MaxAttempts {
				return nil, fmt.Errorf("delta sharing: %s: %w (gave up after %d attempts)", what, err, attempt)
			}
			wait := c.retry.wait(attempt, nil, c.now())
			c.log.Warn("delta sharing: request failed, retrying", "request", what, "attempt", attempt, "err", err, "wait", wait)
			if err := sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("delta sharing: %s: %w", what, err)
			}
			continue
		}
		c.log.Debug("delta sharing: request", "request", what, "status", resp.StatusCode, "duration", c.now().Sub(start))
		if !retryableStatus(resp.StatusCode) {
			return resp, nil
		}
		if attempt >= c.retry.MaxAttempts {
			e := readError(resp)
			return nil, fmt.Errorf("%w (gave up after %d attempts)", e, attempt)
		}
		wait := c.retry.wait(attempt, resp, c.now())
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		c.log.Warn("delta sharing: server busy or failing, retrying", "request", what, "attempt", attempt, "status", resp.StatusCode, "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("delta sharing: %s: %w", what, err)
		}
	}
}

// getJSON sends a GET and decodes its JSON answer into v.
func (c *Client) getJSON(ctx context.Context, path string, query url.Values, v any) error {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: path, query: query})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("delta sharing: GET %s: the answer is not the expected JSON: %w", path, err)
	}
	return nil
}
