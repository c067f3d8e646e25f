package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// Recipients' tokens, profile files and the access log.

// defaultEndpoint is the Delta Sharing endpoint of a hub on its default address.
const defaultEndpoint = "http://127.0.0.1:8080/delta-sharing"

func newShareTokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Issue, list and revoke recipients' bearer tokens"}
	var email, name, expires string
	create := &cobra.Command{
		Use:   "create",
		Short: "Issue a bearer token for a recipient; it is shown once, only its hash is kept",
		Long: `Issue a bearer token for a recipient (a hub user). The token reads every share of
every company where the user has analytics access, for as long as they have it.
The token is printed once on standard output; only its hash is kept.`,
		Example: `  trestle share token create --user ana@acme.com --name powerbi --expires 90d`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				u, tok, full, err := issueToken(ctx, st, email, name, expires)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, full)
				fmt.Fprintf(g.stderr, "created share token %s for %s, %s. It is shown only this once; keep it secret.\n", tok.ID, u.Email, expiry(tok))
				fmt.Fprintf(g.stderr, "For a client's profile file, use instead: trestle share profile --user %s > config.share\n", u.Email)
				if note := accessNote(ctx, st, u); note != "" {
					fmt.Fprintln(g.stderr, note)
				}
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "user", "", "the recipient's email (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for (a tool, a machine)")
	create.Flags().StringVar(&expires, "expires", "90d", "lifetime: days (90d), a duration (720h), or never")
	create.MarkFlagRequired("user")

	list := &cobra.Command{
		Use:   "list",
		Short: "List a recipient's tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				u, err := st.User(ctx, email)
				if err != nil {
					return err
				}
				toks, err := st.ShareTokens(ctx, u.ID)
				if err != nil {
					return err
				}
				now := time.Now()
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tKIND\tNAME\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
				for _, t := range toks {
					status := "active"
					if !t.RevokedAt.IsZero() {
						status = "revoked " + stamp(t.RevokedAt)
					} else if !t.Active(now) {
						status = "expired"
					}
					exp := "never"
					if !t.ExpiresAt.IsZero() {
						exp = stamp(t.ExpiresAt)
					}
					last := "-"
					if !t.LastUsedAt.IsZero() {
						last = stamp(t.LastUsedAt)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Kind, orDash(t.Name), stamp(t.CreatedAt), exp, last, status)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&email, "user", "", "the recipient's email (required)")
	list.MarkFlagRequired("user")

	var id string
	revoke := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke a token; it stops working at once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if tokID, _, ok := auth.Parse(strings.TrimSpace(id)); ok {
				id = tokID // the whole token was given
			}
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				tok, err := st.ShareToken(ctx, id)
				if err != nil {
					return err
				}
				owner := tok.UserID
				if u, err := st.User(ctx, tok.UserID); err == nil {
					owner = u.Email
				}
				if !tok.RevokedAt.IsZero() {
					fmt.Fprintf(g.stdout, "share token %s of %s was already revoked at %s\n", tok.ID, owner, stamp(tok.RevokedAt))
					return nil
				}
				if err := st.RevokeShareToken(ctx, tok.ID, consoleActor()); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "revoked share token %s of %s\n", tok.ID, owner)
				return nil
			})
		},
	}
	revoke.Flags().StringVar(&id, "id", "", "the token's id, as 'share token list' shows it (required)")
	revoke.MarkFlagRequired("id")
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// issueToken makes a token for the user with email and stores its hash.
func issueToken(ctx context.Context, st *sqlstore.Store, email, name, expires string) (planning.User, store.ShareToken, string, error) {
	return issueTokenKind(ctx, st, email, name, expires, store.TokenBearer)
}

// issueTokenKind issues a bearer token or an OAuth client credential.
func issueTokenKind(ctx context.Context, st *sqlstore.Store, email, name, expires, kind string) (planning.User, store.ShareToken, string, error) {
	at, err := parseExpiry(expires, time.Now())
	if err != nil {
		return planning.User{}, store.ShareToken{}, "", err
	}
	u, err := st.User(ctx, email)
	if err != nil {
		return u, store.ShareToken{}, "", err
	}
	id, secret, full := auth.NewToken(auth.ShareTokenPrefix)
	tok, err := st.CreateShareToken(ctx, store.ShareToken{ID: id, UserID: u.ID, Name: name, Kind: kind, Hash: auth.Hash(secret), ExpiresAt: at}, consoleActor())
	return u, tok, full, err
}

