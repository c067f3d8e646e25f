package source

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileServer serves one file over HTTP, with the validators it is told to
// send, and records what it answered.
type fileServer struct {
	mu          sync.Mutex
	content     []byte
	etag        string    // sent as ETag unless empty
	modTime     time.Time // sent as Last-Modified unless zero
	contentType string
	ignoreConds bool   // answer 200 whatever the conditional headers say
	user, pass  string // basic auth required when user is set
	bearer      string // bearer token required when set
	status      int    // answer this status with an error page when set
	log         []served
}

// served is one request and its answer.
type served struct {
	header http.Header
	status int
	bytes  int
}

func (f *fileServer) set(content string, etag string, modTime time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.content, f.etag, f.modTime = []byte(content), etag, modTime
}

func (f *fileServer) last() served {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.log[len(f.log)-1]
}

func (f *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() { f.log = append(f.log, served{r.Header.Clone(), rec.status, rec.bytes}) }()
	if f.user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != f.user || p != f.pass {
			http.Error(rec, "bad credentials", http.StatusUnauthorized)
			return
		}
	}
	if f.bearer != "" && r.Header.Get("Authorization") != "Bearer "+f.bearer {
		http.Error(rec, "bad token", http.StatusUnauthorized)
		return
	}
	if f.status != 0 {
		http.Error(rec, "<html><body>\n  Something broke.\n</body></html>", f.status)
		return
	}
	if f.etag != "" {
		rec.Header().Set("ETag", f.etag)
	}
	ct := f.contentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	rec.Header().Set("Content-Type", ct)
	if f.ignoreConds {
		if !f.modTime.IsZero() {
			rec.Header().Set("Last-Modified", f.modTime.UTC().Format(http.TimeFormat))
		}
		rec.Write(f.content)
		return
	}
	http.ServeContent(rec, r, "", f.modTime, bytes.NewReader(f.content))
}

