package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// "trestle share import": shares and external tables from a Delta Sharing reference
// server's config file (delta-io/delta-sharing, conf/delta-sharing-server.yaml).

func newShareImportCmd(g *globals) *cobra.Command {
	var company string
	var dryRun, replace bool
	cmd := &cobra.Command{
		Use:   "import FILE.yaml",
		Short: "Import shares and external tables from a Delta Sharing reference server's config file",
		Long: `Import the shares, schemas and tables of a Delta Sharing reference server's config
file (version 1) into a company: missing shares are created, existing ones must belong
to the company. Locations may be s3://, s3a:// or s3n:// URLs (read as s3://), absolute
folder paths or file:// URLs. The whole file is checked first, every problem reported
with its line, and nothing is written while there is one. A table already shared with
the same location and history is left alone; one that differs needs --replace. Server
settings (host, port, authorization, ssl, ...) do not apply and are ignored.`,
		Example: `  trestle share import --company acme delta-sharing-server.yaml --dry-run
  trestle share import --company acme delta-sharing-server.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			cfg, err := parseImportFile(data)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			ctx := cmd.Context()
			return g.withStore(ctx, func(st *sqlstore.Store) error {
				c, err := st.Company(ctx, company)
				if err != nil {
					return err
				}
				for _, n := range cfg.notes {
					fmt.Fprintf(g.stderr, "note: %s: %s\n", file, n)
				}
				steps, err := cfg.plan(ctx, st, c, replace)
				if err != nil {
					return err
				}
				if len(cfg.problems) > 0 {
					slices.SortStableFunc(cfg.problems, func(a, b importPos) int { return cmp.Compare(a.line, b.line) })
					for _, p := range cfg.problems {
						fmt.Fprintf(g.stderr, "%s:%d: %s\n", file, p.line, p.path)
					}
					return fmt.Errorf("%s: %d problem(s); nothing was imported", file, len(cfg.problems))
				}
				for _, s := range steps {
					if t := s.table; t != nil && s.verb != "unchanged" {
						if w, _ := completeSharedTable(&store.SharedTable{Schema: t.Schema, Name: t.Name, Location: t.Location}); w != "" {
							fmt.Fprintln(g.stderr, "warning: "+w)
						}
					}
					if dryRun {
						fmt.Fprintln(g.stdout, s.describe(c.Slug, false))
						continue
					}
					if err := s.apply(ctx, st, file); err != nil {
						return fmt.Errorf("%w (stopped there: the lines above were written; fix it and import again)", shareErr(err))
					}
					fmt.Fprintln(g.stdout, s.describe(c.Slug, true))
				}
				if dryRun {
					fmt.Fprintln(g.stderr, "dry run: nothing was written")
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&company, "company", "", "the company (slug) the shares belong to (required)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and print the plan; write nothing")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace tables already shared with another location or history")
	cmd.MarkFlagRequired("company")
	return cmd
}

// importPos is where a value is in the file: its YAML path and line.
type importPos struct {
	path string
	line int
}

// importShare is one share of the file and its tables.
type importShare struct {
	name   string
	at     importPos // of its name (of the item when it has none)
	tables []importTable
}

// importTable is one table of the file, as it would be shared, and where each of
// its fields is, by the field names of store.SharedTable.Validate.
type importTable struct {
	t  store.SharedTable
	at map[string]importPos
}

// importConfig is the parsed file: its shares, what it says that does not apply, and
// every problem found so far.
type importConfig struct {
	shares   []importShare
	notes    []string
	problems []importPos // path is "shares[0].name: what is wrong"
	// startVersion: a table has one, which Trestle ignores.
	startVersion bool
}

func (c *importConfig) problem(at importPos, format string, args ...any) {
	c.problems = append(c.problems, importPos{at.path + ": " + fmt.Sprintf(format, args...), at.line})
}

// parseImportFile reads a reference server config and checks all that needs no
// database. Only a file that is not YAML is an error; the rest are problems.
func parseImportFile(data []byte) (*importConfig, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty")
	}
	c := &importConfig{}
	var ignored []string
	seen := map[string]bool{}
	c.mapping(doc.Content[0], importPos{"", doc.Content[0].Line}, nil, func(key string, v *yaml.Node, at importPos) {
		seen[key] = true
		switch key {
		case "version":
			if n := 0; v.Decode(&n) != nil || n != 1 {
				c.problem(at, "is %q; this reads version 1 of the reference server's config", v.Value)
			}
		case "shares":
			c.sequence(v, at, c.share)
		default:
			ignored = append(ignored, key)
		}
	})
	if !seen["version"] {
		c.problem(importPos{"version", 1}, "is required: 1")
	}
	if !seen["shares"] {
		c.problem(importPos{"shares", 1}, "is required: the list of shares to import")
	}
	if len(ignored) > 0 {
		c.notes = append(c.notes, strings.Join(ignored, ", ")+" do not apply to Trestle and are ignored: "+
			"trestle serve's flags set its address and TLS, and recipients' tokens come from 'trestle share token create'")
	}
	if c.startVersion {
		c.notes = append(c.notes, "startVersion is ignored: a table with historyShared shares its whole history")
	}
	c.check()
	return c, nil
}

// share parses one item of shares.
func (c *importConfig) share(item *yaml.Node, at importPos) {
	sh := importShare{at: importPos{at.path + ".name", item.Line}}
	c.mapping(item, at, []string{"name", "schemas"}, func(key string, v *yaml.Node, at importPos) {
		if key == "name" {
			sh.name, sh.at = c.str(v, at), at
			return
		}
		c.sequence(v, at, func(item *yaml.Node, at importPos) { sh.tables = append(sh.tables, c.schema(item, at)...) })
	})
	c.shares = append(c.shares, sh)
}

// schema parses one item of a share's schemas and returns its tables.
func (c *importConfig) schema(item *yaml.Node, at importPos) []importTable {
	var tables []importTable
	name, nameAt := "", importPos{at.path + ".name", item.Line}
	c.mapping(item, at, []string{"name", "tables"}, func(key string, v *yaml.Node, at importPos) {
		if key == "name" {
			name, nameAt = c.str(v, at), at
			return
		}
		c.sequence(v, at, func(item *yaml.Node, at importPos) { tables = append(tables, c.table(item, at)) })
	})
	if strings.TrimSpace(name) == "" {
		c.problem(nameAt, "is required")
	} else if !store.ValidSharingName(strings.TrimSpace(name)) {
		c.problem(nameAt, "%q is not a valid schema name; use %s", name, store.SharingNameRule)
	}
	for i := range tables {
		tables[i].t.Schema, tables[i].at["schema"] = name, nameAt
	}
	return tables
}

// table parses one item of a schema's tables.
func (c *importConfig) table(item *yaml.Node, at importPos) importTable {
	t := importTable{at: map[string]importPos{"name": {at.path + ".name", item.Line}, "location": {at.path + ".location", item.Line}}}
	c.mapping(item, at, []string{"name", "location", "id", "historyShared", "cdfEnabled", "startVersion"}, func(key string, v *yaml.Node, at importPos) {
		switch key {
		case "name":
			t.t.Name, t.at["name"] = c.str(v, at), at
		case "location":
			t.t.Location, t.at["location"] = c.str(v, at), at
		case "historyShared", "cdfEnabled": // cdfEnabled: historyShared's name before 1.0
			if v.Decode(&t.t.History) != nil {
				c.problem(at, "is %q; use true or false", v.Value)
			}
		case "id": // Trestle gives each shared table its own id
		case "startVersion":
			c.startVersion = c.startVersion || v.Value != "0"
		}
	})
	return t
}

// check validates names and locations, and that no share or table is listed twice.
func (c *importConfig) check() {
	sharesSeen := map[string]importPos{}
	for i := range c.shares {
		sh := &c.shares[i]
		s := store.Share{Name: sh.name}
		s.Normalize()
		sh.name = s.Name
		for _, fe := range s.Validate() {
			c.problem(sh.at, "%s", fe.Message)
		}
		c.once(sharesSeen, sh.name, sh.at, "share "+sh.name)
		tablesSeen := map[string]importPos{}
		for j := range sh.tables {
			t := &sh.tables[j]
			t.t.Normalize()
			locOK := false
			if t.t.Location == "" {
				c.problem(t.at["location"], "is required: the Delta table's s3:// URL or folder")
			} else if loc, err := importLocation(t.t.Location); err != nil {
				c.problem(t.at["location"], "table %s.%s.%s: %v", sh.name, t.t.Schema, t.t.Name, err)
			} else {
				t.t.Location, locOK = loc, true
				t.t.Normalize()
			}
			for _, fe := range t.t.Validate() {
				if fe.Field != "schema" && (fe.Field != "location" || locOK) { // reported above
					c.problem(t.at[fe.Field], "%s", fe.Message)
				}
			}
			c.once(tablesSeen, t.t.Schema+"."+t.t.Name, t.at["name"], "table "+t.t.Schema+"."+t.t.Name+" of share "+sh.name)
		}
	}
}

// once reports name when seen holds it already (case-insensitively), else adds it.
func (c *importConfig) once(seen map[string]importPos, name string, at importPos, what string) {
	if first, dup := seen[store.NameKey(name)]; dup {
		c.problem(at, "%s is listed twice (first at %s, line %d)", what, first.path, first.line)
	} else if name != "" {
		seen[store.NameKey(name)] = at
	}
}

// mapping calls fn for each key of a YAML mapping, in order. With known, other keys
// are problems; a key given twice is one always.
func (c *importConfig) mapping(n *yaml.Node, at importPos, known []string, fn func(key string, v *yaml.Node, at importPos)) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		c.problem(at, "is %s; want a mapping of keys to values", kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kat := importPos{strings.TrimPrefix(at.path+"."+k.Value, "."), k.Line}
		if line, dup := seen[k.Value]; dup {
			c.problem(kat, "is given twice (first on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		if known != nil && !slices.Contains(known, k.Value) {
			c.problem(kat, "is not a key here; use %s", strings.Join(known, ", "))
			continue
		}
		fn(k.Value, deref(v), kat)
	}
}

// sequence calls fn for each item of a YAML sequence; null is an empty one.
func (c *importConfig) sequence(n *yaml.Node, at importPos, fn func(item *yaml.Node, at importPos)) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		c.problem(at, "is %s; want a list", kindName(n))
		return
	}
	for i, item := range n.Content {
		fn(deref(item), importPos{fmt.Sprintf("%s[%d]", at.path, i), item.Line})
	}
}

// str is a scalar's text; null is "".
func (c *importConfig) str(n *yaml.Node, at importPos) string {
	if n.Kind != yaml.ScalarNode {
		c.problem(at, "is %s; want a string", kindName(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// deref follows aliases (*name) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// kindName names a node in a problem: its text, or what it is.
func kindName(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return strconv.Quote(n.Value)
	}
	return map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}[n.Kind]
}

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// importLocation turns a reference server's table location into a Trestle one:
// s3a:// and s3n:// are s3://, file:// URLs are paths, absolute paths stay.
func importLocation(loc string) (string, error) {
	m := schemeRE.FindStringSubmatch(loc)
	if m == nil {
		if !path.IsAbs(loc) {
			return "", fmt.Errorf("%q is a relative path; use an absolute folder path or a file:// URL", loc)
		}
		return loc, nil
	}
	switch scheme := strings.ToLower(m[1]); scheme {
	case "s3", "s3a", "s3n":
		return "s3://" + strings.TrimPrefix(loc[len(m[0]):], "//"), nil
	case "file":
		u, err := url.Parse(loc)
		if err != nil || (u.Host != "" && u.Host != "localhost") || !path.IsAbs(u.Path) {
			return "", fmt.Errorf("%q is not a local folder; use file:///absolute/path", loc)
		}
		return u.Path, nil
	default:
		return "", fmt.Errorf("%q: Trestle does not read %s:// tables; use s3:// (s3a://, s3n://), an absolute folder path or file://", loc, scheme)
	}
}

// importStep is one line of the plan: a share to create or keep, or a table to add,
// keep or replace.
type importStep struct {
	verb  string // "create", "add", "replace" or "unchanged"
	share *store.Share
	table *store.SharedTable // nil for a share's step
	old   store.SharedTable  // what replace replaces
}

// plan checks the file against the database (who owns each share, what each table
// is already) and returns the steps, adding problems to c.
func (c *importConfig) plan(ctx context.Context, st *sqlstore.Store, co planning.Company, replace bool) ([]importStep, error) {
	var steps []importStep
	for i := range c.shares {
		sh := &c.shares[i]
		existing := map[string]store.SharedTable{}
		s, err := st.ShareByName(ctx, sh.name)
		switch {
		case errors.Is(err, store.ErrNotFound) || sh.name == "":
			s = store.Share{CompanyID: co.ID, Name: sh.name}
			steps = append(steps, importStep{verb: "create", share: &s})
		case err != nil:
			return nil, err
		case s.CompanyID != co.ID:
			owner, _ := st.Company(ctx, s.CompanyID)
			c.problem(sh.at, "share %s belongs to company %s, not %s; import it with --company %s or rename it", s.Name, owner.Slug, co.Slug, owner.Slug)
			continue
		default:
			steps = append(steps, importStep{verb: "unchanged", share: &s})
			tables, err := st.SharedTables(ctx, s.ID)
			if err != nil {
				return nil, err
			}
			for _, t := range tables {
				existing[store.NameKey(t.Schema)+"."+store.NameKey(t.Name)] = t
			}
		}
		for j := range sh.tables {
			t := &sh.tables[j].t
			if s.Default && store.NameKey(t.Schema) == store.DefaultSchema {
				c.problem(sh.tables[j].at["schema"], "%s holds the default share's published tables; use another schema", store.DefaultSchema)
			}
			step := importStep{verb: "add", share: &s, table: t}
			if old, ok := existing[store.NameKey(t.Schema)+"."+store.NameKey(t.Name)]; ok {
				step.old = old
				switch {
				case old.HubTable == "" && old.Location == t.Location && old.History == t.History:
					step.verb = "unchanged"
				case replace:
					step.verb = "replace"
				default:
					c.problem(sh.tables[j].at["location"], "%s.%s.%s is already shared as %s, history %s; use --replace to share %s, history %s instead",
						s.Name, old.Schema, old.Name, describeSource(old), onOff(old.History), t.Location, onOff(t.History))
				}
			}
			steps = append(steps, step)
		}
	}
	return steps, nil
}

// apply carries a step out.
func (s importStep) apply(ctx context.Context, st store.Sharing, file string) error {
	var err error
	switch {
	case s.verb == "unchanged":
		return nil
	case s.table == nil:
		s.share.Comment = "imported from " + filepath.Base(file)
		*s.share, err = st.CreateShare(ctx, *s.share, consoleActor())
		return err
	case s.verb == "replace":
		if err := st.RemoveSharedTable(ctx, s.share.ID, s.old.Schema, s.old.Name, consoleActor()); err != nil {
			return err
		}
	}
	s.table.ShareID = s.share.ID
	*s.table, err = st.AddSharedTable(ctx, *s.table, consoleActor())
	return err
}

// describe is the step's line of output, done or planned.
func (s importStep) describe(company string, done bool) string {
	verb := map[string]string{"create": "created", "add": "added", "replace": "replaced", "unchanged": "unchanged"}[s.verb]
	if !done && s.verb != "unchanged" {
		verb = "would " + s.verb
	}
	if s.table == nil {
		if s.verb == "create" {
			return fmt.Sprintf("%s share %s in company %s", verb, s.share.Name, company)
		}
		return fmt.Sprintf("%s share %s", verb, s.share.Name)
	}
	line := fmt.Sprintf("%s %s.%s.%s", verb, s.share.Name, s.table.Schema, s.table.Name)
	if s.verb == "unchanged" {
		return line
	}
	line += fmt.Sprintf(" (%s, history %s", s.table.Location, onOff(s.table.History))
	if s.verb == "replace" {
		line += fmt.Sprintf("; was %s, history %s", describeSource(s.old), onOff(s.old.History))
	}
	return line + ")"
}
