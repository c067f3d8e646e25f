package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"charm.land/huh/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/schedule"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// profileFileName is the copy of the profile kept beside config.yaml.
const profileFileName = "config.share"

// setupOptions are the answers of "trestle connector setup": its flags, then
// the existing config.yaml's values for flags not given, then the form's.
type setupOptions struct {
	tables, profile, destination                   string
	pgDSN, pgSchema, sqlitePath, localPath, format string
	s3Bucket, s3Prefix, s3Region, s3Endpoint       string
	s3AccessKey, s3SecretKey                       string
	mysqlDSN                                       string
	sqlDSN, sqlHost, sqlDatabase, sqlSchema        string
	sqlUser, sqlPassword                           string
	sfAccount, sfUser, sfAuth, sfPassword          string
	sfKeyPath, sfKeyPassphrase                     string
	sfWarehouse, sfDatabase, sfSchema, sfRole      string
	sfThreads                                      string
	azAccount, azContainer, azPath, azFormat       string
	azAuth, azKey, azSAS                           string
	azTenant, azClient, azSecret, azEndpoint       string
	cron                                           string
	installSchedule, runNow                        bool
	nonInteractive, accessible                     bool
	crontabCommand                                 string

	// envDefaults names the secrets build left blank and set to ${VAR}
	// references, to tell the user.
	envDefaults []string
}

// answers are the text answers, for build to trim.
func (s *setupOptions) answers() []*string {
	return []*string{&s.tables, &s.profile, &s.destination, &s.pgDSN, &s.pgSchema, &s.sqlitePath, &s.localPath, &s.format,
		&s.s3Bucket, &s.s3Prefix, &s.s3Region, &s.s3Endpoint, &s.s3AccessKey, &s.s3SecretKey,
		&s.mysqlDSN, &s.sqlDSN, &s.sqlHost, &s.sqlDatabase, &s.sqlSchema, &s.sqlUser, &s.sqlPassword,
		&s.sfAccount, &s.sfUser, &s.sfAuth, &s.sfPassword, &s.sfKeyPath, &s.sfKeyPassphrase, &s.sfWarehouse,
		&s.sfDatabase, &s.sfSchema, &s.sfRole, &s.sfThreads,
		&s.azAccount, &s.azContainer, &s.azPath, &s.azFormat, &s.azAuth, &s.azKey, &s.azSAS,
		&s.azTenant, &s.azClient, &s.azSecret, &s.azEndpoint, &s.cron}
}

