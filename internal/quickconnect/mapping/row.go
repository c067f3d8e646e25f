package mapping

import (
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Row is one record of a source: a database row, a CSV record or a JSON object.
// internal/quickconnect/source's Row implements it.
//
// Get returns the value of the named column, matched without regard to letter
// case, and whether the row has that column. Values may be string, []byte,
// int64 (or any other integer type), float64 (or float32), bool, time.Time,
// json.Number, a list ([]any or []string, from JSON), a database/sql Null*
// value or anything else implementing driver.Valuer, or nil (SQL NULL, JSON
// null). A column the row lacks reads as nil: use CheckColumns to find columns
// missing from the whole source before mapping.
type Row interface {
	Get(column string) (value any, ok bool)
}

// Map is a Row held in a map, such as a decoded JSON object. Column names are
// matched exactly first, then without regard to letter case.
type Map map[string]any

// Get implements Row.
func (m Map) Get(column string) (any, bool) {
	if v, ok := m[column]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, column) {
			return v, true
		}
	}
	return nil, false
}

// Context is what mapping a row needs besides the row.
type Context struct {
	// Today is the current day in the company's time zone: a record whose
	// inactive_from date is on or before Today is inactive. The zero Date means
	// the current day in Location, read from the clock.
	Today planning.Date
	// Location is the company's time zone. A date-and-time value (not midnight)
	// read for a date field is turned into a day in this zone. nil means UTC.
	Location *time.Location
}

// location is Location, or UTC when unset.
func (c Context) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// today is Today, or the clock's day in Location when unset.
func (c Context) today() planning.Date {
	if c.Today.IsZero() {
		return planning.DateOf(time.Now().In(c.location()))
	}
	return c.Today
}

// Result says what became of a row.
type Result string

// The results.
const (
	// OK: the row was mapped; the value is ready for ingest (which validates it).
	OK Result = "ok"
	// Skipped: a filter of the mapping (where, skip_if_empty, or a field whose
	// unmatched setting is skip) left the row out. Skipped rows are counted, not
	// reported as errors.
	Skipped Result = "skipped"
	// Invalid: a value could not be read (a date that is not a date, a code with
	// no rule). Outcome.Problems says what.
	Invalid Result = "invalid"
)

// Outcome is what became of one row.
type Outcome struct {
	Result Result `json:"result"`
	// Filter names the filter that skipped the row, in words that stay the same
	// from row to row (so that skipped rows can be counted by filter), e.g.
	// `where: column "company" equals "01"`.
	Filter string `json:"filter,omitempty"`
	// Problems lists what is wrong with an Invalid row, in the order of the
	// mapping's fields.
	Problems []Problem `json:"problems,omitempty"`
	// AllGroups is set when a person's or project's group_codes came out as "All":
	// the record belongs to every group of the company, and its GroupCodes are
	// empty for the caller to fill (internal/ingest's Item.AllGroups). For a job
	// title, "All" sets JobTitle.Global instead.
	AllGroups bool `json:"all_groups,omitempty"`
}

// OK reports whether the row was mapped without problems.
func (o Outcome) OK() bool { return o.Result == OK }

// Err returns the problems of an Invalid row as one error, or nil.
func (o Outcome) Err() error {
	if len(o.Problems) == 0 {
		return nil
	}
	return Problems(o.Problems)
}

// Problem is one value of a row that could not be mapped.
type Problem struct {
	// Field is the hub field, by the snake_case name planning and the CSV
	// templates use (e.g. "hired_date"); "" for the row as a whole.
	Field string `json:"field,omitempty"`
	// Column is the source column the value came from, as the mapping names it;
	// "" when the value is a constant or comes from rules on several columns.
	Column string `json:"column,omitempty"`
	// Message says what is wrong in plain words, quoting the value, e.g.
	// `"13/45/2020" is not a date in format 01/02/2006`.
	Message string `json:"message"`
}

// Error reads like
//
//	hired_date: column "date_hired": "13/45/2020" is not a date in format 01/02/2006
func (p Problem) Error() string {
	var b strings.Builder
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	if p.Column != "" {
		b.WriteString(`column "`)
		b.WriteString(p.Column)
		b.WriteString(`": `)
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the list of problems of one row, as an error.
type Problems []Problem

// Error joins the problems with "; ".
func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Error()
	}
	return strings.Join(parts, "; ")
}
