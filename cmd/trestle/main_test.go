package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds trestle once per test binary run, the way users build it.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "trestle-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "trestle")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", &buildError{string(out), err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// server is a running `trestle serve`.
type server struct {
	cmd    *exec.Cmd
	stdout *lockedBuffer
	addr   string
	lines  chan string // stderr lines after the address was found
	sftp   chan string // the SFTP drop's address, once logged
	start  time.Time
}

// startServe starts `trestle serve --log-format json --http-addr 127.0.0.1:0` with
// args and waits until it logs its HTTP address.
func startServe(tb testing.TB, args ...string) *server {
	tb.Helper()
	bin, err := buildBinary()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--log-format", "json", "--http-addr", "127.0.0.1:0", "--sftp-addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	s := &server{cmd: cmd, lines: make(chan string, 1000), start: time.Now(), stdout: &lockedBuffer{}, sftp: make(chan string, 1)}
	cmd.Stdout = s.stdout
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "HTTP server listening" {
				addr <- strings.TrimPrefix(rec["addr"].(string), "http://")
			}
			if rec["msg"] == "SFTP drop listening" {
				s.sftp <- rec["addr"].(string)
			}
			select {
			case s.lines <- line:
			default:
			}
		}
		close(s.lines)
	}()
	select {
	case s.addr = <-addr:
	case <-time.After(20 * time.Second):
		tb.Fatal("trestle serve did not start listening within 20 s")
	}
	return s
}

// waitReady polls /readyz until it answers 200.
func (s *server) waitReady(tb testing.TB, limit time.Duration) time.Duration {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(s.start)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("/readyz did not answer 200 within %s", limit)
	return 0
}

// stop sends SIGTERM and returns the exit code and the remaining log lines.
func (s *server) stop(tb testing.TB) (int, []string) {
	tb.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	var lines []string
	for l := range s.lines {
		lines = append(lines, l)
	}
	err := s.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), lines
	}
	return 0, lines
}

func TestServeDemoReadyAndGracefulStop(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, "--demo", "--data-dir", dir)
	s.waitReady(t, 30*time.Second)
	// The demo company's shared tables are published without being asked.
	deadline := time.Now().Add(30 * time.Second)
	for {
		tables, _ := filepath.Glob(filepath.Join(dir, "tables", "*", "resource_planning", "*", "_delta_log", "00000000000000000001.json"))
		if len(tables) == 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve --demo published %d of 10 shared tables within 30s: %v", len(tables), tables)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get("http://" + s.addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	code, lines := s.stop(t)
	if code != 0 {
		t.Fatalf("exit code after SIGTERM = %d; log: %v", code, lines)
	}
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "HTTP server stopped") {
		t.Fatalf("no clean shutdown in log: %s", all)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("--log-format json wrote a non-JSON line: %q", l)
		}
	}
}

// BenchmarkServeDemoReady measures the time from starting `trestle serve --demo` on
// a fresh data folder to the first 200 from /readyz (the figure: under 3 s).
func BenchmarkServeDemoReady(b *testing.B) {
	if _, err := buildBinary(); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		s := startServe(b, "--demo", "--data-dir", b.TempDir())
		total += s.waitReady(b, 30*time.Second)
		s.stop(b)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-ready")
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// TestDemoAnalystInTwoCommands: `trestle serve --demo` prints one command; run
// as printed, it writes a config.share with which a Delta Sharing client lists
// the demo share and downloads the people table's files.
func TestDemoAnalystInTwoCommands(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, "--demo", "--data-dir", dir)
	s.waitReady(t, 30*time.Second)
	var line string
	for _, l := range strings.Split(s.stdout.String(), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "trestle share profile") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("serve --demo printed no profile command; stdout: %q", s.stdout.String())
	}
	bin, _ := buildBinary()
	args := strings.Fields(strings.ReplaceAll(strings.TrimPrefix(line, "trestle "), "'", ""))
	work := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	raw, err := os.ReadFile(filepath.Join(work, "config.share"))
	if err != nil {
		t.Fatal(err)
	}
	var profile struct {
		Version  int    `json:"shareCredentialsVersion"`
		Endpoint string `json:"endpoint"`
		Token    string `json:"bearerToken"`
	}
	if err := json.Unmarshal(raw, &profile); err != nil || profile.Version != 1 || profile.Token == "" {
		t.Fatalf("config.share = %s (%v)", raw, err)
	}
	if !strings.Contains(profile.Endpoint, s.addr) {
		t.Fatalf("profile endpoint %s is not this hub (%s)", profile.Endpoint, s.addr)
	}
	call := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, profile.Endpoint+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+profile.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// The shared tables are published a moment after start.
	deadline := time.Now().Add(30 * time.Second)
	var fileURL string
	for fileURL == "" {
		code, body := call("POST", "/shares/demo/schemas/resource_planning/tables/people/query", "{}")
		for _, l := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			var m map[string]map[string]any
			if code == 200 && json.Unmarshal([]byte(l), &m) == nil && m["file"] != nil {
				fileURL = m["file"]["url"].(string)
				break
			}
		}
		if fileURL == "" && time.Now().After(deadline) {
			t.Fatalf("query people: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(fileURL)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(data) < 8 || string(data[:4]) != "PAR1" {
		t.Fatalf("file URL: %d, %d bytes", resp.StatusCode, len(data))
	}
}
