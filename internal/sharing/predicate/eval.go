package predicate

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// File is what pruning knows of one data file.
type File struct {
	// PartitionValues are the file's Delta partition values, keyed by the
	// partition column's name (its physical name under column mapping).
	// Following the protocol, "" means null, and so does a partition column
	// missing from the map.
	PartitionValues map[string]string
	// Stats are the file's statistics; nil means none, and then only
	// partition columns can prune.
	Stats *delta.Stats
}

// outcome is the set of truth values a condition may take on a file's rows.
type outcome uint8

const (
	mayTrue outcome = 1 << iota
	mayFalse
	mayNull
	unknown = mayTrue | mayFalse | mayNull
)

// MayMatch reports whether any row of the file may satisfy e. It returns true
// whenever it cannot tell (unknown column, type mismatch, missing stats,
// unsupported op), so pruning never drops a file that could match. A nil e
// matches every file.
//
// s is the table schema and partitionColumns the metadata's partition columns.
// Column names resolve without regard to case. Partition columns take their
// exact value from f.PartitionValues, parsed by the column's type; other
// columns the [minValues, maxValues] range and null count of f.Stats.
func (e *Expr) MayMatch(s *schema.StructType, partitionColumns []string, f File) bool {
	if e == nil {
		return true
	}
	ctx := evalContext{schema: s, partitionColumns: partitionColumns, file: f}
	return ctx.eval(e)&mayTrue != 0
}

type evalContext struct {
	schema           *schema.StructType
	partitionColumns []string
	file             File
}

func (c *evalContext) eval(e *Expr) outcome {
	if e == nil {
		return unknown
	}
	switch e.Op {
	case OpAnd, OpOr:
		if len(e.Children) == 0 {
			return unknown
		}
		res := c.eval(e.Children[0])
		for _, child := range e.Children[1:] {
			if e.Op == OpAnd {
				res = and(res, c.eval(child))
			} else {
				res = not(and(not(res), not(c.eval(child))))
			}
		}
		return res
	case OpNot:
		if len(e.Children) != 1 {
			return unknown
		}
		return not(c.eval(e.Children[0]))
	case OpIsNull:
		if len(e.Children) != 1 {
			return unknown
		}
		return c.isNull(e.Children[0], e.loose)
	case OpEqual, OpLessThan, OpLessThanOrEqual, OpGreaterThan, OpGreaterThanOrEqual:
		if len(e.Children) != 2 {
			return unknown
		}
		return c.compare(e.Op, e.Children[0], e.Children[1], e.loose)
	case OpColumn, OpLiteral:
		if e.ValueType != TypeBool {
			return unknown
		}
		// A boolean leaf as a condition: leaf = true.
		return c.compare(OpEqual, e, &Expr{Op: OpLiteral, Value: "true", ValueType: TypeBool}, false)
	}
	return unknown
}

// and is SQL's AND over sets of outcomes.
func and(a, b outcome) outcome {
	var r outcome
	if a&mayTrue != 0 && b&mayTrue != 0 {
		r |= mayTrue
	}
	if a&mayFalse != 0 || b&mayFalse != 0 {
		r |= mayFalse
	}
	if (a&mayNull != 0 && b&(mayTrue|mayNull) != 0) || (b&mayNull != 0 && a&(mayTrue|mayNull) != 0) {
		r |= mayNull
	}
	return r
}

// not is SQL's NOT: true and false swap, null stays.
func not(a outcome) outcome {
	r := a & mayNull
	if a&mayTrue != 0 {
		r |= mayFalse
	}
	if a&mayFalse != 0 {
		r |= mayTrue
	}
	return r
}

// isNull evaluates "leaf IS NULL"; it is never null itself.
func (c *evalContext) isNull(leaf *Expr, loose bool) outcome {
	switch {
	case leaf == nil:
		return mayTrue | mayFalse
	case leaf.Op == OpLiteral:
		return mayFalse
	case leaf.Op != OpColumn:
		return mayTrue | mayFalse
	}
	col, ok := c.resolve(leaf.Name)
	if !ok || (!loose && !compatible(col.field().Type, leaf.ValueType)) {
		return mayTrue | mayFalse
	}
	nulls, nonNulls := c.presence(col)
	var r outcome
	if nulls {
		r |= mayTrue
	}
	if nonNulls {
		r |= mayFalse
	}
	return r
}

