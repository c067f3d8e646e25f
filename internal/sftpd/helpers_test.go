package sftpd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func init() {
	// Cheap hashes keep the tests fast; TestPasswordDefaults checks the real ones.
	passwordParams = argon2Params{memory: 64, time: 1, threads: 1, keyLen: 32, saltLen: 16}
}

const (
	acmePassword   = "correct horse battery staple"
	globexPassword = "globex-secret-123"
)

// testAccounts is an in-memory Accounts, written as a real implementation
// would use the helpers.
type testAccounts struct {
	users map[string]testUser
	mu    sync.Mutex
	err   error // returned instead, when set: the store is down
}

func (a *testAccounts) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.err = err
}

func (a *testAccounts) add(name string, u testUser) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users[name] = u
}

func (a *testAccounts) user(name string) (testUser, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u, ok := a.users[name]
	return u, ok
}

func (a *testAccounts) failure() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

type testUser struct {
	hash    string
	company string
	keys    []ssh.PublicKey
}

func (a *testAccounts) Authenticate(ctx context.Context, user, password string) (Account, error) {
	if err := a.failure(); err != nil {
		return Account{}, err
	}
	u, ok := a.user(user)
	if !CheckPassword(u.hash, password) || !ok { // hash even for unknown users
		return Account{}, ErrBadCredentials
	}
	return Account{User: user, CompanyID: u.company}, nil
}

func (a *testAccounts) AuthenticateKey(ctx context.Context, user string, key ssh.PublicKey) (Account, error) {
	if err := a.failure(); err != nil {
		return Account{}, err
	}
	u, ok := a.user(user)
	if !ok || !KeyAllowed(u.keys, key) {
		return Account{}, ErrBadCredentials
	}
	return Account{User: user, CompanyID: u.company}, nil
}

// fakeProcessor records the uploads it is given.
type fakeProcessor struct {
	mu       sync.Mutex
	calls    []Upload
	contents [][]byte
	active   map[string]int // company -> Process calls running
	overlap  bool           // two files of one company were processed at once
	result   Result
	err      error
	panics   bool
	block    chan struct{} // when set, Process waits for it (or ctx)
	called   chan Upload
}

func newFakeProcessor() *fakeProcessor {
	return &fakeProcessor{active: map[string]int{}, called: make(chan Upload, 100),
		result: Result{Status: StatusOK, Message: "applied", Counts: map[string]int{"people.created": 2}}}
}

func (p *fakeProcessor) Process(ctx context.Context, u Upload) (Result, error) {
	data, err := os.ReadFile(u.Path)
	if err != nil {
		return Result{}, fmt.Errorf("fake processor: %w", err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != u.SHA256 || int64(len(data)) != u.Size {
		return Result{}, errors.New("fake processor: size or checksum does not match the file")
	}
	p.mu.Lock()
	p.calls = append(p.calls, u)
	p.contents = append(p.contents, data)
	p.active[u.Account.CompanyID]++
	if p.active[u.Account.CompanyID] > 1 {
		p.overlap = true
	}
	block, res, perr, panics := p.block, p.result, p.err, p.panics
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.active[u.Account.CompanyID]--
		p.mu.Unlock()
	}()
	p.called <- u
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
	if panics {
		panic("fake processor panics")
	}
	return res, perr
}

// set changes the processor's behaviour under its lock.
func (p *fakeProcessor) set(f func(p *fakeProcessor)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// content is what the i-th call read from its file.
func (p *fakeProcessor) content(i int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.contents[i])
}

func (p *fakeProcessor) overlapped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.overlap
}

