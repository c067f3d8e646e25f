package mapping

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// user records the source columns a mapping reads, for CheckColumns.
type user interface {
	use(column string, line int, setting string)
}

// rules reads a field's list of rules.
func (p *parser) rules(pl user, f *field, n *yaml.Node, setting string) []*rule {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.errorf(n, setting, "must be a list of rules, each starting with \"- \" (column with exact, prefix or range; or when with codes)")
		return nil
	}
	out := make([]*rule, 0, len(n.Content))
	for i, e := range n.Content {
		if r := p.rule(pl, f, e, fmt.Sprintf("%s[%d]", setting, i)); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// rule reads one rule.
func (p *parser) rule(pl user, f *field, n *yaml.Node, setting string) *rule {
	o := p.object(n, setting, "a rule's settings (column with exact, prefix or range; or when with codes)", ruleSettings)
	if o == nil {
		return nil
	}
	r := &rule{}
	kinds := 0
	for _, k := range []string{"exact", "prefix", "range", "codes"} {
		if o.has(k) {
			kinds++
		}
	}
	switch {
	case kinds != 1:
		p.errorf(n, setting, "must give one of exact, prefix, range (with column) or codes (with when)")
		return nil
	case o.has("codes") && o.has("column"):
		p.errorf(o.key["column"], o.at("column"), "does not go with codes: a codes rule gives its codes whenever its when conditions hold; use exact to match values of a column")
		return nil
	case !o.has("codes") && !o.has("column"):
		p.errorf(n, setting, "needs column: the source column whose value the rule matches")
		return nil
	}
	if o.has("column") {
		col, ok := p.name(o.get("column"), o.at("column"), "the source column the rule reads")
		if !ok {
			return nil
		}
		r.column = col
		pl.use(col, o.get("column").Line, o.at("column"))
	}
	if o.has("when") {
		r.when = p.conditions(pl, o.get("when"), o.at("when"))
	}
	switch {
	case o.has("codes"):
		r.codes, _ = p.targets(f, o.get("codes"), o.at("codes"))
	case o.has("exact"):
		r.exact = newLookup[[]string]()
		p.keyed(o.get("exact"), o.at("exact"), "exact", func(k string, kn, vn *yaml.Node, at string) {
			if codes, ok := p.targets(f, vn, at); ok && !r.exact.add(k, codes) {
				p.errorf(kn, o.at("exact"), "%q is given twice (values are compared without regard to letter case and spaces)", k)
			}
		})
	case o.has("prefix"):
		p.keyed(o.get("prefix"), o.at("prefix"), "prefix", func(k string, kn, vn *yaml.Node, at string) {
			codes, ok := p.targets(f, vn, at)
			key := fold(k)
			switch {
			case key == "":
				p.errorf(kn, o.at("prefix"), "has an empty prefix; give the first characters of the values to match")
			case slices.ContainsFunc(r.prefixes, func(x prefix) bool { return x.key == key }):
				p.errorf(kn, o.at("prefix"), "%q is given twice", k)
			case ok:
				r.prefixes = append(r.prefixes, prefix{key: key, codes: codes})
			}
		})
		// The longest prefix wins, whatever the order they are written in.
		slices.SortStableFunc(r.prefixes, func(a, b prefix) int { return len(b.key) - len(a.key) })
	case o.has("range"):
		p.keyed(o.get("range"), o.at("range"), "range", func(k string, kn, vn *yaml.Node, at string) {
			s, err := parseSpan(k)
			if err != nil {
				p.errorf(kn, o.at("range"), "%s", err)
				return
			}
			if codes, ok := p.targets(f, vn, at); ok {
				s.codes = codes
				r.ranges = append(r.ranges, s)
			}
		})
	}
	return r
}

// keyed reads a rule's key: codes pairs, in the order written.
func (p *parser) keyed(n *yaml.Node, setting, what string, each func(key string, kn, vn *yaml.Node, at string)) {
	o := p.object(n, setting, "the "+what+" values to match and the codes each gives, one per line (KC: KS)", nil)
	if o == nil {
		return
	}
	if len(o.keys) == 0 {
		p.errorf(n, setting, "is empty; list the values to match and the codes each gives")
	}
	for _, k := range o.keys {
		each(k, o.key[k], o.get(k), o.at(k))
	}
}

// targets reads the codes a rule gives: one, or a list for list fields.
func (p *parser) targets(f *field, n *yaml.Node, setting string) ([]string, bool) {
	n = resolve(n)
	if f.rd.kind != kindList && n.Kind != yaml.ScalarNode {
		p.errorf(n, setting, "must be a single value: %s holds one", f.name)
		return nil, false
	}
	codes, ok := p.list(n, setting, "a code")
	if !ok {
		return nil, false
	}
	for i, c := range codes {
		codes[i] = strings.TrimSpace(c)
		switch {
		case codes[i] == "":
			p.errorf(n, setting, "has an empty code; give the code the rule gives, like KS")
			return nil, false
		case strings.EqualFold(codes[i], "All") && f.rd.kind == kindList && (!f.rd.all || len(codes) > 1):
			p.errorf(n, setting, "mixes All with group codes; All alone means every group")
			return nil, false
		}
		if f.choices != nil {
			j := slices.IndexFunc(f.choices, func(c string) bool { return strings.EqualFold(c, codes[i]) })
			if j < 0 {
				p.errorf(n, setting, "%q is not a %s; use %s", codes[i], strings.ReplaceAll(f.name, "_", " "), orList(f.choices))
				return nil, false
			}
			codes[i] = f.choices[j]
		}
	}
	return codes, true
}

var (
	spanCompare = regexp.MustCompile(`^(<=|>=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)$`)
	spanBetween = regexp.MustCompile(`^(-?[0-9]+(?:\.[0-9]+)?)\s*(?:-|\.\.|to)\s*(-?[0-9]+(?:\.[0-9]+)?)$`)
	spanOne     = regexp.MustCompile(`^-?[0-9]+(?:\.[0-9]+)?$`)
)

// parseSpan reads a range key: "< 300", "<= 299", "> 600", ">= 600",
// "300-599" (both ends included), "300..599", "300 to 599" or "42".
func parseSpan(key string) (span, error) {
	k := strings.TrimSpace(key)
	num := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	if m := spanCompare.FindStringSubmatch(k); m != nil {
		f := num(m[2])
		switch m[1] {
		case "<":
			return span{hi: f, hasHi: true, hiExcl: true}, nil
		case "<=":
			return span{hi: f, hasHi: true}, nil
		case ">":
			return span{lo: f, hasLo: true, loExcl: true}, nil
		default:
			return span{lo: f, hasLo: true}, nil
		}
	}
	if m := spanBetween.FindStringSubmatch(k); m != nil {
		lo, hi := num(m[1]), num(m[2])
		if lo > hi {
			return span{}, fmt.Errorf("%q starts above where it ends; write the lower number first, like 300-599", key)
		}
		return span{lo: lo, hi: hi, hasLo: true, hasHi: true}, nil
	}
	if spanOne.MatchString(k) {
		f := num(k)
		return span{lo: f, hi: f, hasLo: true, hasHi: true}, nil
	}
	return span{}, fmt.Errorf("%q is not a number range; write \"< 300\", \"<= 299\", \"> 599\", \">= 600\", \"300-599\" (both ends included) or one number", key)
}

// conditions reads one condition, or a list of them that must all hold.
func (p *parser) conditions(pl user, n *yaml.Node, setting string) []*condition {
	n = resolve(n)
	if n.Kind == yaml.SequenceNode {
		out := make([]*condition, 0, len(n.Content))
		for i, e := range n.Content {
			if c := p.condition(pl, e, fmt.Sprintf("%s[%d]", setting, i)); c != nil {
				out = append(out, c)
			}
		}
		return out
	}
	if c := p.condition(pl, n, setting); c != nil {
		return []*condition{c}
	}
	return nil
}

// condition reads {column: x, equals: v} (or not_equals, or empty).
func (p *parser) condition(pl user, n *yaml.Node, setting string) *condition {
	before := len(p.problems)
	o := p.object(n, setting, "a condition's settings (column, with equals, not_equals or empty)", condSettings)
	if o == nil || len(p.problems) > before {
		return nil
	}
	tests := 0
	for _, k := range condSettings[1:] {
		if o.has(k) {
			tests++
		}
	}
	if !o.has("column") || tests != 1 {
		p.errorf(n, setting, "must give column and one of equals, not_equals or empty, like {column: company, equals: \"01\"}")
		return nil
	}
	col, ok := p.name(o.get("column"), o.at("column"), "the source column to test")
	if !ok {
		return nil
	}
	pl.use(col, o.get("column").Line, o.at("column"))
	c := &condition{column: col}
	if o.has("empty") {
		empty, ok := p.boolean(o.get("empty"), o.at("empty"))
		if !ok {
			return nil
		}
		c.op, c.desc = opNotEmpty, fmt.Sprintf("column %q is not empty", col)
		if empty {
			c.op, c.desc = opEmpty, fmt.Sprintf("column %q is empty", col)
		}
		return c
	}
	key, verb, verbs := "equals", "is", "is one of"
	c.op = opEquals
	if o.has("not_equals") {
		key, verb, verbs = "not_equals", "is not", "is none of"
		c.op = opNotEquals
	}
	values, ok := p.list(o.get(key), o.at(key), "a value")
	if !ok {
		return nil
	}
	c.values = newLookup[struct{}]()
	quoted := make([]string, len(values))
	for i, v := range values {
		c.values.add(v, struct{}{})
		quoted[i] = strconv.Quote(v)
	}
	if len(values) == 1 {
		c.desc = fmt.Sprintf("column %q %s %s", col, verb, quoted[0])
	} else {
		c.desc = fmt.Sprintf("column %q %s %s", col, verbs, strings.Join(quoted, ", "))
	}
	return c
}

// parseWhere reads the where filter: rows that do not meet every condition
// are skipped.
func (pl *plan[T]) parseWhere(p *parser, n *yaml.Node, setting string) {
	for _, c := range p.conditions(pl, n, setting) {
		pl.filters = append(pl.filters, filter{cond: c, reason: "where: " + c.desc})
	}
}

// parseManual reads manual_override: mapped fields the hub keeps editable.
func (pl *plan[T]) parseManual(p *parser, n *yaml.Node, setting string) {
	names, ok := p.list(n, setting, "a hub field name")
	if !ok {
		return
	}
	for _, name := range names {
		name = strings.TrimSpace(name)
		switch {
		case name == pl.def.key:
			p.errorf(n, setting, "%s is the key that matches rows to %s in the hub; the sync always owns it", name, pl.def.entity)
		case slices.Contains(pl.mapped, name):
			pl.manual = append(pl.manual, name)
		default:
			p.errorf(n, setting, "%q is not one of the fields mapped above; list fields the sync fills on create but the hub keeps editable afterwards (fields not mapped stay editable anyway)", name)
		}
	}
}
