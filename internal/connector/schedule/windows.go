package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// DefaultTaskPrefix starts the name of every connector's Windows task; a
// short hash of the config path follows, so two connectors do not clash.
const DefaultTaskPrefix = "TrestleConnector"

// maxTaskRun is the longest /TR command schtasks accepts.
const maxTaskRun = 261

// windowsCronHelp lists the cron expressions a Windows task can express.
const windowsCronHelp = `Windows Task Scheduler can run these cron expressions: ` +
	`"M H * * *" (every day at H:M), ` +
	`"M * * * *" (every hour at minute M), ` +
	`"M */N * * *" (every N hours at minute M; N divides 24), ` +
	`"*/N * * * *" (every N minutes; N divides 60), ` +
	`"M H * * D" (every week on days D at H:M; D is a list or range of 0-6 or SUN-SAT, e.g. 1-5 or MON,THU), ` +
	`"M H D * *" (every month on day D at H:M)`

// TaskName is the Windows task of the connector whose config.yaml is at the
// absolute path config: "TrestleConnector-" and a short hash of the path
// (case-insensitive, as Windows paths are).
func TaskName(config string) string {
	return DefaultTaskPrefix + "-" + ID(strings.ToLower(config))
}

// TaskCommand is the command the task runs (schtasks' /TR): the sync, with
// both paths in double quotes. The sync writes its own log beside config.yaml.
func TaskCommand(binary, config string) string {
	return `"` + binary + `" connector sync --config "` + config + `"`
}

// CreateTaskArgs is the argv ("schtasks" first) creating, or replacing (/F),
// the task name running command on the cron expression's schedule. Only the
// schedules Task Scheduler can express are accepted; any other expression is
// an error listing those.
func CreateTaskArgs(name, cronExpr, command string) ([]string, error) {
	if err := ValidateCron(cronExpr); err != nil {
		return nil, err
	}
	if len(command) > maxTaskRun {
		return nil, fmt.Errorf("the task's command is %d characters long and schtasks accepts at most %d: move the connector's folder or the trestle binary to a shorter path", len(command), maxTaskRun)
	}
	sc, err := taskSchedule(cronExpr)
	if err != nil {
		return nil, err
	}
	args := []string{"schtasks", "/Create", "/TN", name, "/TR", command}
	return append(append(args, sc...), "/F"), nil
}

// DeleteTaskArgs is the argv deleting the task name without asking.
func DeleteTaskArgs(name string) []string {
	return []string{"schtasks", "/Delete", "/TN", name, "/F"}
}

// QueryTaskArgs is the argv describing the task name in detail.
func QueryTaskArgs(name string) []string {
	return []string{"schtasks", "/Query", "/TN", name, "/FO", "LIST", "/V"}
}

// taskSchedule turns a valid five-field cron expression into schtasks'
// /SC, /MO, /D and /ST options.
func taskSchedule(expr string) ([]string, error) {
	f := strings.Fields(expr)
	min, hour, dom, mon, dow := f[0], f[1], f[2], f[3], f[4]
	unsupported := func(why string) error {
		return fmt.Errorf("cron expression %q cannot be a Windows scheduled task (%s). %s", expr, why, windowsCronHelp)
	}
	if mon != "*" {
		return nil, unsupported("it names months")
	}
	m, mOK := number(min, 0, 59)
	h, hOK := number(hour, 0, 23)
	at := func(h, m int) string { return fmt.Sprintf("%02d:%02d", h, m) }
	everyDay := dom == "*" && dow == "*"
	switch {
	case min == "*" && hour == "*" && everyDay:
		return []string{"/SC", "MINUTE", "/MO", "1", "/ST", "00:00"}, nil
	case strings.HasPrefix(min, "*/") && hour == "*" && everyDay:
		n, ok := number(strings.TrimPrefix(min, "*/"), 1, 59)
		if !ok || 60%n != 0 {
			return nil, unsupported("the minute step must divide 60")
		}
		return []string{"/SC", "MINUTE", "/MO", strconv.Itoa(n), "/ST", "00:00"}, nil
	case !mOK:
		return nil, unsupported("the minute must be one number, or */N")
	case hour == "*" && everyDay:
		return []string{"/SC", "HOURLY", "/MO", "1", "/ST", at(0, m)}, nil
	case strings.HasPrefix(hour, "*/") && everyDay:
		n, ok := number(strings.TrimPrefix(hour, "*/"), 1, 23)
		if !ok || 24%n != 0 {
			return nil, unsupported("the hour step must divide 24")
		}
		return []string{"/SC", "HOURLY", "/MO", strconv.Itoa(n), "/ST", at(0, m)}, nil
	case !hOK:
		return nil, unsupported("the hour must be one number, *, or */N")
	case everyDay:
		return []string{"/SC", "DAILY", "/ST", at(h, m)}, nil
	case dom == "*":
		days, err := weekdays(dow)
		if err != nil {
			return nil, unsupported(err.Error())
		}
		return []string{"/SC", "WEEKLY", "/D", days, "/ST", at(h, m)}, nil
	case dow == "*":
		d, ok := number(dom, 1, 31)
		if !ok {
			return nil, unsupported("the day of the month must be one number")
		}
		return []string{"/SC", "MONTHLY", "/D", strconv.Itoa(d), "/ST", at(h, m)}, nil
	default:
		return nil, unsupported("it names both days of the month and days of the week")
	}
}

