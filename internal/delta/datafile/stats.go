package datafile

import (
	"cmp"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// DefaultStringPrefix is the number of characters string bounds keep when
// Options.StringPrefix is zero.
const DefaultStringPrefix = 32

// Stats is the per-file statistics of a written data file, shaped like the
// protocol's "Per-file Statistics": per-column maps mirror the schema, with
// nested struct columns as nested maps. Values are json.Number for numbers
// (longs and decimals keep every digit) and strings for strings, dates
// ("2024-01-31") and timestamps ("2024-01-31T12:00:00.123Z"; timestamp_ntz
// without the zone), truncated down to milliseconds as the protocol says.
//
// minValues and maxValues hold numbers, dates, timestamps and strings (cut to a
// prefix; a cut maximum is rounded up so it stays an upper bound). Boolean,
// binary, array and map columns get a nullCount only, and so does a column whose
// bounds cannot be written in JSON (a NaN or infinite float bound, a string that
// is not UTF-8). A column with only nulls has no bounds.
type Stats struct {
	NumRecords int64          `json:"numRecords"`
	MinValues  map[string]any `json:"minValues"`
	MaxValues  map[string]any `json:"maxValues"`
	NullCount  map[string]any `json:"nullCount"`
}

// JSON returns the statistics as the JSON string an add action's stats field
// holds.
func (s *Stats) JSON() string {
	b, err := json.Marshal(s)
	if err != nil {
		// The maps hold only strings, json.Number and nested maps.
		panic("datafile: marshal stats: " + err.Error())
	}
	return string(b)
}

// collector accumulates one column's statistics over the batches written.
type collector interface {
	// update folds arr in. valid, when not nil, marks the rows whose enclosing
	// structs are all non-null; the other rows count as nulls.
	update(arr arrow.Array, valid []bool)
	// emit stores the column's statistics under name in the three maps.
	emit(name string, min, max, nulls map[string]any)
}

// statsBuilder computes a file's statistics from the record batches written.
type statsBuilder struct {
	names   []string
	cols    []collector
	records int64
}

func newStatsBuilder(s *arrow.Schema, prefix int) *statsBuilder {
	b := &statsBuilder{}
	for _, f := range s.Fields() {
		b.names = append(b.names, f.Name)
		b.cols = append(b.cols, newCollector(f.Type, prefix))
	}
	return b
}

func (b *statsBuilder) update(rec arrow.RecordBatch) {
	b.records += rec.NumRows()
	for i, c := range b.cols {
		c.update(rec.Column(i), nil)
	}
}

func (b *statsBuilder) stats() *Stats {
	s := &Stats{
		NumRecords: b.records,
		MinValues:  map[string]any{},
		MaxValues:  map[string]any{},
		NullCount:  map[string]any{},
	}
	for i, c := range b.cols {
		c.emit(b.names[i], s.MinValues, s.MaxValues, s.NullCount)
	}
	return s
}

func newCollector(t arrow.DataType, prefix int) collector {
	switch t := t.(type) {
	case *arrow.StructType:
		c := &structCollector{}
		for _, f := range t.Fields() {
			c.names = append(c.names, f.Name)
			c.fields = append(c.fields, newCollector(f.Type, prefix))
		}
		return c
	case *arrow.Int8Type:
		return &orderedCollector[int8]{values: func(a arrow.Array) []int8 { return a.(*array.Int8).Int8Values() }, format: formatInt[int8]}
	case *arrow.Int16Type:
		return &orderedCollector[int16]{values: func(a arrow.Array) []int16 { return a.(*array.Int16).Int16Values() }, format: formatInt[int16]}
	case *arrow.Int32Type:
		return &orderedCollector[int32]{values: func(a arrow.Array) []int32 { return a.(*array.Int32).Int32Values() }, format: formatInt[int32]}
	case *arrow.Int64Type:
		return &orderedCollector[int64]{values: func(a arrow.Array) []int64 { return a.(*array.Int64).Int64Values() }, format: formatInt[int64]}
	case *arrow.Float32Type:
		return &orderedCollector[float32]{values: func(a arrow.Array) []float32 { return a.(*array.Float32).Float32Values() }, format: formatFloat32}
	case *arrow.Float64Type:
		return &orderedCollector[float64]{values: func(a arrow.Array) []float64 { return a.(*array.Float64).Float64Values() }, format: formatFloat64}
	case *arrow.Date32Type:
		return &orderedCollector[arrow.Date32]{values: func(a arrow.Array) []arrow.Date32 { return a.(*array.Date32).Date32Values() }, format: formatDate}
	case *arrow.TimestampType:
		// Only microseconds reach here: NewWriter checks the schema with DeltaSchema.
		layout := "2006-01-02T15:04:05.000Z07:00"
		if t.TimeZone == "" {
			layout = "2006-01-02T15:04:05.000"
		}
		return &orderedCollector[arrow.Timestamp]{values: func(a arrow.Array) []arrow.Timestamp { return a.(*array.Timestamp).TimestampValues() },
			format: func(v arrow.Timestamp) (any, bool) { return formatMicros(int64(v), layout), true }}
	case *arrow.StringType:
		return &stringCollector{prefix: prefix}
	case *arrow.Decimal128Type:
		return &decimalCollector{scale: t.Scale}
	default:
		// boolean, binary, list, map: null count only.
		return &nullCollector{}
	}
}

// nullCount counts the rows of arr that are null, themselves or through an
// enclosing struct.
func nullCount(arr arrow.Array, valid []bool) int64 {
	if valid == nil {
		return int64(arr.NullN())
	}
	var n int64
	hasNulls := arr.NullN() > 0
	for i, ok := range valid {
		if !ok || (hasNulls && arr.IsNull(i)) {
			n++
		}
	}
	return n
}

type nullCollector struct{ nulls int64 }

func (c *nullCollector) update(arr arrow.Array, valid []bool) { c.nulls += nullCount(arr, valid) }

func (c *nullCollector) emit(name string, _, _, nulls map[string]any) {
	nulls[name] = json.Number(strconv.FormatInt(c.nulls, 10))
}

type structCollector struct {
	names  []string
	fields []collector
}

func (c *structCollector) update(arr arrow.Array, valid []bool) {
	s := arr.(*array.Struct)
	if s.NullN() > 0 {
		own := make([]bool, s.Len())
		for i := range own {
			own[i] = (valid == nil || valid[i]) && s.IsValid(i)
		}
		valid = own
	}
	for i, f := range c.fields {
		f.update(s.Field(i), valid)
	}
}

func (c *structCollector) emit(name string, min, max, nulls map[string]any) {
	cmin, cmax, cnulls := map[string]any{}, map[string]any{}, map[string]any{}
	for i, f := range c.fields {
		f.emit(c.names[i], cmin, cmax, cnulls)
	}
	for _, p := range []struct{ dst, src map[string]any }{{min, cmin}, {max, cmax}, {nulls, cnulls}} {
		if len(p.src) > 0 {
			p.dst[name] = p.src
		}
	}
}

// orderedCollector keeps the bounds of a fixed-width column ordered by <.
type orderedCollector[T cmp.Ordered] struct {
	values   func(arrow.Array) []T
	format   func(T) (any, bool) // false: the bound cannot be written
	nulls    int64
	has, nan bool
	min, max T
}

func (c *orderedCollector[T]) update(arr arrow.Array, valid []bool) {
	c.nulls += nullCount(arr, valid)
	vs := c.values(arr)
	if len(vs) == 0 {
		return
	}
	all := valid == nil && arr.NullN() == 0
	start := 0
	if !c.has {
		// Seed the bounds with the first non-null, non-NaN value.
		for ; start < len(vs); start++ {
			if !all && ((valid != nil && !valid[start]) || arr.IsNull(start)) {
				continue
			}
			if v := vs[start]; v != v {
				c.nan = true
			} else {
				c.min, c.max, c.has = v, v, true
				break
			}
		}
		if !c.has {
			return
		}
	}
	lo, hi := c.min, c.max
	if all {
		for _, v := range vs[start:] {
			if v < lo {
				lo = v
			} else if v > hi {
				hi = v
			} else if v != v {
				c.nan = true
			}
		}
	} else {
		for i := start; i < len(vs); i++ {
			if (valid != nil && !valid[i]) || arr.IsNull(i) {
				continue
			}
			v := vs[i]
			if v < lo {
				lo = v
			} else if v > hi {
				hi = v
			} else if v != v {
				c.nan = true
			}
		}
	}
	c.min, c.max = lo, hi
}

func (c *orderedCollector[T]) emit(name string, min, max, nulls map[string]any) {
	nulls[name] = json.Number(strconv.FormatInt(c.nulls, 10))
	if !c.has || c.nan {
		// NaN sorts above every number but has no JSON form: no bounds.
		return
	}
	if v, ok := c.format(c.min); ok {
		min[name] = v
	}
	if v, ok := c.format(c.max); ok {
		max[name] = v
	}
}

func formatInt[T int8 | int16 | int32 | int64](v T) (any, bool) {
	return json.Number(strconv.FormatInt(int64(v), 10)), true
}

func formatFloat32(v float32) (any, bool) { return formatFloat(float64(v), 32) }
func formatFloat64(v float64) (any, bool) { return formatFloat(v, 64) }

func formatFloat(v float64, bits int) (any, bool) {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, false
	}
	return json.Number(strconv.FormatFloat(v, 'g', -1, bits)), true
}

