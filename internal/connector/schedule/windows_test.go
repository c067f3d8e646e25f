package schedule

import (
	"slices"
	"strings"
	"testing"
)

func TestCreateTaskArgs(t *testing.T) {
	const name, tr = "TrestleConnector-0a1b2c3d", `"C:\Program Files\Trestle\trestle.exe" connector sync --config "C:\conn\config.yaml"`
	head := []string{"schtasks", "/Create", "/TN", name, "/TR", tr}
	for _, tc := range []struct {
		cron string
		want string // the schedule options, or "error: <part of message>"
	}{
		{"0 2 * * *", "/SC DAILY /ST 02:00"},
		{"30 14 * * *", "/SC DAILY /ST 14:30"},
		{"5 * * * *", "/SC HOURLY /MO 1 /ST 00:05"},
		{"15 */6 * * *", "/SC HOURLY /MO 6 /ST 00:15"},
		{"*/15 * * * *", "/SC MINUTE /MO 15 /ST 00:00"},
		{"* * * * *", "/SC MINUTE /MO 1 /ST 00:00"},
		{"0 7 * * 1-5", "/SC WEEKLY /D MON,TUE,WED,THU,FRI /ST 07:00"},
		{"0 7 * * 0,6", "/SC WEEKLY /D SUN,SAT /ST 07:00"},
		{"45 23 * * sat,Mon", "/SC WEEKLY /D MON,SAT /ST 23:45"},
		{"0 3 1 * *", "/SC MONTHLY /D 1 /ST 03:00"},
		{"0 3 15 * *", "/SC MONTHLY /D 15 /ST 03:00"},
		{"*/7 * * * *", "error: the minute step must divide 60"},
		{"0 */5 * * *", "error: the hour step must divide 24"},
		{"0 2 * 1 *", "error: it names months"},
		{"0,30 2 * * *", "error: the minute must be one number"},
		{"0 2,14 * * *", "error: the hour must be one number"},
		{"0 2 1,15 * *", "error: the day of the month must be one number"},
		{"0 2 1 * 1", "error: both days of the month and days of the week"},
		{"0 2 * * 1-5/2", "error: not a day of the week"},
		{"0 2 * *", "error: needs five"},
		{"@daily", "error: needs five"},
	} {
		got, err := CreateTaskArgs(name, tc.cron, tr)
		if msg, isErr := strings.CutPrefix(tc.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), msg) {
				t.Errorf("%q: err = %v, want %q", tc.cron, err, msg)
			}
			if err != nil && strings.Contains(msg, "must") && !strings.Contains(err.Error(), `"M H * * *" (every day at H:M)`) {
				t.Errorf("%q: the error does not list what Windows supports: %v", tc.cron, err)
			}
			continue
		}
		want := append(append(slices.Clone(head), strings.Fields(tc.want)...), "/F")
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q %v\nwant %q", tc.cron, got, err, want)
		}
	}
	if _, err := CreateTaskArgs(name, "0 2 * * *", `"C:\`+strings.Repeat("x", 300)+`"`); err == nil || !strings.Contains(err.Error(), "at most 261") {
		t.Fatalf("long command: %v", err)
	}
}

func TestTaskNamesAndArgs(t *testing.T) {
	a, b := TaskName(`C:\conn\a\config.yaml`), TaskName(`C:\conn\b\config.yaml`)
	if a == b || !strings.HasPrefix(a, "TrestleConnector-") || len(a) != len("TrestleConnector-")+8 {
		t.Fatalf("names %q %q", a, b)
	}
	if TaskName(`c:\CONN\a\config.yaml`) != a {
		t.Fatal("task name depends on the path's case")
	}
	if got := TaskCommand(`C:\Program Files\trestle.exe`, `C:\conn\config.yaml`); got != `"C:\Program Files\trestle.exe" connector sync --config "C:\conn\config.yaml"` {
		t.Fatalf("command %s", got)
	}
	if got := DeleteTaskArgs(a); !slices.Equal(got, []string{"schtasks", "/Delete", "/TN", a, "/F"}) {
		t.Fatalf("delete %q", got)
	}
	if got := QueryTaskArgs(a); !slices.Equal(got, []string{"schtasks", "/Query", "/TN", a, "/FO", "LIST", "/V"}) {
		t.Fatalf("query %q", got)
	}
	if got := windowsCommandLine([]string{"schtasks", "/TR", `"a b" c`}); got != `schtasks /TR "\"a b\" c"` {
		t.Fatalf("command line %s", got)
	}
}
