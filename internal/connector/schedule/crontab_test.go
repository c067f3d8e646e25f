package schedule

// No cron is installed on CI machines: these tests edit crontab text with the
// pure functions, and run Crontab against a small shell script standing in
// for the crontab binary (it keeps the "crontab" in a file).

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/connector/schedule/scheduletest"
)

func job(dir, cron string) Job {
	return Job{Cron: cron, Binary: "/usr/local/bin/trestle", Config: filepath.Join(dir, "config.yaml")}
}

func TestLineFormat(t *testing.T) {
	line, err := job("/srv/conn a", "0 2 * * *").Line()
	if err != nil {
		t.Fatal(err)
	}
	want := `0 2 * * * umask 077; '/usr/local/bin/trestle' connector sync --config '/srv/conn a/config.yaml' 2>&1 | ` +
		`while IFS= read -r line || [ -n "$line" ]; do printf '\%s \%s\n' "$(date '+\%Y-\%m-\%d \%H:\%M:\%S \%z')" "$line"; done` +
		` >> '/srv/conn a/scheduling.log' 2>&1 # trestle-connector:` + ID("/srv/conn a") + ` /srv/conn a`
	if line != want {
		t.Fatalf("line\n got %s\nwant %s", line, want)
	}
	// A quote and a percent sign in a path stay safe for sh and cron.
	line, _ = job("/srv/it's 100%", "*/15  * * * *").Line()
	if !strings.Contains(line, `'/srv/it'\''s 100\%/config.yaml'`) || !strings.HasPrefix(line, "*/15 * * * * ") {
		t.Fatalf("quoting: %s", line)
	}
}

func TestLineRunsInShell(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fake trestle")
	os.WriteFile(bin, []byte("#!/bin/sh\necho \"args: $*\"\nprintf '%s\\n' 'to stderr \\n kept' >&2\nprintf 'no newline'\n"), 0o755)
	j := Job{Cron: "0 2 * * *", Binary: bin, Config: filepath.Join(dir, "config.yaml")}
	line, err := j.Line()
	if err != nil {
		t.Fatal(err)
	}
	// Do what cron does: take the command after the five fields, turn \% into %.
	command := strings.SplitN(line, " ", 6)[5]
	command = strings.ReplaceAll(command, `\%`, "%")
	if out, err := exec.Command("/bin/sh", "-c", command).CombinedOutput(); err != nil {
		t.Fatalf("sh: %v %s", err, out)
	}
	log, err := os.ReadFile(filepath.Join(dir, LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(log), "\n"), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], " args: connector sync --config "+j.Config) ||
		!strings.HasSuffix(lines[1], ` to stderr \n kept`) || !strings.HasSuffix(lines[2], " no newline") {
		t.Fatalf("log:\n%s", log)
	}
	if lines[0][4] != '-' || lines[0][10] != ' ' { // 2006-01-02 15:04:05 -0700
		t.Fatalf("no timestamp: %q", lines[0])
	}
	if fi, _ := os.Stat(filepath.Join(dir, LogFileName)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("log file mode %v", fi.Mode())
	}
}

func TestCrontabEdits(t *testing.T) {
	a, b := job("/srv/a", "0 2 * * *"), job("/srv/b", "30 * * * *")
	lineA, _ := a.Line()
	lineB, _ := b.Line()
	a2 := a
	a2.Cron = "15 4 * * 1-5"
	lineA2, _ := a2.Line()
	others := "# m h dom mon dow command\nMAILTO=ops@example.com\nPATH=/usr/bin:/bin\n0 * * * * /usr/bin/backup # nightly\n\n"

	for _, tc := range []struct {
		name, before string
		install      *Job
		remove       string
		want         string
		removed      bool
	}{
		{name: "empty crontab", before: "", install: &a, want: lineA + "\n"},
		{name: "others kept", before: others, install: &a, want: others + lineA + "\n"},
		{name: "no final newline", before: "0 1 * * * x", install: &a, want: "0 1 * * * x\n" + lineA + "\n"},
		{name: "reinstall replaces in place", before: "0 1 * * * x\n" + lineA + "\n5 5 * * * y\n", install: &a2,
			want: "0 1 * * * x\n" + lineA2 + "\n5 5 * * * y\n"},
		{name: "reinstall same is unchanged", before: others + lineA + "\n", install: &a, want: others + lineA + "\n"},
		{name: "duplicates collapse", before: lineA + "\n0 1 * * * x\n" + lineA2 + "\n", install: &a, want: lineA + "\n0 1 * * * x\n"},
		{name: "two connectors", before: others + lineB + "\n", install: &a, want: others + lineB + "\n" + lineA + "\n"},
		{name: "two connectors reinstall", before: lineA + "\n" + lineB + "\n", install: &a2, want: lineA2 + "\n" + lineB + "\n"},
		{name: "remove keeps others", before: others + lineA + "\n" + lineB + "\n", remove: a.Config, want: others + lineB + "\n", removed: true},
		{name: "remove last line", before: lineA + "\n", remove: a.Config, want: "", removed: true},
		{name: "remove absent", before: others, remove: a.Config, want: others},
		{name: "remove from empty", before: "", remove: a.Config, want: ""},
		{name: "prefix folder is another connector", before: lineB + "\n", remove: "/srv/b/c/config.yaml", want: lineB + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if tc.install != nil {
				var err error
				if got, _, err = Install(tc.before, *tc.install); err != nil {
					t.Fatal(err)
				}
			} else {
				var removed bool
				got, removed = Remove(tc.before, tc.remove)
				if removed != tc.removed {
					t.Fatalf("removed = %v", removed)
				}
			}
			if got != tc.want {
				t.Fatalf("crontab\n got %q\nwant %q", got, tc.want)
			}
		})
	}

	if l, ok := Find(others+lineA+"\n"+lineB+"\n", b.Config); !ok || l != lineB {
		t.Fatalf("find b: %q %v", l, ok)
	}
	if _, ok := Find(others, a.Config); ok {
		t.Fatal("found a line in a crontab without one")
	}
}

