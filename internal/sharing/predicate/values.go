package predicate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// kind is the domain values are compared in. Booleans (false < true), integers,
// dates (days since the epoch) and timestamps (microseconds since the epoch)
// compare as int64; floats as float64; strings as bytes.
type kind uint8

const (
	kindNone kind = iota
	kindBool
	kindInt
	kindFloat
	kindString
	kindDate
	kindTimestamp
)

// value is one bound or constant; which member counts depends on the kind.
type value struct {
	i int64
	f float64
	s string
}

// span over-approximates the values a leaf takes on a file's rows: non-null,
// non-NaN values lie in [lo, hi] (a missing bound is unbounded), and vals, nan
// and nulls say whether such values, NaN and nulls may occur at all.
type span struct {
	kind         kind
	lo, hi       value
	hasLo, hasHi bool
	vals         bool // non-null, non-NaN values possible
	nan          bool // NaN possible (floats only)
	nulls        bool // nulls possible
}

// anything is the span of a leaf nothing is known about.
func anything(k kind) span { return span{kind: k, vals: true, nan: k == kindFloat, nulls: true} }

func point(k kind, v value) span {
	return span{kind: k, lo: v, hi: v, hasLo: true, hasHi: true, vals: true}
}

func nullSpan(k kind) span { return span{kind: k, nulls: true} }

func supportedType(vt string) bool { return typeKind(vt) != kindNone }

// typeKind maps a protocol valueType to its kind.
func typeKind(vt string) kind {
	switch vt {
	case TypeBool:
		return kindBool
	case TypeInt, TypeLong:
		return kindInt
	case TypeFloat, TypeDouble:
		return kindFloat
	case TypeString:
		return kindString
	case TypeDate:
		return kindDate
	case TypeTimestamp:
		return kindTimestamp
	}
	return kindNone
}

// columnKind maps a column's Delta type to its kind and, for floats, the bit
// size its values are stored with.
func columnKind(t schema.DataType) (kind, int) {
	switch t {
	case schema.Boolean:
		return kindBool, 0
	case schema.Byte, schema.Short, schema.Integer, schema.Long:
		return kindInt, 64
	case schema.Float:
		return kindFloat, 32
	case schema.Double:
		return kindFloat, 64
	case schema.String:
		return kindString, 0
	case schema.Date:
		return kindDate, 0
	case schema.Timestamp:
		return kindTimestamp, 0
	}
	// Decimals, binary, timestamp_ntz (no zone to compare instants with),
	// nested and other types are not compared.
	return kindNone, 0
}

// compatible says whether a column of type t may be compared as valueType vt:
// integers of any width with int or long, float columns with float or double,
// double columns with double (a double cut to float would change its value),
// and otherwise the matching type.
func compatible(t schema.DataType, vt string) bool {
	k, bits := columnKind(t)
	if k == kindNone || k != typeKind(vt) {
		return false
	}
	return !(k == kindFloat && bits == 64 && vt == TypeFloat)
}

// parseLiteral reads a literal's value as its valueType says.
func parseLiteral(vt, s string) (span, error) {
	switch vt {
	case TypeInt:
		return parseConst(kindInt, 32, s)
	case TypeFloat:
		return parseConst(kindFloat, 32, s)
	case TypeTimestamp:
		t, err := parseInstant(s)
		if err != nil {
			return span{}, err
		}
		return point(kindTimestamp, value{i: t.UnixMicro()}), nil
	}
	if k := typeKind(vt); k != kindNone {
		return parseConst(k, 64, s)
	}
	return span{}, fmt.Errorf("unsupported valueType %q", vt)
}

// parseConst reads a boolean, number, string or date. A float NaN gives a
// span holding only NaN.
func parseConst(k kind, bits int, s string) (span, error) {
	switch k {
	case kindBool:
		switch {
		case strings.EqualFold(s, "true"):
			return point(k, value{i: 1}), nil
		case strings.EqualFold(s, "false"):
			return point(k, value{i: 0}), nil
		}
		return span{}, fmt.Errorf("%q is not a boolean", s)
	case kindInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
		if err != nil {
			return span{}, fmt.Errorf("%q is not a %d-bit integer", s, bits)
		}
		return point(k, value{i: i}), nil
	case kindFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if err != nil {
			return span{}, fmt.Errorf("%q is not a number", s)
		}
		if math.IsNaN(f) {
			return span{kind: k, nan: true}, nil
		}
		return point(k, value{f: f}), nil
	case kindString:
		return point(k, value{s: s}), nil
	case kindDate:
		d, err := parseDate(s)
		if err != nil {
			return span{}, err
		}
		return point(k, value{i: d}), nil
	}
	return span{}, errors.New("unsupported type")
}

// parseDate reads yyyy-mm-dd (month and day may have one digit) as days since
// the epoch.
func parseDate(s string) (int64, error) {
	t, err := time.Parse("2006-1-2", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a date (yyyy-mm-dd)", s)
	}
	return t.Unix() / 86400, nil
}

