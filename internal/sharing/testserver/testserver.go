// Package testserver runs our real Delta Sharing server (package sharing) over
// Delta tables in a blob store, on a real HTTP listener, for the tests of
// clients and of the connector. Hooks let a test fail requests or age the
// file URLs the server hands out.
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/sharing"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
)

// Token is the bearer token the server accepts.
const Token = "test-recipient-token"

// Hook may answer a request itself (returning true) before the server does;
// n counts the requests received, from 1.
type Hook func(w http.ResponseWriter, r *http.Request, n int) bool

// Server is a running Delta Sharing server.
type Server struct {
	// HTTP is the listener; Endpoint the profile endpoint.
	HTTP     *httptest.Server
	Endpoint string

	mu     sync.Mutex
	tables map[string]string // share.schema.table -> table root in the store
	hook   Hook
	n      atomic.Int64
	skew   atomic.Int64
	store  blob.Store
}

// Options tune the server.
type Options struct {
	// URLTTL is how long file URLs stay valid (the server's default when 0).
	URLTTL time.Duration
}

// Start serves the Delta tables of store named by tables (share.schema.table
// -> the table's root key in store); every table shares its history and
// change data feed. The server stops when the test ends.
func Start(tb testing.TB, store blob.Store, tables map[string]string, opts Options) *Server {
	s := &Server{store: store, tables: map[string]string{}}
	for k, v := range tables {
		s.tables[k] = v
	}
	var handler http.Handler
	s.HTTP = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.n.Add(1))
		s.mu.Lock()
		hook := s.hook
		s.mu.Unlock()
		if hook != nil && hook(w, r, n) {
			return
		}
		handler.ServeHTTP(w, r)
	}))
	tb.Cleanup(s.HTTP.Close)
	s.Endpoint = s.HTTP.URL + "/delta-sharing"
	signer := fileurl.NewSigner(bytes.Repeat([]byte("t"), 32), s.HTTP.URL+"/delta-sharing/files")
	signer.Clock = func() time.Time { return time.Now().Add(time.Duration(s.skew.Load())) }
	signer.Register("tables", store)
	server := sharing.New(sharing.Config{Prefix: "/delta-sharing", Auth: auth{}, Catalog: catalog{s: s, sign: signFunc(func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
		return signer.Sign("tables", key, ttl)
	})}, URLTTL: opts.URLTTL})
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/delta-sharing/files/") {
			signer.ServeHTTP(w, r)
			return
		}
		server.ServeHTTP(w, r)
	})
	return s
}

// SetHook installs (or, with nil, removes) a hook.
func (s *Server) SetHook(h Hook) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

// AddTable shares one more table.
func (s *Server) AddTable(name, root string) {
	s.mu.Lock()
	s.tables[name] = root
	s.mu.Unlock()
}

// AgeURLs moves the file URL clock forward by d: URLs handed out earlier
// expire d sooner.
func (s *Server) AgeURLs(d time.Duration) { s.skew.Add(int64(d)) }

// Requests is the number of requests received so far.
func (s *Server) Requests() int { return int(s.n.Load()) }

// WriteProfile writes a version 1 profile for the server in dir (as
// config.share, 0600) and returns its path; a non-zero expiry is written as
// the token's expiration time.
func (s *Server) WriteProfile(tb testing.TB, dir string, expiry time.Time) string {
	tb.Helper()
	p := map[string]any{"shareCredentialsVersion": 1, "endpoint": s.Endpoint, "bearerToken": Token}
	if !expiry.IsZero() {
		p["expirationTime"] = expiry.UTC().Format(time.RFC3339)
	}
	b, err := json.Marshal(p)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "config.share")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

type auth struct{}

func (auth) Authenticate(_ context.Context, tok string) (sharing.Recipient, error) {
	if tok != Token {
		return sharing.Recipient{}, sharing.ErrUnauthenticated
	}
	return sharing.Recipient{UserID: "test", TokenID: "test"}, nil
}

type signFunc func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)

func (f signFunc) SignURL(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	return f(ctx, key, ttl)
}

type catalog struct {
	s    *Server
	sign sharing.URLSigner
}

// entries lists the shared tables, sorted.
func (c catalog) entries() [][4]string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	var out [][4]string
	for name, root := range c.s.tables {
		p := strings.SplitN(name, ".", 3)
		out = append(out, [4]string{p[0], p[1], p[2], root})
	}
	slices.SortFunc(out, func(a, b [4]string) int { return strings.Compare(strings.Join(a[:3], "."), strings.Join(b[:3], ".")) })
	return out
}

func (c catalog) Shares(context.Context, sharing.Recipient) ([]sharing.Share, error) {
	var out []sharing.Share
	for _, e := range c.entries() {
		if len(out) == 0 || out[len(out)-1].Name != e[0] {
			out = append(out, sharing.Share{Name: e[0]})
		}
	}
	return out, nil
}

func (c catalog) Tables(_ context.Context, _ sharing.Recipient, share string) (sharing.Share, []sharing.Table, error) {
	var out []sharing.Table
	var sh sharing.Share
	for _, e := range c.entries() {
		if strings.EqualFold(e[0], share) {
			sh = sharing.Share{Name: e[0]}
			out = append(out, sharing.Table{Share: e[0], Schema: e[1], Name: e[2], Delta: delta.NewTable(c.s.store, e[3]),
				History: true, Files: c.sign})
		}
	}
	if sh.Name == "" {
		return sharing.Share{}, nil, sharing.ErrNotFound
	}
	return sh, out, nil
}
