package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/hub"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

func newHub(t *testing.T) *hub.Hub {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := hub.New(hub.Config{Addr: "127.0.0.1:0", Store: st, ShutdownTimeout: 5 * time.Second})
	if err := h.Listen(); err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &body)
	return resp.StatusCode, body
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHub(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx) }()
	base := "http://" + h.Addr()
	if code, body := get(t, base+"/healthz"); code != 200 || body["status"] != "ok" {
		t.Fatalf("/healthz = %d %v", code, body)
	}
	h.SetNotReady("loading demo data")
	if code, body := get(t, base+"/readyz"); code != 503 || body["reason"] != "loading demo data" {
		t.Fatalf("/readyz before ready = %d %v", code, body)
	}
	h.SetReady()
	if code, body := get(t, base+"/readyz"); code != 200 || body["status"] != "ready" {
		t.Fatalf("/readyz when ready = %d %v", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestShutdownFinishesInFlightRequests stops the hub while a request is being
// served: the request completes, new connections are refused, Serve returns nil.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	h := newHub(t)
	started := make(chan struct{})
	h.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(700 * time.Millisecond)
		io.WriteString(w, "finished")
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx) }()
	base := "http://" + h.Addr()
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{resp.StatusCode, string(b), err}
	}()
	<-started
	cancel() // as SIGTERM would
	r := <-res
	if r.err != nil || r.code != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %d %q %v", r.code, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("hub still accepts connections after shutdown")
	}
}

// TestHandleTreeServesUncleanPaths: a tree handler gets paths with doubled
// slashes as sent (the mux would redirect them), and longer prefixes win.
func TestHandleTreeServesUncleanPaths(t *testing.T) {
	h := hub.New(hub.Config{})
	h.HandleTree("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("api " + r.URL.Path)) }))
	h.HandleTree("/api/files/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("files " + r.URL.Path)) }))
	for path, want := range map[string]string{
		"/api/x":          "api /api/x",
		"/api//shares//a": "api /api//shares//a",
		"//api/x":         "api //api/x",
		"/api/files/k":    "files /api/files/k",
		"/api//files/k":   "files /api//files/k",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("GET %s: %d %q, want %q", path, rec.Code, rec.Body.String(), want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("/healthz through the mux: %d", rec.Code)
	}
}
