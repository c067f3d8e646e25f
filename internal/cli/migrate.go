package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

func newMigrateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date",
		Long: `Bring the database schema up to this binary's version. "trestle serve" does this by
itself at start; run it separately when you upgrade a PostgreSQL database by hand.
A database migrated by a newer Trestle is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				from, to, err := st.Migrate(cmd.Context())
				if err != nil {
					return err
				}
				if from == to {
					fmt.Fprintf(g.stdout, "schema of %s is up to date (version %d)\n", st, to)
				} else {
					fmt.Fprintf(g.stdout, "migrated %s from version %d to %d\n", st, from, to)
				}
				return nil
			}, sqlstore.WithoutMigrate())
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the database's schema version and the newest this binary knows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				s, err := st.SchemaStatus(cmd.Context())
				if err != nil {
					return err
				}
				state := "up to date"
				switch {
				case s.Current < s.Latest:
					state = "needs migrating: run trestle migrate"
				case s.Current > s.Latest:
					state = "newer than this binary: upgrade trestle"
				}
				fmt.Fprintf(g.stdout, "database: %s\nschema version: %d\nbinary knows up to: %d\nstate: %s\n", st, s.Current, s.Latest, state)
				return nil
			}, sqlstore.WithoutMigrate())
		},
	})
	return cmd
}
