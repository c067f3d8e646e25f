package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/sharing"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
	"github.com/trestle-dev/trestle/internal/sharing/sharingtest"
)

// fixture is our real sharing server over real Delta tables in a local
// folder, served over real HTTP with server-signed file URLs (the approach
// of internal/sharing's own fixture).
type fixture struct {
	srv    *httptest.Server
	tables map[string]*delta.Table
	times  []time.Time // commit times of the people table, by version
	tokens *tokenAuth
	// urlSkew moves the clock of the file URL signer (and checker) forward:
	// URLs handed out earlier expire.
	urlSkew atomic.Int64
}

// endpoint is the profile endpoint of the fixture (with a trailing "/", which
// profiles strip).
func (f *fixture) endpoint() string { return f.srv.URL + "/delta-sharing/" }

// tokenAuth is a map-based Authenticator that tests change as they go.
type tokenAuth struct {
	mu sync.Mutex
	m  map[string]sharing.Recipient
}

func (a *tokenAuth) Authenticate(_ context.Context, tok string) (sharing.Recipient, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.m[tok]
	if !ok {
		return sharing.Recipient{}, sharing.ErrUnauthenticated
	}
	return r, nil
}

func (a *tokenAuth) set(tok string, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ok {
		a.m[tok] = sharing.Recipient{UserID: "alice", TokenID: tok}
	} else {
		delete(a.m, tok)
	}
}

const aliceToken = "alice-token"

// testCatalog: alice sees shares acme (schemas rp: nohistory, people,
// regions; and sales: people), acme2 and acme3.
type testCatalog struct {
	f      *fixture
	signer sharing.URLSigner
}

func (c testCatalog) Shares(context.Context, sharing.Recipient) ([]sharing.Share, error) {
	return []sharing.Share{{Name: "acme", ID: "11111111-1111-1111-1111-111111111111"}, {Name: "acme2"}, {Name: "acme3"}}, nil
}

func (c testCatalog) Tables(ctx context.Context, r sharing.Recipient, share string) (sharing.Share, []sharing.Table, error) {
	shares, _ := c.Shares(ctx, r)
	for _, sh := range shares {
		if !strings.EqualFold(sh.Name, share) {
			continue
		}
		t := func(schema, name, table string, history bool) sharing.Table {
			return sharing.Table{Share: sh.Name, Schema: schema, Name: name, Delta: c.f.tables[table], History: history, Files: c.signer}
		}
		var out []sharing.Table
		switch sh.Name {
		case "acme":
			out = []sharing.Table{t("rp", "nohistory", "nohistory", false), t("rp", "people", "people", true),
				t("rp", "regions", "regions", true), t("sales", "people", "people", true)}
		default:
			out = []sharing.Table{t("other", "people", "people", true)}
		}
		return sh, out, nil
	}
	return sharing.Share{}, nil, sharing.ErrNotFound
}

type signerFunc func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)

func (f signerFunc) SignURL(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	return f(ctx, key, ttl)
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// newFixture serves the sharingtest tables (people with history and a change
// feed, partitioned regions, nohistory) through our real sharing server.
func newFixture(t *testing.T) *fixture {
	tables := sharingtest.Build(t)
	st := tables.Store
	f := &fixture{tables: tables.ByName, times: tables.PeopleTimes, tokens: &tokenAuth{m: map[string]sharing.Recipient{}}}
	f.tokens.set(aliceToken, true)
	var handler http.Handler
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(f.srv.Close)

	signer := fileurl.NewSigner(bytes.Repeat([]byte("k"), 32), f.srv.URL+"/delta-sharing/files")
	signer.Clock = func() time.Time { return time.Now().Add(time.Duration(f.urlSkew.Load())) }
	signer.Register("tables", st)
	sign := signerFunc(func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
		return signer.Sign("tables", key, ttl)
	})
	server := sharing.New(sharing.Config{Prefix: "/delta-sharing", Auth: f.tokens, Catalog: testCatalog{f: f, signer: sign}})
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/delta-sharing/files/") {
			signer.ServeHTTP(w, r)
			return
		}
		server.ServeHTTP(w, r)
	})
	return f
}

// writeProfile writes a profile file and returns its path.
func writeProfile(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	must(tb, err)
	p := filepath.Join(tb.TempDir(), "config.share")
	must(tb, os.WriteFile(p, b, 0o600))
	return p
}

// fastRetry keeps retry tests quick.
var fastRetry = RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

// newClient returns a client of alice against endpoint (the fixture's when "").
func (f *fixture) newClient(tb testing.TB, endpoint string, opts Options) *Client {
	tb.Helper()
	if endpoint == "" {
		endpoint = f.endpoint()
	}
	p, err := LoadProfile(writeProfile(tb, map[string]any{"shareCredentialsVersion": 1, "endpoint": endpoint, "bearerToken": aliceToken}))
	must(tb, err)
	if opts.Retry == (RetryPolicy{}) {
		opts.Retry = fastRetry
	}
	c, err := New(p, opts)
	must(tb, err)
	return c
}

// proxy is an httptest server in front of the fixture; hook may answer a
// request itself (returning true) before it is forwarded.
type proxy struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []string // method and path of every request received
}

func (f *fixture) proxy(t *testing.T, hook func(w http.ResponseWriter, r *http.Request, n int) bool) *proxy {
	target, err := url.Parse(f.srv.URL)
	must(t, err)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &proxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests = append(p.requests, r.Method+" "+r.URL.Path)
		n := len(p.requests)
		p.mu.Unlock()
		if hook != nil && hook(w, r, n) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.requests)
}

func (p *proxy) endpoint() string { return p.srv.URL + "/delta-sharing" }

// rowsOf downloads files with the client and returns their rows, sorted.
func rowsOf(tb testing.TB, c *Client, files []File) []string {
	tb.Helper()
	var rows []string
	for _, f := range files {
		rc, err := c.Download(context.Background(), f)
		must(tb, err)
		rows = append(rows, parquetRows(tb, rc)...)
	}
	slices.Sort(rows)
	return rows
}

// parquetRows reads a Parquet file's rows as "a/b/c" strings.
func parquetRows(tb testing.TB, rc io.ReadCloser) []string {
	tb.Helper()
	defer rc.Close()
	return sharingtest.ParquetRows(tb, rc)
}
