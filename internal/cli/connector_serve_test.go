package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/connector"
	"github.com/trestle-dev/trestle/internal/connector/sink/sqlite"
)

// lockedWriter is a writer goroutines may share.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

const testSecret = "0123456789abcdef-secret"

// newSyncServer serves function mode for a connector folder syncing the
// test share into SQLite, over real HTTP.
func newSyncServer(t *testing.T) (*connectorEnv, *httptest.Server, *syncServer) {
	t.Helper()
	e := newConnectorEnv(t)
	cfg := e.writeConfig(t, "  type: sqlite\n  sqlite:\n    path: dest.db\n", time.Time{})
	var out, errb lockedWriter
	g := &globals{stdout: &out, stderr: &errb, log: slog.New(slog.NewTextHandler(&errb, nil))}
	o := &connectorOpts{config: cfg}
	s := &syncServer{g: g, o: o, secret: []byte(testSecret), base: context.Background()}
	s.sync = func(ctx context.Context, tables []string, full bool) (*connector.Report, error) {
		return runConnectorSyncReport(ctx, g, o, tables, full)
	}
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	return e, srv, s
}

func post(t *testing.T, url, secret, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func destRows(t *testing.T, dir, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", sqlite.DSN(filepath.Join(dir, "dest.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestConnectorServeSync(t *testing.T) {
	e, srv, s := newSyncServer(t)
	// No secret, a wrong one: refused, nothing synced.
	for _, secret := range []string{"", "0123456789abcdef-wrong!"} {
		if code, body := post(t, srv.URL+"/sync", secret, ""); code != http.StatusUnauthorized {
			t.Fatalf("secret %q: %d %s", secret, code, body)
		}
	}
	// A sync, with the report.
	code, body := post(t, srv.URL+"/sync", testSecret, "")
	if code != http.StatusOK {
		t.Fatalf("POST /sync: %d %s", code, body)
	}
	var run syncRun
	if err := json.Unmarshal(body, &run); err != nil || !run.OK || len(run.Tables) != 2 || run.Tables[0].Mode == "" {
		t.Fatalf("report %s (%v)", body, err)
	}
	if n := destRows(t, e.dir, "s__people"); n != 4 {
		t.Fatalf("s__people has %d rows, want 4", n)
	}
	// One table, in full, through the Azure Functions path.
	code, body = post(t, srv.URL+"/api/sync", testSecret, `{"tables":["s.rp.people"],"full":true}`)
	if code != http.StatusOK || !strings.Contains(string(body), `"mode": "full"`) || strings.Contains(string(body), "s.rp.regions") {
		t.Fatalf("POST /api/sync one table: %d %s", code, body)
	}
	// A bad body is named.
	if code, body := post(t, srv.URL+"/sync", testSecret, `{"tabels":[]}`); code != http.StatusBadRequest || !strings.Contains(string(body), "tabels") {
		t.Fatalf("bad body: %d %s", code, body)
	}
	// /status shows the last run; it needs the secret too.
	req, _ := http.NewRequest("GET", srv.URL+"/status", nil)
	if res, _ := http.DefaultClient.Do(req); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/status without the secret: %d", res.StatusCode)
	}
	req.Header.Set("X-Trestle-Secret", testSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st serverStatus
	json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	if st.Last == nil || st.Last.Trigger != "http" || st.Running != nil {
		t.Fatalf("status %+v", st)
	}
	// While a sync runs, another is refused with 409.
	release := make(chan struct{})
	started := make(chan struct{})
	real := s.sync
	s.sync = func(ctx context.Context, tables []string, full bool) (*connector.Report, error) {
		close(started)
		<-release
		return real(ctx, tables, full)
	}
	if code, body := post(t, srv.URL+"/sync?wait=false", testSecret, ""); code != http.StatusAccepted {
		t.Fatalf("wait=false: %d %s", code, body)
	}
	<-started
	if code, body := post(t, srv.URL+"/sync", testSecret, ""); code != http.StatusConflict {
		t.Fatalf("second sync while one runs: %d %s", code, body)
	}
	close(release)
	s.wg.Wait()
	if snap := s.snapshot(); snap.Last == nil || !snap.Last.OK {
		t.Fatalf("background sync: %+v", snap.Last)
	}
}

func TestConnectorServeSyncFailure(t *testing.T) {
	e, srv, _ := newSyncServer(t)
	// The destination cannot be opened: 500 with the reason.
	e.writeConfig(t, "  type: sqlite\n  sqlite:\n    path: no/such/folder/dest.db\n", time.Time{})
	code, body := post(t, srv.URL+"/sync", testSecret, "")
	if code != http.StatusInternalServerError || !strings.Contains(string(body), `"ok": false`) || !strings.Contains(string(body), "error") {
		t.Fatalf("failing sync: %d %s", code, body)
	}
}

func TestConnectorServeTimerInvocation(t *testing.T) {
	e, srv, _ := newSyncServer(t)
	// The Azure Functions host posts timer invocations from the local host.
	code, body := post(t, srv.URL+"/timer", "", `{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}`)
	var resp struct {
		Outputs     map[string]any `json:"Outputs"`
		Logs        []string       `json:"Logs"`
		ReturnValue any            `json:"ReturnValue"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &resp) != nil || resp.Outputs == nil || len(resp.Logs) == 0 {
		t.Fatalf("/timer: %d %s", code, body)
	}
	if n := destRows(t, e.dir, "s__regions"); n == 0 {
		t.Fatal("the timer invocation synced nothing")
	}
}

func TestConnectorServeCommand(t *testing.T) {
	e := newConnectorEnv(t)
	cfg := e.writeConfig(t, "  type: sqlite\n  sqlite:\n    path: dest.db\n", time.Time{})
	// Without a secret it does not start.
	code, _, errs := runTrestle(t, "connector", "serve", "--config", cfg)
	if code == 0 || !strings.Contains(errs, "--sync-secret") {
		t.Fatalf("no secret: exit %d, %s", code, errs)
	}
	// With one, it serves and syncs on its timer until stopped.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		var out, errb lockedWriter
		done <- Main(ctx, []string{"connector", "serve", "--config", cfg, "--addr", addr, "--every", "1s", "--sync-secret", testSecret}, &out, &errb)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		if err == nil && res.StatusCode == 200 && fileHasRows(e.dir) {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("connector serve did not answer /healthz and sync on its timer within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("connector serve exited %d after the stop", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("connector serve did not stop")
	}
}

// fileHasRows reports whether the destination has the people table synced.
func fileHasRows(dir string) bool {
	db, err := sql.Open("sqlite", sqlite.DSN(filepath.Join(dir, "dest.db")))
	if err != nil {
		return false
	}
	defer db.Close()
	var n int
	return db.QueryRow(`SELECT count(*) FROM s__people`).Scan(&n) == nil && n == 4
}