// compare evaluates "a op b" for leaves a and b.
func (c *evalContext) compare(op string, a, b *Expr, loose bool) outcome {
	if !a.isLeaf() || !b.isLeaf() {
		return unknown
	}
	k := typeKind(a.ValueType)
	if loose {
		// ParseSQL: the column's own type decides.
		k = kindNone
		for _, leaf := range []*Expr{a, b} {
			if leaf.Op == OpColumn {
				if col, ok := c.resolve(leaf.Name); ok {
					k, _ = columnKind(col.field().Type)
				}
				break
			}
		}
	} else if typeKind(b.ValueType) != k {
		return unknown
	}
	if k == kindNone {
		return unknown
	}
	sa, ok := c.leafSpan(a, k, loose)
	if !ok {
		return unknown
	}
	sb, ok := c.leafSpan(b, k, loose)
	if !ok {
		return unknown
	}
	lt, eq, gt := relations(sa, sb)
	var r outcome
	var t, f bool
	switch op {
	case OpEqual:
		t, f = eq, lt || gt
	case OpLessThan:
		t, f = lt, eq || gt
	case OpLessThanOrEqual:
		t, f = lt || eq, gt
	case OpGreaterThan:
		t, f = gt, lt || eq
	case OpGreaterThanOrEqual:
		t, f = gt || eq, lt
	default:
		return unknown
	}
	if t {
		r |= mayTrue
	}
	if f {
		r |= mayFalse
	}
	if (sa.nulls && sb.any()) || (sb.nulls && sa.any()) {
		r |= mayNull
	}
	return r
}

func (s span) any() bool { return s.vals || s.nan || s.nulls }

// relations says which of a < b, a = b and a > b may hold for a value of a and
// a value of b. NaN equals NaN and sorts above every number, as in Spark.
func relations(a, b span) (lt, eq, gt bool) {
	if a.vals && b.vals {
		k := a.kind
		// a < b needs some a below some b: impossible when min(a) >= max(b).
		lt = !(a.hasLo && b.hasHi && compareValues(k, a.lo, b.hi) >= 0)
		gt = !(a.hasHi && b.hasLo && compareValues(k, a.hi, b.lo) <= 0)
		eq = !(a.hasHi && b.hasLo && compareValues(k, a.hi, b.lo) < 0) &&
			!(a.hasLo && b.hasHi && compareValues(k, a.lo, b.hi) > 0)
	}
	if a.nan && b.vals {
		gt = true
	}
	if a.vals && b.nan {
		lt = true
	}
	if a.nan && b.nan {
		eq = true
	}
	return lt, eq, gt
}

// leafSpan gives the span of a leaf compared in kind k.
func (c *evalContext) leafSpan(leaf *Expr, k kind, loose bool) (span, bool) {
	if leaf.Op == OpLiteral {
		if loose {
			sp, err := parseLoose(k, leaf.ValueType == TypeString, leaf.Value)
			return sp, err == nil
		}
		if leaf.lit != nil {
			return *leaf.lit, leaf.lit.kind == k
		}
		sp, err := parseLiteral(leaf.ValueType, leaf.Value)
		return sp, err == nil && typeKind(leaf.ValueType) == k
	}
	col, ok := c.resolve(leaf.Name)
	if !ok {
		return span{}, false
	}
	t := col.field().Type
	ck, bits := columnKind(t)
	if ck != k || (!loose && !compatible(t, leaf.ValueType)) {
		return span{}, false
	}
	if col.partition {
		raw, found := lookupPartition(c.file.PartitionValues, col.path[0])
		if !found || raw == "" {
			return nullSpan(k), true
		}
		sp, err := parsePartition(k, bits, raw)
		if err != nil {
			return anything(k), true
		}
		return sp, true
	}
	return c.statsSpan(col, k, bits), true
}

