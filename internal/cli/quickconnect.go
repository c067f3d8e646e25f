package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/quickconnect"
	"github.com/trestle-dev/trestle/internal/quickconnect/mapping"
	"github.com/trestle-dev/trestle/internal/quickconnect/source"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// newQuickConnectCmd is "trestle quickconnect": scheduled syncs from systems
// of record.
func newQuickConnectCmd(g *globals) *cobra.Command {
	var company, name, secrets string
	cmd := &cobra.Command{
		Use:   "quickconnect",
		Short: "Scheduled one-way syncs from a system of record (SQL, CSV/JSON over HTTP, files, S3)",
		Long: `A QuickConnect connection reads people, projects, groups and job titles from a company's
system of record, maps the columns to hub fields, and applies the changes through the same
plan/apply path as imports, on a schedule run by "trestle serve" or on demand.
See docs/quickconnect.md for the definition file.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&company, "company", "", "the company (slug or id)")
	pf.StringVar(&name, "name", "", "the connection's name")
	pf.StringVar(&secrets, "secrets", "", "a YAML file of secrets the sources name as secret:NAME (otherwise ${VAR} from the environment)")

	loadSecrets := func() (*source.Secrets, error) {
		if secrets == "" {
			return nil, nil
		}
		return source.LoadSecrets(secrets)
	}
	withConn := func(cmd *cobra.Command, fn func(st *sqlstore.Store, conn store.QCConnection) error) error {
		if company == "" || name == "" {
			return errors.New("give --company and --name")
		}
		ctx := cmd.Context()
		return g.withStore(ctx, func(st *sqlstore.Store) error {
			c, err := st.Company(ctx, company)
			if err != nil {
				return err
			}
			conn, err := st.QCConnection(ctx, c.ID, name)
			if err != nil {
				return err
			}
			return fn(st, conn)
		})
	}

	save := &cobra.Command{
		Use:   "save --company C --name N DEFINITION.yaml",
		Short: "Create or replace a connection from its definition file (checked first)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				loc, _ := time.LoadLocation(c.Timezone)
				def, err := quickconnect.ParseDefinition(data, loc)
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				conn, err := st.SaveQCConnection(ctx, store.QCConnection{CompanyID: c.ID, Name: name, Definition: string(data), Enabled: true}, consoleActor())
				if err != nil {
					return err
				}
				when := "on demand only"
				if s := def.ScheduleSpec(); s != nil {
					when = s.String()
				}
				fmt.Fprintf(g.stdout, "saved connection %s of %s (runs: %s)\n", conn.Name, c.Slug, when)
				return nil
			})
		},
	}
	validate := &cobra.Command{
		Use:   "validate FILE.yaml",
		Short: "Check a connection definition, or a mapping file on its own",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if strings.Contains(string(data), "\nsources:") || strings.HasPrefix(string(data), "sources:") {
				if _, err := quickconnect.ParseDefinition(data, time.UTC); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fmt.Fprintf(g.stdout, "%s: the connection definition is valid\n", args[0])
				return nil
			}
			m, err := mapping.Parse(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			for _, e := range m.Entities() {
				fmt.Fprintf(g.stdout, "%s: reads columns %s; owns %s\n", e, strings.Join(m.Columns(e), ", "), strings.Join(m.OwnedFields(e), ", "))
			}
			fmt.Fprintf(g.stdout, "%s: the mapping is valid\n", args[0])
			return nil
		},
	}
	run := func(trigger string) *cobra.Command {
		var force bool
		c := &cobra.Command{
			Use:   strings.TrimPrefix(trigger, "manual-") + " --company C --name N",
			Short: map[string]string{store.QCTriggerManual: "Run a connection now", store.QCTriggerDryRun: "Show what a run would change, writing nothing"}[trigger],
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				sec, err := loadSecrets()
				if err != nil {
					return err
				}
				return withConn(cmd, func(st *sqlstore.Store, conn store.QCConnection) error {
					r, err := quickconnect.Run(cmd.Context(), st, conn, quickconnect.RunOptions{Trigger: trigger, Force: force, Secrets: sec, Log: g.log})
					if err != nil {
						return err
					}
					printQCRun(g, r)
					if r.Status == store.QCOK || r.Status == store.QCUnchanged {
						return nil
					}
					return &outcomeError{msg: fmt.Sprintf("run %s: %s", r.Status, r.Message)}
				})
			},
		}
		if trigger == store.QCTriggerManual {
			c.Use = "run --company C --name N"
			c.Flags().BoolVar(&force, "force", false, "apply a run that is held (more deactivations than the connection allows)")
		}
		return c
	}
	var limit int
	var asJSON bool
	history := &cobra.Command{
		Use:   "history --company C [--name N]",
		Short: "List runs: when, trigger, status, counts per entity",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				connID := ""
				if name != "" {
					conn, err := st.QCConnection(ctx, c.ID, name)
					if err != nil {
						return err
					}
					connID = conn.ID
				}
				runs, err := st.QCRuns(ctx, c.ID, connID, limit)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(g.stdout)
					for _, r := range runs {
						if err := enc.Encode(r); err != nil {
							return err
						}
					}
					return nil
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "STARTED\tTRIGGER\tSTATUS\tTOOK\tCOUNTS\tERRORS\tMESSAGE")
				for _, r := range runs {
					took := ""
					if !r.FinishedAt.IsZero() {
						took = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
					}
					msg := r.Message
					if len(msg) > 90 {
						msg = msg[:90] + "..."
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.StartedAt.Local().Format("2006-01-02 15:04:05"), r.Trigger, r.Status, took,
						qcCounts(r.Counts), r.ErrorsTotal, msg)
				}
				return tw.Flush()
			})
		},
	}
	history.Flags().IntVar(&limit, "limit", 20, "at most this many runs (0: all)")
	history.Flags().BoolVar(&asJSON, "json", false, "one JSON object per run, with its row errors")
	test := &cobra.Command{
		Use:   "test-connection --company C --name N",
		Short: "Open each source, read its columns and check them against the mapping (no rows applied)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sec, err := loadSecrets()
			if err != nil {
				return err
			}
			return withConn(cmd, func(st *sqlstore.Store, conn store.QCConnection) error {
				results, err := quickconnect.Test(cmd.Context(), conn.Definition, sec)
				for _, r := range results {
					fmt.Fprintln(g.stdout, r)
				}
				return err
			})
		},
	}
	list := &cobra.Command{
		Use:   "list --company C",
		Short: "List a company's connections and their last run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				conns, err := st.QCConnections(ctx, c.ID)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tENABLED\tLAST RUN\tSTATUS")
				for _, conn := range conns {
					last, status := "never", ""
					if r, err := st.LastQCRun(ctx, conn.ID); err == nil {
						last, status = r.StartedAt.Local().Format("2006-01-02 15:04"), r.Status
					}
					fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", conn.Name, conn.Enabled, last, status)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(save, validate, run(store.QCTriggerManual), run(store.QCTriggerDryRun), history, test, list)
	return cmd
}

// printQCRun prints a run's outcome and its first row errors.
func printQCRun(g *globals, r store.QCRun) {
	fmt.Fprintf(g.stdout, "run %s (%s): %s\n", r.Status, r.Trigger, r.Message)
	if c := qcCounts(r.Counts); c != "" {
		fmt.Fprintln(g.stdout, "  "+c)
	}
	for i, e := range r.Errors {
		if i == 20 {
			fmt.Fprintf(g.stdout, "  ... %d more row errors (trestle quickconnect history --json)\n", r.ErrorsTotal-20)
			break
		}
		where := fmt.Sprintf("%s %s row %d", e.Entity, e.Source, e.Row)
		if e.Column != "" {
			where += ", column " + e.Column
		}
		fmt.Fprintf(g.stdout, "  %s: %s: %s\n", where, e.Field, e.Message)
	}
}

// qcCounts summarises counts per entity.
func qcCounts(counts map[string]store.QCCounts) string {
	var parts []string
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n := counts[k]
		parts = append(parts, fmt.Sprintf("%s read %d, +%d ~%d -%d =%d, skipped %d, invalid %d", k, n.Read, n.Created, n.Updated, n.Deactivated, n.Unchanged, n.Skipped, n.Invalid))
	}
	return strings.Join(parts, "; ")
}
