package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/publish"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// Shares and their tables; tokens, profiles and the access log are in
// share_token.go.

func newShareCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "share",
		Short: "Delta Sharing: shares and their tables, recipients' tokens and profiles, the access log",
		Long: `Every company has a default share, named after its slug, holding all its published
tables (schema resource_planning). Custom shares list tables explicitly: a company's
published tables under any schema and name, or any Delta table on disk or in S3.

Recipients are hub users with analytics access in a company ("trestle user grant
--analytics"); a recipient's token reads every share of every such company.`,
	}
	cmd.AddCommand(newShareListCmd(g), newShareCreateCmd(g), newShareRenameCmd(g), newShareDeleteCmd(g),
		newShareTableCmd(g), newShareTokenCmd(g), newShareProfileCmd(g), newShareLogCmd(g), newShareImportCmd(g))
	return cmd
}

func newShareListCmd(g *globals) *cobra.Command {
	var company string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List shares (of one company, or all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				cs, err := st.Companies(ctx)
				if err != nil {
					return err
				}
				slug := map[string]string{}
				for _, c := range cs {
					slug[c.ID] = c.Slug
				}
				var shares []store.Share
				if company != "" {
					c, err := st.Company(ctx, company)
					if err != nil {
						return err
					}
					shares, err = st.Shares(ctx, c.ID)
					if err != nil {
						return err
					}
				} else if shares, err = st.AllShares(ctx); err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tCOMPANY\tKIND\tTABLES\tCOMMENT")
				for _, sh := range shares {
					tables, err := st.SharedTables(ctx, sh.ID)
					if err != nil {
						return err
					}
					n := len(tables)
					if sh.Default {
						n += len(publish.Tables())
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", sh.Name, slug[sh.CompanyID], sh.Kind(), n, sh.Comment)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&company, "company", "", "list only this company's shares (slug)")
	return cmd
}

func newShareCreateCmd(g *globals) *cobra.Command {
	var sh store.Share
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create a custom share in a company; add tables with 'trestle share table add'",
		Example: `  trestle share create --company acme --name acme-finance --comment "costs for the finance team"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, sh.CompanyID)
				if err != nil {
					return err
				}
				sh.CompanyID = c.ID
				made, err := st.CreateShare(ctx, sh, consoleActor())
				if err != nil {
					return shareErr(err)
				}
				fmt.Fprintf(g.stdout, "created share %s in company %s, id %s\n", made.Name, c.Slug, made.ID)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&sh.CompanyID, "company", "", "the company (slug) the share belongs to (required)")
	cmd.Flags().StringVar(&sh.Name, "name", "", "share name, unique in the installation (required)")
	cmd.Flags().StringVar(&sh.Comment, "comment", "", "what the share is for")
	cmd.MarkFlagRequired("company")
	cmd.MarkFlagRequired("name")
	return cmd
}

func newShareRenameCmd(g *globals) *cobra.Command {
	var share, name string
	cmd := &cobra.Command{
		Use:     "rename",
		Short:   "Rename a share (the default share too); recipients then see the new name",
		Example: `  trestle share rename --share acme --name acme-builders`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				sh, err := st.ShareByName(ctx, share)
				if err != nil {
					return err
				}
				if err := st.RenameShare(ctx, sh.ID, name, consoleActor()); err != nil {
					return shareErr(err)
				}
				fmt.Fprintf(g.stdout, "renamed share %s to %s\n", sh.Name, strings.TrimSpace(name))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&share, "share", "", "the share's current name (required)")
	cmd.Flags().StringVar(&name, "name", "", "the new name (required)")
	cmd.MarkFlagRequired("share")
	cmd.MarkFlagRequired("name")
	return cmd
}

func newShareDeleteCmd(g *globals) *cobra.Command {
	var share string
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a custom share and its list of tables (the tables' data stays)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				sh, tables, err := shareWithTables(ctx, st, share)
				if err != nil {
					return err
				}
				if err := st.DeleteShare(ctx, sh.ID, consoleActor()); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "deleted share %s (%d table(s))\n", sh.Name, len(tables))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&share, "share", "", "the share's name (required)")
	cmd.MarkFlagRequired("share")
	return cmd
}

// shareErr rewords validation errors about share, schema and table names as one
// plain sentence.
func shareErr(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "; "); i >= 0 && strings.HasPrefix(msg, "1 invalid record") {
		return fmt.Errorf("%s", msg[i+2:])
	}
	return err
}

func newShareTableCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "table", Short: "Add, remove and list the tables of a share"}
	var t store.SharedTable
	var share string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a table to a share: a published hub table, or a Delta table at a location",
		Long: `Add a table to a share. --hub-table names one of the company's published tables
(custom shares only: the default share holds them all already); --location is an
existing Delta table written by any tool, a folder on the hub's machine or
s3://bucket/path (credentials from the hub's AWS environment). --history lets
recipients read older versions and the change data feed.`,
		Example: `  trestle share table add --share acme-finance --hub-table projects
  trestle share table add --share acme-finance --schema hr --name staff --hub-table people --history
  trestle share table add --share acme --schema sales --name orders --location s3://lake/sales/orders`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			warning, err := completeSharedTable(&t)
			if err != nil {
				return err
			}
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				sh, err := st.ShareByName(ctx, share)
				if err != nil {
					return err
				}
				t.ShareID = sh.ID
				made, err := st.AddSharedTable(ctx, t, consoleActor())
				if err != nil {
					return shareErr(err)
				}
				fmt.Fprintf(g.stdout, "added %s.%s.%s (%s, history %s)\n", sh.Name, made.Schema, made.Name, describeSource(made), onOff(made.History))
				if warning != "" {
					fmt.Fprintln(g.stderr, "warning: "+warning)
				}
				return nil
			})
		},
	}
	add.Flags().StringVar(&share, "share", "", "the share's name (required)")
	add.Flags().StringVar(&t.Schema, "schema", "", "schema recipients see (default with --hub-table: "+store.DefaultSchema+")")
	add.Flags().StringVar(&t.Name, "name", "", "table name recipients see (default with --hub-table: the hub table's name)")
	add.Flags().StringVar(&t.HubTable, "hub-table", "", "a published table of the share's company: "+strings.Join(hubTableNames(), ", "))
	add.Flags().StringVar(&t.Location, "location", "", "a Delta table: a folder path or s3://bucket/path")
	add.Flags().BoolVar(&t.History, "history", false, "share the table's history: time travel and the change data feed")
	add.MarkFlagRequired("share")
	add.MarkFlagsMutuallyExclusive("hub-table", "location")
	add.MarkFlagsOneRequired("hub-table", "location")

	var schema, name string
	remove := &cobra.Command{
		Use:   "remove",
		Short: "Take a table out of a share (its data stays)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				sh, err := st.ShareByName(ctx, share)
				if err != nil {
					return err
				}
				if err := st.RemoveSharedTable(ctx, sh.ID, schema, name, consoleActor()); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "removed %s.%s.%s\n", sh.Name, schema, name)
				return nil
			})
		},
	}
	remove.Flags().StringVar(&share, "share", "", "the share's name (required)")
	remove.Flags().StringVar(&schema, "schema", "", "the table's schema (required)")
	remove.Flags().StringVar(&name, "name", "", "the table's name (required)")
	for _, f := range []string{"share", "schema", "name"} {
		remove.MarkFlagRequired(f)
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List the tables of a share",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				sh, tables, err := shareWithTables(ctx, st, share)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SCHEMA\tNAME\tSOURCE\tHISTORY")
				if sh.Default {
					for _, name := range hubTableNames() {
						fmt.Fprintf(tw, "%s\t%s\tpublished hub table\tyes\n", store.DefaultSchema, name)
					}
				}
				for _, t := range tables {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Schema, t.Name, describeSource(t), yesNo(t.History))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&share, "share", "", "the share's name (required)")
	list.MarkFlagRequired("share")
	cmd.AddCommand(add, remove, list)
	return cmd
}

