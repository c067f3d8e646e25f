package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gofrs/flock"
	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/connector"
	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/destination"
	"github.com/trestle-dev/trestle/internal/connector/state"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// Files the connector keeps beside config.yaml.
const (
	connectorLogFile    = "connector.log"
	failedTablesFile    = "failed_tables.log"
	connectorLockFile   = ".connector.lock"
	connectorTempFolder = ".downloads"
)

// syncFailedError is a sync in which tables failed: exit code 1 after the
// report.
type syncFailedError struct {
	failed, total int
	names         []string
}

func (e *syncFailedError) Error() string {
	return fmt.Sprintf("%d of %d tables failed (%s); see %s and %s", e.failed, e.total,
		strings.Join(e.names, ", "), failedTablesFile, connectorLogFile)
}

// ExitCode is 1.
func (e *syncFailedError) ExitCode() int { return 1 }

// newConnectorSyncCmd is "trestle connector sync".
func newConnectorSyncCmd(g *globals, o *connectorOpts) *cobra.Command {
	var (
		tables []string
		full   bool
	)
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync the shared tables into the destination once",
		Long: `Sync lands every table of config.yaml (or those given with --tables) in the destination.

Each table is loaded in full the first time, then incrementally from the change data feed when
the table has one and a primary key; otherwise it is reloaded in full, atomically: readers see
the previous table until the new one is complete. Progress goes to the terminal (bars) or to
stderr (plain timestamped lines), and every run is appended to connector.log beside
config.yaml. Tables that failed are listed in failed_tables.log, and the exit code is 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConnectorSync(cmd.Context(), g, o, tables, full)
		},
	}
	cmd.Flags().StringSliceVar(&tables, "tables", nil, "sync only these tables (share.schema.table, comma-separated)")
	cmd.Flags().BoolVar(&full, "full", false, "reload every table in full, even when it could be synced incrementally")
	return cmd
}

// runConnectorSync runs one sync of the connector configured at o.config:
// every configured table, or only tables (share.schema.table), reloading them
// entirely when full. It logs to g.stderr and to the log file beside the
// config, writes failed_tables.log, and returns an error (exit code 1) when a
// table failed.
func runConnectorSync(ctx context.Context, g *globals, o *connectorOpts, tables []string, full bool) error {
	_, err := runConnectorSyncReport(ctx, g, o, tables, full)
	return err
}

// errSyncRunning is returned when another sync of the same folder holds its
// lock.
var errSyncRunning = errors.New("another sync of this connector is still running")

// runConnectorSyncReport is runConnectorSync returning the report too (nil
// when no table could start).
func runConnectorSyncReport(ctx context.Context, g *globals, o *connectorOpts, tables []string, full bool) (*connector.Report, error) {
	cfg, err := config.Load(o.config)
	if err != nil {
		return nil, err
	}
	dir := o.dir()
	logFile, err := os.OpenFile(filepath.Join(dir, connectorLogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the connector's log: %w", err)
	}
	defer logFile.Close()
	interactive := isTerminal(g.stderr)
	handlers := []slog.Handler{slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo})}
	if !interactive {
		handlers = append(handlers, g.log.Handler())
	}
	log := slog.New(slog.NewMultiHandler(handlers...))

	lock := flock.New(filepath.Join(dir, connectorLockFile))
	locked, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock the connector folder: %w", err)
	}
	if !locked {
		err := fmt.Errorf("%w (%s); this run does nothing", errSyncRunning, o.config)
		log.Warn(err.Error())
		return nil, err
	}
	defer lock.Unlock()

	report, err := syncOnce(ctx, g, o, cfg, log, interactive, tables, full)
	if err != nil {
		var sf *syncFailedError
		if !errors.As(err, &sf) {
			log.Error("sync failed", "err", err)
			// Nothing synced: every selected table failed.
			_ = writeFailedTables(dir, append(tables, cfg.Tables...))
		}
	}
	return report, err
}

// syncOnce opens the profile, the state and the destination, syncs, and
// reports.
func syncOnce(ctx context.Context, g *globals, o *connectorOpts, cfg *config.Config, log *slog.Logger,
	interactive bool, tables []string, full bool) (*connector.Report, error) {
	dir := o.dir()
	profile, err := client.LoadProfile(cfg.ProfilePath())
	if err != nil {
		return nil, err
	}
	c, err := client.New(profile, client.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	st, err := state.Open(filepath.Join(dir, state.FileName))
	if err != nil {
		return nil, err
	}
	dest, err := destination.Open(ctx, cfg.Destination, dir)
	if err != nil {
		return nil, fmt.Errorf("open the destination (%s): %w", destination.Describe(cfg.Destination), err)
	}
	defer dest.Close()
	tmp := filepath.Join(dir, connectorTempFolder)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	log.Info("sync started", "config", o.config, "destination", destination.Describe(cfg.Destination), "full", full)
	opts := connector.Options{Client: c, Sink: dest, State: st, Config: cfg, Tables: tables, Full: full, TempDir: tmp, Log: log}
	var bars *progressBars
	if interactive {
		bars = newProgressBars(g.stderr)
		opts.Observer = bars
	} else {
		opts.Observer = newProgressLines(log, 15*time.Second)
	}
	report, err := connector.Sync(ctx, opts)
	if bars != nil {
		bars.wait()
	}
	if err != nil {
		return nil, err
	}
	printReport(g.stdout, report)
	failed := report.Failed()
	names := make([]string, len(failed))
	for i, f := range failed {
		names[i] = f.Table
		if interactive {
			fmt.Fprintf(g.stderr, "failed: %v\n", f.Err)
		}
	}
	if err := writeFailedTables(dir, names); err != nil {
		return report, err
	}
	log.Info("sync finished", "tables", len(report.Tables), "failed", len(failed), "took", time.Since(start).Round(time.Millisecond))
	if len(failed) > 0 {
		return report, &syncFailedError{failed: len(failed), total: len(report.Tables), names: names}
	}
	return report, nil
}

// writeFailedTables writes the names of the tables that failed, one per line;
// after a run without failures the file is removed.
func writeFailedTables(dir string, names []string) error {
	path := filepath.Join(dir, failedTablesFile)
	if len(names) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return os.WriteFile(path, []byte(strings.Join(names, "\n")+"\n"), 0o600)
}

// printReport prints one line per table.
func printReport(w io.Writer, r *connector.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tDESTINATION\tMODE\tVERSION\tROWS\tDELETED\tTIME\tRESULT")
	for _, t := range r.Tables {
		result := "ok"
		switch {
		case t.Err != nil:
			result = "FAILED"
		case t.Fallback != "":
			result = "ok (full: " + t.Fallback + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", t.Table, t.Destination, t.Plan.Mode, t.Version, t.Rows, t.Deleted,
			t.Duration.Round(time.Millisecond), result)
	}
	tw.Flush()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && termIsTerminal(f)
}

// newConnectorStatusCmd is "trestle connector status".
func newConnectorStatusCmd(g *globals, o *connectorOpts) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show what the destination holds of each table, and the last failures",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(o.config)
			if err != nil {
				return err
			}
			st, err := state.Open(filepath.Join(o.dir(), state.FileName))
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "destination: %s\n", destination.Describe(cfg.Destination))
			if cfg.Schedule.Cron != "" {
				fmt.Fprintf(g.stdout, "schedule:    %s\n", cfg.Schedule.Cron)
			}
			names := st.Tables()
			for _, t := range cfg.Tables {
				if _, ok := st.Get(t); !ok {
					names = append(names, t)
				}
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TABLE\tDESTINATION\tVERSION\tMODE\tROWS\tDELETED\tSYNCED")
			now := time.Now()
			for _, n := range names {
				t, ok := st.Get(n)
				if !ok {
					fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\tnever\n", n)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s (%s ago)\n", n, t.Destination, t.Version, t.Mode, t.Rows, t.Deleted,
					t.SyncedAt.Local().Format("2006-01-02 15:04:05"), now.Sub(t.SyncedAt).Round(time.Second))
			}
			tw.Flush()
			if b, err := os.ReadFile(filepath.Join(o.dir(), failedTablesFile)); err == nil && len(b) > 0 {
				fmt.Fprintf(g.stdout, "failed in the last run (%s):\n%s", failedTablesFile, b)
			}
			return nil
		},
	}
}
