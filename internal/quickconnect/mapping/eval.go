package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Matching. Every comparison of a source value with a value the mapping gives
// (map keys, equals, exact and prefix rules) ignores letter case and the spaces
// around the value; a source number also matches a key that is the same number
// ("01" and 1, "31.50" and 31.5).

// fold is the form values are compared in.
func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// numKey is the canonical text of a number ("01" -> "1", "31.50" -> "31.5").
func numKey(s string) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// lookup finds the entry for a source value among keys the mapping gives.
type lookup[V any] struct {
	text map[string]V // by folded key
	num  map[string]V // by canonical number, for keys that are numbers
}

func newLookup[V any]() *lookup[V] {
	return &lookup[V]{text: map[string]V{}, num: map[string]V{}}
}

// add adds an entry; it reports false when the key is already there.
func (l *lookup[V]) add(key string, v V) bool {
	k := fold(key)
	if _, dup := l.text[k]; dup {
		return false
	}
	l.text[k] = v
	if n, ok := numKey(k); ok {
		if _, dup := l.num[n]; !dup {
			l.num[n] = v
		}
	}
	return true
}

// find looks up a canonical source value whose text (trimmed, cased) is s.
func (l *lookup[V]) find(v any, s string) (V, bool) {
	if e, ok := l.text[fold(s)]; ok {
		return e, true
	}
	if isNumber(v) {
		if e, ok := l.num[plainText(v)]; ok {
			return e, true
		}
	}
	var zero V
	return zero, false
}

// op is what a condition checks.
type op uint8

const (
	opEquals op = iota
	opNotEquals
	opEmpty
	opNotEmpty
)

// condition is a test on one column of a row.
type condition struct {
	column string
	op     op
	values *lookup[struct{}]
	desc   string // e.g. `column "company" equals "01"`
}

func (c *condition) holds(row Row) bool {
	raw, _ := row.Get(c.column)
	v := canon(raw)
	s := plainText(v)
	switch c.op {
	case opEmpty:
		return strings.TrimSpace(s) == ""
	case opNotEmpty:
		return strings.TrimSpace(s) != ""
	}
	_, hit := c.values.find(v, s)
	return hit == (c.op == opEquals)
}

func allHold(conds []*condition, row Row) bool {
	for _, c := range conds {
		if !c.holds(row) {
			return false
		}
	}
	return true
}

// filter is a condition every row must meet, or be skipped.
type filter struct {
	cond   *condition
	reason string // Outcome.Filter
}

// unmatched says what happens when a field's map or rules give no value.
type unmatched uint8

const (
	unmatchedError unmatched = iota // the row is invalid
	unmatchedSkip                   // the row is skipped
	unmatchedEmpty                  // the field is left empty
	unmatchedKeep                   // the source value is used as it is (maps only)
)

var unmatchedNames = map[string]unmatched{"error": unmatchedError, "skip": unmatchedSkip, "empty": unmatchedEmpty, "keep": unmatchedKeep}

// rule is one group mapping rule: it gives codes when its when conditions
// hold and its column matches.
type rule struct {
	column   string // "" for a codes rule
	when     []*condition
	exact    *lookup[[]string]
	prefixes []prefix // longest first
	ranges   []span   // in the mapping's order
	codes    []string // a codes rule's codes
}

type prefix struct {
	key   string // folded
	codes []string
}

// span is a numeric range: lo..hi, either end open (unbounded) or exclusive.
type span struct {
	lo, hi         float64
	hasLo, hasHi   bool
	loExcl, hiExcl bool
	codes          []string
}

func (s *span) contains(f float64) bool {
	if s.hasLo && (f < s.lo || s.loExcl && f == s.lo) {
		return false
	}
	if s.hasHi && (f > s.hi || s.hiExcl && f == s.hi) {
		return false
	}
	return true
}

// eval returns the rule's codes for the row.
func (r *rule) eval(row Row) ([]string, bool) {
	if !allHold(r.when, row) {
		return nil, false
	}
	if r.column == "" {
		return r.codes, true
	}
	raw, _ := row.Get(r.column)
	v := canon(raw)
	s := plainText(v)
	switch {
	case r.exact != nil:
		return r.exact.find(v, s)
	case r.prefixes != nil:
		f := fold(s)
		for _, p := range r.prefixes {
			if strings.HasPrefix(f, p.key) {
				return p.codes, true
			}
		}
	case r.ranges != nil:
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		default:
			n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, false
			}
			f = n
		}
		for i := range r.ranges {
			if r.ranges[i].contains(f) {
				return r.ranges[i].codes, true
			}
		}
	}
	return nil, false
}