// completeSharedTable fills in defaults and checks what only the command line can:
// that a hub table is one Trestle publishes, and that a local folder holds a Delta
// table (a warning only: the hub may run on another machine).
func completeSharedTable(t *store.SharedTable) (warning string, err error) {
	if t.HubTable != "" {
		t.HubTable = strings.ToLower(strings.TrimSpace(t.HubTable))
		if !slices.Contains(hubTableNames(), t.HubTable) {
			return "", fmt.Errorf("--hub-table %q is not a published table; use one of %s", t.HubTable, strings.Join(hubTableNames(), ", "))
		}
		if t.Schema == "" {
			t.Schema = store.DefaultSchema
		}
		if t.Name == "" {
			t.Name = t.HubTable
		}
		return "", nil
	}
	if t.Schema == "" || t.Name == "" {
		return "", fmt.Errorf("a table at a --location needs a --schema and a --name")
	}
	if strings.Contains(t.Location, "://") {
		return "", nil
	}
	abs, err := filepath.Abs(t.Location)
	if err != nil {
		return "", err
	}
	t.Location = abs
	if fi, err := os.Stat(filepath.Join(abs, "_delta_log")); err != nil || !fi.IsDir() {
		return abs + " has no _delta_log folder on this machine, so it is not a Delta table here; recipients get an error until it is one", nil
	}
	return "", nil
}

// hubTableNames are the tables Trestle publishes for every company.
func hubTableNames() []string {
	var out []string
	for _, t := range publish.Tables() {
		out = append(out, t.Name)
	}
	return out
}

func describeSource(t store.SharedTable) string {
	if t.HubTable != "" {
		return "hub table " + t.HubTable
	}
	return t.Location
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// shareWithTables finds a share by name and the tables it lists.
func shareWithTables(ctx context.Context, st *sqlstore.Store, name string) (store.Share, []store.SharedTable, error) {
	sh, err := st.ShareByName(ctx, name)
	if err != nil {
		return sh, nil, err
	}
	tables, err := st.SharedTables(ctx, sh.ID)
	return sh, tables, err
}
