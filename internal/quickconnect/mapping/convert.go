package mapping

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"

	"github.com/trestle-dev/trestle/internal/planning"
)

// kind is the kind of value a hub field holds, which says how a source value is
// read into it.
type kind uint8

const (
	kindText    kind = iota // text, codes, emails, phones, time zones, colors, choices
	kindBool                // yes/no
	kindMoney               // exact decimal
	kindInt                 // whole number
	kindPercent             // whole number, "%" allowed
	kindDate                // calendar day
	kindTime                // time of day
	kindList                // list of codes or text
	kindTags                // a person's tags, each with an optional expiry
)

// String names the kind in the docs' words.
func (k kind) String() string {
	return [...]string{"text", "yes/no", "decimal", "whole number", "percent", "date", "time of day", "list", "tag list"}[k]
}

// value is a typed value for one hub field. The zero value is "not set".
type value struct {
	set  bool
	all  bool // a group list that said All
	b    bool
	n    int
	tod  planning.TimeOfDay
	date planning.Date
	text string
	list []string
	tags []planning.PersonTag
	dec  planning.Decimal
}

// caseRule changes the letter case of text read from the source.
type caseRule uint8

const (
	caseKeep caseRule = iota
	caseUpper
	caseLower
	caseTitle
)

var caseNames = map[string]caseRule{"upper": caseUpper, "lower": caseLower, "title": caseTitle, "keep": caseKeep}

func (c caseRule) apply(s string) string {
	switch c {
	case caseUpper:
		return strings.ToUpper(s)
	case caseLower:
		return strings.ToLower(s)
	case caseTitle:
		return titleCase(s)
	}
	return s
}

// titleCase upper-cases the first letter of every word and lower-cases the
// others: "mary-jane O'BRIEN" -> "Mary-Jane O'Brien".
func titleCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevLetter := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevLetter {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			prevLetter = true
			continue
		}
		prevLetter = unicode.IsDigit(r) // "3rd" stays "3rd"
		b.WriteRune(r)
	}
	return b.String()
}

// reader reads source values into values of one kind, with a field's settings.
type reader struct {
	kind    kind
	choices []string // allowed values of a choice field, for constants
	trim    bool
	cased   caseRule
	formats []string // date layouts; none means the default ones
	excel   bool     // numbers in a date field are Excel serial day numbers
	round   int32    // decimal places of a decimal field; -1 keeps them all
	split   string   // separator of a list held in one text value
	all     bool     // a list may say "All" (group lists)
}

// canon reduces the value types a Row may hold to nil, string, int64, float64,
// bool, time.Time and []any.
func canon(raw any) any {
	switch x := raw.(type) {
	case nil, string, int64, float64, bool, time.Time, []any:
		return x
	case []byte:
		return string(x)
	case sql.RawBytes:
		return string(x)
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint:
		return canonUint(uint64(x))
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return canonUint(x)
	case float32:
		// Through its shortest decimal form, so that 31.1 stays 31.1.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		return string(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case driver.Valuer:
		v, err := x.Value()
		if err != nil {
			return fmt.Sprint(x)
		}
		if _, again := v.(driver.Valuer); again {
			return fmt.Sprint(v)
		}
		return canon(v)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(raw)
}

func canonUint(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return strconv.FormatUint(u, 10)
}

// isNumber reports whether a canonical value is a number.
func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

// plainText writes a canonical value as text: numbers in their shortest form,
// a time at midnight as YYYY-MM-DD, lists joined with "|".
func plainText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if h, m, s := x.Clock(); h == 0 && m == 0 && s == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = plainText(canon(e))
		}
		return strings.Join(parts, "|")
	}
	return fmt.Sprint(v)
}

// quote writes a source value for a message: text quoted, numbers as they are.
func quote(v any) string {
	switch v.(type) {
	case int64, float64, bool:
		return plainText(v)
	}
	return strconv.Quote(plainText(v))
}

// text is the value as text after the field's trim and case rules.
func (rd *reader) text(v any) string {
	s := plainText(v)
	if rd.trim {
		s = strings.TrimSpace(s)
	}
	return rd.cased.apply(s)
}

