package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/schedule"
)

// connectorConfigPath is the absolute path of the connector's config.yaml
// (--config), refusing a folder.
func connectorConfigPath(o *connectorOpts) (string, error) {
	path, err := filepath.Abs(o.config)
	if err != nil {
		return "", fmt.Errorf("--config %q: %w", o.config, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return "", fmt.Errorf("--config %q is a folder: give the path of the connector's config.yaml, e.g. %s", o.config, filepath.Join(o.config, config.FileName))
	}
	return path, nil
}

// readConnectorConfig reads config.yaml as written, without replacing
// ${VAR} references, so that it can be shown, edited and saved back without
// writing secrets into it. A missing file is an error wrapping fs.ErrNotExist.
func readConnectorConfig(path string) (*config.Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c config.Config
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &c, nil
}

// loadScheduledConfig reads an existing, valid config.yaml for the schedule
// commands.
func loadScheduledConfig(path string) (*config.Config, error) {
	c, err := readConnectorConfig(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("there is no connector config at %s: run \"trestle connector setup\" first, or give its path with --config", path)
	}
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// trestleBinary is the absolute path of the running trestle executable, which
// the schedule runs.
func trestleBinary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the path of the trestle program to schedule: %w", err)
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return exe, nil
}

// connectorScheduler is the system scheduler: Task Scheduler on Windows, else
// the crontab, run with crontabCommand when it is set.
func connectorScheduler(crontabCommand string) schedule.Installer {
	if runtime.GOOS == "windows" {
		return schedule.ForOS(runtime.GOOS, "")
	}
	return schedule.ForOS(runtime.GOOS, crontabCommand)
}

// installConnectorSchedule installs the schedule of the connector at path
// (absolute) and prints what was installed.
func installConnectorSchedule(ctx context.Context, w io.Writer, inst schedule.Installer, path, cron string) error {
	bin, err := trestleBinary()
	if err != nil {
		return err
	}
	job := schedule.Job{Cron: strings.Join(strings.Fields(cron), " "), Binary: bin, Config: path}
	what, err := inst.Install(ctx, job)
	if err != nil {
		return fmt.Errorf("install the schedule: %w", err)
	}
	if _, ok := inst.(schedule.TaskScheduler); ok {
		fmt.Fprintf(w, "Created the Windows scheduled task %s (%s):\n  %s\nInspect it with: schtasks /Query /TN %s /FO LIST /V\n",
			schedule.TaskName(path), job.Cron, what, schedule.TaskName(path))
		return nil
	}
	fmt.Fprintf(w, "Installed in your crontab (%s):\n  %s\nEach run's output is appended to %s.\n",
		job.Cron, what, filepath.Join(job.Dir(), schedule.LogFileName))
	return nil
}

// newConnectorScheduleCmd is "trestle connector schedule": the connector's
// entry in the system scheduler.
func newConnectorScheduleCmd(g *globals, o *connectorOpts) *cobra.Command {
	var crontabCommand string
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Install, show or remove the connector's recurring sync in cron or Windows Task Scheduler",
		Long: `On Linux and macOS the schedule is a line in your crontab, ending with a comment that
names the connector's folder, so several connectors keep their own lines and the rest of the
crontab is left alone. On Windows it is a Task Scheduler task named TrestleConnector-<hash>.

To keep the connector running in the foreground instead (a container, a service manager),
use "trestle connector run".`,
	}
	cmd.PersistentFlags().StringVar(&crontabCommand, "crontab-command", "crontab", "the crontab program to read and write the schedule with")
	cmd.PersistentFlags().Lookup("crontab-command").Hidden = true

	var cron string
	install := &cobra.Command{
		Use:   "install",
		Short: "Add the recurring sync (or replace it) with config.yaml's schedule.cron or --cron",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := connectorConfigPath(o)
			if err != nil {
				return err
			}
			c, err := loadScheduledConfig(path)
			if err != nil {
				return err
			}
			expr := cron
			if cmd.Flags().Changed("cron") {
				if err := schedule.ValidateCron(expr); err != nil {
					return fmt.Errorf("--cron: %w", err)
				}
			} else if expr = c.Schedule.Cron; expr == "" {
				return fmt.Errorf("no schedule to install: give --cron (e.g. --cron %q, every day at 02:00) or set schedule.cron in %s", schedule.DefaultCron, path)
			} else if err := schedule.ValidateCron(expr); err != nil {
				return fmt.Errorf("schedule.cron in %s: %w", path, err)
			}
			return installConnectorSchedule(cmd.Context(), g.stdout, connectorScheduler(crontabCommand), path, expr)
		},
	}
	install.Flags().StringVar(&cron, "cron", "", "five-field cron expression to run on instead of config.yaml's schedule.cron, e.g. \"0 2 * * *\"")

	show := &cobra.Command{
		Use:   "show",
		Short: "Print the connector's installed schedule entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := connectorConfigPath(o)
			if err != nil {
				return err
			}
			entry, ok, err := connectorScheduler(crontabCommand).Show(cmd.Context(), path)
			if err != nil {
				return fmt.Errorf("read the schedule: %w", err)
			}
			if !ok {
				fmt.Fprintf(g.stdout, "No schedule is installed for the connector in %s.\n", filepath.Dir(path))
				return nil
			}
			fmt.Fprintln(g.stdout, strings.TrimRight(entry, "\r\n"))
			return nil
		},
	}

	remove := &cobra.Command{
		Use:   "remove",
		Short: "Remove the connector's schedule entry, leaving every other entry alone",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := connectorConfigPath(o)
			if err != nil {
				return err
			}
			removed, err := connectorScheduler(crontabCommand).Remove(cmd.Context(), path)
			if err != nil {
				return fmt.Errorf("remove the schedule: %w", err)
			}
			if !removed {
				fmt.Fprintf(g.stdout, "No schedule was installed for the connector in %s; nothing to remove.\n", filepath.Dir(path))
				return nil
			}
			fmt.Fprintf(g.stdout, "Removed the schedule of the connector in %s.\n", filepath.Dir(path))
			return nil
		},
	}
	cmd.AddCommand(install, show, remove)
	return cmd
}

