package source

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// defaultHTTPClient fetches files when Options.HTTPClient is nil: no overall
// timeout (a large file streams for as long as it takes), but bounded waits
// for the connection and for the response's headers.
var defaultHTTPClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 30 * time.Second
	t.ResponseHeaderTimeout = 2 * time.Minute
	return &http.Client{Transport: t}
}()

// fetchHTTP GETs the file, conditionally when a previous fingerprint has an
// ETag or a Last-Modified time.
func fetchHTTP(ctx context.Context, r *resolved, desc string, opts Options) (*fetched, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, newError(ErrConfig, r.mask, unwrapURLError(err), "%s: the url cannot be parsed", desc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, newError(ErrConfig, r.mask, unwrapURLError(err), "%s: the url cannot be used", desc)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	switch {
	case r.Auth.Bearer != "":
		req.Header.Set("Authorization", "Bearer "+r.Auth.Bearer)
	case r.Auth.Username != "":
		req.SetBasicAuth(r.Auth.Username, r.Auth.Password)
	}
	// The location without credentials, so that the fingerprint does not
	// depend on (nor reveal) them.
	src := locationID(StripURL(u.String()))
	prev := parseFingerprint(opts.Previous, src)
	if prev.etag != "" {
		req.Header.Set("If-None-Match", prev.etag)
	}
	if prev.lastModified != "" {
		req.Header.Set("If-Modified-Since", prev.lastModified)
	}
	client := opts.HTTPClient
	if client == nil {
		client = defaultHTTPClient
	}
	resp, err := client.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		kind := error(nil)
		var netErr net.Error
		if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
			kind = ErrUnreachable
		}
		if ctx.Err() != nil {
			kind, err = ctx.Err(), ctx.Err()
		}
		return nil, newError(kind, r.mask, err, "cannot reach %s", desc)
	}
	f := &fetched{
		name:        u.Path,
		contentType: resp.Header.Get("Content-Type"),
		fp: fingerprint{
			src:          src,
			etag:         resp.Header.Get("ETag"),
			lastModified: resp.Header.Get("Last-Modified"),
		},
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && (prev.etag != "" || prev.lastModified != ""):
		resp.Body.Close()
		f.unchanged = true
		f.fp.sha256 = prev.sha256
		// A 304 may leave out the validators: keep the previous ones.
		if f.fp.etag == "" {
			f.fp.etag = prev.etag
		}
		if f.fp.lastModified == "" {
			f.fp.lastModified = prev.lastModified
		}
		return f, nil
	case resp.StatusCode == http.StatusOK:
		if prev.etag != "" && f.fp.etag == prev.etag && !strings.HasPrefix(prev.etag, "W/") {
			// The server ignored If-None-Match, but says it is the same file.
			resp.Body.Close()
			f.unchanged = true
			f.fp.sha256 = prev.sha256
			return f, nil
		}
		f.body = resp.Body
		return f, nil
	}
	defer resp.Body.Close()
	kind := ErrHTTPStatus
	hint := ""
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = " (check the auth settings or the credentials)"
		kind = errors.Join(ErrHTTPStatus, ErrAccessDenied)
	case http.StatusNotFound, http.StatusGone:
		hint = " (no file at this address)"
		kind = errors.Join(ErrHTTPStatus, ErrUnreachable)
	}
	msg := "%s: the server answered %s%s"
	args := []any{desc, resp.Status, hint}
	if said := bodySnippet(resp.Body); said != "" {
		msg += "; it said: %s"
		args = append(args, said)
	}
	return nil, newError(kind, r.mask, nil, msg, args...)
}

// bodySnippet returns the start of an error response's text, on one line.
func bodySnippet(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 512))
	if !utf8.Valid(b) {
		return ""
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}