// read turns a canonical source value into a value of the reader's kind. An
// empty value (nil, or text that is empty after trimming) gives an unset value
// and no error. loc is the company's time zone.
func (rd *reader) read(v any, loc *time.Location) (value, error) {
	if v == nil {
		return value{}, nil
	}
	switch rd.kind {
	case kindText:
		s := rd.text(v)
		return value{set: s != "", text: s}, nil
	case kindList, kindTags:
		return rd.readList(v)
	case kindDate:
		d, err := rd.readDate(v, loc)
		return value{set: !d.IsZero(), date: d}, err
	}
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if s == "" {
			return value{}, nil
		}
		v = s
	}
	switch rd.kind {
	case kindBool:
		b, err := readBool(v)
		return value{set: err == nil, b: b}, err
	case kindMoney:
		d, err := readDecimal(v)
		if err == nil && rd.round >= 0 {
			d = d.Round(rd.round)
		}
		return value{set: err == nil, dec: d}, err
	case kindInt, kindPercent:
		n, err := readInt(v, rd.kind == kindPercent)
		return value{set: err == nil, n: n}, err
	case kindTime:
		t, err := readTimeOfDay(v)
		return value{set: err == nil, tod: t}, err
	}
	return value{}, fmt.Errorf("cannot be read") // unreachable: every kind is handled
}

func readBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64, float64:
		switch plainText(x) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return false, fmt.Errorf("%s is not a yes/no value; use 1 or 0", plainText(x))
	}
	switch s := plainText(v); strings.ToLower(s) {
	case "y", "yes", "true", "t", "1":
		return true, nil
	case "n", "no", "false", "f", "0":
		return false, nil
	default:
		return false, fmt.Errorf("%q is not a yes/no value; use Y or N (true/false and 1/0 also work)", s)
	}
}

func readDecimal(v any) (planning.Decimal, error) {
	switch x := v.(type) {
	case int64:
		return decimal.NewFromInt(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return planning.Decimal{}, fmt.Errorf("%v is not a number", x)
		}
		return decimal.NewFromFloat(x), nil
	case bool, time.Time, []any:
		return planning.Decimal{}, fmt.Errorf("%s is not a number", quote(v))
	}
	s := plainText(v)
	d, err := planning.ParseDecimal(s)
	if err != nil {
		return d, fmt.Errorf("%q is not a number; use digits with an optional decimal point, like 31.50", s)
	}
	return d, nil
}

func readInt(v any, percent bool) (int, error) {
	what := "a whole number"
	if percent {
		what = "a percentage; use a whole number from 0 to 100, like 50"
	}
	switch x := v.(type) {
	case int64:
		if x > math.MaxInt32 || x < math.MinInt32 {
			return 0, fmt.Errorf("%d is too large", x)
		}
		return int(x), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return 0, fmt.Errorf("%s is not %s", plainText(x), what)
		}
		return int(x), nil
	}
	s := plainText(v)
	t := s
	if percent {
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	}
	n, err := strconv.Atoi(t)
	if err != nil || n > math.MaxInt32 || n < math.MinInt32 {
		return 0, fmt.Errorf("%q is not %s", s, what)
	}
	return n, nil
}

func readTimeOfDay(v any) (planning.TimeOfDay, error) {
	if t, ok := v.(time.Time); ok {
		return planning.TimeOfDay(t.Hour()*60 + t.Minute()), nil
	}
	s := plainText(v)
	t, err := planning.ParseTimeOfDay(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day; use HH:MM, like 07:30", s)
	}
	return t, nil
}

// readList reads a list: a JSON list, or text split at the separator. Empty
// items are dropped; "All" alone means every group where that is allowed.
func (rd *reader) readList(v any) (value, error) {
	var items []string
	if l, ok := v.([]any); ok {
		for _, e := range l {
			if s := rd.text(canon(e)); s != "" {
				items = append(items, s)
			}
		}
	} else {
		for it := range strings.SplitSeq(plainText(v), rd.split) {
			if s := rd.cased.apply(strings.TrimSpace(it)); s != "" {
				items = append(items, s)
			}
		}
	}
	if len(items) == 0 {
		return value{}, nil
	}
	if rd.all {
		for _, it := range items {
			if strings.EqualFold(it, "All") {
				if len(items) > 1 {
					return value{}, fmt.Errorf("%s mixes All with group codes; All alone means every group", quote(v))
				}
				return value{set: true, all: true}, nil
			}
		}
	}
	if rd.kind == kindList {
		return value{set: true, list: items}, nil
	}
	tags := make([]planning.PersonTag, len(items))
	for i, it := range items {
		code, exp, hasExp := strings.Cut(it, ":")
		tags[i].Code = strings.TrimSpace(code)
		if tags[i].Code == "" {
			return value{}, fmt.Errorf("%q has an expiry with no tag code; write CODE:YYYY-MM-DD, like OSHA10:2027-03-01", it)
		}
		if hasExp {
			d, err := planning.ParseDate(exp)
			if err != nil {
				return value{}, fmt.Errorf("tag %s: %q is not an expiry date; write CODE:YYYY-MM-DD, like OSHA10:2027-03-01", tags[i].Code, strings.TrimSpace(exp))
			}
			tags[i].Expires = d
		}
	}
	return value{set: true, tags: tags}, nil
}

