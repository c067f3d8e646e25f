package sftpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Config configures a Server. HostKey, Accounts, Root and Processor are required.
type Config struct {
	// Addr is the TCP listen address; default ":2022". Tests use "127.0.0.1:0".
	Addr string
	// HostKey is the server's private host key (see LoadOrCreateHostKey).
	HostKey ssh.Signer
	// Accounts checks logins.
	Accounts Accounts
	// Root is the folder holding one folder per company id; created if missing.
	Root string
	// Processor applies completed uploads.
	Processor Processor
	// Log receives the server's logs; default slog.Default(). Passwords are
	// never logged.
	Log *slog.Logger

	// MaxConnections bounds open connections; more are closed at once.
	// Default 100.
	MaxConnections int
	// IdleTimeout closes a connection that neither sends nor receives anything
	// for this long (SSH keepalives count as traffic). Default 15 minutes.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds the time from connecting to being logged in.
	// Default 30 seconds.
	HandshakeTimeout time.Duration
	// MaxUploadSize is the largest file accepted, in bytes. Default 1 GiB.
	MaxUploadSize int64
	// LoginDelay is how long a failed password login takes at least, whether or
	// not the user exists. Default 1 second.
	LoginDelay time.Duration
	// Workers bounds how many companies' files are processed at once (each
	// company's files are always processed one at a time). Default 4.
	Workers int
	// ShutdownTimeout is how long a file being processed may keep running after
	// Serve's context is cancelled before its context is cancelled too.
	// Default 30 seconds.
	ShutdownTimeout time.Duration
}

// Server is an SFTP server. Create it with New, then call Serve.
type Server struct {
	cfg    Config
	log    *slog.Logger
	sshCfg *ssh.ServerConfig
	root   *os.Root // cfg.Root
	dir    string   // absolute cfg.Root

	mu        sync.Mutex
	ln        net.Listener
	conns     map[net.Conn]struct{}
	companies map[string]*company
	closed    bool
	connWG    sync.WaitGroup

	procCtx    context.Context // processing; cancelled by Close or after ShutdownTimeout
	procCancel context.CancelFunc
	stopping   atomic.Bool // no new file is started
	workWG     sync.WaitGroup
	slots      chan struct{} // bounds companies processed at once
	done       chan struct{} // closed once the server has stopped
	stopOnce   sync.Once
}

// maxSessionsPerConn bounds the SFTP sessions open at once on one connection.
const maxSessionsPerConn = 10

// accountKey keys the Account in ssh.Permissions.ExtraData.
type accountKey struct{}

// errLoginFailed is the one answer to every failed login.
var errLoginFailed = errors.New("permission denied")

// New checks cfg, fills in defaults and opens (creating it if needed) the root
// folder. The server does not listen until Listen or Serve.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.HostKey == nil:
		return nil, errors.New("sftp server: no host key given")
	case cfg.Accounts == nil:
		return nil, errors.New("sftp server: no account store given")
	case cfg.Processor == nil:
		return nil, errors.New("sftp server: no processor given")
	case cfg.Root == "":
		return nil, errors.New("sftp server: no root folder given")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.Addr == "" {
		cfg.Addr = ":2022"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 100
	}
	if cfg.MaxUploadSize <= 0 {
		cfg.MaxUploadSize = 1 << 30
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	def(&cfg.IdleTimeout, 15*time.Minute)
	def(&cfg.HandshakeTimeout, 30*time.Second)
	def(&cfg.LoginDelay, time.Second)
	def(&cfg.ShutdownTimeout, 30*time.Second)

	dir, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("sftp server: root folder %s: %w", cfg.Root, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sftp server: create root folder %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("sftp server: open root folder %s: %w", dir, err)
	}
	s := &Server{
		cfg: cfg, log: cfg.Log.With("component", "sftp"), root: root, dir: dir,
		conns: map[net.Conn]struct{}{}, companies: map[string]*company{},
		slots: make(chan struct{}, cfg.Workers), done: make(chan struct{}),
	}
	s.procCtx, s.procCancel = context.WithCancel(context.Background())
	s.sshCfg = &ssh.ServerConfig{
		PasswordCallback:  s.passwordCallback,
		PublicKeyCallback: s.publicKeyCallback,
		ServerVersion:     "SSH-2.0-Trestle",
		MaxAuthTries:      6,
	}
	s.sshCfg.AddHostKey(cfg.HostKey)
	return s, nil
}