// parseExpiry reads --expires: "90d", a Go duration ("720h"), or "never" (zero).
func parseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "never" {
		return time.Time{}, nil
	}
	d, err := parseDays(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("--expires %q is not a lifetime; use days (90d), a duration (720h) or never", s)
	}
	return now.Add(d).UTC().Truncate(time.Second), nil
}

// parseDays reads "90d" as 90 days, and anything else as a Go duration.
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days > 100*366 {
			return 0, fmt.Errorf("bad number of days %q", n)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func expiry(t store.ShareToken) string {
	if t.ExpiresAt.IsZero() {
		return "never expires"
	}
	return "expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
}

// accessNote says, when the user can read nothing yet, how to grant access.
func accessNote(ctx context.Context, st *sqlstore.Store, u planning.User) string {
	if access, err := st.RecipientAccess(ctx, u.ID); err != nil || len(access) > 0 {
		return ""
	}
	company, perm := "COMPANY", "viewer"
	if ms, err := st.Memberships(ctx, u.ID); err == nil && len(ms) > 0 {
		if c, err := st.Company(ctx, ms[0].CompanyID); err == nil {
			company, perm = c.Slug, string(ms[0].Permission)
		}
	}
	return fmt.Sprintf("note: %s has no analytics access in any company yet, so the token reads nothing; grant it with: trestle user grant --email %s --company %s=%s --analytics",
		u.Email, u.Email, company, perm)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// profileV1 is a Delta Sharing profile file, version 1.
type profileV1 struct {
	ShareCredentialsVersion int    `json:"shareCredentialsVersion"`
	Endpoint                string `json:"endpoint"`
	BearerToken             string `json:"bearerToken"`
	ExpirationTime          string `json:"expirationTime,omitempty"`
}

// profileV2 is a Delta Sharing profile file, version 2, for OAuth client
// credentials.
type profileV2 struct {
	ShareCredentialsVersion int    `json:"shareCredentialsVersion"`
	Type                    string `json:"type"`
	Endpoint                string `json:"endpoint"`
	TokenEndpoint           string `json:"tokenEndpoint"`
	ClientID                string `json:"clientId"`
	ClientSecret            string `json:"clientSecret"`
}

func newShareProfileCmd(g *globals) *cobra.Command {
	var email, name, expires, endpoint, out string
	var oauth bool
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Issue a token and write a Delta Sharing profile file for a recipient",
		Long: `Issue a new token for a recipient and write a Delta Sharing profile file (version 1:
endpoint, bearer token, expiration time) that the Python connector, Spark, Power BI
and other clients read. Written to standard output, or to --out with mode 0600.

The endpoint is --endpoint (TRESTLE_ENDPOINT), else $TRESTLE_PUBLIC_URL/delta-sharing,
else the hub's default address.`,
		Example: `  trestle share profile --user ana@acme.com > config.share
  trestle share profile --user ana@acme.com --endpoint https://hub.acme.com/delta-sharing --out ana.share`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("endpoint") {
				if pub := strings.TrimSpace(os.Getenv("TRESTLE_PUBLIC_URL")); pub != "" {
					endpoint = strings.TrimRight(pub, "/") + "/delta-sharing"
				}
			}
			ep, err := checkEndpoint(endpoint)
			if err != nil {
				return err
			}
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				kind := store.TokenBearer
				if oauth {
					kind = store.TokenClient
				}
				u, tok, full, err := issueTokenKind(ctx, st, email, name, expires, kind)
				if err != nil {
					return err
				}
				var p any
				if oauth {
					id, secret, _ := auth.Parse(full)
					p = profileV2{ShareCredentialsVersion: 2, Type: "oauth_client_credentials", Endpoint: ep,
						TokenEndpoint: strings.TrimSuffix(ep, "/delta-sharing") + "/oauth/token", ClientID: id, ClientSecret: secret}
				} else {
					v1 := profileV1{ShareCredentialsVersion: 1, Endpoint: ep, BearerToken: full}
					if !tok.ExpiresAt.IsZero() {
						v1.ExpirationTime = tok.ExpiresAt.UTC().Format(time.RFC3339)
					}
					p = v1
				}
				data, err := json.MarshalIndent(p, "", "  ")
				if err != nil {
					return err
				}
				data = append(data, '\n')
				if out == "" {
					if _, err := g.stdout.Write(data); err != nil {
						return err
					}
				} else if err := writePrivateFile(out, data); err != nil {
					return err
				}
				where := "standard output"
				if out != "" {
					where = out
				}
				fmt.Fprintf(g.stderr, "wrote a profile for %s to %s (token %s, %s)\n", u.Email, where, tok.ID, expiry(tok))
				if note := accessNote(ctx, st, u); note != "" {
					fmt.Fprintln(g.stderr, note)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&email, "user", "", "the recipient's email (required)")
	cmd.Flags().StringVar(&name, "name", "profile", "what the token is for")
	cmd.Flags().StringVar(&expires, "expires", "90d", "lifetime: days (90d), a duration (720h), or never")
	cmd.Flags().StringVar(&endpoint, "endpoint", defaultEndpoint, "the hub's Delta Sharing URL as recipients reach it")
	cmd.Flags().StringVar(&out, "out", "", "write the profile to this file (mode 0600) instead of standard output")
	cmd.Flags().BoolVar(&oauth, "oauth", false, "write a version 2 profile (OAuth client credentials): the client gets short-lived tokens from the hub's /oauth/token")
	cmd.MarkFlagRequired("user")
	return cmd
}

// checkEndpoint checks an http(s) URL and drops a trailing '/'.
func checkEndpoint(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--endpoint %q is not an http:// or https:// URL, like %s", s, defaultEndpoint)
	}
	return s, nil
}

// writePrivateFile writes data to path readable by its owner only (0600),
// atomically: a temporary file in the same folder, renamed over path.
func writePrivateFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func newShareLogCmd(g *globals) *cobra.Command {
	var email, share, since string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Show the sharing access log, newest first",
		Example: `  trestle share log --since 24h
  trestle share log --user ana@acme.com --share acme --limit 20 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			q := store.SharingAccessQuery{Share: strings.TrimSpace(share), Limit: limit}
			var err error
			if q.Since, err = parseSince(since, time.Now()); err != nil {
				return err
			}
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				if email != "" {
					u, err := st.User(ctx, email)
					if err != nil {
						return err
					}
					q.UserID = u.ID
				}
				users, err := st.Users(ctx)
				if err != nil {
					return err
				}
				who := map[string]string{}
				for _, u := range users {
					who[u.ID] = u.Email
				}
				return printLog(ctx, g, st, q, who, asJSON)
			})
		},
	}
	cmd.Flags().StringVar(&email, "user", "", "only this recipient's requests (email)")
	cmd.Flags().StringVar(&share, "share", "", "only requests naming this share")
	cmd.Flags().StringVar(&since, "since", "", "only requests since: a duration back (24h, 7d) or a time (2026-05-01T00:00:00Z)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many entries (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	return cmd
}

// logLine is one access log entry as --json prints it.
type logLine struct {
	store.SharingAccess
	User       string  `json:"user,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

func printLog(ctx context.Context, g *globals, st *sqlstore.Store, q store.SharingAccessQuery, who map[string]string, asJSON bool) error {
	enc := json.NewEncoder(g.stdout)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "TIME\tUSER\tSTATUS\tMETHOD\tPATH\tFILES\tBYTES\tDURATION\tREMOTE")
	}
	for e, err := range st.SharingAccessLog(ctx, q) {
		if err != nil {
			return err
		}
		user := who[e.UserID]
		if user == "" {
			user = e.UserID
		}
		if asJSON {
			if err := enc.Encode(logLine{SharingAccess: e, User: user, DurationMS: float64(e.Duration.Microseconds()) / 1000}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n", e.At.UTC().Format("2006-01-02 15:04:05Z"), orDash(user), e.Status,
			e.Method, e.Path, e.Files, humanBytes(e.Bytes), e.Duration.Round(time.Microsecond*100), orDash(e.Remote))
	}
	if asJSON {
		return nil
	}
	return tw.Flush()
}

// parseSince reads --since: "" (no bound), a duration back from now ("24h",
// "7d"), or an RFC 3339 time or a date.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := parseDays(strings.ToLower(s)); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q is neither a duration (24h, 7d) nor a time (2026-05-01 or 2026-05-01T00:00:00Z)", s)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