// newConnectorSetupCmd is "trestle connector setup": it asks the questions
// (or reads the flags), writes config.yaml and config.share, and optionally
// installs the schedule and runs the first sync.
func newConnectorSetupCmd(g *globals, o *connectorOpts) *cobra.Command {
	s := &setupOptions{}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Write the connector's config.yaml: tables, profile, destination and schedule",
		Long: `Asks, in order: which tables to sync, where the config.share profile file is, the
destination and its settings, whether to schedule a recurring run (and when), and whether to
sync now. It writes config.yaml in the --config folder, readable by you only, with a copy of
the profile beside it as config.share. Run again to keep or change the source and the
destination separately.

Without a terminal, or with --non-interactive, the answers come from the flags (and the
existing config.yaml for flags not given). Secrets may be written as ${VAR}, e.g.
--postgres-dsn '${PG_DSN}': config.yaml then holds the reference, read from the environment
each time the connector runs. A password, key or client secret left blank where one is
needed becomes such a reference (e.g. ${SNOWFLAKE_PASSWORD}); setup names it.

Destinations and their flags: postgres (--postgres-*), sqlite (--sqlite-path), local
(--local-path, --format), s3 (--s3-*, --format), mysql (--mysql-dsn), sqlserver
(--sqlserver-*), snowflake (--snowflake-*), azure (--azure-*; a Fabric lakehouse is
--azure-account onelake, its workspace as --azure-container and
"<Lakehouse>.Lakehouse/Tables" or "<Lakehouse>.Lakehouse/Files/..." as --azure-path).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnectorSetup(cmd.Context(), g, o, s, cmd.Flags(), cmd.InOrStdin())
		},
	}
	f := cmd.Flags()
	f.StringVar(&s.tables, "tables", "", "tables to sync, comma-separated share.schema.table; blank: every table the profile can read")
	f.StringVar(&s.profile, "profile", "", "the config.share profile file from the data provider (copied beside config.yaml)")
	s.addDestinationFlags(f)
	f.StringVar(&s.cron, "cron", "", "five-field cron expression of the recurring sync (default \"0 2 * * *\" with --install-schedule)")
	f.BoolVar(&s.installSchedule, "install-schedule", false, "install the recurring sync in cron (Linux, macOS) or Task Scheduler (Windows)")
	f.BoolVar(&s.runNow, "run-now", false, "run the first sync when setup is done")
	f.BoolVar(&s.nonInteractive, "non-interactive", false, "ask nothing: take the answers from the flags (the default without a terminal)")
	f.BoolVar(&s.accessible, "accessible", false, "ask the questions as plain prompts, one per line (screen readers)")
	f.StringVar(&s.crontabCommand, "crontab-command", "crontab", "the crontab program to install the schedule with")
	f.Lookup("crontab-command").Hidden = true
	return cmd
}

// runConnectorSetup is "trestle connector setup".
func runConnectorSetup(ctx context.Context, g *globals, o *connectorOpts, s *setupOptions, flags *pflag.FlagSet, stdin io.Reader) error {
	path, err := connectorConfigPath(o)
	if err != nil {
		return err
	}
	existing, err := readConnectorConfig(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the existing config cannot be read (fix or delete it): %w", err)
	}
	s.fillFrom(existing, filepath.Dir(path), flags.Changed)
	f, isFile := stdin.(*os.File)
	if !s.nonInteractive && isFile && term.IsTerminal(int(f.Fd())) {
		w := &setupWizard{opts: s, existing: existing, accessible: s.accessible || os.Getenv("ACCESSIBLE") != "", in: stdin, out: g.stderr}
		if err := w.run(ctx); err != nil {
			return err
		}
		flags = nil // the answers replace the flags: check them all
	}
	c, err := s.build(existing, flags)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the connector's folder: %w", err)
	}
	share := filepath.Join(filepath.Dir(path), profileFileName)
	if err := copyProfile(s.profile, share); err != nil {
		return err
	}
	if err := c.Save(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(g.stdout, "Wrote %s and copied the profile to %s (both readable by you only).\n", path, share)
	if lit := s.literalSecrets(); len(lit) > 0 {
		fmt.Fprintf(g.stdout, "Note: config.yaml holds %s; give '${VAR}' instead to read it from the environment at each run.\n", strings.Join(lit, " and "))
	}
	if len(s.envDefaults) > 0 {
		fmt.Fprintf(g.stdout, "Note: config.yaml reads %s: set it in the environment, or as NAME=value in %s beside config.yaml for scheduled runs.\n",
			strings.Join(s.envDefaults, " and "), config.EnvFileName)
	}
	if s.installSchedule {
		if err := installConnectorSchedule(ctx, g.stdout, connectorScheduler(s.crontabCommand), path, c.Schedule.Cron); err != nil {
			return err
		}
	}
	if s.runNow {
		fmt.Fprintln(g.stdout, "Running the first sync now.")
		return runConnectorSync(ctx, g, o, nil, false)
	}
	if !s.installSchedule {
		fmt.Fprintf(g.stdout, "Next: trestle connector sync --config %s\n", path)
	}
	return nil
}

// fillFrom takes the existing config's values for the flags not given
// (changed reports which were). The destination's settings are taken only
// when the destination type stays the same.
func (s *setupOptions) fillFrom(c *config.Config, dir string, changed func(string) bool) {
	if c == nil {
		return
	}
	set := func(flag string, dst *string, v string) {
		if !changed(flag) {
			*dst = v
		}
	}
	set("tables", &s.tables, strings.Join(c.Tables, ","))
	p := c.Profile
	if p != "" && !filepath.IsAbs(p) && !strings.Contains(p, "${") {
		p = filepath.Join(dir, p)
	}
	set("profile", &s.profile, p)
	set("cron", &s.cron, c.Schedule.Cron)
	d := c.Destination
	if changed("destination") && s.destination != d.Type {
		return
	}
	s.destination = d.Type
	s.fillDestination(d, set, changed)
}

// build checks the answers and makes the config to save: the existing one
// (keeping its other settings) or a new one. flags, when set, are the flags
// given, to refuse settings of another destination type. Missing settings
// are reported together, each by its flag.
func (s *setupOptions) build(existing *config.Config, flags *pflag.FlagSet) (*config.Config, error) {
	var missing []string
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, p := range s.answers() {
		*p = strings.TrimSpace(*p)
	}
	s.envDefaults = nil
	tables, err := parseTableList(s.tables)
	if err != nil {
		bad("--tables: %v", err)
	}
	if s.profile == "" {
		missing = append(missing, "--profile (the config.share profile file)")
	} else if err := validateProfile(s.profile); err != nil {
		bad("--profile: %v", err)
	}

	c := &config.Config{}
	if existing != nil {
		cp := *existing
		c = &cp
	}
	c.Tables, c.Profile = tables, profileFileName
	need := func(m string) { missing = append(missing, m) }
	c.Destination = s.buildDestination(flags, need, bad)
	if s.cron == "" && s.installSchedule {
		s.cron = schedule.DefaultCron
	}
	if s.cron != "" {
		if err := schedule.ValidateCron(s.cron); err != nil {
			bad("--cron: %v", err)
		}
	}
	c.Schedule.Cron = strings.Join(strings.Fields(s.cron), " ")
	if len(missing) > 0 {
		errs = append([]error{fmt.Errorf("missing settings: %s", strings.Join(missing, ", "))}, errs...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// absPath makes a relative path absolute (the schedule runs elsewhere),
// leaving ${VAR} references alone.
func absPath(p string) string {
	if p == "" || strings.Contains(p, "${") {
		return p
	}
	p = expandHome(p)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// expandHome replaces a leading ~/ with the home folder.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~"+string(filepath.Separator)); ok || p == "~" {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// parseTableList splits a comma-separated list of share.schema.table names;
// blank is every table.
func parseTableList(list string) ([]string, error) {
	var out, bad []string
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if parts := strings.Split(t, "."); len(parts) != 3 || slices.Contains(parts, "") {
			bad = append(bad, fmt.Sprintf("%q", t))
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: each table must be share.schema.table", strings.Join(bad, ", "))
	}
	return out, nil
}

// validateProfile checks that the profile file exists and is a Delta Sharing
// profile.
func validateProfile(path string) error {
	if strings.TrimSpace(path) == "" {
		return errors.New("give the path of the config.share profile file")
	}
	_, err := client.LoadProfile(expandHome(strings.TrimSpace(path)))
	return err
}

// copyProfile copies the profile file src to dst, readable by its owner only
// (os.CreateTemp makes the file 0600); src may be dst.
func copyProfile(src, dst string) error {
	data, err := os.ReadFile(expandHome(src))
	if err != nil {
		return fmt.Errorf("--profile: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err == nil {
		defer os.Remove(tmp.Name())
		_, err = tmp.Write(data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), dst)
		}
	}
	if err != nil {
		return fmt.Errorf("copy the profile to %s: %w", dst, err)
	}
	return nil
}

// setupWizard asks setup's questions with huh forms, one form per step so
// that each step's questions depend on the answers before it.
type setupWizard struct {
	opts       *setupOptions
	existing   *config.Config
	accessible bool
	in         io.Reader
	out        io.Writer

	keepSource, keepDestination bool
}

// form makes a form of groups in the wizard's mode.
func (w *setupWizard) form(groups ...*huh.Group) *huh.Form {
	f := huh.NewForm(groups...).WithAccessible(w.accessible).WithShowHelp(!w.accessible)
	if w.accessible {
		f = f.WithInput(w.in).WithOutput(w.out)
	}
	return f
}

// hideSecrets reports whether secret inputs can be hidden: always on the
// full-screen form; in accessible mode only when reading from a terminal.
func (w *setupWizard) hideSecrets() bool {
	_, isFile := w.in.(*os.File)
	return !w.accessible || isFile
}

// forms are the wizard's steps, in order, each built when it is reached.
func (w *setupWizard) forms() []func() *huh.Form {
	s := w.opts
	return []func() *huh.Form{w.keepForm, w.sourceForm, w.destinationTypeForm, w.destinationAuthForm, w.destinationForm, w.scheduleForm,
		func() *huh.Form {
			if !s.installSchedule {
				return nil
			}
			if s.cron == "" {
				s.cron = schedule.DefaultCron
			}
			return w.form(huh.NewGroup(w.input("Cron expression of the recurring sync",
				"minute hour day-of-month month day-of-week; \"0 2 * * *\" is every day at 02:00", &s.cron, schedule.ValidateCron)).Title("4. Schedule"))
		},
		func() *huh.Form {
			return w.form(huh.NewGroup(huh.NewConfirm().Title("Run the sync now?").Value(&s.runNow)).Title("5. First sync"))
		},
	}
}

// run asks every step's questions.
func (w *setupWizard) run(ctx context.Context) error {
	w.keepSource, w.keepDestination = w.existing != nil, w.existing != nil
	for _, step := range w.forms() {
		f := step()
		if f == nil {
			continue
		}
		if err := f.RunWithContext(ctx); err != nil {
			if errors.Is(err, huh.ErrUserAborted) {
				return errors.New("setup cancelled: nothing was written")
			}
			return fmt.Errorf("setup form: %w", err)
		}
	}
	return nil
}

// keepForm asks, when config.yaml exists, whether to keep the source and the
// destination.
func (w *setupWizard) keepForm() *huh.Form {
	if w.existing == nil {
		return nil
	}
	s := w.opts
	tables := "every table"
	if s.tables != "" {
		tables = s.tables
	}
	dest := s.destinationSummary()
	return w.form(huh.NewGroup(
		huh.NewConfirm().Title("Keep the source: "+tables+" read with "+s.profile+"?").
			Affirmative("Keep").Negative("Change").Value(&w.keepSource),
		huh.NewConfirm().Title("Keep the destination: "+dest+"?").
			Affirmative("Keep").Negative("Change").Value(&w.keepDestination),
	).Title("config.yaml exists"))
}

// sourceForm asks steps 1 and 2: the tables and the profile file.
func (w *setupWizard) sourceForm() *huh.Form {
	if w.keepSource {
		return nil
	}
	s := w.opts
	return w.form(
		huh.NewGroup(w.input("Tables to sync", "comma-separated share.schema.table; blank for every table the profile can read",
			&s.tables, func(v string) error { _, err := parseTableList(v); return err })).Title("1. Tables"),
		huh.NewGroup(w.input("Path of the config.share profile file", "the Delta Sharing profile from the data provider; a copy is kept beside config.yaml",
			&s.profile, validateProfile)).Title("2. Profile"),
	)
}

// scheduleForm asks step 4: whether to schedule a recurring run.
func (w *setupWizard) scheduleForm() *huh.Form {
	where := "your crontab"
	if runtime.GOOS == "windows" {
		where = "Windows Task Scheduler"
	}
	return w.form(huh.NewGroup(huh.NewConfirm().Title("Schedule a recurring sync?").
		Description("installs it in " + where + "; \"trestle connector run\" is the alternative for containers").
		Value(&w.opts.installSchedule)).Title("4. Schedule"))
}

// input is a text question. Accessible mode prints only the title, so the
// description and the current answer (which a blank line keeps) join it.
func (w *setupWizard) input(title, desc string, v *string, validate func(string) error) *huh.Input {
	in := huh.NewInput().Title(title).Description(desc).Value(v)
	if w.accessible {
		title += " (" + desc + ")"
		if *v != "" && !slices.Contains(w.opts.secrets(), v) {
			title += " [" + *v + "]"
		}
		in = in.Title(title + ":")
	}
	if validate != nil {
		in = in.Validate(orCurrent(v, validate))
	}
	return in
}

// orCurrent wraps a validator so that a blank answer stands for the field's
// current value: accessible mode keeps the current value on a blank line.
func orCurrent(cur *string, validate func(string) error) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			v = *cur
		}
		return validate(v)
	}
}