// connectorSyncFunc is the signature of runConnectorSync.
type connectorSyncFunc func(ctx context.Context, g *globals, o *connectorOpts, tables []string, full bool) error

// runDefinition turns --every (a duration such as 30m, or a five-field cron
// expression) into a gocron job definition.
func runDefinition(every string) (gocron.JobDefinition, error) {
	every = strings.TrimSpace(every)
	if d, err := time.ParseDuration(every); err == nil {
		if d < time.Second {
			return nil, fmt.Errorf("--every %s: the interval must be at least 1s", every)
		}
		return gocron.DurationJob(d), nil
	}
	if len(strings.Fields(every)) == 1 {
		return nil, fmt.Errorf("--every %q is neither a duration (like 30m, 6h or 24h) nor a five-field cron expression (like \"0 2 * * *\")", every)
	}
	if err := schedule.ValidateCron(every); err != nil {
		return nil, fmt.Errorf("--every: %w", err)
	}
	return gocron.CronJob(strings.Join(strings.Fields(every), " "), false), nil
}

// newConnectorRunCmd is "trestle connector run": the connector's own
// scheduler, in the foreground.
func newConnectorRunCmd(g *globals, o *connectorOpts) *cobra.Command {
	var every string
	var onceFirst bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Sync on a schedule in the foreground, until interrupted",
		Long: `Runs the sync over and over in this process, every --every (a duration such as 30m or
6h, or a cron expression such as "0 2 * * *"), or on config.yaml's schedule.cron. One sync
runs at a time: a run that would start while the previous one is still going is skipped.
It stops on Ctrl-C or SIGTERM, letting the running sync end first. Suits containers and
service managers (systemd, launchd, NSSM) better than cron.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := connectorConfigPath(o)
			if err != nil {
				return err
			}
			spec := every
			if !cmd.Flags().Changed("every") {
				c, err := loadScheduledConfig(path)
				if err != nil {
					return err
				}
				if spec = c.Schedule.Cron; spec == "" {
					return fmt.Errorf("no schedule: give --every (a duration like 1h, or a cron expression like %q) or set schedule.cron in %s", schedule.DefaultCron, path)
				}
			}
			def, err := runDefinition(spec)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runConnectorLoop(ctx, g, o, def, spec, onceFirst, runConnectorSync)
		},
	}
	cmd.Flags().StringVar(&every, "every", "", "how often to sync: a duration (30m, 6h) or a five-field cron expression (\"0 2 * * *\"); default config.yaml's schedule.cron")
	cmd.Flags().BoolVar(&onceFirst, "once-first", true, "sync once right away, then on the schedule")
	return cmd
}

// runConnectorLoop runs sync on def until ctx ends, one run at a time,
// logging each run's start and end.
func runConnectorLoop(ctx context.Context, g *globals, o *connectorOpts, def gocron.JobDefinition, spec string, onceFirst bool, sync connectorSyncFunc) error {
	s, err := gocron.NewScheduler(gocron.WithStopTimeout(10 * time.Minute))
	if err != nil {
		return err
	}
	var (
		job  gocron.Job
		runs atomic.Int64
	)
	task := func(ctx context.Context) {
		n := runs.Add(1)
		start := time.Now()
		g.log.Info("connector sync started", "run", n, "config", o.config)
		err := sync(ctx, g, o, nil, false)
		took := time.Since(start).Round(time.Millisecond)
		if err != nil {
			g.log.Error("connector sync failed", "run", n, "took", took.String(), "err", err)
		} else {
			g.log.Info("connector sync finished", "run", n, "took", took.String())
		}
		if next, err := job.NextRun(); err == nil && ctx.Err() == nil && !next.IsZero() {
			g.log.Info("next connector sync", "at", next.Format(time.RFC3339))
		}
	}
	opts := []gocron.JobOption{
		gocron.WithName("trestle connector sync"),
		gocron.WithContext(ctx),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
	}
	if onceFirst {
		opts = append(opts, gocron.WithStartAt(gocron.WithStartImmediately()))
	}
	if job, err = s.NewJob(def, gocron.NewTask(task), opts...); err != nil {
		return fmt.Errorf("schedule %q: %w", spec, err)
	}
	s.Start()
	attrs := []any{"schedule", spec, "config", o.config}
	if next, err := job.NextRun(); err == nil && !next.IsZero() && !onceFirst {
		attrs = append(attrs, "first_run", next.Format(time.RFC3339))
	}
	g.log.Info("connector running on a schedule; stop with Ctrl-C", attrs...)
	<-ctx.Done()
	g.log.Info("connector stopping: waiting for a running sync to end")
	if err := s.Shutdown(); err != nil {
		return fmt.Errorf("stop the scheduler: %w", err)
	}
	g.log.Info("connector stopped", "runs", runs.Load())
	return nil
}