func (p *fakeProcessor) uploads() []Upload {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a running server with two companies' accounts.
type env struct {
	t       testing.TB
	root    string
	hostKey ssh.Signer
	userKey ssh.Signer // authorized for acme-hr
	accts   *testAccounts
	proc    *fakeProcessor
	logs    *syncBuffer
	cfg     func(*Config)
	srv     *Server
	stop    func()
}

func newEnv(t testing.TB, cfg func(*Config)) *env {
	t.Helper()
	e := &env{t: t, root: t.TempDir(), proc: newFakeProcessor(), logs: &syncBuffer{}, cfg: cfg}
	var err error
	if e.hostKey, err = LoadOrCreateHostKey(filepath.Join(t.TempDir(), "host_key")); err != nil {
		t.Fatal(err)
	}
	e.userKey = newSigner(t)
	e.accts = &testAccounts{users: map[string]testUser{
		"acme-hr":   {hash: mustHash(t, acmePassword), company: "acme", keys: []ssh.PublicKey{e.userKey.PublicKey()}},
		"globex-it": {hash: mustHash(t, globexPassword), company: "globex"},
	}}
	e.start()
	return e
}

func (e *env) start() {
	e.t.Helper()
	c := Config{
		Addr: "127.0.0.1:0", HostKey: e.hostKey, Accounts: e.accts, Root: e.root, Processor: e.proc,
		Log:        slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		LoginDelay: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second,
	}
	if e.cfg != nil {
		e.cfg(&c)
	}
	srv, err := New(c)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background()) }()
	e.srv = srv
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			srv.Close()
			if err := <-done; err != nil {
				e.t.Errorf("Serve: %v", err)
			}
		})
	}
	e.t.Cleanup(e.stop)
}

// restart stops the server (as Close does: processing is cancelled) and starts
// a new one on the same folder.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

func mustHash(t testing.TB, pw string) string {
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newSigner(t testing.TB) ssh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial logs in over a fresh TCP connection, checking the host key.
func (e *env) dial(user string, auth ...ssh.AuthMethod) (*ssh.Client, net.Conn, error) {
	nc, err := net.Dial("tcp", e.srv.Addr())
	if err != nil {
		return nil, nil, err
	}
	cfg := &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: ssh.FixedHostKey(e.hostKey.PublicKey()), Timeout: 10 * time.Second}
	c, chans, reqs, err := ssh.NewClientConn(nc, e.srv.Addr(), cfg)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return ssh.NewClient(c, chans, reqs), nc, nil
}

// client opens an SFTP session, by password.
func (e *env) client(user, password string, opts ...sftp.ClientOption) *sftp.Client {
	e.t.Helper()
	c, _ := e.clientConn(user, ssh.Password(password), opts...)
	return c
}

// clientConn opens an SFTP session and also returns the TCP connection.
func (e *env) clientConn(user string, auth ssh.AuthMethod, opts ...sftp.ClientOption) (*sftp.Client, net.Conn) {
	e.t.Helper()
	sc, nc, err := e.dial(user, auth)
	if err != nil {
		e.t.Fatalf("login as %s: %v", user, err)
	}
	c, err := sftp.NewClient(sc, opts...)
	if err != nil {
		e.t.Fatalf("start SFTP as %s: %v", user, err)
	}
	e.t.Cleanup(func() { c.Close(); sc.Close() })
	return c, nc
}

// put uploads data to name with the client, closing the file.
func put(t testing.TB, c *sftp.Client, name string, data []byte) {
	t.Helper()
	f, err := c.Create(name)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close %s: %v", name, err)
	}
}

// names lists a folder of the company on disk (hidden server files included).
func (e *env) names(company, folder string) []string {
	entries, err := os.ReadDir(filepath.Join(e.root, company, folder))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		e.t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Name())
	}
	return out
}

// waitFor polls cond until it holds or 10 seconds pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitArchived waits until n files are in the company's archive and returns
// their names.
func (e *env) waitArchived(company string, n int) []string {
	e.t.Helper()
	waitFor(e.t, fmt.Sprintf("%d archived file(s) for %s", n, company), func() bool { return len(e.names(company, folderArchive)) >= n })
	return e.names(company, folderArchive)
}

// reports reads the JSON reports of a company, oldest first.
func (e *env) reports(company string) []Report {
	e.t.Helper()
	var out []Report
	for _, n := range e.names(company, folderResults) {
		if !strings.HasSuffix(n, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(e.root, company, folderResults, n))
		if err != nil {
			e.t.Fatal(err)
		}
		var r Report
		if err := json.Unmarshal(data, &r); err != nil {
			e.t.Fatalf("report %s: %v", n, err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Report) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	return out
}

// statusCode is the SFTP status code of err, or 0. The client turns the
// common codes into os errors.
func statusCode(err error) uint32 {
	var se *sftp.StatusError
	switch {
	case errors.As(err, &se):
		return se.Code
	case errors.Is(err, os.ErrNotExist):
		return codeNoSuchFile
	case errors.Is(err, os.ErrPermission):
		return codePermissionDenied
	}
	return 0
}

const (
	codeNoSuchFile       = 2
	codePermissionDenied = 3
	codeFailure          = 4
)
