// Package scheduletest helps tests of crontab schedules: no cron is installed
// on CI machines, so a small script stands in for the crontab command.
package scheduletest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// FakeCrontab writes a script that behaves like "crontab -l" (the text, or
// "no crontab for <user>" and exit 1) and "crontab -" (replace the text),
// keeping the text in a file, and returns the script's path and the file's.
// It skips the test on Windows, which has no sh.
func FakeCrontab(t testing.TB) (script, file string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the schedule is a crontab line on Linux and macOS only")
	}
	dir := t.TempDir()
	file = filepath.Join(dir, "crontab.txt")
	script = filepath.Join(dir, "crontab")
	err := os.WriteFile(script, []byte(`#!/bin/sh
f="`+file+`"
case "$1" in
-l) if [ -f "$f" ]; then cat "$f"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
-) cat > "$f" ;;
*) echo "usage: crontab [-l|-]" >&2; exit 2 ;;
esac
`), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	return script, file
}
