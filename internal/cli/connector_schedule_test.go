package cli

// No cron is installed on CI machines: these tests point the schedule
// commands at a shell script standing in for the crontab binary
// (TRESTLE_CRONTAB_COMMAND), which keeps the crontab in a file.

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/trestle-dev/trestle/internal/connector/schedule/scheduletest"
)

func TestConnectorScheduleInstallShowRemove(t *testing.T) {
	script, file := scheduletest.FakeCrontab(t)
	t.Setenv("TRESTLE_CRONTAB_COMMAND", script)
	others := "# my jobs\nSHELL=/bin/sh\n15 1 * * * /usr/bin/backup\n"
	os.WriteFile(file, []byte(others), 0o600)
	profile := writeTestProfile(t)
	a := filepath.Join(t.TempDir(), "a", "config.yaml")
	b := filepath.Join(t.TempDir(), "b", "config.yaml")
	if code, _, errs := runSetup(t, a, "--profile", profile, "--destination", "sqlite", "--sqlite-path", "a.db", "--cron", "0 3 * * *"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runSetup(t, b, "--profile", profile, "--destination", "sqlite", "--sqlite-path", "b.db"); code != 0 {
		t.Fatal(errs)
	}
	sched := func(path string, args ...string) (int, string, string) {
		return run(t, append([]string{"connector", "schedule"}, append(args, "--config", path)...)...)
	}

	if code, out, _ := sched(a, "show"); code != 0 || !strings.Contains(out, "No schedule is installed") {
		t.Fatalf("show before install: %d %q", code, out)
	}
	code, out, errs := sched(a, "install")
	exe, _ := trestleBinary()
	if code != 0 || !strings.Contains(out, "Installed in your crontab (0 3 * * *)") || !strings.Contains(out, "'"+exe+"' connector sync --config '"+a+"'") {
		t.Fatalf("install: %d %q %q", code, out, errs)
	}
	if code, _, errs := sched(a, "install", "--cron", "*/10 * * * *"); code != 0 {
		t.Fatalf("reinstall: %s", errs)
	}
	if code, _, errs := sched(b, "install"); code != 1 || !strings.Contains(errs, "no schedule to install: give --cron") {
		t.Fatalf("install without a cron: %d %q", code, errs)
	}
	if code, _, errs := sched(b, "install", "--cron", "0 25 * * *"); code != 1 || !strings.Contains(errs, `--cron: cron expression "0 25 * * *" is not valid`) {
		t.Fatalf("install with a bad cron: %d %q", code, errs)
	}
	if code, _, errs := sched(b, "install", "--cron", "30 4 * * 1-5"); code != 0 {
		t.Fatalf("install b: %s", errs)
	}
	tab, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSuffix(string(tab), "\n"), "\n")
	if len(lines) != 5 || strings.Join(lines[:3], "\n")+"\n" != others || !strings.HasPrefix(lines[3], "*/10 * * * * ") ||
		!strings.HasPrefix(lines[4], "30 4 * * 1-5 ") || !strings.Contains(lines[4], b) {
		t.Fatalf("crontab:\n%s", tab)
	}
	if code, out, _ := sched(a, "show"); code != 0 || strings.TrimSpace(out) != lines[3] {
		t.Fatalf("show: %q, want %q", out, lines[3])
	}

	if code, out, _ := sched(a, "remove"); code != 0 || !strings.Contains(out, "Removed the schedule") {
		t.Fatalf("remove: %d %q", code, out)
	}
	if code, out, _ := sched(a, "remove"); code != 0 || !strings.Contains(out, "nothing to remove") {
		t.Fatalf("remove again: %d %q", code, out)
	}
	if tab, _ := os.ReadFile(file); string(tab) != others+lines[4]+"\n" {
		t.Fatalf("crontab after remove:\n%s", tab)
	}

	missing := filepath.Join(t.TempDir(), "config.yaml")
	if code, _, errs := sched(missing, "install", "--cron", "0 2 * * *"); code != 1 || !strings.Contains(errs, "there is no connector config at "+missing) {
		t.Fatalf("install without config: %d %q", code, errs)
	}
	t.Setenv("TRESTLE_CRONTAB_COMMAND", filepath.Join(t.TempDir(), "no-crontab"))
	if code, _, errs := sched(b, "show"); code != 1 || !strings.Contains(errs, "read the schedule") {
		t.Fatalf("show with a broken crontab: %d %q", code, errs)
	}
}

func TestConnectorRunFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if code, _, errs := runSetup(t, path, "--profile", writeTestProfile(t), "--destination", "sqlite", "--sqlite-path", "x.db"); code != 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct{ args, want string }{
		{"", "no schedule: give --every"},
		{"--every bogus", `--every "bogus" is neither a duration`},
		{"--every 10ms", "--every 10ms: the interval must be at least 1s"},
		{"--every=0_2_*_*", "has 4 fields"},
	} {
		args := []string{"connector", "run", "--config", path}
		for _, a := range strings.Fields(tc.args) {
			args = append(args, strings.ReplaceAll(a, "_", " "))
		}
		if code, _, errs := run(t, args...); code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: %d %q, want %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := runDefinition("0 2 * * *"); err != nil {
		t.Fatal(err)
	}
}

func TestConnectorRunStopsOnCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if code, _, errs := runSetup(t, path, "--profile", writeTestProfile(t), "--destination", "sqlite", "--sqlite-path", "x.db", "--cron", "0 2 * * *"); code != 0 {
		t.Fatal(errs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out, errb bytes.Buffer
	// No sync runs: the first is tomorrow at 02:00.
	if code := Main(ctx, []string{"connector", "run", "--config", path, "--once-first=false"}, &out, &errb); code != 0 {
		t.Fatalf("run: %d %s", code, errb.String())
	}
	for _, want := range []string{`connector running on a schedule`, `schedule="0 2 * * *"`, "first_run=", `connector stopped" runs=0`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, errb.String())
		}
	}
}

// scheduleLogBuffer is a bytes.Buffer safe for the scheduler's goroutines.
type scheduleLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *scheduleLogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *scheduleLogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestConnectorRunLoopOneAtATime(t *testing.T) {
	var logs scheduleLogBuffer
	g := &globals{log: slog.New(slog.NewTextHandler(&logs, nil))}
	o := &connectorOpts{config: "config.yaml"}
	var running, most, runs atomic.Int32
	fake := func(ctx context.Context, _ *globals, _ *connectorOpts, tables []string, full bool) error {
		n := running.Add(1)
		defer running.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		if runs.Add(1) == 1 {
			select { // the first run outlasts several intervals
			case <-time.After(400 * time.Millisecond):
			case <-ctx.Done():
			}
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
	defer cancel()
	if err := runConnectorLoop(ctx, g, o, gocron.DurationJob(50*time.Millisecond), "50ms", true, fake); err != nil {
		t.Fatal(err)
	}
	if most.Load() != 1 || runs.Load() < 2 {
		t.Fatalf("runs %d, at most %d at once", runs.Load(), most.Load())
	}
	for _, want := range []string{`connector sync started" run=1`, `connector sync finished" run=1`, `connector stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
