// Package cli is Trestle's command line (cobra): flags, wiring and output. It holds
// no business rules; each command calls the capability packages.
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

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/bloburl"
	"github.com/trestle-dev/trestle/internal/logging"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// globals are the options every command shares.
type globals struct {
	dataDir     string
	databaseURL string
	tables      string
	logFormat   string
	logLevel    string
	stdout      io.Writer
	stderr      io.Writer
	log         *slog.Logger
}

// envPrefix prefixes the environment variable of every flag: --data-dir is
// TRESTLE_DATA_DIR.
const envPrefix = "TRESTLE_"

// Main runs the command line with args and returns the process exit code. Errors are
// printed as one line on stderr.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := NewRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "trestle: "+oneLine(err))
		var ec exitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}

type exitCoder interface{ ExitCode() int }

// outcomeError is a command that ran but whose work did not apply (an import
// that is invalid or held, a sync run that failed): its report is printed,
// then this one line, and the exit code is 1.
type outcomeError struct{ msg string }

func (e *outcomeError) Error() string { return e.msg }

// ExitCode is 1.
func (e *outcomeError) ExitCode() int { return 1 }

// oneLine keeps an error message on one line.
func oneLine(err error) string { return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " ") }

// NewRoot builds the command tree.
func NewRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "trestle",
		Short: "Trestle: the open data platform for construction resource planning",
		Long: `Trestle keeps a construction company's people, projects and assignments (the planning
hub, "trestle serve"), takes data in from systems of record, and shares it out as Delta
Lake tables over Delta Sharing.

Every flag can also be set with an environment variable: TRESTLE_ and the flag name in
capitals with '_' for '-', e.g. --data-dir is TRESTLE_DATA_DIR. Flags win.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			log, err := logging.New(g.stderr, logging.Options{Format: g.logFormat, Level: g.logLevel})
			if err != nil {
				return err
			}
			g.log = log
			slog.SetDefault(log)
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.dataDir, "data-dir", "./trestle-data", "folder for the embedded database and the hub's files")
	pf.StringVar(&g.databaseURL, "database-url", "", "database: postgres://user:pass@host/db, or sqlite:///path/hub.db (default: SQLite in the data folder)")
	pf.StringVar(&g.tables, "tables", "", "where the shared Delta tables are kept: a folder, or s3://bucket/prefix[?endpoint=URL&region=R] with credentials from the AWS environment (default: the tables folder in the data folder)")
	pf.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")

	root.AddCommand(newServeCmd(g), newVersionCmd(g), newMigrateCmd(g), newCompanyCmd(g), newUserCmd(g), newDemoCmd(g), newPublishCmd(g), newShareCmd(g), newConnectorCmd(g), newImportCmd(g), newTemplateCmd(g), newSFTPCmd(g), newQuickConnectCmd(g), newAPICmd(g))
	root.AddCommand(newSandboxCmd(g))
	return root
}

// applyEnv sets every flag not given on the command line from its environment
// variable, when that is set.
func applyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s: %w", name, e)
			}
		}
	})
	return err
}

// dbURL is the database to use: --database-url, or SQLite in the data folder.
func (g *globals) dbURL() string {
	if g.databaseURL != "" {
		return g.databaseURL
	}
	return "sqlite://" + filepath.Join(g.dataDir, "trestle.db")
}

// tablesLocation is where the shared tables live: --tables, or the data folder.
func (g *globals) tablesLocation() string {
	if g.tables != "" {
		return g.tables
	}
	return filepath.Join(g.dataDir, "tables")
}

// openTables opens the blob store of the shared tables.
func (g *globals) openTables(ctx context.Context) (blob.Store, error) {
	b, err := bloburl.Open(ctx, g.tablesLocation())
	if err != nil {
		return nil, fmt.Errorf("open the shared tables' storage: %w", err)
	}
	return b, nil
}

// openStore opens (and migrates) the database.
func (g *globals) openStore(ctx context.Context, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	return sqlstore.Open(ctx, g.dbURL(), opts...)
}

// withStore opens the store (migrated, unless opts say otherwise), runs fn, and
// closes it.
func (g *globals) withStore(ctx context.Context, fn func(st *sqlstore.Store) error, opts ...sqlstore.Option) error {
	st, err := g.openStore(ctx, opts...)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// consoleActor names who makes changes from the command line.
func consoleActor() store.Actor {
	who := os.Getenv("USER")
	if who == "" {
		who = "cli"
	}
	return store.Actor{Source: planning.SourceConsole, Actor: who}
}
