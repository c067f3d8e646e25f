package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trestle-dev/trestle/internal/connector/config"

	"github.com/trestle-dev/trestle/internal/childproc"
)

// Names of the share the benchmark sets up.
const (
	companySlug   = "bench"
	analystEmail  = "analyst@bench.test"
	shareName     = "benchshare"
	shareSchema   = "perf"
	shareTable    = "orders"
	sharedTable   = shareName + "." + shareSchema + "." + shareTable
	destTableName = shareName + "__" + shareTable // the connector's default {share}__{table}
)

// buildTrestle builds the trestle binary the way users build it (static,
// CGO_ENABLED=0) into dir.
func buildTrestle(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	if _, err := os.Stat(filepath.Join(root, "cmd", "trestle")); err != nil {
		return "", fmt.Errorf("run this from the trestle module (cmd/trestle not found under %s), or give --trestle", root)
	}
	bin := filepath.Join(dir, "trestle")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/trestle")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/trestle: %v\n%s", err, out)
	}
	return bin, nil
}

// trestle runs a trestle command against the hub's data folder and returns
// its output, or an error carrying it.
func trestle(ctx context.Context, bin, dataDir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, append(args, "--data-dir", dataDir)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("trestle %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// hub is a running "trestle serve".
type hub struct {
	cmd     *exec.Cmd
	addr    string // 127.0.0.1:port
	profile string // the analyst's profile file
	proc    *child
	log     *os.File
}

// Endpoint is the Delta Sharing endpoint.
func (h *hub) endpoint() string { return "http://" + h.addr + "/delta-sharing" }

// setupHub creates, in a fresh data folder, a company, an analytics user, a
// share holding the table at tableDir (with history) and the user's profile,
// then starts "trestle serve" (publishing off) and waits until it is ready.
func setupHub(ctx context.Context, bin, dataDir, tableDir string) (*hub, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	h := &hub{addr: addr, profile: filepath.Join(dataDir, "bench.share")}
	steps := [][]string{
		{"company", "create", "--name", "Bench Builders", "--slug", companySlug},
		{"user", "create", "--email", analystEmail, "--name", "Bench Analyst", "--company", companySlug, "--analytics"},
		{"share", "create", "--company", companySlug, "--name", shareName},
		// A folder location is stored as an absolute path (the CLI resolves it).
		{"share", "table", "add", "--share", shareName, "--schema", shareSchema, "--name", shareTable,
			"--location", tableDir, "--history"},
		{"share", "profile", "--user", analystEmail, "--endpoint", h.endpoint(), "--out", h.profile, "--expires", "never"},
	}
	for _, args := range steps {
		if _, err := trestle(ctx, bin, dataDir, args...); err != nil {
			return nil, err
		}
	}
	if h.log, err = os.Create(filepath.Join(dataDir, "serve.log")); err != nil {
		return nil, err
	}
	h.cmd = exec.Command(bin, "serve", "--data-dir", dataDir, "--http-addr", addr, "--publish=false", "--sftp-addr", "off",
		"--log-format", "json", "--log-level", "warn")
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	if h.proc, err = startWatched(h.cmd); err != nil {
		h.log.Close()
		return nil, fmt.Errorf("start trestle serve: %w", err)
	}
	if err := h.waitReady(ctx, time.Minute); err != nil {
		h.stop()
		return nil, err
	}
	return h, nil
}

// waitReady polls /readyz until it answers 200.
func (h *hub) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-h.proc.done:
			return fmt.Errorf("trestle serve exited before it was ready (%v): %s", h.proc.err, tailFile(h.log.Name(), 2000))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get("http://" + h.addr + "/readyz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("trestle serve was not ready within %s: %s", limit, tailFile(h.log.Name(), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server.
func (h *hub) stop() {
	if h == nil || h.proc == nil {
		return
	}
	h.proc.stop()
	h.log.Close()
}

// child is a started long-running process.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done is closed
}

// startWatched starts cmd (see childproc.Start) and watches for its exit.
func startWatched(cmd *exec.Cmd) (*child, error) {
	exited, err := childproc.Start(cmd)
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = <-exited
		close(c.done)
	}()
	return c, nil
}

// stop ends the process: SIGTERM, then SIGKILL after 10 s.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// freeAddr returns a 127.0.0.1 address with a port free at the time of the
// call.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tailFile returns the last n bytes of a file.
func tailFile(path string, n int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return strings.TrimSpace(string(b))
}

// connectorDir is one connector: a folder with config.yaml, its state and
// its log.
type connectorDir struct {
	dir string
	env []string // extra environment of the sync process
}

// newConnector writes config.yaml for the share's table and destination d
// into a new folder dir.
func newConnector(dir, profile string, d config.Destination, env ...string) (*connectorDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg := &config.Config{Profile: profile, Tables: []string{sharedTable}, Destination: d}
	if err := cfg.Save(filepath.Join(dir, config.FileName)); err != nil {
		return nil, err
	}
	return &connectorDir{dir: dir, env: env}, nil
}

// syncRun is one "trestle connector sync" process.
type syncRun struct {
	Seconds float64
	// PeakRSS is the process's maximum resident set size in bytes (0 when
	// unknown); PolledRSS is the largest VmHWM seen while it ran (see
	// proc_linux.go).
	PeakRSS, PolledRSS int64
	// CPUSeconds is the process's user and system CPU time.
	CPUSeconds float64
	// Mode is the MODE column of the connector's report for the table.
	Mode   string
	Output string
}

// errNotImplemented marks a sync that failed because its destination is not
// implemented in this build (the placeholder "TODO" error).
var errNotImplemented = errors.New("not implemented in this build")

// sync runs "trestle connector sync [--full]" and measures its wall time and
// peak RSS. A failed sync returns its output in the error.
func (c *connectorDir) sync(ctx context.Context, bin string, full bool) (syncRun, error) {
	args := []string{"connector", "sync", "--config", filepath.Join(c.dir, config.FileName)}
	if full {
		args = append(args, "--full")
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	floor := resetPeakRSS()
	start := time.Now()
	err := cmd.Start()
	var r syncRun
	if err == nil {
		stopWatch := watchRSS(cmd.Process.Pid)
		err = cmd.Wait()
		r.PolledRSS = stopWatch()
		r.PeakRSS = peakRSS(cmd.ProcessState, floor, r.PolledRSS)
		r.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	r.Seconds, r.Output = time.Since(start).Seconds(), out.String()
	_ = os.WriteFile(filepath.Join(c.dir, "sync-output.txt"), []byte(r.Output), 0o644)
	if err != nil {
		if strings.Contains(r.Output, ": TODO ") { // destination.Open's placeholder: "TODO local"
			return r, fmt.Errorf("%w; the sync said: %s", errNotImplemented, lastLine(r.Output))
		}
		return r, fmt.Errorf("trestle %s: %v\n%s", strings.Join(args, " "), err, lastLines(r.Output, 15))
	}
	r.Mode = reportMode(r.Output)
	return r, nil
}

// reportMode finds the MODE column of the table's line in the connector's
// report ("full", "incremental"), with the fallback reason if any.
func reportMode(out string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 8 && f[0] == sharedTable {
			mode := f[2]
			if i := strings.Index(sc.Text(), "ok (full:"); i >= 0 {
				mode += " (" + strings.TrimSuffix(sc.Text()[i+4:], ")") + ")"
			}
			return mode
		}
	}
	return "?"
}

func lastLine(s string) string { return lastLines(s, 1) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockedBuffer collects a process's stdout and stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
