package fileurl_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
)

var secret = bytes.Repeat([]byte("k"), fileurl.MinSecretLen)

// clock is a settable time, safe to read from the server's goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration)     { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock                   { return &clock{t: time.Unix(1_800_000_000, 0)} }
func content(key string, n int) []byte   { return bytes.Repeat([]byte(key+"|"), n/(len(key)+1)+1)[:n] }
func newLocal(t *testing.T) *local.Store { return must(local.New(filepath.Join(t.TempDir(), "s"))) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

type env struct {
	signer *fileurl.Signer
	store  *local.Store
	clock  *clock
	srv    *httptest.Server
}

// newEnv serves a Signer with the local store "tables" under /delta-sharing/files/.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{store: newLocal(t), clock: newClock()}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.signer = fileurl.NewSigner(secret, e.srv.URL+"/delta-sharing/files/")
	e.signer.Clock = e.clock.Now
	e.signer.Register("tables", e.store)
	mux.Handle("/delta-sharing/files/", e.signer)
	return e
}

func (e *env) put(t *testing.T, key string, b []byte) {
	t.Helper()
	if err := e.store.Put(t.Context(), key, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
}

func (e *env) sign(t *testing.T, store, key string) string {
	t.Helper()
	u, _, err := e.signer.Sign(store, key, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// do sends a request and returns the response with its body read.
func do(t *testing.T, method, u string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := must(http.NewRequestWithContext(t.Context(), method, u, nil))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp := must(http.DefaultClient.Do(req))
	defer resp.Body.Close()
	return resp, must(io.ReadAll(resp.Body))
}

var oddKeys = []string{
	"people/part-00001.snappy.parquet",
	"dir with space/a b.parquet",
	"pct/100%25%.parquet",
	"uni/ünïcødé 日本/ファイル.parquet",
	"eq/a=b&c=d?e#f+g;h,i:j@k$!'()*.parquet",
	"ctl/tab\there\nnewline",
}

func TestGetHeadRange(t *testing.T) {
	e := newEnv(t)
	for _, key := range oddKeys {
		t.Run(key, func(t *testing.T) {
			want := content(key, 1000)
			e.put(t, key, want)
			u := e.sign(t, "tables", key)
			path := strings.TrimPrefix(strings.SplitN(u, "?", 2)[0], e.srv.URL+"/delta-sharing/files/tables/")
			for _, c := range path {
				if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%/", c) {
					t.Errorf("URL %s: path has %q, want only unreserved characters and escapes", u, c)
				}
			}

			resp, body := do(t, "GET", u)
			if resp.StatusCode != 200 || !bytes.Equal(body, want) {
				t.Fatalf("GET = %d, %d bytes; want 200 and the object's %d bytes", resp.StatusCode, len(body), len(want))
			}
			if ct, cl := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Length"); ct != "application/octet-stream" || cl != "1000" {
				t.Errorf("GET: Content-Type %q, Content-Length %q", ct, cl)
			}
			etag := resp.Header.Get("ETag")
			if resp, _ := do(t, "GET", u, "If-None-Match", etag); etag == "" || resp.StatusCode != http.StatusNotModified {
				t.Errorf("GET with If-None-Match %q = %d, want 304", etag, resp.StatusCode)
			}

			resp, body = do(t, "HEAD", u)
			if resp.StatusCode != 200 || resp.ContentLength != 1000 || len(body) != 0 {
				t.Errorf("HEAD = %d, Content-Length %d, %d body bytes; want 200, 1000, none", resp.StatusCode, resp.ContentLength, len(body))
			}

			resp, body = do(t, "GET", u, "Range", "bytes=100-199")
			if resp.StatusCode != 206 || !bytes.Equal(body, want[100:200]) || resp.Header.Get("Content-Range") != "bytes 100-199/1000" {
				t.Errorf("GET bytes=100-199 = %d %q (%s)", resp.StatusCode, body, resp.Header.Get("Content-Range"))
			}
			resp, body = do(t, "GET", u, "Range", "bytes=-10")
			if resp.StatusCode != 206 || !bytes.Equal(body, want[990:]) {
				t.Errorf("GET bytes=-10 = %d %q", resp.StatusCode, body)
			}
		})
	}
}

func TestMultiRange(t *testing.T) {
	e := newEnv(t)
	want := content("data", 5000)
	e.put(t, "t/f.parquet", want)
	resp, body := do(t, "GET", e.sign(t, "tables", "t/f.parquet"), "Range", "bytes=0-3,4000-4099,-8")
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != 206 || err != nil || mt != "multipart/byteranges" {
		t.Fatalf("GET with 3 ranges = %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for _, rg := range [][2]int{{0, 4}, {4000, 4100}, {4992, 5000}} {
		part, err := r.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		got := must(io.ReadAll(part))
		cr := fmt.Sprintf("bytes %d-%d/5000", rg[0], rg[1]-1)
		if !bytes.Equal(got, want[rg[0]:rg[1]]) || part.Header.Get("Content-Range") != cr {
			t.Errorf("part %s: %q, want %s %q", part.Header.Get("Content-Range"), got, cr, want[rg[0]:rg[1]])
		}
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Errorf("after 3 parts: %v, want io.EOF", err)
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t)
	e.put(t, "k", []byte("x"))
	u, expires, err := e.signer.Sign("tables", "k", 90*time.Second)
	if err != nil || !expires.Equal(e.clock.Now().Add(90*time.Second)) {
		t.Fatalf("Sign = %v, %v; want expiry now+90s", expires, err)
	}
	e.clock.Add(89 * time.Second)
	if resp, _ := do(t, "GET", u); resp.StatusCode != 200 {
		t.Errorf("GET 1s before expiry = %d, want 200", resp.StatusCode)
	}
	e.clock.Add(time.Second)
	if resp, body := do(t, "GET", u); resp.StatusCode != 403 || !strings.Contains(string(body), "invalid or expired") {
		t.Errorf("GET at expiry = %d %q, want 403", resp.StatusCode, body)
	}
	if _, _, err := e.signer.Sign("tables", "k", 500*time.Millisecond); err == nil {
		t.Error("Sign with a lifetime under a second: no error")
	}
}

// TestForbidden: every way of changing a URL gets the same 403.
func TestForbidden(t *testing.T) {
	e := newEnv(t)
	other := newLocal(t)
	e.signer.Register("other", other)
	for _, k := range []string{"a/file.parquet", "a/secret.parquet"} {
		e.put(t, k, []byte("data of "+k))
		if err := other.Put(t.Context(), k, strings.NewReader("other "+k)); err != nil {
			t.Fatal(err)
		}
	}
	good := e.sign(t, "tables", "a/file.parquet")
	base := strings.SplitN(good, "?", 2)[0]
	q := must(url.ParseQuery(strings.SplitN(good, "?", 2)[1]))
	sig, exp := q.Get("sig"), q.Get("exp")
	flip := "A"
	if strings.HasPrefix(sig, "A") {
		flip = "B"
	}
	unknown := fileurl.NewSigner(secret, e.srv.URL+"/delta-sharing/files") // same secret, no stores
	unknownSrv := httptest.NewServer(unknown)
	defer unknownSrv.Close()
	for name, u := range map[string]string{
		"other key":        strings.Replace(base, "file.parquet", "secret.parquet", 1) + "?exp=" + exp + "&sig=" + sig,
		"other store":      strings.Replace(base, "/tables/", "/other/", 1) + "?exp=" + exp + "&sig=" + sig,
		"later expiry":     base + "?exp=" + fmt.Sprint(must(strconv.ParseInt(exp, 10, 64))+3600) + "&sig=" + sig,
		"padded expiry":    base + "?exp=0" + exp + "&sig=" + sig,
		"tampered sig":     base + "?exp=" + exp + "&sig=" + flip + sig[1:],
		"short sig":        base + "?exp=" + exp + "&sig=" + sig[:20],
		"no sig":           base + "?exp=" + exp,
		"two sigs":         good + "&sig=" + sig,
		"no exp":           base + "?sig=" + sig,
		"other secret":     swapSecret(t, e, "a/file.parquet"),
		"unknown store":    strings.Replace(good, e.srv.URL, unknownSrv.URL, 1),
		"no key":           e.srv.URL + "/delta-sharing/files/tables?exp=" + exp + "&sig=" + sig,
		"unregistered dir": e.srv.URL + "/delta-sharing/files/nope/a/file.parquet?exp=" + exp + "&sig=" + sig,
	} {
		resp, body := do(t, "GET", u)
		if resp.StatusCode != 403 || string(body) != "invalid or expired file URL\n" {
			t.Errorf("%s: GET %s = %d %q, want 403 and the one message", name, u, resp.StatusCode, body)
		}
	}
	if resp, _ := do(t, "GET", good); resp.StatusCode != 200 {
		t.Errorf("the untouched URL = %d, want 200", resp.StatusCode)
	}
	if _, _, err := e.signer.Sign("nope", "a/file.parquet", time.Hour); err == nil {
		t.Error("Sign for an unknown store: no error")
	}
	if _, _, err := e.signer.Sign("tables", "a/../b", time.Hour); err == nil {
		t.Error("Sign of an invalid key: no error")
	}
}

// swapSecret signs key with another secret and serves it from e's address.
func swapSecret(t *testing.T, e *env, key string) string {
	s := fileurl.NewSigner(bytes.Repeat([]byte("x"), 32), e.srv.URL+"/delta-sharing/files")
	s.Register("tables", e.store)
	u, _, err := s.Sign("tables", key, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNotFoundAndMethods(t *testing.T) {
	e := newEnv(t)
	u := e.sign(t, "tables", "gone/file.parquet")
	if resp, _ := do(t, "GET", u); resp.StatusCode != 404 {
		t.Errorf("GET of a missing object = %d, want 404", resp.StatusCode)
	}
	e.put(t, "gone/file.parquet", []byte("x"))
	if resp, _ := do(t, "GET", u); resp.StatusCode != 200 {
		t.Errorf("GET once written = %d, want 200", resp.StatusCode)
	}
	if err := e.store.Delete(t.Context(), "gone/file.parquet"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := do(t, "HEAD", u); resp.StatusCode != 404 {
		t.Errorf("HEAD once deleted = %d, want 404", resp.StatusCode)
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		if resp, _ := do(t, m, u); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s = %d (Allow %q), want 405", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

func TestConfigPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short secret":  func() { fileurl.NewSigner(secret[:31], "http://h/f") },
		"relative base": func() { fileurl.NewSigner(secret, "/delta-sharing/files") },
		"base query":    func() { fileurl.NewSigner(secret, "http://h/f?x=1") },
		"bad name":      func() { fileurl.NewSigner(secret, "http://h/f").Register("a/b", newLocal(t)) },
		"empty name":    func() { fileurl.NewSigner(secret, "http://h/f").Register("", newLocal(t)) },
		"nil store":     func() { fileurl.NewSigner(secret, "http://h/f").Register("a", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// presigning is a store that presigns its own URLs.
type presigning struct{ blob.Store }

func (presigning) PresignGet(_ context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	return "https://s3.example/" + key, time.Unix(42, 0), nil
}

func TestFileURL(t *testing.T) {
	e := newEnv(t)
	e.signer.Register("s3", presigning{e.store})
	if u, _, err := e.signer.FileURL(t.Context(), "s3", "a/b", time.Hour); err != nil || u != "https://s3.example/a/b" {
		t.Errorf("FileURL on a Presigner = %q, %v; want its presigned URL", u, err)
	}
	e.put(t, "a/b", []byte("local"))
	u, _, err := e.signer.FileURL(t.Context(), "tables", "a/b", time.Hour)
	if resp, body := do(t, "GET", u); err != nil || resp.StatusCode != 200 || string(body) != "local" {
		t.Errorf("FileURL on a local store = %q, %v: GET %d %q", u, err, resp.StatusCode, body)
	}
}