// field is one hub field of a mapping, compiled.
type field struct {
	name    string // hub field, e.g. "hired_date" or "custom.shirt_size"
	setting string // e.g. "people.fields.hired_date"
	line    int
	rd      reader
	choices []string

	// One of these gives the value.
	column   string
	constant *value
	rules    []*rule
	matchAll bool

	valueMap  *lookup[value]
	def       *value // the default setting, when given
	unmatched unmatched
	skipWhy   string // Outcome.Filter when unmatched is skip

	// inactive is a status field's inactive_from date.
	inactive *dateSource
}

// dateSource is a date column read with its own formats.
type dateSource struct {
	column string
	rd     reader
}

// eval computes the field's value for the row. skip reports that the row is to
// be skipped; a problem makes it invalid.
func (f *field) eval(row Row, loc *time.Location) (v value, prob *Problem, skip bool) {
	switch {
	case f.constant != nil:
		v = *f.constant
	case f.rules != nil:
		codes := f.evalRules(row)
		if codes == nil {
			return f.unmatchedValue(nil, f.rulesFailure(row), loc)
		}
		v = f.codesValue(codes)
	default:
		raw, _ := row.Get(f.column)
		src := canon(raw)
		if f.valueMap != nil {
			s := f.rd.text(src)
			if mapped, ok := f.valueMap.find(src, s); ok {
				v = mapped
			} else if s != "" {
				return f.unmatchedValue(src, fmt.Sprintf("%s is not in the map; add it to map, or set default or unmatched", quote(src)), loc)
			}
		} else {
			var err error
			if v, err = f.rd.read(src, loc); err != nil {
				return value{}, &Problem{Field: f.name, Column: f.column, Message: err.Error()}, false
			}
		}
	}
	if !v.set && f.def != nil {
		v = *f.def
	}
	return v, nil, false
}

// unmatchedValue is the value of a field whose map or rules gave nothing.
func (f *field) unmatchedValue(src any, why string, loc *time.Location) (value, *Problem, bool) {
	if f.def != nil {
		return *f.def, nil, false
	}
	switch f.unmatched {
	case unmatchedSkip:
		return value{}, nil, true
	case unmatchedEmpty:
		return value{}, nil, false
	case unmatchedKeep:
		v, err := f.rd.read(src, loc)
		if err != nil {
			return value{}, &Problem{Field: f.name, Column: f.column, Message: err.Error()}, false
		}
		return v, nil, false
	}
	col := f.column
	if f.rules != nil {
		col = f.rulesColumn()
	}
	return value{}, &Problem{Field: f.name, Column: col, Message: why}, false
}

// evalRules returns the codes of the first matching rule, or of all of them
// (without repeats) when match is all; nil when none matches.
func (f *field) evalRules(row Row) []string {
	var out []string
	for _, r := range f.rules {
		codes, ok := r.eval(row)
		if !ok {
			continue
		}
		if !f.matchAll {
			return codes
		}
		if out == nil {
			out = make([]string, 0, len(codes))
		}
		for _, c := range codes {
			if !containsFold(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// codesValue is the value of codes given by rules.
func (f *field) codesValue(codes []string) value {
	if f.rd.kind != kindList {
		return value{set: true, text: codes[0]}
	}
	if f.rd.all && len(codes) == 1 && strings.EqualFold(codes[0], "All") {
		return value{set: true, all: true}
	}
	return value{set: true, list: codes}
}

// rulesColumn is the one column all the field's rules read, or "".
func (f *field) rulesColumn() string {
	col := ""
	for _, r := range f.rules {
		if r.column == "" {
			continue
		}
		if col != "" && !strings.EqualFold(col, r.column) {
			return ""
		}
		col = r.column
	}
	return col
}

// rulesFailure says that no rule matched, with the values the rules read.
func (f *field) rulesFailure(row Row) string {
	var parts []string
	var seen []string
	for _, r := range f.rules {
		cols := make([]string, 0, 1+len(r.when))
		if r.column != "" {
			cols = append(cols, r.column)
		}
		for _, c := range r.when {
			cols = append(cols, c.column)
		}
		for _, c := range cols {
			if containsFold(seen, c) {
				continue
			}
			seen = append(seen, c)
			raw, _ := row.Get(c)
			parts = append(parts, fmt.Sprintf("%s is %s", c, quote(canon(raw))))
		}
	}
	return fmt.Sprintf("no rule matched (%s); add a rule, or set default or unmatched", strings.Join(parts, ", "))
}