// parseInstant reads an ISO 8601 timestamp with a zone (Z or an offset),
// seconds optional: the protocol's timestamp format.
func parseInstant(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 timestamp with a zone", s)
}

// zoneSlack bounds how far a timestamp written without a zone may be from the
// instant it stands for: Spark writes such partition values in the writer's
// session time zone, which the log does not record, and zone offsets stay
// within ±18 hours.
const zoneSlack = 18 * time.Hour

// parseLocalTimestamp reads a timestamp as a partition value or SQL literal may
// carry it. With a zone it is exact; "yyyy-mm-dd hh:mm:ss[.ffffff]" (or with a
// T, or a date alone) has no zone and becomes the range of instants it can
// stand for.
func parseLocalTimestamp(s string, dateOnly bool) (span, error) {
	if t, err := parseInstant(s); err == nil {
		return point(kindTimestamp, value{i: t.UnixMicro()}), nil
	}
	layouts := []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}
	if dateOnly {
		layouts = append(layouts, "2006-01-02")
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			slack := zoneSlack.Microseconds()
			us := t.UnixMicro()
			return span{kind: kindTimestamp, lo: value{i: us - slack}, hi: value{i: us + slack},
				hasLo: true, hasHi: true, vals: true}, nil
		}
	}
	return span{}, fmt.Errorf("%q is not a timestamp", s)
}

// parsePartition reads a partition value ("" is null, handled by the caller)
// for a column of kind k; bits is the float width.
func parsePartition(k kind, bits int, s string) (span, error) {
	if k == kindTimestamp {
		return parseLocalTimestamp(s, false)
	}
	return parseConst(k, bits, s)
}

// parseLoose reads a ParseSQL literal as the kind of the column it meets:
// quoted text may be a number, date or timestamp; a bare number only a number.
func parseLoose(k kind, quoted bool, s string) (span, error) {
	switch k {
	case kindString, kindDate, kindTimestamp:
		if !quoted {
			return span{}, errors.New("unquoted literal for a text, date or timestamp column")
		}
		if k == kindTimestamp {
			return parseLocalTimestamp(s, true)
		}
	}
	return parseConst(k, 64, s)
}

// statBound reads one minValues or maxValues entry for a column of kind k.
// ok is false when the entry is missing or unusable; the bound then counts as
// absent, which only widens the span.
func statBound(k kind, bits int, v any) (value, bool) {
	switch k {
	case kindInt:
		switch v := v.(type) {
		case json.Number:
			if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				return value{i: i}, true
			}
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				return value{i: int64(v)}, true
			}
		}
	case kindFloat:
		var f float64
		var err error
		switch v := v.(type) {
		case json.Number:
			f, err = strconv.ParseFloat(string(v), bits)
		case float64:
			f = v
		case string: // Spark writes "Infinity" and "NaN" as strings
			f, err = strconv.ParseFloat(v, bits)
		default:
			return value{}, false
		}
		if err == nil && !math.IsNaN(f) {
			return value{f: f}, true
		}
	case kindBool:
		switch v := v.(type) {
		case bool:
			if v {
				return value{i: 1}, true
			}
			return value{i: 0}, true
		case string:
			if sp, err := parseConst(kindBool, 0, v); err == nil {
				return sp.lo, true
			}
		}
	case kindString:
		if s, ok := v.(string); ok {
			return value{s: s}, true
		}
	case kindDate:
		if s, ok := v.(string); ok {
			if d, err := parseDate(s); err == nil {
				return value{i: d}, true
			}
		}
	case kindTimestamp:
		if s, ok := v.(string); ok {
			if t, err := parseInstant(s); err == nil {
				return value{i: t.UnixMicro()}, true
			}
		}
	}
	return value{}, false
}

// statsMax adjusts a maxValues string bound. Spark's Delta writers once cut
// long strings and appended U+FFFD as a tie-breaker, which is not an upper
// bound in UTF-8 order when the cut character lies beyond U+FFFF. Such a bound
// is replaced by the least string above every string starting with the kept
// prefix; ok false means no finite bound exists.
func statsMax(s string) (string, bool) {
	const tie = "\uFFFD"
	if !strings.HasSuffix(s, tie) {
		return s, true
	}
	r := []rune(strings.TrimSuffix(s, tie))
	for j := len(r) - 1; j >= 0; j-- {
		if r[j] == utf8.MaxRune {
			continue
		}
		next := r[j] + 1
		if next >= 0xD800 && next <= 0xDFFF {
			next = 0xE000
		}
		r[j] = next
		return string(r[:j+1]), true
	}
	return "", false
}

// compareValues orders two values of kind k.
func compareValues(k kind, a, b value) int {
	switch k {
	case kindFloat:
		switch {
		case a.f < b.f:
			return -1
		case a.f > b.f:
			return 1
		}
		return 0
	case kindString:
		return strings.Compare(a.s, b.s)
	}
	switch {
	case a.i < b.i:
		return -1
	case a.i > b.i:
		return 1
	}
	return 0
}
