package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/api"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// The REST API's credentials: OAuth clients of a company and users' personal
// access tokens.

func newAPICmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "api", Short: "Manage the REST API's credentials: OAuth clients and personal access tokens",
		Long: `Manage the REST API's credentials (the API is served by trestle serve at /api/v1; see
docs/api.md). An OAuth client belongs to one company and gets short-lived access tokens
from POST /oauth/token; a personal access token belongs to a user and reaches the
companies the user is a member of, with the membership's permission.`}
	cmd.AddCommand(newAPIClientCmd(g), newAPITokenCmd(g))
	return cmd
}

func newAPIClientCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Create, list and revoke a company's OAuth clients"}
	var company, name, scopes, perm string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an OAuth client (client credentials grant); its secret is shown once",
		Long: `Create an OAuth client of a company for an integration. It prints the client_id and
the client_secret once (only a hash is kept); exchange them at POST /oauth/token for an
access token that lives an hour. The client acts in its company only, at --permission
(default: editor with the write scope, else viewer).`,
		Example: `  trestle api client create --company acme --scopes read,write --name payroll-sync`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := api.ParseScopes(scopes)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				nc, err := api.CreateClient(ctx, st, company, name, sc, planning.Permission(perm), consoleActor())
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "client_id:     %s\nclient_secret: %s\n", nc.ClientID, nc.Secret)
				fmt.Fprintf(g.stderr, "created API client %s (%s) for %s with scopes %s, acting as %s. The secret is shown only this once; keep it secret.\n",
					nc.ClientID, orDash(nc.Client.Name), company, scopeList(nc.Client.Scopes), nc.Client.Permission)
				fmt.Fprintf(g.stderr, "Get a token: curl -s -u '%s:<client_secret>' -d grant_type=client_credentials http://127.0.0.1:8080/oauth/token\n", nc.ClientID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&company, "company", "", "the company (slug or id) the client works in (required)")
	create.Flags().StringVar(&name, "name", "", "what the client is for: an integration, a system (required)")
	create.Flags().StringVar(&scopes, "scopes", "read", "read, write or read,write")
	create.Flags().StringVar(&perm, "permission", "", "admin, editor or viewer (default: editor with write, else viewer)")
	create.MarkFlagRequired("company")

	list := &cobra.Command{
		Use:   "list",
		Short: "List a company's OAuth clients (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				cls, err := st.APIClients(ctx, c.ID)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CLIENT ID\tNAME\tSCOPES\tPERMISSION\tCREATED\tLAST USED\tSTATUS")
				for _, cl := range cls {
					status := "active"
					if !cl.Active() {
						status = "revoked " + stamp(cl.RevokedAt)
					}
					fmt.Fprintf(tw, "%s_%s\t%s\t%s\t%s\t%s\t%s\t%s\n", api.ClientPrefix, cl.ID, orDash(cl.Name), scopeList(cl.Scopes), cl.Permission,
						stamp(cl.CreatedAt), stampOrDash(cl.LastUsedAt), status)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&company, "company", "", "the company (slug or id) (required)")
	list.MarkFlagRequired("company")

	revoke := &cobra.Command{
		Use:   "revoke CLIENT_ID",
		Short: "Revoke a client and every access token it holds, at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id := strings.TrimPrefix(args[0], api.ClientPrefix+"_")
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				if err := st.RevokeAPIClient(ctx, id, consoleActor()); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "revoked API client %s_%s and its access tokens\n", api.ClientPrefix, id)
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func newAPITokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke users' personal access tokens"}
	var email, name, scopes, expires string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a personal access token for a user; it is shown once",
		Long: `Create a personal access token for a user. It reaches every company the user is a
member of, with that membership's permission, limited by --scopes, until it expires or
is revoked (or the membership ends). It is printed once; only its hash is kept.`,
		Example: `  trestle api token create --user dev@acme.com --scopes read,write --expires 30d --name laptop`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := api.ParseScopes(scopes)
			if err != nil {
				return err
			}
			at, err := parseExpiry(expires, time.Now())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				t, full, err := api.CreatePersonalToken(ctx, st, email, name, sc, at, consoleActor())
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, full)
				exp := "never expires"
				if !t.ExpiresAt.IsZero() {
					exp = "expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(g.stderr, "created personal access token %s for %s with scopes %s, %s. It is shown only this once; keep it secret.\n",
					t.ID, email, scopeList(t.Scopes), exp)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "user", "", "the user's email (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	create.Flags().StringVar(&scopes, "scopes", "read", "read, write or read,write")
	create.Flags().StringVar(&expires, "expires", "90d", "lifetime: days (90d), a duration (720h), or never")
	create.MarkFlagRequired("user")

	list := &cobra.Command{
		Use:   "list",
		Short: "List a user's personal access tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				u, err := st.User(ctx, email)
				if err != nil {
					return err
				}
				toks, err := st.APITokens(ctx, store.APITokenQuery{UserID: u.ID})
				if err != nil {
					return err
				}
				now := time.Now()
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
				for _, t := range toks {
					status := "active"
					switch {
					case !t.RevokedAt.IsZero():
						status = "revoked " + stamp(t.RevokedAt)
					case !t.Active(now):
						status = "expired"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, orDash(t.Name), scopeList(t.Scopes), stamp(t.CreatedAt),
						stampOrDash(t.ExpiresAt), stampOrDash(t.LastUsedAt), status)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&email, "user", "", "the user's email (required)")
	list.MarkFlagRequired("user")

	revoke := &cobra.Command{
		Use:   "revoke TOKEN_ID",
		Short: "Revoke a personal access token; its next request fails",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				if err := st.RevokeAPIToken(ctx, args[0], consoleActor()); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "revoked personal access token %s\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func scopeList(s []store.Scope) string {
	parts := make([]string, len(s))
	for i, sc := range s {
		parts[i] = string(sc)
	}
	return strings.Join(parts, ",")
}

func stampOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return stamp(t)
}
