package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/csvimport"
	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// newImportCmd is "trestle import".
func newImportCmd(g *globals) *cobra.Command {
	var (
		company, mode     string
		dryRun, force, js bool
		keepSourceOfTruth bool
		holdAbove         float64
	)
	cmd := &cobra.Command{
		Use:   "import --company C [--mode merge|replace] [--dry-run] FILES|DIR",
		Short: "Import the CSV templates (groups, job titles, tags, people, projects, assignments) into a company",
		Long: `Import reads the standard CSV templates (see "trestle template" and docs/templates.md),
checks every row against the domain rules and against each other and the hub, plans the
changes (creates, updates with their fields, deactivations, unchanged) and applies them in
one transaction, recorded in the change history with source "import". Give the files, or a
folder holding them; the file names say which template each is.

Modes: merge (the default) creates and updates; replace treats people.csv and projects.csv
as the complete lists: people and projects missing from them become inactive (never
deleted). A replace that would deactivate more than half the active people or projects is
held, as is a replace into a company the hub manages, until --force.

With any problem nothing is imported: every problem is listed with its file, line and
column, and the exit code is 1. --dry-run prints the plan and writes nothing. After an
import the company is marked hub-managed (the hub is the source of truth from then on)
unless --keep-source-of-truth. Every run is kept in the import history
("trestle import history").`,
		Example: `  trestle import --company acme --dry-run ./import
  trestle import --company acme groups.csv job_titles.csv people.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := ingest.ParseMode(mode)
			if err != nil {
				return fmt.Errorf("--mode: %w", err)
			}
			paths, err := importPaths(args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				rep, err := csvimport.Import(ctx, st, company, paths, csvimport.Options{Mode: m, DryRun: dryRun, Force: force,
					HoldAbove: holdAbove, Source: planning.SourceImport, Actor: consoleActor().Actor, MarkHubManaged: !keepSourceOfTruth})
				if err != nil {
					return err
				}
				if js {
					enc := json.NewEncoder(g.stdout)
					enc.SetIndent("", "  ")
					if err := enc.Encode(rep); err != nil {
						return err
					}
				} else {
					printImport(g, rep)
				}
				switch rep.Run.Status {
				case store.ImportApplied, store.ImportDryRun, store.ImportUnchanged:
					return nil
				}
				return &outcomeError{msg: rep.Run.Message}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&company, "company", "", "the company (slug or id) to import into (required)")
	f.StringVar(&mode, "mode", "merge", "merge (create and update) or replace (people and projects missing from the files become inactive)")
	f.BoolVar(&dryRun, "dry-run", false, "print the plan only; write nothing")
	f.BoolVar(&force, "force", false, "apply a plan that is held (many deactivations, or a replace into a hub-managed company)")
	f.BoolVar(&js, "json", false, "print the report as JSON")
	f.BoolVar(&keepSourceOfTruth, "keep-source-of-truth", false, "do not mark the company hub-managed after the import")
	f.Float64Var(&holdAbove, "hold-above", ingest.DefaultHoldAbove, "hold a replace that would deactivate more than this share of the active people or projects")
	_ = cmd.MarkFlagRequired("company")
	cmd.AddCommand(newImportHistoryCmd(g))
	return cmd
}

// importPaths expands folders into the template files they hold.
func importPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		found := false
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".csv") && !strings.HasSuffix(e.Name(), ".example.csv") {
				out = append(out, filepath.Join(a, e.Name()))
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%s holds no .csv files", a)
		}
	}
	return out, nil
}

// printImport prints the plan or the problems.
func printImport(g *globals, rep *csvimport.Report) {
	for _, p := range rep.Problems {
		fmt.Fprintln(g.stderr, p.Error())
	}
	if rep.More > 0 {
		fmt.Fprintf(g.stderr, "... and %d more problems\n", rep.More)
	}
	if rep.Plan != nil {
		fmt.Fprintln(g.stdout, rep.Plan.Summary())
		for _, k := range rep.Plan.Kinds() {
			for _, c := range k.Changes {
				if c.Op == ingest.OpCreate {
					continue
				}
				var fields []string
				for _, fc := range c.Fields {
					fields = append(fields, fmt.Sprintf("%s: %q -> %q", fc.Field, fc.Old, fc.New))
				}
				fmt.Fprintf(g.stdout, "  %s %s %s: %s\n", c.Op, k.Kind.Label(), c.Label, strings.Join(fields, ", "))
			}
			if k.Omitted > 0 {
				fmt.Fprintf(g.stdout, "  ... and %d more changes of %s\n", k.Omitted, k.Kind.Label())
			}
		}
	}
	fmt.Fprintf(g.stdout, "import %s: %s\n", rep.Run.Status, rep.Run.Message)
}

// newImportHistoryCmd is "trestle import history".
func newImportHistoryCmd(g *globals) *cobra.Command {
	var company string
	var limit int
	cmd := &cobra.Command{
		Use:   "history --company C",
		Short: "List a company's imports (command line and SFTP): when, who, files, outcome",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				runs, err := st.Imports(ctx, c.ID, limit)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "STARTED\tSOURCE\tBY\tMODE\tFILES\tSTATUS\tCHANGES\tMESSAGE")
				for _, r := range runs {
					var files []string
					for _, f := range r.Files {
						sum := f.SHA256
						if len(sum) > 12 {
							sum = sum[:12]
						}
						files = append(files, f.Name+" ("+sum+")")
					}
					var changes []string
					kinds := make([]string, 0, len(r.Counts))
					for k := range r.Counts {
						kinds = append(kinds, k)
					}
					slices.Sort(kinds)
					for _, k := range kinds {
						n := r.Counts[k]
						changes = append(changes, fmt.Sprintf("%s +%d ~%d -%d =%d", k, n.Created, n.Updated, n.Deactivated, n.Unchanged))
					}
					msg := r.Message
					if len(msg) > 100 {
						msg = msg[:100] + "..."
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.StartedAt.Local().Format("2006-01-02 15:04:05"), r.Source, r.Actor,
						r.Mode, strings.Join(files, ", "), r.Status, strings.Join(changes, "; "), msg)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&company, "company", "", "the company (slug or id) (required)")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many runs (0: all)")
	_ = cmd.MarkFlagRequired("company")
	return cmd
}