func formatDate(d arrow.Date32) (any, bool) {
	return time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02"), true
}

// formatMicros writes microseconds since the epoch truncated down to
// milliseconds, as the protocol's statistics keep timestamps.
func formatMicros(us int64, layout string) string {
	ms := us / 1000
	if us%1000 < 0 {
		ms-- // round toward minus infinity
	}
	return time.UnixMilli(ms).UTC().Format(layout)
}

// stringCollector keeps the smallest and largest string, compared as bytes
// (which is code point order for UTF-8).
type stringCollector struct {
	prefix   int
	nulls    int64
	has      bool
	min, max string
}

func (c *stringCollector) update(arr arrow.Array, valid []bool) {
	c.nulls += nullCount(arr, valid)
	s := arr.(*array.String)
	all := valid == nil && s.NullN() == 0
	var lo, hi string
	found := false
	for i := 0; i < s.Len(); i++ {
		if !all && ((valid != nil && !valid[i]) || s.IsNull(i)) {
			continue
		}
		v := s.Value(i) // points into the batch's buffer
		if !found {
			lo, hi, found = v, v, true
		} else if v < lo {
			lo = v
		} else if v > hi {
			hi = v
		}
	}
	if !found {
		return
	}
	// Copy out of the batch, which the caller may release, only once per batch.
	if !c.has || lo < c.min {
		c.min = strings.Clone(lo)
	}
	if !c.has || hi > c.max {
		c.max = strings.Clone(hi)
	}
	c.has = true
}

