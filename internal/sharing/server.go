package sharing

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// DefaultURLTTL is how long file URLs stay valid when Config.URLTTL is zero.
const DefaultURLTTL = time.Hour

// Config configures a Server.
type Config struct {
	// Prefix is the path the protocol is served under, e.g. "/delta-sharing".
	Prefix string
	// Auth checks bearer tokens; Catalog lists what a recipient may read.
	Auth    Authenticator
	Catalog Catalog
	// URLTTL is how long file URLs stay valid (DefaultURLTTL when zero).
	URLTTL time.Duration
	// Secret signs page and refresh tokens (at least 32 bytes; random when nil,
	// which makes tokens valid for this process only).
	Secret []byte
	// Log receives server errors; nil discards them.
	Log *slog.Logger
	// Access, when set, is called once per request after it is answered.
	Access func(ctx context.Context, a Access)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Access describes one answered request, for the access log.
type Access struct {
	Recipient           Recipient
	Method, Path        string
	Share, Schema, Name string
	Status              int
	Files               int   // file URLs handed out
	Bytes               int64 // total size of the files handed out
	Duration            time.Duration
	Remote              string
}

// Server serves the Delta Sharing protocol.
type Server struct {
	cfg    Config
	log    *slog.Logger
	tokens tokenCodec
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.Prefix == "/" {
		cfg.Prefix = ""
	}
	if cfg.URLTTL <= 0 {
		cfg.URLTTL = DefaultURLTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	secret := cfg.Secret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: log, tokens: tokenCodec{secret: secret}}
}

// Prefix returns the path the server answers under.
func (s *Server) Prefix() string { return s.cfg.Prefix }

// request is one request being answered.
type request struct {
	w         http.ResponseWriter
	r         *http.Request
	ctx       context.Context
	recipient Recipient
	access    *Access
	caps      capabilities
}

// ServeHTTP answers the protocol's requests. Paths are split on "/" with empty
// segments dropped, so doubled slashes are served rather than redirected.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.cfg.Now()
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	a := &Access{Method: r.Method, Path: r.URL.Path, Remote: r.RemoteAddr}
	req := &request{w: rec, r: r, ctx: r.Context(), access: a}
	if err := s.serve(req); err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("delta sharing request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = &apiError{http.StatusInternalServerError, codeInternal, ""}
		}
		if rec.wrote {
			// The status was sent already: say so in the stream, as the protocol's
			// endStreamAction.errorMessage allows; the client must fail.
			writeLine(rec, map[string]any{"endStreamAction": map[string]any{"errorMessage": ae.message}})
		} else {
			writeError(rec, r, ae)
		}
	}
	if s.cfg.Access != nil {
		a.Status, a.Duration = rec.status, s.cfg.Now().Sub(start)
		s.cfg.Access(context.WithoutCancel(r.Context()), *a)
	}
}

func (s *Server) serve(q *request) error {
	path := q.r.URL.Path
	if !strings.HasPrefix(path, s.cfg.Prefix) {
		return notFound("no such endpoint")
	}
	var parts []string
	for _, p := range strings.Split(path[len(s.cfg.Prefix):], "/") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 || parts[0] != "shares" {
		return notFound("no such endpoint")
	}
	if err := s.authenticate(q); err != nil {
		return err
	}
	caps, err := parseCapabilities(q.r.Header.Values("delta-sharing-capabilities"))
	if err != nil {
		return err
	}
	q.caps = caps
	switch {
	case len(parts) == 1:
		return s.method(q, http.MethodGet, s.listShares)
	case len(parts) == 2:
		return s.method(q, http.MethodGet, func(q *request) error { return s.getShare(q, parts[1]) })
	case len(parts) == 3 && parts[2] == "schemas":
		return s.method(q, http.MethodGet, func(q *request) error { return s.listSchemas(q, parts[1]) })
	case len(parts) == 3 && parts[2] == "all-tables":
		return s.method(q, http.MethodGet, func(q *request) error { return s.listTables(q, parts[1], "") })
	case len(parts) == 5 && parts[2] == "schemas" && parts[4] == "tables":
		return s.method(q, http.MethodGet, func(q *request) error { return s.listTables(q, parts[1], parts[3]) })
	case len(parts) >= 6 && parts[2] == "schemas" && parts[4] == "tables":
		return s.table(q, parts[1], parts[3], parts[5], parts[6:])
	}
	return notFound("no such endpoint")
}

func (s *Server) method(q *request, want string, h func(*request) error) error {
	if q.r.Method != want {
		return &apiError{http.StatusMethodNotAllowed, codeInvalidParameter, "method " + q.r.Method + " is not allowed here"}
	}
	return h(q)
}

func (s *Server) authenticate(q *request) error {
	h := q.r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(h, "bearer ")
	}
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return errUnauthenticated
	}
	rec, err := s.cfg.Auth.Authenticate(q.ctx, token)
	if err != nil {
		if !errors.Is(err, ErrUnauthenticated) {
			s.log.Error("delta sharing: authentication failed", "err", err)
		}
		return errUnauthenticated
	}
	q.recipient, q.access.Recipient = rec, rec
	return nil
}

// statusWriter remembers the status and whether the body started.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
