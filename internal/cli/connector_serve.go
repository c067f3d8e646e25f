package cli

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/connector"
)

// Function mode: the connector as an HTTP service, for Azure Functions custom
// handlers and container schedulers (Cloud Run jobs, Kubernetes, ECS).

// minSecretLen is the shortest shared secret connector serve accepts.
const minSecretLen = 16

// newConnectorServeCmd is "trestle connector serve".
func newConnectorServeCmd(g *globals, o *connectorOpts) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the connector as an HTTP service: POST /sync and an optional timer (function mode)",
		Long: `Serve runs the connector as a small HTTP service, so that a scheduler outside (an Azure
Function, a cloud scheduler, a webhook) can start syncs, and runs them on a timer too:

  POST /sync (also /api/sync)   run a sync now; answers when it ends with a JSON report
                                (200: every table synced; 500: tables failed; 409: a sync is
                                already running). ?wait=false answers 202 at once instead.
                                Body (optional): {"tables": ["share.schema.table"], "full": true}
  GET  /status                  the running and the last sync, as JSON
  GET  /healthz                 200 while the process runs
  POST /timer                   an Azure Functions timer trigger invocation (custom handler
                                format); accepted from the local host only

/sync and /status need the shared secret (--sync-secret, or TRESTLE_SYNC_SECRET; 16
characters or more) as "Authorization: Bearer <secret>" or "X-Trestle-Secret: <secret>".
The timer (--every: a duration like 1h or a cron expression; default config.yaml's
schedule.cron; off to disable) runs syncs in the process as "trestle connector run" does.
One sync runs at a time, here or from any other trestle process on the same folder.

The listen address defaults to the port Azure Functions gives a custom handler
(FUNCTIONS_CUSTOMHANDLER_PORT), else 127.0.0.1:8090. See docs/connector.md, "Function mode".`,
		Example: `  TRESTLE_SYNC_SECRET=$(openssl rand -hex 24) trestle connector serve --addr 0.0.0.0:8090 --every 1h
  curl -X POST -H "Authorization: Bearer $TRESTLE_SYNC_SECRET" http://127.0.0.1:8090/sync`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runConnectorServe(ctx, g, o, f, cmd.Flags().Changed("every"))
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", "", "listen address (default: :$FUNCTIONS_CUSTOMHANDLER_PORT under Azure Functions, else 127.0.0.1:8090)")
	cmd.Flags().StringVar(&f.secret, "sync-secret", "", "the shared secret callers of /sync and /status present (at least 16 characters; better from TRESTLE_SYNC_SECRET)")
	cmd.Flags().StringVar(&f.every, "every", "", "also sync on this timer: a duration (1h) or a cron expression; default config.yaml's schedule.cron; off for none")
	return cmd
}

// serveFlags are connector serve's settings.
type serveFlags struct {
	addr, secret, every string
}

// syncServer is the function-mode HTTP service.
type syncServer struct {
	g      *globals
	o      *connectorOpts
	secret []byte
	sync   func(ctx context.Context, tables []string, full bool) (*connector.Report, error)
	// base is the context syncs started without waiting run in.
	base context.Context

	mu      sync.Mutex
	running *syncRun
	last    *syncRun
	wg      sync.WaitGroup
}

// syncRun is one sync the service ran, as /status and /sync show it.
type syncRun struct {
	Trigger  string        `json:"trigger"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished,omitzero"`
	OK       bool          `json:"ok"`
	Error    string        `json:"error,omitempty"`
	Tables   []tableResult `json:"tables,omitempty"`
}

// tableResult is one table of a syncRun.
type tableResult struct {
	Table       string  `json:"table"`
	Destination string  `json:"destination"`
	Mode        string  `json:"mode"`
	Reason      string  `json:"reason,omitempty"`
	Version     int64   `json:"version"`
	Rows        int64   `json:"rows"`
	Deleted     int64   `json:"deleted"`
	Seconds     float64 `json:"seconds"`
	Error       string  `json:"error,omitempty"`
}

