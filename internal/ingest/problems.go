package ingest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Problem is one thing wrong with one record of a set.
type Problem struct {
	// Kind is the record's kind.
	Kind planning.Kind `json:"kind"`
	// Origin is where the record came from.
	Origin Origin `json:"origin"`
	// Key is the record's external key, when it has one.
	Key string `json:"key,omitempty"`
	// Field is the snake_case field at fault, e.g. "job_title" or "tags[1].expires";
	// "" when the problem is the record as a whole.
	Field string `json:"field,omitempty"`
	// Message says what is wrong in plain words.
	Message string `json:"message"`

	index int // the record's position in its kind, for sorting
}

// String is the problem in one line: `people.csv line 12 (person "E100"):
// job_title: no job title with code "XX" in this import or the hub`.
func (p Problem) String() string {
	var b strings.Builder
	where := p.Origin.String()
	if where == "" {
		where = fmt.Sprintf("%s #%d", p.Kind.Label(), p.index+1)
	}
	b.WriteString(where)
	if p.Key != "" {
		fmt.Fprintf(&b, " (%s %q)", p.Kind.Label(), p.Key)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// InvalidError reports that a set cannot be planned because of problems with its
// records. It lists the first MaxProblems problems found, in the order of the
// kinds and of the records; Total counts them all. Nothing is written.
type InvalidError struct {
	Problems []Problem `json:"problems"`
	Total    int       `json:"total"`
	// Flagged counts the records the set marked Invalid: their problems were
	// reported by their parser, not here.
	Flagged int `json:"flagged,omitempty"`
}

// Error counts the problems and lists the first ten on one line; report Problems
// for the full list.
func (e *InvalidError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s in the records to import", e.Total, plural(e.Total, "problem", "problems"))
	if e.Flagged > 0 {
		fmt.Fprintf(&b, " (besides %d %s with problems reported when reading them)", e.Flagged, plural(e.Flagged, "record", "records"))
	}
	b.WriteString("; nothing was changed")
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", e.Total-10)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// kindOrder is the application order of the kinds a set holds.
var kindOrder = map[planning.Kind]int{
	planning.KindGroup: 0, planning.KindJobTitle: 1, planning.KindTag: 2,
	planning.KindPerson: 3, planning.KindProject: 4, planning.KindAssignment: 5,
}

// problems collects the problems of a set, keeping the first MaxProblems.
type problems struct {
	list  []Problem
	total int
	// flagged counts the records marked Invalid by their parser.
	flagged int
}

func (ps *problems) add(p Problem) {
	ps.total++
	if len(ps.list) < MaxProblems {
		ps.list = append(ps.list, p)
	}
}

// err returns the problems as an *InvalidError, or nil when there are none.
func (ps *problems) err() error {
	if ps.total == 0 && ps.flagged == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]), cmp.Compare(a.index, b.index))
	})
	return &InvalidError{Problems: list, Total: ps.total, Flagged: ps.flagged}
}

// reporter adds problems about the records of one kind.
type reporter struct {
	ps   *problems
	kind planning.Kind
}

// add reports a problem with field of the record at index.
func (r reporter) add(index int, origin Origin, key, field, format string, args ...any) {
	r.ps.add(Problem{Kind: r.kind, Origin: origin, Key: key, Field: field, Message: fmt.Sprintf(format, args...), index: index})
}

// addErrors reports a record's own validation errors.
func (r reporter) addErrors(index int, origin Origin, key string, errs planning.Errors) {
	for _, fe := range errs {
		r.ps.add(Problem{Kind: r.kind, Origin: origin, Key: key, Field: fe.Field, Message: fe.Message, index: index})
	}
}
