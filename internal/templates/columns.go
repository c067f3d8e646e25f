package templates

import (
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Template is one CSV template: its Spec, and how each column fills a planning
// value of type T. The package declares one per file: Groups, JobTitles, Tags,
// People, Projects and Assignments.
type Template[T any] struct {
	spec *Spec
	cols []column[T] // parallel to spec.Columns
	// index finds a column by name.
	index map[string]int
	// custom gives the value's custom fields; nil when the template has none.
	custom func(*T) *planning.CustomFields
	// fields names the column of a planning field where the two differ
	// ("person_id" is reported as "employee_id").
	fields map[string]string
	// check normalizes the row's value and validates it.
	check func(*Row[T]) planning.Errors
	// unique lists the columns whose values may appear once in a file, the key
	// first.
	unique []uniqueColumn[T]
}

// column is a Column and how its cell fills a row.
type column[T any] struct {
	Column
	// set reads a trimmed, non-empty cell into the row.
	set func(*Row[T], string) error
}

// uniqueColumn is a column whose (normalized) value may appear once in a file.
type uniqueColumn[T any] struct {
	column string
	value  func(*Row[T]) string
}

// Spec returns the template's description: file name, key and columns.
func (t *Template[T]) Spec() *Spec { return t.spec }

// init fills the Spec's columns and the index; it returns t.
func (t *Template[T]) init() *Template[T] {
	t.spec.Columns = make([]Column, len(t.cols))
	t.index = make(map[string]int, len(t.cols))
	for i, c := range t.cols {
		t.spec.Columns[i] = c.Column
		t.index[c.Name] = i
	}
	t.spec.Custom = t.custom != nil
	return t
}

// columnOf names the column a planning field is reported under: "group_codes[1]"
// and "roles[0].job_title" belong to group_codes and roles, custom.x to itself.
func (t *Template[T]) columnOf(field string) string {
	if strings.HasPrefix(field, "custom.") {
		return field
	}
	if i := strings.IndexAny(field, "[."); i >= 0 {
		field = field[:i]
	}
	if c, ok := t.fields[field]; ok {
		return c
	}
	return field
}

// recordCheck normalizes and validates a row's value with its planning rules.
func recordCheck[T any, P interface {
	*T
	planning.Record
}]() func(*Row[T]) planning.Errors {
	return func(r *Row[T]) planning.Errors {
		p := P(&r.Value)
		p.Normalize()
		return p.Validate()
	}
}

// Column builders. Each returns a column of the given type whose cell fills the
// field that the accessor returns.

func (c column[T]) req() column[T]         { c.Required = true; return c }
func (c column[T]) def(v string) column[T] { c.Default = v; return c }
func (c column[T]) typed(t Type) column[T] { c.Type = t; return c }
func col[T any](typ Type, name, example, desc string, set func(*Row[T], string) error) column[T] {
	return column[T]{Column: Column{Name: name, Type: typ, Example: example, Description: desc}, set: set}
}

// text is a text column; use typed for codes, emails, phones, time zones and colors.
func text[T any](name, example, desc string, f func(*T) *string) column[T] {
	return col(TypeText, name, example, desc, func(r *Row[T], s string) error { *f(&r.Value) = s; return nil })
}

// rowText fills a reference the row keeps beside its value (employee_id of an
// assignment).
func rowText[T any](typ Type, name, example, desc string, f func(*Row[T]) *string) column[T] {
	return col(typ, name, example, desc, func(r *Row[T], s string) error { *f(r) = s; return nil })
}

func choice[T any](name string, values []string, example, desc string, f func(*T) *string) column[T] {
	c := col(TypeChoice, name, example, desc, func(r *Row[T], s string) error {
		v, err := parseChoice(s, values)
		*f(&r.Value) = v
		return err
	})
	c.Values = values
	return c
}

func date[T any](name, example, desc string, f func(*T) *planning.Date) column[T] {
	return col(TypeDate, name, example, desc, func(r *Row[T], s string) error {
		d, err := parseDate(s)
		*f(&r.Value) = d
		return err
	})
}

func boolean[T any](name, example, desc string, f func(*T) *bool) column[T] {
	return col(TypeBoolean, name, example, desc, func(r *Row[T], s string) error {
		b, err := parseBool(s)
		*f(&r.Value) = b
		return err
	})
}

// optional is a column whose value is a pointer, nil when the cell is empty.
func optional[T, V any](typ Type, name, example, desc string, parse func(string) (V, error), f func(*T) **V) column[T] {
	return col(typ, name, example, desc, func(r *Row[T], s string) error {
		v, err := parse(s)
		if err != nil {
			return err
		}
		*f(&r.Value) = &v
		return nil
	})
}

func list[T any](typ Type, name, example, desc string, f func(*T) *[]string) column[T] {
	return col(typ, name, example, desc, func(r *Row[T], s string) error {
		items, err := splitList(s)
		*f(&r.Value) = items
		return err
	})
}

// groupsOrGlobal is a group column of a record that may be available in all groups
// (job titles, tags): All sets global.
func groupsOrGlobal[T any](example, desc string, codes func(*T) *[]string, global func(*T) *bool) column[T] {
	return col(TypeGroupList, "group_codes", example, desc, func(r *Row[T], s string) error {
		list, all, err := parseGroups(s)
		*codes(&r.Value), *global(&r.Value) = list, all
		return err
	})
}

// groupsOrAll is a group column of a record that lists its groups (people,
// projects): All sets Row.AllGroups, for the caller to expand.
func groupsOrAll[T any](example, desc string, codes func(*T) *[]string) column[T] {
	return col(TypeGroupList, "group_codes", example, desc, func(r *Row[T], s string) error {
		list, all, err := parseGroups(s)
		*codes(&r.Value), r.AllGroups = list, all
		return err
	})
}

// structured is a column read by one of the structured cell readers.
func structured[T, V any](typ Type, name, example, desc string, parse func(string) (V, error), f func(*Row[T]) *V) column[T] {
	return col(typ, name, example, desc, func(r *Row[T], s string) error {
		v, err := parse(s)
		*f(r) = v
		return err
	})
}

// address is the columns of planning.Address.
func address[T any](f func(*T) *planning.Address, ex [6]string, whose string) []column[T] {
	return []column[T]{
		text("address_1", ex[0], "Street address of "+whose+".", func(v *T) *string { return &f(v).Address1 }),
		text("address_2", ex[1], "Second address line (suite, unit).", func(v *T) *string { return &f(v).Address2 }),
		text("city", ex[2], "City.", func(v *T) *string { return &f(v).City }),
		text("state", ex[3], "State or province as an upper-case code.", func(v *T) *string { return &f(v).State }),
		text("postal_code", ex[4], "Postal code, as written.", func(v *T) *string { return &f(v).PostalCode }),
		text("country", ex[5], "Two-letter ISO country code.", func(v *T) *string { return &f(v).Country }),
	}
}