func runConnectorServe(ctx context.Context, g *globals, o *connectorOpts, f serveFlags, everyGiven bool) error {
	path, err := connectorConfigPath(o)
	if err != nil {
		return err
	}
	o.config = path
	if len(f.secret) < minSecretLen {
		return fmt.Errorf("give --sync-secret (or TRESTLE_SYNC_SECRET): a shared secret of at least %d characters that callers of /sync present, e.g. from: openssl rand -hex 24", minSecretLen)
	}
	addr := f.addr
	if addr == "" {
		addr = "127.0.0.1:8090"
		if p := os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT"); p != "" {
			addr = ":" + p
		}
	}
	spec := strings.TrimSpace(f.every)
	if !everyGiven {
		c, err := loadScheduledConfig(path)
		if err != nil {
			return err
		}
		spec = c.Schedule.Cron
	}
	s := &syncServer{g: g, o: o, secret: []byte(f.secret), base: ctx}
	s.sync = func(ctx context.Context, tables []string, full bool) (*connector.Report, error) {
		return runConnectorSyncReport(ctx, g, o, tables, full)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	g.log.Info("connector serving", "addr", "http://"+ln.Addr().String(), "config", path, "timer", orNone(spec))

	timerDone := make(chan error, 1)
	if spec != "" && spec != "off" {
		def, err := runDefinition(spec)
		if err != nil {
			srv.Close()
			return err
		}
		go func() {
			timerDone <- runConnectorLoop(ctx, g, o, def, spec, false, func(ctx context.Context, _ *globals, _ *connectorOpts, tables []string, full bool) error {
				_, err := s.run(ctx, "timer", tables, full)
				return err
			})
		}()
	} else {
		timerDone <- nil
	}
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	s.wg.Wait() // syncs started without waiting
	if terr := <-timerDone; err == nil {
		err = terr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// handler routes the service's requests.
func (s *syncServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSONStatus(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /status", s.authorized(s.status))
	mux.HandleFunc("POST /sync", s.authorized(s.syncHandler))
	mux.HandleFunc("POST /api/sync", s.authorized(s.syncHandler))
	mux.HandleFunc("POST /timer", s.timer)
	return mux
}

// authorized checks the shared secret, in constant time.
func (s *syncServer) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Trestle-Secret")
		if h := r.Header.Get("Authorization"); got == "" && len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			got = strings.TrimSpace(h[7:])
		}
		if subtle.ConstantTimeCompare([]byte(got), s.secret) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="trestle connector"`)
			writeJSONStatus(w, http.StatusUnauthorized, map[string]string{"error": "send the shared secret as Authorization: Bearer <secret> or X-Trestle-Secret"})
			return
		}
		next(w, r)
	}
}

// syncRequest is the optional body of POST /sync.
type syncRequest struct {
	Tables []string `json:"tables"`
	Full   bool     `json:"full"`
}

func (s *syncServer) syncHandler(w http.ResponseWriter, r *http.Request) {
	var req syncRequest
	if r.ContentLength != 0 {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
			writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": "the body must be {\"tables\": [\"share.schema.table\"], \"full\": false} or empty: " + err.Error()})
			return
		}
	}
	if r.URL.Query().Get("wait") == "false" {
		if !s.startBackground("http", req) {
			writeJSONStatus(w, http.StatusConflict, map[string]any{"error": "a sync is already running", "running": s.snapshot().Running})
			return
		}
		writeJSONStatus(w, http.StatusAccepted, map[string]string{"status": "started; see GET /status"})
		return
	}
	run, err := s.run(r.Context(), "http", req.Tables, req.Full)
	switch {
	case errors.Is(err, errSyncRunning):
		writeJSONStatus(w, http.StatusConflict, map[string]any{"error": "a sync is already running", "running": s.snapshot().Running})
	case run != nil && run.OK:
		writeJSONStatus(w, http.StatusOK, run)
	default:
		writeJSONStatus(w, http.StatusInternalServerError, run)
	}
}

// timer answers an Azure Functions timer trigger invoked through the custom
// handler: the host posts {"Data": ..., "Metadata": ...} to /<function name>
// on the local host, and wants {"Outputs", "Logs", "ReturnValue"} back.
func (s *syncServer) timer(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		writeJSONStatus(w, http.StatusForbidden, map[string]string{"error": "/timer is for the Azure Functions host on this machine; use POST /sync with the shared secret"})
		return
	}
	run, err := s.run(r.Context(), "azure-timer", nil, false)
	logs := []string{}
	status := http.StatusOK
	switch {
	case errors.Is(err, errSyncRunning):
		logs = append(logs, "a sync is already running; this timer run does nothing")
	case run != nil && run.OK:
		logs = append(logs, fmt.Sprintf("synced %d tables", len(run.Tables)))
	default:
		status = http.StatusInternalServerError
		if run != nil {
			logs = append(logs, "sync failed: "+run.Error)
		}
	}
	writeJSONStatus(w, status, map[string]any{"Outputs": map[string]any{}, "Logs": logs, "ReturnValue": nil})
}

func (s *syncServer) status(w http.ResponseWriter, r *http.Request) {
	writeJSONStatus(w, http.StatusOK, s.snapshot())
}

type serverStatus struct {
	Config  string   `json:"config"`
	Running *syncRun `json:"running,omitempty"`
	Last    *syncRun `json:"last,omitempty"`
}

func (s *syncServer) snapshot() serverStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return serverStatus{Config: s.o.config, Running: s.running, Last: s.last}
}

// startBackground starts a sync that outlives the request; false when one is
// running already.
func (s *syncServer) startBackground(trigger string, req syncRequest) bool {
	s.mu.Lock()
	busy := s.running != nil
	s.mu.Unlock()
	if busy {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if _, err := s.run(context.WithoutCancel(s.base), trigger, req.Tables, req.Full); err != nil && !errors.Is(err, errSyncRunning) {
			s.g.log.Error("connector sync failed", "trigger", trigger, "err", err)
		}
	}()
	return true
}

// run runs one sync (the folder's lock keeps it alone) and records it.
func (s *syncServer) run(ctx context.Context, trigger string, tables []string, full bool) (*syncRun, error) {
	s.mu.Lock()
	if s.running != nil {
		s.mu.Unlock()
		return nil, errSyncRunning
	}
	run := &syncRun{Trigger: trigger, Started: time.Now().UTC()}
	s.running = run
	s.mu.Unlock()

	report, err := s.sync(ctx, tables, full)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = nil
	if errors.Is(err, errSyncRunning) { // another trestle process holds the folder
		return nil, err
	}
	run.Finished = time.Now().UTC()
	run.OK = err == nil
	if err != nil {
		run.Error = err.Error()
	}
	if report != nil {
		for _, t := range report.Tables {
			tr := tableResult{Table: t.Table, Destination: t.Destination, Mode: t.Plan.Mode, Reason: t.Plan.Reason,
				Version: t.Version, Rows: t.Rows, Deleted: t.Deleted, Seconds: t.Duration.Seconds()}
			if t.Err != nil {
				tr.Error = t.Err.Error()
			}
			run.Tables = append(run.Tables, tr)
		}
	}
	s.last = run
	return run, err
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
