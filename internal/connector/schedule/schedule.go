// Package schedule installs, removes and shows the recurring run of a Trestle
// connector in the operating system's scheduler: a crontab line on Linux and
// macOS, a Task Scheduler task on Windows.
//
// The crontab edits are pure functions over the crontab's text, so they can be
// tested without cron; Crontab reads and writes the text with the crontab
// command. Each connector's line carries a marker comment naming its folder,
// so several connectors on one machine keep their own lines, and installing
// again replaces the line instead of adding a second one.
package schedule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/robfig/cron/v3"
)

// DefaultCron is the schedule offered when none is given: every day at 02:00.
const DefaultCron = "0 2 * * *"

// LogFileName is the file, beside config.yaml, that the scheduled run's
// output (each line prefixed with a timestamp) is appended to. The sync
// keeps its own log too; this one also catches what happens before the sync
// can open it (a moved binary, an unreadable config).
const LogFileName = "scheduling.log"

// cronParser reads standard five-field cron expressions, without the
// @daily-style descriptors (cron and Task Scheduler both need the fields).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// ValidateCron checks that expr is a five-field cron expression (minute hour
// day-of-month month day-of-week) and says what is wrong in plain words.
func ValidateCron(expr string) error {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return errors.New("cron expression is empty: give five fields (minute hour day-of-month month day-of-week), like \"0 2 * * *\" for every day at 02:00")
	}
	if n := len(strings.Fields(expr)); n != 5 {
		return fmt.Errorf("cron expression %q has %d fields; it needs five (minute hour day-of-month month day-of-week), like \"0 2 * * *\" for every day at 02:00", expr, n)
	}
	if _, err := cronParser.Parse(expr); err != nil {
		return fmt.Errorf("cron expression %q is not valid: %v (fields: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6)", expr, err)
	}
	return nil
}

// ID is a short stable hash of s (a connector's folder or config path), used
// to tell connectors apart in the crontab marker and the Windows task name.
func ID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// Job is the recurring run of one connector.
type Job struct {
	// Cron is the five-field cron expression of the runs.
	Cron string
	// Binary is the absolute path of the trestle executable.
	Binary string
	// Config is the absolute path of the connector's config.yaml.
	Config string
	// LogFile is the absolute path the run's output is appended to on Linux
	// and macOS; empty means LogFileName beside Config.
	LogFile string
}

// Dir is the connector's folder: the one holding config.yaml.
func (j Job) Dir() string { return filepath.Dir(filepath.Clean(j.Config)) }

// logFile is LogFile or its default.
func (j Job) logFile() string {
	if j.LogFile != "" {
		return j.LogFile
	}
	return filepath.Join(j.Dir(), LogFileName)
}

// validate checks the cron expression and, when abs is set, that the paths
// are absolute (a scheduler starts the run in another folder).
func (j Job) validate(abs bool) error {
	var errs []error
	if err := ValidateCron(j.Cron); err != nil {
		errs = append(errs, err)
	}
	for _, p := range []struct{ name, path string }{{"trestle binary", j.Binary}, {"config file", j.Config}, {"log file", j.LogFile}} {
		switch {
		case p.path == "" && p.name == "log file":
		case p.path == "":
			errs = append(errs, fmt.Errorf("the %s path is required", p.name))
		case strings.ContainsAny(p.path, "\n\r"):
			errs = append(errs, fmt.Errorf("the %s path %q contains a line break", p.name, p.path))
		case abs && !filepath.IsAbs(p.path):
			errs = append(errs, fmt.Errorf("the %s path %q is not absolute", p.name, p.path))
		}
	}
	return errors.Join(errs...)
}

// Installer puts a connector's recurring run in the system's scheduler.
type Installer interface {
	// Install adds or replaces the connector's entry and describes it.
	Install(ctx context.Context, j Job) (string, error)
	// Remove deletes the entry of the connector whose config.yaml is at the
	// absolute path config, and reports whether there was one.
	Remove(ctx context.Context, config string) (bool, error)
	// Show describes the connector's entry, and reports whether there is one.
	Show(ctx context.Context, config string) (string, bool, error)
}

// ForOS is the scheduler of the operating system goos (runtime.GOOS): Task
// Scheduler on Windows, else the crontab. command overrides the crontab or
// schtasks command when not empty.
func ForOS(goos, command string) Installer {
	if goos == "windows" {
		return TaskScheduler{Command: command}
	}
	return Crontab{Command: command}
}