// Listen binds the listen address. Serve calls it if it was not called before.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sftp server: already closed")
	}
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen for SFTP on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the address the server listens on (useful with port 0), or the
// configured address before Listen.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return s.cfg.Addr
	}
	return s.ln.Addr().String()
}

// Serve processes files left in processing/ by an earlier run, then accepts
// connections until ctx is cancelled or Close is called (errors accepting a
// connection are logged and retried). On the way out it closes
// every connection (uploads in flight are cut off and not processed), starts no
// new file, lets the file being processed finish for up to ShutdownTimeout, and
// returns once everything has stopped: nil when stopped by ctx or Close (also
// when Close came first).
func (s *Server) Serve(ctx context.Context) error {
	if s.isClosed() {
		return nil
	}
	if err := s.Listen(); err != nil {
		if s.isClosed() {
			return nil
		}
		return err
	}
	// Recovery queues files; like a connection, it must finish before Close
	// waits for the workers.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.connWG.Add(1)
	s.mu.Unlock()
	s.recoverAll()
	s.connWG.Done()
	s.log.Info("SFTP server listening", "addr", s.Addr(), "root", s.dir,
		"host_key", ssh.FingerprintSHA256(s.cfg.HostKey.PublicKey()))
	stop := context.AfterFunc(ctx, func() { s.shutdown(s.cfg.ShutdownTimeout) })
	defer stop()

	for delay := time.Duration(0); ; {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() {
				break
			}
			// Out of file descriptors, say: wait and try again.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Warn("SFTP server cannot accept a connection; trying again", "err", err, "in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if !s.track(nc) {
			nc.Close()
			continue
		}
		go s.handleConn(nc)
	}
	s.connWG.Wait()
	s.workWG.Wait()
	s.procCancel()
	s.log.Info("SFTP server stopped")
	return nil
}

// Close stops the server at once: it closes the listener and every connection
// and cancels the file being processed (it will be processed again on the next
// start). It waits until every connection handler and worker has returned.
func (s *Server) Close() error {
	s.shutdown(0)
	s.connWG.Wait()
	s.workWG.Wait()
	s.procCancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.companies {
		c.root.Close()
	}
	clear(s.companies)
	return s.root.Close()
}

// shutdown stops taking connections, closes those open, stops starting new
// files, and cancels processing after grace.
func (s *Server) shutdown(grace time.Duration) {
	s.stopOnce.Do(func() {
		s.stopping.Store(true)
		s.mu.Lock()
		s.closed = true
		if s.ln != nil {
			s.ln.Close()
		}
		for nc := range s.conns {
			nc.Close()
		}
		s.mu.Unlock()
		close(s.done)
	})
	if grace <= 0 {
		s.procCancel()
		return
	}
	time.AfterFunc(grace, s.procCancel)
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track registers a new connection, refusing it beyond MaxConnections.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if len(s.conns) >= s.cfg.MaxConnections {
		s.log.Warn("SFTP connection refused: too many connections", "remote", nc.RemoteAddr().String(),
			"max_connections", s.cfg.MaxConnections)
		return false
	}
	s.conns[nc] = struct{}{}
	s.connWG.Add(1)
	return true
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
}

// handleConn runs one connection: the SSH handshake and login, then its SFTP
// sessions.
func (s *Server) handleConn(nc net.Conn) {
	defer s.connWG.Done()
	defer s.untrack(nc)
	defer nc.Close()
	remote := nc.RemoteAddr().String()
	timer := time.AfterFunc(s.cfg.HandshakeTimeout, func() { nc.Close() })
	sc, chans, reqs, err := ssh.NewServerConn(&idleConn{Conn: nc, timeout: s.cfg.IdleTimeout}, s.sshCfg)
	timer.Stop()
	if err != nil {
		s.log.Debug("SFTP connection ended before login", "remote", remote, "reason", err)
		return
	}
	defer sc.Close()
	acct, _ := sc.Permissions.ExtraData[accountKey{}].(Account)
	log := s.log.With("user", acct.User, "company", acct.CompanyID, "remote", remote)
	c, err := s.company(acct.CompanyID)
	if err != nil {
		log.Error("SFTP login refused: cannot prepare the company's folder", "err", err)
		return
	}
	start := time.Now()
	log.Info("SFTP login", "method", sc.Permissions.Extensions["method"])
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	var sessions atomic.Int32
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.Prohibited, "only SFTP is offered")
			continue
		}
		if sessions.Load() >= maxSessionsPerConn {
			nch.Reject(ssh.ResourceShortage, "too many sessions on one connection")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		sessions.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sessions.Add(-1)
			s.session(c, acct, log, ch, creqs)
		}()
	}
	wg.Wait()
	log.Info("SFTP logout", "duration", time.Since(start).Round(time.Millisecond))
}

