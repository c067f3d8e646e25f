package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/demo"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

func newDemoCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "demo", Short: "Demo data"}
	var slug string
	load := &cobra.Command{
		Use:   "load",
		Short: "Fill a demo company with realistic planning data",
		Long: `Create the demo company (if needed) and fill it with groups in several time zones, job
titles, tags with expiries, about 500 people, 60 projects, assignments over the coming
months and some time off. The data is the same on every machine for the same day.
Loading again does not duplicate anything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				sum, err := demo.Load(cmd.Context(), st, slug, planning.DateOf(time.Now()))
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, sum.String())
				return nil
			})
		},
	}
	load.Flags().StringVar(&slug, "company", demo.DefaultSlug, "slug of the company to fill")
	cmd.AddCommand(load)
	return cmd
}
