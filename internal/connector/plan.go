package connector

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/connector/state"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// Ways a table is synced (Plan.Mode).
const (
	ModeFull        = state.ModeFull
	ModeIncremental = state.ModeIncremental
	ModeSkip        = "up-to-date"
)

// ConfigPrimaryKey is the table property naming a shared table's primary-key
// columns, comma-separated (Trestle hubs set it on every published table).
const ConfigPrimaryKey = "trestle.primaryKey"

// configCDF is the Delta table property that turns the change data feed on.
const configCDF = "delta.enableChangeDataFeed"

// Plan is how one table will be synced, and why.
type Plan struct {
	// Mode is ModeFull, ModeIncremental or ModeSkip.
	Mode string
	// Reason says why, in plain words ("first sync", "the schema changed:
	// ...").
	Reason string
	// From is the first version whose changes an incremental sync applies.
	From int64
	// AddedColumns lists columns the table gained since the last sync.
	AddedColumns []string
}

// planInput is what a plan is decided from.
type planInput struct {
	prev      state.Table
	hasPrev   bool
	forceFull bool   // --full
	modeFull  bool   // config mode: full
	version   int64  // the table's latest version
	schema    string // its schemaString
	config    map[string]string
	key       []string
	dest      string // the destination table's name
}

// decide chooses how to sync a table. It does not know whether the
// destination can apply changes; the engine falls back to a full load when
// it cannot.
func decide(in planInput) Plan {
	p := in.prev
	unchanged := in.hasPrev && p.Version == in.version && p.SchemaHash == schemaHash(in.schema) && p.Destination == in.dest
	switch {
	case in.forceFull:
		return Plan{Mode: ModeFull, Reason: "a full sync was asked for"}
	case !in.hasPrev:
		return Plan{Mode: ModeFull, Reason: "first sync of this table"}
	case unchanged:
		return Plan{Mode: ModeSkip, Reason: fmt.Sprintf("already at version %d", in.version)}
	case in.modeFull:
		return Plan{Mode: ModeFull, Reason: "the config's mode is full"}
	case p.Destination != in.dest:
		return Plan{Mode: ModeFull, Reason: fmt.Sprintf("the destination table is now %s (was %s)", in.dest, p.Destination)}
	case p.Version > in.version:
		return Plan{Mode: ModeFull, Reason: fmt.Sprintf("the table's version went back from %d to %d: it was recreated", p.Version, in.version)}
	case !strings.EqualFold(in.config[configCDF], "true"):
		return Plan{Mode: ModeFull, Reason: "the table has no change data feed (" + configCDF + " is not true)"}
	case len(in.key) == 0:
		return Plan{Mode: ModeFull, Reason: "the table has no primary key to apply changes by (set one under keys: in config.yaml)"}
	case p.Mode != "" && !slices.Equal(p.Key, in.key):
		return Plan{Mode: ModeFull, Reason: fmt.Sprintf("the primary key is now (%s), was (%s)", strings.Join(in.key, ", "), strings.Join(p.Key, ", "))}
	}
	added, why := additive(p.Schema, in.schema)
	if why != "" {
		return Plan{Mode: ModeFull, Reason: "the schema changed: " + why}
	}
	return Plan{Mode: ModeIncremental, Reason: fmt.Sprintf("changes of versions %d to %d", p.Version+1, in.version),
		From: p.Version + 1, AddedColumns: added}
}

// schemaHash identifies a schema string.
func schemaHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// additive compares the schema loaded before with the table's schema now:
// when now only adds columns (at the end), it returns their names; otherwise
// why is the change that needs a full load.
func additive(before, now string) (added []string, why string) {
	if before == now {
		return nil, ""
	}
	if before == "" {
		return nil, "the previous schema is not recorded"
	}
	old, err := schema.Parse(before)
	if err != nil {
		return nil, "the previous schema cannot be read: " + err.Error()
	}
	cur, err := schema.Parse(now)
	if err != nil {
		return nil, "the table's schema cannot be read: " + err.Error()
	}
	for i, f := range old.Fields {
		if i >= len(cur.Fields) {
			return nil, fmt.Sprintf("column %q was removed", f.Name)
		}
		g := cur.Fields[i]
		if g.Name != f.Name {
			if _, ok := cur.Field(f.Name); !ok {
				return nil, fmt.Sprintf("column %q was removed or renamed", f.Name)
			}
			return nil, fmt.Sprintf("columns were reordered (%q is now where %q was)", g.Name, f.Name)
		}
		if typeJSON(g.Type) != typeJSON(f.Type) {
			return nil, fmt.Sprintf("column %q changed type from %s to %s", f.Name, typeJSON(f.Type), typeJSON(g.Type))
		}
	}
	for _, g := range cur.Fields[len(old.Fields):] {
		added = append(added, g.Name)
	}
	return added, ""
}

func typeJSON(t schema.DataType) string {
	b, err := json.Marshal(t)
	if err != nil {
		return t.TypeName()
	}
	return string(b)
}

// primaryKey is the key a table's changes are applied by: the config's
// keys entry, else the table's trestle.primaryKey property, else a column
// named "id"; nil when there is none. Every column must exist.
func primaryKey(configured []string, config map[string]string, s *schema.StructType) ([]string, error) {
	key := configured
	from := "config.yaml keys"
	if len(key) == 0 && config[ConfigPrimaryKey] != "" {
		for k := range strings.SplitSeq(config[ConfigPrimaryKey], ",") {
			key = append(key, strings.TrimSpace(k))
		}
		from = "the table property " + ConfigPrimaryKey
	}
	if len(key) == 0 {
		if _, ok := s.Field("id"); ok {
			return []string{"id"}, nil
		}
		return nil, nil
	}
	for _, k := range key {
		if _, ok := s.Field(k); !ok {
			return nil, fmt.Errorf("primary-key column %q (from %s) is not a column of the table", k, from)
		}
	}
	return key, nil
}

// destName is the destination table's name for a shared table: the
// template's {share}, {schema} and {table} filled in, lower-cased, other
// characters than letters, digits and '_' replaced by '_'.
func destName(template, share, schemaName, table string) string {
	if template == "" {
		template = "{share}__{table}"
	}
	r := strings.NewReplacer("{share}", share, "{schema}", schemaName, "{table}", table)
	name := strings.ToLower(r.Replace(template))
	var b strings.Builder
	for _, c := range name {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "t_" + out
	}
	return out
}