// The default date layouts, beyond planning.ParseDate's YYYY-MM-DD and
// MM/DD/YYYY: timestamps as SQL text and JSON write them.
var defaultTimestamps = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05Z07:00"}

// excelEpoch is day 0 of Excel's serial day numbers (as Excel counts from
// 1900-03-01 on, with its 1900 leap-year bug).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// readDate reads a day. Times are read by dayOf; numbers are Excel day numbers
// when the field says so; text is read with the field's formats, a timestamp
// with a zone (Z, -05:00) being an instant (instantDay) and one without a zone
// the time it shows in the company's time zone.
func (rd *reader) readDate(v any, loc *time.Location) (planning.Date, error) {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() || x.Year() <= 1 {
			return planning.Date{}, nil // MySQL's zero date, and the zero time
		}
		return dayOf(x, loc), nil
	case bool, []any:
		return planning.Date{}, fmt.Errorf("%s is not a date", quote(v))
	}
	s := plainText(v)
	if rd.trim {
		s = strings.TrimSpace(s)
	}
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return planning.Date{}, nil
	}
	if rd.excel {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return excelDay(f, s)
		}
	}
	if len(rd.formats) > 0 {
		for _, layout := range rd.formats {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return instantDay(t, loc), nil
			}
		}
		return planning.Date{}, fmt.Errorf("%s is not a date in format %s", quote(v), strings.Join(rd.formats, " or "))
	}
	if d, err := planning.ParseDate(s); err == nil {
		return d, nil
	}
	for _, layout := range defaultTimestamps {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return instantDay(t, loc), nil
		}
	}
	if isNumber(v) {
		return planning.Date{}, fmt.Errorf("%s is a number, not a date; set excel: true if the source holds Excel day numbers, or give the field a format such as 20060102", s)
	}
	return planning.Date{}, fmt.Errorf("%q is not a date; the mapping reads YYYY-MM-DD or MM/DD/YYYY unless the field gives a format", s)
}

// excelDay reads an Excel serial day number; a fraction (the time) is dropped.
func excelDay(f float64, s string) (planning.Date, error) {
	if f < 61 || f >= 2958466 {
		return planning.Date{}, fmt.Errorf("%s is not an Excel day number after 1900-03-01", s)
	}
	return planning.DateOf(excelEpoch.AddDate(0, 0, int(f))), nil
}

// dayOf is the day a time value of the source falls on. A time at midnight,
// or in UTC (where database drivers put DATE and zone-less DATETIME values), is
// the day it shows; any other time is an instant, and its day is taken in the
// company's time zone.
func dayOf(t time.Time, loc *time.Location) planning.Date {
	if t.Location() == time.UTC {
		return planning.DateOf(t)
	}
	return instantDay(t, loc)
}

// instantDay is the day of an instant in the company's time zone; a time at
// midnight is a day written as a time, and is the day it shows.
func instantDay(t time.Time, loc *time.Location) planning.Date {
	if h, m, s := t.Clock(); h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0 {
		return planning.DateOf(t)
	}
	return planning.DateOf(t.In(loc))
}

// dateLayout turns a date format into a Go layout: either a Go layout already
// ("01/02/2006") or the common YYYY/MM/DD notation ("MM/DD/YYYY"). It fails
// when the layout does not give a year, a month and a day.
func dateLayout(format string) (string, error) {
	layout := format
	if strings.Contains(format, "YY") && !strings.Contains(format, "06") {
		layout = strings.NewReplacer("YYYY", "2006", "YY", "06", "MM", "01", "M", "1", "DD", "02", "D", "2").Replace(format)
	}
	ref := time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
	t, err := time.Parse(layout, ref.Format(layout))
	if err != nil || t.Year() != 2006 || t.Month() != time.January || t.Day() != 2 {
		return "", fmt.Errorf("%q is not a date format with a year, a month and a day; write the date Jan 2 2006 the way the source writes its dates, like 01/02/2006 or 2006-01-02 (MM/DD/YYYY also works)", format)
	}
	return layout, nil
}
