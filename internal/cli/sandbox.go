package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/sandbox"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

func newSandboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Make sandbox companies that mirror a production company, and refresh them",
		Long: `A sandbox is a company that mirrors a production company's planning data, with its own
users' access and API credentials, so integrations can be tried without touching
production. It is refreshed from production on a schedule (monthly by default) and on
demand; a refresh replaces everything in the sandbox. People and projects get new ids
in the sandbox at every refresh. Writes to a sandbox never reach production.`,
	}
	cmd.AddCommand(newSandboxCreateCmd(g), newSandboxRefreshCmd(g), newSandboxListCmd(g), newSandboxSetCmd(g))
	return cmd
}

func newSandboxCreateCmd(g *globals) *cobra.Command {
	var from string
	var opts sandbox.CreateOptions
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Make a sandbox of a company and fill it with a copy of its data",
		Example: `  trestle sandbox create --from acme
  trestle sandbox create --from acme --slug acme-test --name "Acme (test)" --refresh weekly
  trestle sandbox create --from acme --refresh "cron: 0 2 * * 6"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				ctx := cmd.Context()
				opts.By = consoleActor()
				sb, err := sandbox.Create(ctx, st, from, opts)
				if sb.ID == "" {
					return err
				}
				fmt.Fprintf(g.stdout, "created sandbox %s (%s) of %s, id %s\n", sb.Slug, sb.Name, from, sb.ID)
				if err != nil {
					return err
				}
				n, err := sandbox.CountRecords(ctx, st, sb.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "copied %s\n", n)
				settings, err := st.Sandbox(ctx, sb.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "refresh: %s\n", describeRefresh(settings, sb))
				fmt.Fprintf(g.stdout, "API credentials for the sandbox are its own: trestle api client create --company %s --scopes read,write\n", sb.Slug)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "the production company to mirror, by slug or id (required)")
	f.StringVar(&opts.Slug, "slug", "", "the sandbox's slug (default: the production slug and -sandbox)")
	f.StringVar(&opts.Name, "name", "", "the sandbox's name (default: the production name and (sandbox))")
	f.StringVar(&opts.Refresh, "refresh", sandbox.DefaultRefresh, `when to refresh it from production: monthly, weekly, daily, "cron: <5 fields>" or off (times in the company's time zone)`)
	cmd.MarkFlagRequired("from")
	return cmd
}

func newSandboxRefreshCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "refresh SANDBOX",
		Short: "Replace a sandbox's data with a fresh copy of its production company's, now",
		Long: `Replace a sandbox's data with a fresh copy of its production company's, in one
transaction: if anything fails the sandbox keeps what it had. Everything written to
the sandbox since the last refresh is gone afterwards, and its people and projects
get new ids.`,
		Example: `  trestle sandbox refresh acme-sandbox`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				co, _, err := sandbox.Find(cmd.Context(), st, args[0])
				if err != nil {
					return err
				}
				sum, err := sandbox.Refresh(cmd.Context(), st, co.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "refreshed sandbox %s from %s in %s: %s\n", co.Slug, sum.Production.Slug,
					sum.Took.Round(time.Millisecond), sum.Counts)
				return nil
			})
		},
	}
}

// sandboxRow is one sandbox in trestle sandbox list --json.
type sandboxRow struct {
	Slug             string    `json:"slug"`
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Production       string    `json:"production"`
	Refresh          string    `json:"refresh"`
	NextRefreshAt    time.Time `json:"next_refresh_at,omitzero"`
	LastRefreshAt    time.Time `json:"last_refresh_at,omitzero"`
	LastRefreshError string    `json:"last_refresh_error,omitempty"`
	CreatedAt        time.Time `json:"created_at,omitzero"`
}

func newSandboxListCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the sandboxes, their schedules and how their last refresh went",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				rows, err := sandboxRows(cmd.Context(), st)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(g.stdout)
					for _, r := range rows {
						if err := enc.Encode(r); err != nil {
							return err
						}
					}
					return nil
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SANDBOX\tPRODUCTION\tREFRESH\tLAST REFRESH\tNEXT REFRESH\tERROR")
				for _, r := range rows {
					last, next := "never", "-"
					if !r.LastRefreshAt.IsZero() {
						last = r.LastRefreshAt.Local().Format("2006-01-02 15:04")
					}
					if !r.NextRefreshAt.IsZero() {
						next = r.NextRefreshAt.Local().Format("2006-01-02 15:04")
					}
					msg := r.LastRefreshError
					if len(msg) > 80 {
						msg = msg[:80] + "..."
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Slug, r.Production, r.Refresh, last, next, msg)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per sandbox")
	return cmd
}

// sandboxRows describes every sandbox.
func sandboxRows(ctx context.Context, st store.Store) ([]sandboxRow, error) {
	all, err := st.Sandboxes(ctx)
	if err != nil {
		return nil, err
	}
	slugs := map[string]string{}
	slugOf := func(id string) string {
		if s, ok := slugs[id]; ok {
			return s
		}
		s := id
		if c, err := st.Company(ctx, id); err == nil {
			s = c.Slug
		}
		slugs[id] = s
		return s
	}
	rows := make([]sandboxRow, 0, len(all))
	for _, s := range all {
		co, err := st.Company(ctx, s.SandboxID)
		if err != nil {
			return nil, err
		}
		next, _ := sandbox.NextRefresh(s, co.Timezone) // an invalid setting shows no next time
		rows = append(rows, sandboxRow{Slug: co.Slug, ID: co.ID, Name: co.Name, Production: slugOf(s.ProductionID), Refresh: s.Refresh,
			NextRefreshAt: next, LastRefreshAt: s.LastRefreshAt, LastRefreshError: s.LastRefreshError, CreatedAt: s.CreatedAt})
	}
	return rows, nil
}

func newSandboxSetCmd(g *globals) *cobra.Command {
	var refresh string
	cmd := &cobra.Command{
		Use:   "set SANDBOX",
		Short: "Change a sandbox's refresh schedule",
		Example: `  trestle sandbox set acme-sandbox --refresh weekly
  trestle sandbox set acme-sandbox --refresh "cron: 0 2 * * 6"
  trestle sandbox set acme-sandbox --refresh off`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(st *sqlstore.Store) error {
				sb, err := sandbox.SetRefresh(cmd.Context(), st, args[0], refresh, consoleActor())
				if err != nil {
					return err
				}
				co, err := st.Company(cmd.Context(), sb.SandboxID)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "sandbox %s: refresh %s\n", co.Slug, describeRefresh(sb, co))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&refresh, "refresh", "", `monthly, weekly, daily, "cron: <5 fields>" or off (required)`)
	cmd.MarkFlagRequired("refresh")
	return cmd
}

// describeRefresh says a sandbox's schedule and its next refresh, in the
// company's time zone.
func describeRefresh(sb store.Sandbox, co planning.Company) string {
	next, err := sandbox.NextRefresh(sb, co.Timezone)
	switch {
	case err != nil:
		return fmt.Sprintf("%s (not a valid schedule: %v)", sb.Refresh, err)
	case next.IsZero():
		return sb.Refresh + " (only on demand: trestle sandbox refresh " + co.Slug + ")"
	}
	loc, err := time.LoadLocation(co.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if !next.After(time.Now()) {
		return fmt.Sprintf("%s; next refresh due now (was due %s)", sb.Refresh, next.In(loc).Format("2006-01-02 15:04 MST"))
	}
	return fmt.Sprintf("%s; next refresh %s (%s)", sb.Refresh, next.In(loc).Format("2006-01-02 15:04 MST"), co.Timezone)
}