// number parses s as a plain integer in lo..hi.
func number(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}

var (
	dayNames  = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	dayNumber = map[string]int{"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
)

// weekdays turns a cron day-of-week list (numbers 0-7 or names, ranges, no
// steps) into schtasks' /D list, e.g. "MON,TUE".
func weekdays(field string) (string, error) {
	day := func(s string) (int, error) {
		if n, ok := dayNumber[strings.ToUpper(s)]; ok {
			return n, nil
		}
		if n, ok := number(s, 0, 7); ok {
			return n % 7, nil
		}
		return 0, fmt.Errorf("%q is not a day of the week", s)
	}
	var on [7]bool
	for _, item := range strings.Split(field, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := day(lo)
		if err != nil {
			return "", err
		}
		b := a
		if isRange {
			if b, err = day(hi); err != nil {
				return "", err
			}
			if hi == "7" {
				b = 7
			}
			if b < a {
				return "", fmt.Errorf("the day range %q runs backwards", item)
			}
		}
		for d := a; d <= b; d++ {
			on[d%7] = true
		}
	}
	var names []string
	for d, ok := range on {
		if ok {
			names = append(names, dayNames[d])
		}
	}
	return strings.Join(names, ","), nil
}

// TaskScheduler installs the connector as a Windows Task Scheduler task with
// the schtasks command. It only runs on Windows.
type TaskScheduler struct {
	// Command is the schtasks program; empty means "schtasks" on the PATH.
	Command string
}

// run runs schtasks with argv (argv[0] is replaced by Command when set).
func (t TaskScheduler) run(ctx context.Context, argv []string) (string, error) {
	if t.Command != "" {
		argv = append([]string{t.Command}, argv[1:]...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("the schtasks command %q was not found (it comes with Windows)", argv[0])
		}
		return out.String(), fmt.Errorf("%s: %s", strings.Join(argv[:2], " "), strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// Install creates or replaces the connector's task and returns the schtasks
// command it ran.
func (t TaskScheduler) Install(ctx context.Context, j Job) (string, error) {
	if err := j.validate(false); err != nil {
		return "", err
	}
	argv, err := CreateTaskArgs(TaskName(j.Config), j.Cron, TaskCommand(j.Binary, j.Config))
	if err != nil {
		return "", err
	}
	if _, err := t.run(ctx, argv); err != nil {
		return "", err
	}
	return windowsCommandLine(argv), nil
}

// Remove deletes the connector's task, and reports whether there was one.
func (t TaskScheduler) Remove(ctx context.Context, config string) (bool, error) {
	if _, ok, err := t.Show(ctx, config); err != nil || !ok {
		return false, err
	}
	_, err := t.run(ctx, DeleteTaskArgs(TaskName(config)))
	return err == nil, err
}

// Show returns schtasks' description of the connector's task, and whether
// there is one.
func (t TaskScheduler) Show(ctx context.Context, config string) (string, bool, error) {
	out, err := t.run(ctx, QueryTaskArgs(TaskName(config)))
	if err != nil {
		if strings.Contains(strings.ToLower(out), "cannot find") {
			return "", false, nil
		}
		return "", false, err
	}
	return out, true, nil
}

// windowsCommandLine shows argv as it would be typed at a prompt.
func windowsCommandLine(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\"") {
			a = `"` + strings.ReplaceAll(a, `"`, `\"`) + `"`
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}
