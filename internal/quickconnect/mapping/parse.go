package mapping

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Settings, as the mapping file names them.
var (
	topSettings    = []string{"version", string(Groups), string(JobTitles), string(People), string(Projects)}
	entitySettings = []string{"fields", "where", "skip_if_empty", "manual_override"}
	fieldSettings  = []string{"column", "value", "rules", "match", "inactive_from", "trim", "case", "format", "excel", "round", "split", "map", "default", "unmatched"}
	ruleSettings   = []string{"column", "when", "exact", "prefix", "range", "codes"}
	condSettings   = []string{"column", "equals", "not_equals", "empty"}
	dateSettings   = []string{"column", "format", "excel", "trim"}
)

// Parse reads a mapping file. A mapping that cannot be used returns a
// *ParseError listing every problem, each with its YAML line and the setting
// it concerns; unknown settings are problems too.
func Parse(data []byte) (*Mapping, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(err)
	}
	if len(bytes.TrimSpace(data)) == 0 || len(doc.Content) == 0 {
		return nil, &ParseError{Problems: []ParseProblem{{Message: "the mapping is empty; give at least one of groups, job_titles, people and projects"}}}
	}
	return ParseNode(doc.Content[0])
}

// ParseNode reads a mapping from a YAML node (a document, or the mapping
// node itself), for a file that holds the mapping as one of its sections.
// Problems are reported as by Parse, with lines of that file and settings
// named from the node down.
func ParseNode(n *yaml.Node) (*Mapping, error) {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	p := &parser{}
	top := p.object(n, "", "a mapping file with sections groups, job_titles, people or projects", topSettings)
	if top == nil {
		return nil, p.err()
	}
	m := &Mapping{}
	if top.has("version") {
		if v, ok := p.scalar(top.get("version"), "version", "a version number"); ok && v != "1" {
			p.errorf(top.get("version"), "version", "%q is not a mapping version this hub reads; use 1", v)
		}
	}
	m.groups = parsePlan(p, groupDef, top)
	m.jobTitles = parsePlan(p, jobTitleDef, top)
	m.people = parsePlan(p, personDef, top)
	m.projects = parsePlan(p, projectDef, top)
	if len(m.Entities()) == 0 && len(p.problems) == 0 {
		p.errorf(n, "", "maps no entity; give at least one of groups, job_titles, people and projects")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// parsePlan reads the section of one entity, or returns nil when the mapping
// has none.
func parsePlan[T any](p *parser, def *entityDef[T], top *object) *plan[T] {
	name := string(def.entity)
	if !top.has(name) {
		return nil
	}
	o := p.object(top.get(name), name, "an entity's settings (fields, where, skip_if_empty, manual_override)", entitySettings)
	if o == nil {
		return nil
	}
	pl := &plan[T]{def: def}
	fields := o.get("fields")
	if fields == nil {
		p.errorf(o.node, name, "has no fields; list the hub fields to fill under fields:, at least %s", def.key)
		return nil
	}
	fo := p.object(fields, o.at("fields"), "the fields to fill, one per line (hub field: source column)", nil)
	if fo == nil {
		return nil
	}
	for _, key := range fo.keys {
		pl.addField(p, fo, key)
	}
	if !pl.keySeen {
		p.errorf(fo.node, fo.path, "does not map %s, the key that matches rows to %s in the hub; add %s: <source column>", def.key, name, def.key)
	}
	if o.has("where") {
		pl.parseWhere(p, o.get("where"), o.at("where"))
	}
	if o.has("skip_if_empty") {
		cols, _ := p.list(o.get("skip_if_empty"), o.at("skip_if_empty"), "a source column name")
		for i, c := range cols {
			c = strings.TrimSpace(c)
			if c == "" {
				p.errorf(o.get("skip_if_empty"), o.at("skip_if_empty"), "has an empty column name; list the source columns that must not be empty")
				break
			}
			pl.use(c, o.get("skip_if_empty").Line, fmt.Sprintf("%s[%d]", o.at("skip_if_empty"), i))
			cond := &condition{column: c, op: opNotEmpty, desc: fmt.Sprintf("column %q is empty", c)}
			pl.filters = append(pl.filters, filter{cond: cond, reason: "skip_if_empty: " + cond.desc})
		}
	}
	if o.has("manual_override") {
		pl.parseManual(p, o.get("manual_override"), o.at("manual_override"))
	}
	pl.finish()
	return pl
}

// addField reads one field of the fields section.
func (pl *plan[T]) addField(p *parser, fo *object, key string) {
	def, setting, n := pl.def, fo.at(key), fo.get(key)
	hf, ok := def.field(key)
	custom, isCustom := strings.CutPrefix(key, "custom.")
	switch {
	case ok:
	case isCustom && def.custom != nil && strings.TrimSpace(custom) != "":
		hf = hubField[T]{name: key, kind: kindText, set: customSetter(def.custom, custom)}
	case isCustom:
		p.errorf(fo.key[key], fo.path, "%s have no custom fields, so %q cannot be mapped", def.entity, key)
		return
	case def.unsupported[key] != "":
		p.errorf(fo.key[key], fo.path, "%s cannot be mapped: %s", key, def.unsupported[key])
		return
	default:
		extra := ""
		if def.custom != nil {
			extra = " (or custom.<name> for a custom field)"
		}
		p.errorf(fo.key[key], fo.path, "%q is not a field of %s%s%s", key, def.entity, suggest(key, def.names()), extra)
		return
	}
	pl.keySeen = pl.keySeen || key == def.key
	f := parseField(p, pl, hf.kind, hf.choices, key, setting, n)
	if f == nil {
		return
	}
	if key == def.key {
		if f.column == "" {
			p.errorf(n, setting, "is the key that matches rows to %s in the hub, so it must come from a column (column: <name>), not from value or rules", def.entity)
		}
		pl.keyField = f
	}
	pl.fields = append(pl.fields, f)
	pl.sets = append(pl.sets, hf.set)
	pl.mapped = append(pl.mapped, key)
	pl.also = append(pl.also, hf.also...)
}

func customSetter[T any](fields func(*T) *planning.CustomFields, name string) func(*T, value) bool {
	return func(t *T, v value) bool {
		m := fields(t)
		if *m == nil {
			*m = planning.CustomFields{}
		}
		(*m)[name] = v.text
		return false
	}
}

// parseField reads one field's settings: a column name alone, or a group of
// settings.
func parseField[T any](p *parser, pl *plan[T], k kind, choices []string, name, setting string, n *yaml.Node) *field {
	f := &field{name: name, setting: setting, line: n.Line, choices: choices,
		rd: reader{kind: k, trim: true, round: -1, split: "|", all: k == kindList && name == "group_codes"}}
	if n = resolve(n); n.Kind == yaml.ScalarNode {
		col, ok := p.name(n, setting, "the source column to read")
		if !ok {
			return nil
		}
		f.column = col
		pl.use(col, n.Line, setting)
		return f
	}
	o := p.object(n, setting, "a source column name, or a field's settings (column, value, rules, map, ...)", fieldSettings)
	if o == nil {
		return nil
	}
	before := len(p.problems)
	sources := 0
	for _, s := range []string{"column", "value", "rules"} {
		if o.has(s) {
			sources++
		}
	}
	switch {
	case sources > 1:
		p.errorf(n, setting, "gives more than one of column, value and rules; keep one")
	case sources == 0 && !o.has("inactive_from"):
		p.errorf(n, setting, "says nowhere to take the value from; give column (a source column), value (a constant) or rules")
	}
	requires := func(s, what string, ok bool) {
		if o.has(s) && !ok {
			p.errorf(o.key[s], o.at(s), "%s", what)
		}
	}
	requires("map", "needs column: a map translates the values of a source column", o.has("column"))
	requires("match", "needs rules: match says whether the first matching rule gives the codes, or all of them", o.has("rules"))
	requires("unmatched", "needs map or rules: it says what to do with a value they do not give", o.has("map") || o.has("rules"))
	requires("default", "cannot be given with unmatched: the default is used when nothing matches; keep one", !o.has("unmatched"))
	requires("inactive_from", "applies only to the status field", name == "status")
	requires("format", "applies only to date fields", k == kindDate)
	requires("excel", "applies only to date fields", k == kindDate)
	requires("round", "applies only to decimal fields (hourly_wage, hourly_rate, bid_rate)", k == kindMoney)
	requires("split", "applies only to list fields (group_codes, tags)", k == kindList || k == kindTags)
	requires("trim", "applies to values read from a column", o.has("column"))
	requires("case", "applies to values read from a column", o.has("column"))
	requires("rules", "apply only to text and code fields (such as job_title) and to group_codes", k == kindText || k == kindList)
	if len(p.problems) > before {
		return nil
	}
	if o.has("column") {
		col, ok := p.name(o.get("column"), o.at("column"), "the source column to read")
		f.column = col
		if ok {
			pl.use(col, o.get("column").Line, o.at("column"))
		}
	}
	if o.has("trim") {
		f.rd.trim, _ = p.boolean(o.get("trim"), o.at("trim"))
	}
	if o.has("case") {
		if s, ok := p.scalar(o.get("case"), o.at("case"), "upper, lower, title or keep"); ok {
			c, known := caseNames[strings.ToLower(s)]
			if !known {
				p.errorf(o.get("case"), o.at("case"), "%q is not a letter case; use upper, lower, title or keep", s)
			}
			f.rd.cased = c
		}
	}
	if o.has("format") {
		f.rd.formats = p.dateFormats(o.get("format"), o.at("format"))
	}
	if o.has("excel") {
		f.rd.excel, _ = p.boolean(o.get("excel"), o.at("excel"))
	}
	if o.has("round") {
		s, _ := p.scalar(o.get("round"), o.at("round"), "a number of decimal places")
		r, err := readInt(s, false)
		if err != nil || r < 0 || r > 10 {
			p.errorf(o.get("round"), o.at("round"), "%q is not a number of decimal places from 0 to 10", s)
		}
		f.rd.round = int32(r)
	}
	if o.has("split") {
		if s, ok := p.scalar(o.get("split"), o.at("split"), "the text between list items"); ok && s == "" {
			p.errorf(o.get("split"), o.at("split"), "is empty; give the text between list items, like \",\" or \"|\"")
		} else {
			f.rd.split = s
		}
	}
	if o.has("value") {
		if v, ok := p.constant(f, o.get("value"), o.at("value")); ok {
			f.constant = &v
		}
	}
	if o.has("default") {
		if v, ok := p.constant(f, o.get("default"), o.at("default")); ok {
			f.def = &v
		}
	}
	if o.has("unmatched") {
		s, _ := p.scalar(o.get("unmatched"), o.at("unmatched"), "error, skip, empty or keep")
		u, known := unmatchedNames[strings.ToLower(s)]
		switch {
		case !known:
			p.errorf(o.get("unmatched"), o.at("unmatched"), "%q is not a choice; use error (the row is invalid), skip (the row is skipped), empty (the field is left empty) or keep (maps only: the source value is used as it is)", s)
		case u == unmatchedKeep && !o.has("map"):
			p.errorf(o.get("unmatched"), o.at("unmatched"), "keep applies to maps only; rules give codes, not source values")
		}
		f.unmatched = u
		f.skipWhy = setting + ": nothing matched (unmatched: skip)"
	}
	if o.has("map") {
		f.valueMap = p.valueMap(f, o.get("map"), o.at("map"))
	}
	if o.has("rules") {
		f.rules = p.rules(pl, f, o.get("rules"), o.at("rules"))
	}
	if o.has("match") {
		s, _ := p.scalar(o.get("match"), o.at("match"), "first or all")
		switch strings.ToLower(s) {
		case "first":
		case "all":
			f.matchAll = true
			if k != kindList {
				p.errorf(o.get("match"), o.at("match"), "all applies only to list fields such as group_codes: %s holds one value", name)
			}
		default:
			p.errorf(o.get("match"), o.at("match"), "%q is not a choice; use first (the first matching rule gives the codes) or all (every matching rule adds its codes)", s)
		}
	}
	if o.has("inactive_from") {
		f.inactive = p.dateSource(pl, o.get("inactive_from"), o.at("inactive_from"))
	}
	if len(p.problems) > before {
		return nil
	}
	return f
}

// constant reads a value the mapping gives (value, default, a map's values)
// as a value of the field's kind. Dates are written YYYY-MM-DD.
func (p *parser) constant(f *field, n *yaml.Node, setting string) (value, bool) {
	n = resolve(n)
	rd := reader{kind: f.rd.kind, trim: true, round: f.rd.round, split: f.rd.split, all: f.rd.all}
	var src any
	switch {
	case n.Kind == yaml.SequenceNode && (rd.kind == kindList || rd.kind == kindTags):
		items, ok := p.list(n, setting, "a value")
		if !ok {
			return value{}, false
		}
		l := make([]any, len(items))
		for i, s := range items {
			l[i] = s
		}
		src = l
	case n.Kind == yaml.ScalarNode:
		if !isNull(n) {
			src = n.Value
		}
	default:
		p.errorf(n, setting, "must be a single value for %s, not a list or a group of settings", f.name)
		return value{}, false
	}
	v, err := rd.read(src, nil)
	if err != nil {
		p.errorf(n, setting, "%s", err)
		return value{}, false
	}
	if f.choices != nil && v.set {
		i := slices.IndexFunc(f.choices, func(c string) bool { return strings.EqualFold(c, v.text) })
		if i < 0 {
			p.errorf(n, setting, "%q is not a %s; use %s", v.text, strings.ReplaceAll(f.name, "_", " "), orList(f.choices))
			return value{}, false
		}
		v.text = f.choices[i]
	}
	return v, true
}

// valueMap reads map: source value -> hub value.
func (p *parser) valueMap(f *field, n *yaml.Node, setting string) *lookup[value] {
	o := p.object(n, setting, "a map of source values to hub values (\"A\": active)", nil)
	if o == nil {
		return nil
	}
	if len(o.keys) == 0 {
		p.errorf(n, setting, "is empty; list source values and the hub value each becomes")
		return nil
	}
	l := newLookup[value]()
	for _, k := range o.keys {
		v, ok := p.constant(f, o.get(k), o.at(k))
		if ok && !l.add(k, v) {
			p.errorf(o.key[k], setting, "%q is given twice (keys are compared without regard to letter case and spaces)", k)
		}
	}
	return l
}

// dateFormats reads one date format or a list of them.
func (p *parser) dateFormats(n *yaml.Node, setting string) []string {
	list, ok := p.list(n, setting, "a date format such as 01/02/2006")
	if !ok {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, s := range list {
		layout, err := dateLayout(s)
		if err != nil {
			p.errorf(n, setting, "%s", err)
			continue
		}
		out = append(out, layout)
	}
	return out
}

// dateSource reads inactive_from: a column name, or column with format and
// excel.
func (p *parser) dateSource(pl user, n *yaml.Node, setting string) *dateSource {
	ds := &dateSource{rd: reader{kind: kindDate, trim: true, round: -1}}
	if n = resolve(n); n.Kind == yaml.ScalarNode {
		col, ok := p.name(n, setting, "the source column holding the date the record becomes inactive")
		if !ok {
			return nil
		}
		ds.column = col
		pl.use(col, n.Line, setting)
		return ds
	}
	o := p.object(n, setting, "a column name, or a date column's settings (column, format, excel)", dateSettings)
	if o == nil {
		return nil
	}
	if !o.has("column") {
		p.errorf(n, setting, "needs column: the source column holding the date the record becomes inactive")
		return nil
	}
	col, ok := p.name(o.get("column"), o.at("column"), "the source column holding the date the record becomes inactive")
	if !ok {
		return nil
	}
	ds.column = col
	pl.use(col, o.get("column").Line, o.at("column"))
	if o.has("format") {
		ds.rd.formats = p.dateFormats(o.get("format"), o.at("format"))
	}
	if o.has("excel") {
		ds.rd.excel, _ = p.boolean(o.get("excel"), o.at("excel"))
	}
	if o.has("trim") {
		ds.rd.trim, _ = p.boolean(o.get("trim"), o.at("trim"))
	}
	return ds
}