func TestValidateCron(t *testing.T) {
	for expr, want := range map[string]string{
		"0 2 * * *":     "",
		"*/5 * * * 1-5": "",
		"":              "is empty",
		"@daily":        "has 1 fields; it needs five",
		"0 0 2 * * *":   "has 6 fields",
		"61 2 * * *":    "is not valid",
		"0 2 * * mon-x": "is not valid",
	} {
		err := ValidateCron(expr)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", expr, err, want)
		}
	}
	if _, _, err := Install("", Job{Cron: "daily", Binary: "trestle", Config: "config.yaml"}); err == nil ||
		!strings.Contains(err.Error(), `cron expression "daily"`) || !strings.Contains(err.Error(), `trestle binary path "trestle" is not absolute`) {
		t.Fatalf("bad job: %v", err)
	}
}

func TestCrontabCommand(t *testing.T) {
	script, file := scheduletest.FakeCrontab(t)
	ctx := context.Background()
	c := Crontab{Command: script}
	if text, err := c.Read(ctx); err != nil || text != "" {
		t.Fatalf("no crontab: %q %v", text, err)
	}
	if _, ok, err := c.Show(ctx, "/srv/a/config.yaml"); err != nil || ok {
		t.Fatalf("show on empty: %v %v", ok, err)
	}
	os.WriteFile(file, []byte("MAILTO=\"\"\n0 * * * * other\n"), 0o600)
	line, err := c.Install(ctx, job("/srv/a", "0 2 * * *"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Install(ctx, job("/srv/a", "0 2 * * *")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	if string(got) != "MAILTO=\"\"\n0 * * * * other\n"+line+"\n" {
		t.Fatalf("crontab after install twice: %q", got)
	}
	if shown, ok, err := c.Show(ctx, "/srv/a/config.yaml"); err != nil || !ok || shown != line {
		t.Fatalf("show: %q %v %v", shown, ok, err)
	}
	if removed, err := c.Remove(ctx, "/srv/a/config.yaml"); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if removed, err := c.Remove(ctx, "/srv/a/config.yaml"); err != nil || removed {
		t.Fatalf("remove again: %v %v", removed, err)
	}
	got, _ = os.ReadFile(file)
	if string(got) != "MAILTO=\"\"\n0 * * * * other\n" {
		t.Fatalf("crontab after remove: %q", got)
	}

	if _, err := (Crontab{Command: filepath.Join(t.TempDir(), "nope")}).Read(ctx); err == nil {
		t.Fatal("missing crontab command: no error")
	}
	if _, err := (Crontab{Command: "no-such-crontab-command"}).Read(ctx); err == nil || !strings.Contains(err.Error(), "was not found") {
		t.Fatalf("crontab not on PATH: %v", err)
	}
	broken := filepath.Join(t.TempDir(), "crontab")
	os.WriteFile(broken, []byte("#!/bin/sh\necho 'crontab: permission denied' >&2\nexit 1\n"), 0o755)
	if _, err := (Crontab{Command: broken}).Install(ctx, job("/srv/a", "0 2 * * *")); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("failing crontab: %v", err)
	}
}

func TestForOS(t *testing.T) {
	if _, ok := ForOS("linux", "").(Crontab); !ok {
		t.Fatal("linux: not crontab")
	}
	if _, ok := ForOS("darwin", "").(Crontab); !ok {
		t.Fatal("darwin: not crontab")
	}
	if ts, ok := ForOS("windows", "x").(TaskScheduler); !ok || ts.Command != "x" {
		t.Fatal("windows: not schtasks")
	}
}
