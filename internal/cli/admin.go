package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

func newCompanyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "company", Short: "Create and list companies"}
	var c planning.Company
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a company",
		Example: `  trestle company create --name "Acme Builders" --timezone America/Chicago
  trestle company create --name "Acme Builders" --slug acme --timezone America/Denver`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if c.Slug == "" {
				c.Slug = planning.Slugify(c.Name)
			}
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				made, err := st.CreateCompany(cmd.Context(), c, consoleActor())
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "created company %s (%s), id %s\n", made.Slug, made.Name, made.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&c.Name, "name", "", "company name (required)")
	create.Flags().StringVar(&c.Slug, "slug", "", "short name for the command line and URLs (default: from the name)")
	create.Flags().StringVar(&c.Timezone, "timezone", "America/Chicago", "IANA time zone")
	create.MarkFlagRequired("name")

	list := &cobra.Command{
		Use:   "list",
		Short: "List companies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				cs, err := st.Companies(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SLUG\tNAME\tTIMEZONE\tID")
				for _, c := range cs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Slug, c.Name, c.Timezone, c.ID)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

func newUserCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Create users and give them access to companies"}
	var u planning.User
	var companies []string
	var perm string
	var analytics bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user, optionally with access to one or more companies",
		Example: `  trestle user create --email pat@acme.com --name "Pat Planner" --company acme --permission admin
  trestle user create --email lee@acme.com --name "Lee" --company acme=editor --company acme-sandbox=admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			grants, err := parseGrants(companies, perm)
			if err != nil {
				return err
			}
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				ctx := cmd.Context()
				// Resolve every company first, so a typo creates nothing.
				ids := make([]string, len(grants))
				for i, gr := range grants {
					c, err := st.Company(ctx, gr.company)
					if err != nil {
						return err
					}
					ids[i] = c.ID
				}
				made, err := st.CreateUser(ctx, u, consoleActor())
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "created user %s (%s), id %s\n", made.Email, made.Name, made.ID)
				for i, gr := range grants {
					if err := st.SetMembership(ctx, planning.Membership{UserID: made.ID, CompanyID: ids[i], Permission: gr.perm, Analytics: analytics}, consoleActor()); err != nil {
						return err
					}
					fmt.Fprintf(g.stdout, "  %s in %s%s\n", gr.perm, gr.company, withAnalytics(analytics))
				}
				return nil
			})
		},
	}
	create.Flags().StringVar(&u.Email, "email", "", "login email (required)")
	create.Flags().StringVar(&u.Name, "name", "", "full name (required)")
	create.Flags().StringArrayVar(&companies, "company", nil, "company slug, or slug=permission; repeat for several")
	create.Flags().StringVar(&perm, "permission", "viewer", "permission level for companies given without one: admin, editor or viewer")
	create.Flags().BoolVar(&analytics, "analytics", false, "let the user read the companies' shared tables over Delta Sharing")
	create.MarkFlagRequired("email")
	create.MarkFlagRequired("name")

	var email string
	grant := &cobra.Command{
		Use:   "grant",
		Short: "Give a user a permission level in one or more companies (replacing an earlier level)",
		Example: `  trestle user grant --email pat@acme.com --company acme --permission editor
  trestle user grant --email ana@acme.com --company acme=viewer --analytics
  trestle user grant --email ana@acme.com --company acme=viewer --analytics=false`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			grants, err := parseGrants(companies, perm)
			if err != nil {
				return err
			}
			if len(grants) == 0 {
				return fmt.Errorf("name at least one company with --company")
			}
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				ctx := cmd.Context()
				usr, err := st.User(ctx, email)
				if err != nil {
					return err
				}
				// Without --analytics, a membership keeps the analytics access it has.
				ms, err := st.Memberships(ctx, usr.ID)
				if err != nil {
					return err
				}
				had := map[string]bool{}
				for _, m := range ms {
					had[m.CompanyID] = m.Analytics
				}
				for _, gr := range grants {
					c, err := st.Company(ctx, gr.company)
					if err != nil {
						return err
					}
					m := planning.Membership{UserID: usr.ID, CompanyID: c.ID, Permission: gr.perm, Analytics: had[c.ID]}
					if cmd.Flags().Changed("analytics") {
						m.Analytics = analytics
					}
					if err := st.SetMembership(ctx, m, consoleActor()); err != nil {
						return err
					}
					fmt.Fprintf(g.stdout, "%s is %s in %s%s\n", usr.Email, gr.perm, c.Slug, withAnalytics(m.Analytics))
				}
				return nil
			})
		},
	}
	grant.Flags().StringVar(&email, "email", "", "the user's email (required)")
	grant.Flags().StringArrayVar(&companies, "company", nil, "company slug, or slug=permission; repeat for several")
	grant.Flags().StringVar(&perm, "permission", "viewer", "permission level: admin, editor or viewer")
	grant.Flags().BoolVar(&analytics, "analytics", false, "let the user read the companies' shared tables over Delta Sharing (--analytics=false takes it away; unchanged when not given)")
	grant.MarkFlagRequired("email")

	var company string
	revoke := &cobra.Command{
		Use:   "revoke",
		Short: "Take a user's access to a company away",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				ctx := cmd.Context()
				usr, err := st.User(ctx, email)
				if err != nil {
					return err
				}
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				if err := st.RemoveMembership(ctx, usr.ID, c.ID, consoleActor()); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s no longer has access to %s\n", usr.Email, c.Slug)
				return nil
			})
		},
	}
	revoke.Flags().StringVar(&email, "email", "", "the user's email (required)")
	revoke.Flags().StringVar(&company, "company", "", "company slug (required)")
	revoke.MarkFlagRequired("email")
	revoke.MarkFlagRequired("company")

	list := &cobra.Command{
		Use:   "list",
		Short: "List users and their access",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				ctx := cmd.Context()
				users, err := st.Users(ctx)
				if err != nil {
					return err
				}
				cs, err := st.Companies(ctx)
				if err != nil {
					return err
				}
				slug := map[string]string{}
				for _, c := range cs {
					slug[c.ID] = c.Slug
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EMAIL\tNAME\tACCESS")
				for _, u := range users {
					ms, err := st.Memberships(ctx, u.ID)
					if err != nil {
						return err
					}
					var access []string
					for _, m := range ms {
						a := slug[m.CompanyID] + "=" + string(m.Permission)
						if m.Analytics {
							a += "+analytics"
						}
						access = append(access, a)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Email, u.Name, strings.Join(access, ", "))
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(create, grant, revoke, list)
	return cmd
}

// withAnalytics says in output that a membership has analytics access.
func withAnalytics(on bool) string {
	if on {
		return ", with analytics access"
	}
	return ""
}

type grant struct {
	company string
	perm    planning.Permission
}

// parseGrants reads "slug" and "slug=permission" values.
func parseGrants(values []string, def string) ([]grant, error) {
	var out []grant
	for _, v := range values {
		slug, p, has := strings.Cut(v, "=")
		if !has {
			p = def
		}
		perm := planning.Permission(strings.ToLower(strings.TrimSpace(p)))
		if !perm.Valid() {
			return nil, fmt.Errorf("permission %q for company %s is not one of admin, editor, viewer", p, slug)
		}
		out = append(out, grant{company: strings.TrimSpace(slug), perm: perm})
	}
	return out, nil
}
