package cli

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/sftpd"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// newSFTPCmd is "trestle sftp": the accounts of the SFTP drop.
func newSFTPCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "sftp", Short: "Manage the SFTP drop's accounts (one company each)"}
	user := &cobra.Command{Use: "user", Short: "Add, change, remove and list SFTP accounts"}
	var (
		company, name, keysFile string
		passwordStdin, generate bool
	)
	add := &cobra.Command{
		Use:   "add --company C --user U [--password-stdin | --generate-password] [--authorized-keys FILE]",
		Short: "Add an SFTP account jailed to the company's folder",
		Long: `Add an SFTP account. It logs in with a password (read from standard input with
--password-stdin, or generated and shown once with --generate-password), with the public
keys of an OpenSSH authorized_keys file, or both. Only a hash of the password is stored.
The account sees its company's folder: inbox/ (upload here), processing/, archive/ and
results/ (a .json and a .txt report per upload).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			acc, shown, err := sftpAccountFrom(cmd, name, keysFile, passwordStdin, generate)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				acc.CompanyID = c.ID
				acc, err = st.CreateSFTPAccount(ctx, acc, consoleActor())
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "SFTP account %s added for company %s (folder inbox/ under %s/%s)\n", acc.Username, c.Slug, g.sftpRoot(), c.ID)
				if shown != "" {
					fmt.Fprintf(g.stdout, "password (shown once, stored hashed): %s\n", shown)
				}
				return nil
			})
		},
	}
	add.Flags().StringVar(&company, "company", "", "the company (slug or id) (required)")
	add.Flags().StringVar(&name, "user", "", "the account's user name: letters, digits, '.', '_', '-' (required)")
	add.Flags().StringVar(&keysFile, "authorized-keys", "", "an OpenSSH authorized_keys file whose keys may log in")
	add.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	add.Flags().BoolVar(&generate, "generate-password", false, "generate a password and print it once")
	_ = add.MarkFlagRequired("company")
	_ = add.MarkFlagRequired("user")

	remove := &cobra.Command{
		Use:   "remove --user U",
		Short: "Remove an SFTP account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				if err := st.DeleteSFTPAccount(ctx, name, consoleActor()); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "SFTP account %s removed\n", name)
				return nil
			})
		},
	}
	remove.Flags().StringVar(&name, "user", "", "the account's user name (required)")
	_ = remove.MarkFlagRequired("user")

	list := &cobra.Command{
		Use:   "list --company C",
		Short: "List a company's SFTP accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				accs, err := st.SFTPAccountsOf(ctx, c.ID)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USER\tPASSWORD\tKEYS\tCREATED")
				for _, a := range accs {
					keys, _ := sftpd.ParseAuthorizedKeys([]byte(a.AuthorizedKeys))
					pw := "no"
					if a.PasswordHash != "" {
						pw = "yes"
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", a.Username, pw, len(keys), a.CreatedAt.Local().Format("2006-01-02 15:04"))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&company, "company", "", "the company (slug or id) (required)")
	_ = list.MarkFlagRequired("company")

	user.AddCommand(add, remove, list)
	cmd.AddCommand(user)
	return cmd
}

// sftpAccountFrom builds an account from add's flags; shown is a generated
// password to print once.
func sftpAccountFrom(cmd *cobra.Command, name, keysFile string, passwordStdin, generate bool) (acc store.SFTPAccount, shown string, err error) {
	acc.Username = name
	var password string
	switch {
	case passwordStdin && generate:
		return acc, "", fmt.Errorf("give --password-stdin or --generate-password, not both")
	case passwordStdin:
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && line == "" {
			return acc, "", fmt.Errorf("--password-stdin: no password on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
		if len(password) < 12 {
			return acc, "", fmt.Errorf("--password-stdin: the password is %d characters; use at least 12", len(password))
		}
	case generate:
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return acc, "", err
		}
		password = base64.RawURLEncoding.EncodeToString(b)
		shown = password
	}
	if password != "" {
		if acc.PasswordHash, err = sftpd.HashPassword(password); err != nil {
			return acc, "", err
		}
	}
	if keysFile != "" {
		data, err := os.ReadFile(keysFile)
		if err != nil {
			return acc, "", fmt.Errorf("--authorized-keys: %w", err)
		}
		if _, err := sftpd.ParseAuthorizedKeys(data); err != nil {
			return acc, "", fmt.Errorf("--authorized-keys %s: %w", keysFile, err)
		}
		acc.AuthorizedKeys = string(data)
	}
	if acc.PasswordHash == "" && acc.AuthorizedKeys == "" {
		return acc, "", fmt.Errorf("the account needs a way to log in: --password-stdin, --generate-password or --authorized-keys")
	}
	return acc, shown, nil
}
