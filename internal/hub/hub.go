// Package hub runs the planning hub process: it serves HTTP (health, readiness, and
// the APIs that later capabilities mount), reports ready once start-up work is done,
// and shuts down gracefully, finishing in-flight requests.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trestle-dev/trestle/internal/buildinfo"
	"github.com/trestle-dev/trestle/internal/store"
)

// Config configures a Hub.
type Config struct {
	// Addr is the HTTP listen address, e.g. "127.0.0.1:8080".
	Addr string
	// ShutdownTimeout bounds how long in-flight requests may run after a stop
	// signal.
	ShutdownTimeout time.Duration
	Store           store.Store
	Logger          *slog.Logger
}

// Hub is the running planning hub.
type Hub struct {
	cfg    Config
	mux    *http.ServeMux
	mu     sync.RWMutex
	trees  []tree // prefix handlers, tried before mux
	ready  atomic.Bool
	reason atomic.Value // string: why not ready
	ln     net.Listener
}

// New returns a hub that is not yet listening.
func New(cfg Config) *Hub {
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Hub{cfg: cfg, mux: http.NewServeMux()}
	h.reason.Store("starting")
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.HandleFunc("GET /readyz", h.readyz)
	h.mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, buildinfo.Get()) })
	return h
}

// Handle mounts a handler on the hub's HTTP server.
func (h *Hub) Handle(pattern string, handler http.Handler) { h.mux.Handle(pattern, handler) }

// tree is a handler for every path under a prefix.
type tree struct {
	prefix  string
	handler http.Handler
}

// HandleTree mounts handler for every path starting with prefix ("/delta-sharing/"),
// as given: unlike Handle, paths are not cleaned first, so a path with doubled
// slashes reaches the handler instead of being redirected (some protocol
// clients send such paths). Longer prefixes win.
func (h *Hub) HandleTree(prefix string, handler http.Handler) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.trees = append(h.trees, tree{prefix, handler})
	slices.SortFunc(h.trees, func(a, b tree) int { return len(b.prefix) - len(a.prefix) })
}

// ServeHTTP routes a request: to a tree whose prefix its path starts with (the
// path with runs of slashes collapsed), else to the mux.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	trees := h.trees
	h.mu.RUnlock()
	p := collapseSlashes(r.URL.Path)
	for _, t := range trees {
		if strings.HasPrefix(p, t.prefix) {
			t.handler.ServeHTTP(w, r)
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

func collapseSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Listen binds the HTTP address; the hub answers /healthz from then on.
func (h *Hub) Listen() error {
	ln, err := net.Listen("tcp", h.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen for HTTP on %s: %w", h.cfg.Addr, err)
	}
	h.ln = ln
	return nil
}

// Addr is the address the hub listens on (useful with port 0).
func (h *Hub) Addr() string {
	if h.ln == nil {
		return h.cfg.Addr
	}
	return h.ln.Addr().String()
}

// SetReady marks start-up work as done: /readyz answers 200 while the database
// answers too.
func (h *Hub) SetReady() { h.ready.Store(true) }

// SetNotReady makes /readyz answer 503 with reason.
func (h *Hub) SetNotReady(reason string) {
	h.reason.Store(reason)
	h.ready.Store(false)
}

// Serve serves HTTP until ctx is cancelled, then stops taking new connections and
// waits (up to ShutdownTimeout) for in-flight requests to finish. Listen must have
// been called.
func (h *Hub) Serve(ctx context.Context) error {
	log := h.cfg.Logger
	srv := &http.Server{
		Handler:           accessLog(log, h),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(h.ln) }()
	log.Info("HTTP server listening", "addr", "http://"+h.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	h.SetNotReady("shutting down")
	log.Info("shutting down: finishing in-flight requests", "timeout", h.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), h.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("HTTP server stopped")
	return nil
}

func (h *Hub) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *Hub) readyz(w http.ResponseWriter, r *http.Request) {
	if !h.ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": h.reason.Load().(string)})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.cfg.Store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "database: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog logs each request; health probes only at debug level.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		log.Log(r.Context(), level, "http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr)
	})
}
