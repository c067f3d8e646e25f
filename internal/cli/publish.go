package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/publish"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

func newPublishCmd(g *globals) *cobra.Command {
	var (
		company string
		rebuild bool
	)
	cmd := &cobra.Command{
		Use:   "publish --company SLUG [--rebuild]",
		Short: "Publish a company's shared Delta tables now",
		Long: `Bring a company's shared Delta tables (schema resource_planning) up to date with its
change history, now. "trestle serve" does this on its own within seconds of every
change; this command is for scripts, first runs and repairs.

Tables that do not exist are created from the current data; the others receive the
changes they do not hold yet, as one merge commit per table. --rebuild rewrites every
table from the current data instead (one overwrite commit each; history and time travel
are kept). Running it while the hub runs is safe: each table records the last change
it holds, and a change is never applied twice.`,
		Example: `  trestle publish --company demo
  trestle publish --company acme --rebuild --tables s3://acme-lake/trestle?region=us-east-2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if company == "" {
				return fmt.Errorf("--company is required: the slug or id of the company to publish")
			}
			ctx := cmd.Context()
			blobs, err := g.openTables(ctx)
			if err != nil {
				return err
			}
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				p := publish.New(st, blobs, publish.Options{Log: g.log})
				start := time.Now()
				run, verb := p.Sync, "published"
				if rebuild {
					run, verb = p.Rebuild, "rebuilt"
				}
				res, err := run(ctx, company)
				if err != nil {
					return err
				}
				printPublish(g, company, verb, res, time.Since(start))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&company, "company", "", "the company (slug or id)")
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "rewrite every table from the current data")
	return cmd
}

func printPublish(g *globals, company, verb string, res publish.Result, took time.Duration) {
	w := g.stdout
	if len(res.Tables) == 0 {
		fmt.Fprintf(w, "%s: shared tables are up to date (change history position %d) in %s\n", company, res.Seq, g.tablesLocation())
		return
	}
	fmt.Fprintf(w, "%s: %s %d table(s) in %s, up to change %d, in %s\n", company, verb, len(res.Tables),
		g.tablesLocation(), res.Seq, took.Round(time.Millisecond))
	names := make([]string, 0, len(res.Tables))
	for n := range res.Tables {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		t := res.Tables[n]
		var parts []string
		if t.Rows > 0 || t.Inserted+t.Updated+t.Deleted == 0 {
			parts = append(parts, fmt.Sprintf("%d rows", t.Rows))
		}
		if t.Inserted+t.Updated+t.Deleted > 0 {
			parts = append(parts, fmt.Sprintf("%d inserted, %d updated, %d deleted", t.Inserted, t.Updated, t.Deleted))
		}
		fmt.Fprintf(w, "  %-18s version %-4d %s\n", n, t.Version, strings.Join(parts, ", "))
	}
}