// session serves one SSH session channel: only the "sftp" subsystem is offered.
func (s *Server) session(c *company, acct Account, log *slog.Logger, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var served chan struct{}
	for req := range reqs {
		ok := served == nil && req.Type == "subsystem" && subsystem(req.Payload) == "sftp"
		if req.WantReply {
			req.Reply(ok, nil)
		}
		if !ok {
			continue
		}
		served = make(chan struct{})
		go func() {
			defer close(served)
			h := &handlers{s: s, c: c, acct: acct, log: log}
			rs := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h},
				sftp.WithStartDirectory("/"+folderInbox))
			if err := rs.Serve(); err != nil && !isConnEnd(err) {
				log.Debug("SFTP session ended", "reason", err)
			}
			rs.Close()
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
			ch.Close()
		}()
	}
	if served != nil {
		<-served
	}
}

// subsystem decodes the name in a "subsystem" request's payload.
func subsystem(payload []byte) string {
	var p struct{ Name string }
	if ssh.Unmarshal(payload, &p) != nil {
		return ""
	}
	return p.Name
}

func isConnEnd(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, os.ErrDeadlineExceeded)
}

// passwordCallback checks a password. Every failure answers the same and takes
// at least LoginDelay.
func (s *Server) passwordCallback(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(s.procCtx, 30*time.Second)
	defer cancel()
	acct, err := s.cfg.Accounts.Authenticate(ctx, meta.User(), string(password))
	if err == nil {
		err = checkAccount(&acct, meta.User())
	}
	if err != nil {
		s.logFailure(meta, "password", err)
		select {
		case <-time.After(s.cfg.LoginDelay - time.Since(start)):
		case <-s.done:
		}
		return nil, errLoginFailed
	}
	return permissions(acct, "password"), nil
}

// publicKeyCallback checks that a key is authorized. Clients offer each of
// their keys in turn, so failures here are not delayed: a key cannot be guessed.
func (s *Server) publicKeyCallback(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	ctx, cancel := context.WithTimeout(s.procCtx, 30*time.Second)
	defer cancel()
	acct, err := s.cfg.Accounts.AuthenticateKey(ctx, meta.User(), key)
	if err == nil {
		err = checkAccount(&acct, meta.User())
	}
	if err != nil {
		s.logFailure(meta, "publickey", err, "key", ssh.FingerprintSHA256(key))
		return nil, errLoginFailed
	}
	return permissions(acct, "publickey"), nil
}

func (s *Server) logFailure(meta ssh.ConnMetadata, method string, err error, attrs ...any) {
	attrs = append([]any{"user", meta.User(), "remote", meta.RemoteAddr().String(), "method", method}, attrs...)
	switch {
	case errors.Is(err, ErrBadCredentials):
		lvl := slog.LevelWarn
		if method == "publickey" {
			lvl = slog.LevelInfo // clients try each of their keys; one may fail
		}
		s.log.Log(context.Background(), lvl, "SFTP login failed", attrs...)
	default:
		s.log.Error("SFTP login failed: cannot check the account", append(attrs, "err", err)...)
	}
}

// checkAccount fills in the user name and checks the company id.
func checkAccount(a *Account, user string) error {
	if a.User == "" {
		a.User = user
	}
	if !validCompanyID(a.CompanyID) {
		return fmt.Errorf("account %q has an unusable company id %q", user, a.CompanyID)
	}
	return nil
}

func permissions(a Account, method string) *ssh.Permissions {
	return &ssh.Permissions{
		Extensions: map[string]string{"method": method},
		ExtraData:  map[any]any{accountKey{}: a},
	}
}

// validCompanyID reports whether id can name a company folder: letters, digits,
// '.', '_' and '-', not starting with '.', at most 128 characters.
func validCompanyID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// idleConn closes (by deadline) a connection that is idle for timeout.
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c *idleConn) Read(b []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(b)
}

func (c *idleConn) Write(b []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(b)
}