// statsSpan builds a non-partition column's span from the file statistics.
func (c *evalContext) statsSpan(col column, k kind, bits int) span {
	st := c.file.Stats
	if st == nil {
		return anything(k)
	}
	nulls, nonNulls := c.presence(col)
	sp := span{kind: k, nulls: nulls}
	if v, ok := lookupStat(st.MinValues, col.path); ok {
		sp.lo, sp.hasLo = statBound(k, bits, v)
	}
	if v, ok := lookupStat(st.MaxValues, col.path); ok {
		sp.hi, sp.hasHi = statBound(k, bits, v)
	}
	sp.vals = nonNulls || sp.hasLo || sp.hasHi
	// Writers that take bounds from Parquet statistics leave NaN out of
	// them, so NaN may hide in any float column with values.
	sp.nan = k == kindFloat && sp.vals
	switch {
	case k == kindTimestamp:
		// Statistics keep milliseconds: widen by what the cut may hide.
		sp.lo.i -= 999
		sp.hi.i += 999
	case k == kindString && sp.hasHi:
		sp.hi.s, sp.hasHi = statsMax(sp.hi.s)
	}
	return sp
}

// presence says whether a column may hold nulls and non-null values on the
// file's rows.
func (c *evalContext) presence(col column) (nulls, nonNulls bool) {
	if col.partition {
		raw, found := lookupPartition(c.file.PartitionValues, col.path[0])
		isNull := !found || raw == ""
		return isNull, !isNull
	}
	st := c.file.Stats
	if st == nil {
		return true, true
	}
	n, known := count(lookupStat(st.NullCount, col.path))
	if !known {
		return true, true
	}
	// nullCount bounds the nulls from above even when deletion vectors hide
	// rows; "every row is null" is trusted only with tight bounds.
	allNull := st.Tight() && st.NumRecords > 0 && n >= st.NumRecords
	return n > 0, !allNull
}

// count reads a nullCount entry.
func count(v any, ok bool) (int64, bool) {
	if !ok {
		return 0, false
	}
	switch v := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, err == nil && n >= 0
	case float64:
		return int64(v), v >= 0 && v == float64(int64(v))
	}
	return 0, false
}

// column is a resolved column: the fields from the top level down.
type column struct {
	path      []schema.StructField
	partition bool
}

func (c column) field() schema.StructField { return c.path[len(c.path)-1] }

// resolve finds a column by name: a top-level column first, then a dotted path
// through struct columns. Only top-level columns can be partition columns.
func (c *evalContext) resolve(name string) (column, bool) {
	if c.schema == nil || name == "" {
		return column{}, false
	}
	if f, ok := c.schema.Field(name); ok {
		part := false
		for _, p := range c.partitionColumns {
			if strings.EqualFold(p, f.Name) {
				part = true
				break
			}
		}
		return column{path: []schema.StructField{f}, partition: part}, true
	}
	parts := strings.Split(name, ".")
	if len(parts) < 2 {
		return column{}, false
	}
	st := c.schema
	var path []schema.StructField
	for i, p := range parts {
		if st == nil {
			return column{}, false
		}
		f, ok := st.Field(p)
		if !ok {
			return column{}, false
		}
		path = append(path, f)
		if i < len(parts)-1 {
			st, _ = f.Type.(*schema.StructType)
		}
	}
	return column{path: path}, true
}

// physicalName is the column-mapping physical name of a field, or "".
func physicalName(f schema.StructField) string {
	raw, ok := f.Metadata["delta.columnMapping.physicalName"]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// keysFor lists the map keys a field may appear under: its physical name,
// then its name.
func keysFor(f schema.StructField) []string {
	if p := physicalName(f); p != "" && p != f.Name {
		return []string{p, f.Name}
	}
	return []string{f.Name}
}

// lookupPartition finds a field's partition value: by exact key, then without
// regard to case.
func lookupPartition(pv map[string]string, f schema.StructField) (string, bool) {
	keys := keysFor(f)
	for _, k := range keys {
		if v, ok := pv[k]; ok {
			return v, true
		}
	}
	for _, k := range keys {
		for mk, v := range pv {
			if strings.EqualFold(mk, k) {
				return v, true
			}
		}
	}
	return "", false
}

// lookupStat walks a statistics map (minValues, maxValues or nullCount) down
// a column's path.
func lookupStat(m map[string]any, path []schema.StructField) (any, bool) {
	var cur any = m
	for _, f := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = lookupKey(mm, keysFor(f)); !ok {
			return nil, false
		}
	}
	return cur, true
}

func lookupKey(m map[string]any, keys []string) (any, bool) {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	for _, k := range keys {
		for mk, v := range m {
			if strings.EqualFold(mk, k) {
				return v, true
			}
		}
	}
	return nil, false
}