func (c *stringCollector) emit(name string, min, max, nulls map[string]any) {
	nulls[name] = json.Number(strconv.FormatInt(c.nulls, 10))
	if !c.has || !utf8.ValidString(c.min) || !utf8.ValidString(c.max) {
		return
	}
	min[name] = truncateMin(c.min, c.prefix)
	if m, ok := truncateMax(c.max, c.prefix); ok {
		max[name] = m
	}
}

// truncateMin cuts s to its first n characters: a prefix sorts before s.
func truncateMin(s string, n int) string {
	if i := runeOffset(s, n); i >= 0 {
		return s[:i]
	}
	return s
}

// truncateMax cuts s to at most n characters and rounds the cut up: the last
// character that can be incremented is, and the rest dropped, so the result is
// greater than every string starting with the cut prefix. ok is false when no
// character can be (every one is U+10FFFF).
func truncateMax(s string, n int) (string, bool) {
	i := runeOffset(s, n)
	if i < 0 {
		return s, true
	}
	r := []rune(s[:i])
	for j := len(r) - 1; j >= 0; j-- {
		if r[j] == utf8.MaxRune {
			continue
		}
		next := r[j] + 1
		if next >= 0xD800 && next <= 0xDFFF { // skip the surrogates, not characters
			next = 0xE000
		}
		r[j] = next
		return string(r[:j+1]), true
	}
	return "", false
}

// runeOffset returns the byte offset of the n-th character of s, or -1 if s has
// at most n characters.
func runeOffset(s string, n int) int {
	if len(s) <= n { // at most n bytes: at most n characters
		return -1
	}
	count := 0
	for i := range s {
		if count == n {
			return i
		}
		count++
	}
	return -1
}

// decimalCollector keeps the bounds of a decimal column.
type decimalCollector struct {
	scale    int32
	nulls    int64
	has      bool
	min, max decimal128.Num
}

func (c *decimalCollector) update(arr arrow.Array, valid []bool) {
	c.nulls += nullCount(arr, valid)
	d := arr.(*array.Decimal128)
	all := valid == nil && d.NullN() == 0
	for i := 0; i < d.Len(); i++ {
		if !all && ((valid != nil && !valid[i]) || d.IsNull(i)) {
			continue
		}
		v := d.Value(i)
		if !c.has {
			c.min, c.max, c.has = v, v, true
		} else if v.Less(c.min) {
			c.min = v
		} else if v.Greater(c.max) {
			c.max = v
		}
	}
}

func (c *decimalCollector) emit(name string, min, max, nulls map[string]any) {
	nulls[name] = json.Number(strconv.FormatInt(c.nulls, 10))
	if !c.has {
		return
	}
	min[name] = json.Number(c.min.ToString(c.scale))
	max[name] = json.Number(c.max.ToString(c.scale))
}