type recorder struct {
	http.ResponseWriter
	status, bytes int
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func serve(t *testing.T, f *fileServer) *httptest.Server {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

const rosterCSV = "employee_id,name,email\n1001,Ana,ana@example.com\n1002,Bo,\n"

func TestHTTPETag(t *testing.T) {
	f := &fileServer{}
	f.set(rosterCSV, `"v1"`, time.Time{})
	srv := serve(t, f)
	cfg := Config{URL: srv.URL + "/export/roster.csv"}

	src := open(t, cfg, Options{})
	checkRows(t, mustReadAll(t, src), []rowData{
		{2, map[string]any{"employee_id": "1001", "name": "Ana", "email": "ana@example.com"}},
		{3, map[string]any{"employee_id": "1002", "name": "Bo", "email": ""}},
	})
	fp := src.Fingerprint()
	if !strings.Contains(string(fp), "etag=%22v1%22") {
		t.Fatalf("fingerprint %q has no ETag", fp)
	}

	// Unchanged: a conditional GET answered 304, no row read. The context
	// given to Open bounds Open only.
	ctx, cancel := context.WithCancel(context.Background())
	src, err := Open(ctx, cfg, Options{Previous: fp})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if !src.Unchanged() || src.Columns() != nil || len(mustReadAll(t, src)) != 0 {
		t.Errorf("unchanged file not reported unchanged")
	}
	if l := f.last(); l.header.Get("If-None-Match") != `"v1"` || l.status != http.StatusNotModified || l.bytes != 0 {
		t.Errorf("second request: If-None-Match %q, answered %d with %d bytes", l.header.Get("If-None-Match"), l.status, l.bytes)
	}
	if src.Fingerprint() != fp {
		t.Errorf("fingerprint after 304 %q, want %q", src.Fingerprint(), fp)
	}

	// Changed: read again.
	f.set(rosterCSV+"1003,Cy,cy@example.com\n", `"v2"`, time.Time{})
	src = open(t, cfg, Options{Previous: fp})
	if src.Unchanged() || len(mustReadAll(t, src)) != 3 || src.Fingerprint() == fp {
		t.Errorf("changed file: unchanged %v, fingerprint %q", src.Unchanged(), src.Fingerprint())
	}

	// A fingerprint from another URL is not used.
	other := open(t, Config{URL: srv.URL + "/other.csv"}, Options{Previous: src.Fingerprint()})
	if other.Unchanged() || f.last().header.Get("If-None-Match") != "" {
		t.Error("another URL's fingerprint was used")
	}

	// A server that ignores If-None-Match but sends the same ETag: unchanged.
	f.mu.Lock()
	f.ignoreConds = true
	f.mu.Unlock()
	fp2 := src.Fingerprint()
	src = open(t, cfg, Options{Previous: fp2})
	if !src.Unchanged() || f.last().status != http.StatusOK {
		t.Errorf("same ETag with 200: unchanged %v", src.Unchanged())
	}
}

func TestHTTPLastModified(t *testing.T) {
	f := &fileServer{contentType: "text/csv; charset=utf-8"}
	mod := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	f.set(rosterCSV, "", mod)
	srv := serve(t, f)
	cfg := Config{URL: srv.URL + "/roster"} // no extension: the Content-Type says CSV

	src := open(t, cfg, Options{})
	if n := len(mustReadAll(t, src)); n != 2 {
		t.Fatalf("%d rows", n)
	}
	fp := src.Fingerprint()
	src = open(t, cfg, Options{Previous: fp})
	l := f.last()
	if !src.Unchanged() || l.header.Get("If-Modified-Since") != mod.Format(http.TimeFormat) || l.status != http.StatusNotModified {
		t.Errorf("unchanged %v; If-Modified-Since %q answered %d", src.Unchanged(), l.header.Get("If-Modified-Since"), l.status)
	}
	f.set(rosterCSV, "", mod.Add(time.Hour))
	if src = open(t, cfg, Options{Previous: fp}); src.Unchanged() {
		t.Error("newer file reported unchanged")
	}

	// Without validators, the file is read every time.
	f.set(rosterCSV, "", time.Time{})
	src = open(t, cfg, Options{})
	fp = src.Fingerprint()
	mustReadAll(t, src)
	fp = src.Fingerprint()
	if src = open(t, cfg, Options{Previous: fp}); src.Unchanged() || len(mustReadAll(t, src)) != 2 {
		t.Error("a file without validators was reported unchanged")
	}
	// but once read, its checksum tells that it is the same.
	if !SameContent(fp, src.Fingerprint()) {
		t.Errorf("same content, fingerprints %q and %q", fp, src.Fingerprint())
	}
	f.set(rosterCSV+"1003,Cy,\n", "", time.Time{})
	src = open(t, cfg, Options{Previous: fp})
	if mustReadAll(t, src); SameContent(fp, src.Fingerprint()) {
		t.Error("other content, SameContent")
	}
}

func TestHTTPAuth(t *testing.T) {
	secrets := filepath.Join(t.TempDir(), "secrets.yaml")
	os.WriteFile(secrets, []byte("roster_pw: basic-Secret-9\nroster_token: bearer-Token-42\n"), 0o600)
	s, err := LoadSecrets(secrets)
	if err != nil {
		t.Fatal(err)
	}
	f := &fileServer{user: "sync", pass: "basic-Secret-9"}
	f.set(rosterCSV, `"v1"`, time.Time{})
	srv := serve(t, f)
	url := srv.URL + "/roster.csv"

	src := open(t, Config{URL: url, Auth: Auth{Username: "sync", Password: "secret:roster_pw"}}, Options{Secrets: s})
	if n := len(mustReadAll(t, src)); n != 2 {
		t.Errorf("basic auth: %d rows", n)
	}
	// Credentials in the URL work, and are not shown.
	src = open(t, Config{URL: strings.Replace(url, "http://", "http://sync:basic-Secret-9@", 1)}, Options{})
	if strings.Contains(src.String(), "basic-Secret-9") || strings.Contains(src.String(), "sync@") {
		t.Errorf("String() = %q", src.String())
	}
	openErr(t, Config{URL: url, Auth: Auth{Username: "sync", Password: "wrong-password"}}, Options{},
		ErrAccessDenied, []string{"401 Unauthorized", url, "check the auth settings"}, "wrong-password")
	openErr(t, Config{URL: strings.Replace(url, "http://", "http://sync:wrong-password@", 1)}, Options{},
		ErrHTTPStatus, []string{"401 Unauthorized", url}, "wrong-password")

	f.mu.Lock()
	f.user, f.bearer = "", "bearer-Token-42"
	f.mu.Unlock()
	src = open(t, Config{URL: url, Auth: Auth{Bearer: "${secret:roster_token}"}, Headers: map[string]string{"X-Api-Key": "key-123456"}}, Options{Secrets: s})
	if n := len(mustReadAll(t, src)); n != 2 || f.last().header.Get("X-Api-Key") != "key-123456" {
		t.Errorf("bearer: %d rows, X-Api-Key %q", n, f.last().header.Get("X-Api-Key"))
	}
	openErr(t, Config{URL: url, Auth: Auth{Bearer: "bearer-Token-wrong"}}, Options{},
		ErrAccessDenied, []string{"401"}, "bearer-Token-wrong")
	openErr(t, Config{URL: url, Auth: Auth{Bearer: "secret:nope"}}, Options{Secrets: s},
		ErrConfig, []string{`invalid source configuration: auth.bearer: secret "nope" is not in the secrets file`})
}

func TestHTTPFailures(t *testing.T) {
	f := &fileServer{status: http.StatusInternalServerError}
	srv := serve(t, f)
	openErr(t, Config{URL: srv.URL + "/roster.csv?token=tok-secret-1&v=2"}, Options{},
		ErrHTTPStatus, []string{"file " + srv.URL + "/roster.csv?token=***&v=2", "the server answered 500 Internal Server Error", "it said: <html><body> Something broke. </body></html>"},
		"tok-secret-1")

	f.mu.Lock()
	f.status = http.StatusNotFound
	f.mu.Unlock()
	openErr(t, Config{URL: srv.URL + "/roster.csv"}, Options{}, ErrUnreachable, []string{"404 Not Found", "no file at this address"})

	// Nothing listens any more.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	openErr(t, Config{URL: closed.URL + "/roster.csv", Auth: Auth{Bearer: "bearer-Token-42"}}, Options{},
		ErrUnreachable, []string{"cannot reach file " + closed.URL + "/roster.csv", "refused"}, "bearer-Token-42")
	openErr(t, Config{URL: "http://no-such-host.invalid/roster.csv"}, Options{}, ErrUnreachable, []string{"no-such-host.invalid"})

	// A web page instead of the file (a login page, say).
	f.mu.Lock()
	f.status, f.contentType = 0, "text/html; charset=utf-8"
	f.mu.Unlock()
	f.set("<html><body>Please log in</body></html>", "", time.Time{})
	openErr(t, Config{URL: srv.URL + "/roster.csv"}, Options{}, ErrMalformed, []string{"sent a web page"})
	f.mu.Lock()
	f.contentType = ""
	f.mu.Unlock()

	// Malformed content over HTTP: the line is given.
	f.mu.Lock()
	f.status = 0
	f.mu.Unlock()
	f.set("id,name\n1,Ana\n2,\"Bo\n", `"bad"`, time.Time{})
	_, err := readAll(open(t, Config{URL: srv.URL + "/roster.csv"}, Options{}))
	checkErr(t, err, ErrMalformed, []string{"line 3", srv.URL + "/roster.csv"})
}

func TestHTTPJSON(t *testing.T) {
	f := &fileServer{contentType: "application/x-ndjson"}
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, "{\"id\": %d, \"address\": {\"city\": \"C%d\"}}\n", i+1, i)
	}
	f.set(b.String(), `W/"weak"`, time.Time{})
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	src := open(t, Config{URL: srv.URL + "/api/people"}, Options{HTTPClient: srv.Client()})
	checkRows(t, mustReadAll(t, src), []rowData{
		{1, map[string]any{"id": int64(1), "address.city": "C0"}},
		{2, map[string]any{"id": int64(2), "address.city": "C1"}},
		{3, map[string]any{"id": int64(3), "address.city": "C2"}},
	})
	// A weak ETag is sent back too, and a 304 means unchanged.
	src = open(t, Config{URL: srv.URL + "/api/people"}, Options{HTTPClient: srv.Client(), Previous: src.Fingerprint()})
	if !src.Unchanged() {
		t.Error("weak ETag: not unchanged")
	}

	f.mu.Lock()
	f.contentType = "application/json"
	f.mu.Unlock()
	f.set(`[{"id": 1}, {"id": 2}]`, "", time.Time{})
	src = open(t, Config{URL: srv.URL + "/api/people", Format: "json"}, Options{HTTPClient: srv.Client()})
	if rows := mustReadAll(t, src); len(rows) != 2 || rows[1].Value("id") != int64(2) || rows[1].Line != 1 {
		t.Errorf("array: %v", rows)
	}
}
