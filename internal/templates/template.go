package templates

import (
	"path"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/suggest"
)

// Type is the kind of value a column holds. Syntax says how to write it.
type Type string

// The column types.
const (
	TypeText       Type = "text"
	TypeCode       Type = "code"
	TypeCodeList   Type = "code list"
	TypeGroupList  Type = "group list"
	TypeTextList   Type = "text list"
	TypeDate       Type = "date"
	TypeTimeOfDay  Type = "time of day"
	TypeMoney      Type = "money"
	TypeBoolean    Type = "boolean"
	TypeInteger    Type = "integer"
	TypePercent    Type = "percent"
	TypeEmail      Type = "email"
	TypePhone      Type = "phone"
	TypeChoice     Type = "choice"
	TypeTimezone   Type = "time zone"
	TypeColor      Type = "color"
	TypeTagList    Type = "tag list"
	TypeRoles      Type = "roles"
	TypeCategories Type = "categories"
	TypeWages      Type = "wage overrides"
	TypeWorkDays   Type = "work days"
)

// Types lists every column type, in the order the docs describe them.
func Types() []Type {
	return []Type{TypeText, TypeCode, TypeCodeList, TypeGroupList, TypeTextList, TypeChoice, TypeBoolean,
		TypeInteger, TypePercent, TypeMoney, TypeDate, TypeTimeOfDay, TypeTimezone, TypeEmail, TypePhone,
		TypeColor, TypeTagList, TypeRoles, TypeCategories, TypeWages, TypeWorkDays}
}

// Syntax says in one sentence how to write a value of the type.
func (t Type) Syntax() string {
	switch t {
	case TypeText:
		return "Any text. Spaces around the value are removed; put the cell in double quotes when it holds a comma."
	case TypeCode:
		return "A short identifier: 1 to 50 letters, digits, `-`, `_` or `.`. Codes are case-sensitive."
	case TypeCodeList:
		return "Codes separated by `|` with no spaces, like `OSHA10|FORKLIFT`."
	case TypeGroupList:
		return "Group codes separated by `|`, like `KS|MO`, or `All` alone for every group."
	case TypeTextList:
		return "Values separated by `|`, like `Safety|Equipment`."
	case TypeChoice:
		return "One of the values listed in the description (any letter case)."
	case TypeBoolean:
		return "`Y` or `N`; `yes`/`no`, `true`/`false` and `1`/`0` also work. Empty means the default."
	case TypeInteger:
		return "A whole number, like `30`."
	case TypePercent:
		return "A whole number from 0 to 100, with or without `%`, like `50`."
	case TypeMoney:
		return "A number with an optional decimal point and at most 4 decimals, like `12` or `12.50`; no currency sign or thousands separator."
	case TypeDate:
		return "`YYYY-MM-DD`, like `2026-03-01`; `MM/DD/YYYY` (`03/01/2026`) is also accepted."
	case TypeTimeOfDay:
		return "`HH:MM` on a 24-hour clock, like `07:30`; `7:30 AM` is also accepted."
	case TypeTimezone:
		return "An IANA time zone name, like `America/Chicago`."
	case TypeEmail:
		return "An email address, like `jane.doe@example.com`."
	case TypePhone:
		return "E.164: `+`, country code and number with no spaces, like `+13125550100`."
	case TypeColor:
		return "A hex color, like `#1F77B4`."
	case TypeTagList:
		return "Tag codes separated by `|`; a tag may carry an expiry date after `:`, like `OSHA10:2027-03-01|FORKLIFT`."
	case TypeRoles:
		return "`employee_id:job title code` pairs separated by `|`, like `E1001:PM|E1002:SUPER`."
	case TypeCategories:
		return "Categories separated by `|`; a category may list subcategories after `>`, separated by `;`, like `Level 1>North;South|Roof`. Names may not hold `|`, `>` or `;`."
	case TypeWages:
		return "`job title code:rate` pairs separated by `|`, like `FORE:45.50|APP:28`."
	case TypeWorkDays:
		return "Day names separated by `|`, like `Mon|Tue|Wed|Thu|Fri` (full names, or their first two or more letters, work too), or seven letters Sunday first with `-` for days off, like `-MTWTF-`."
	}
	return ""
}

// Column describes one column of a template.
type Column struct {
	// Name is the header, in snake_case, e.g. "hired_date".
	Name string
	// Type says what the cells hold and how to write them.
	Type Type
	// Required columns must be in the header and every row must fill them.
	Required bool
	// Values lists the allowed values of a TypeChoice column.
	Values []string
	// Default is used when the column is missing or its cell is empty ("" when
	// there is none).
	Default string
	// Example is the value of the example row.
	Example string
	// Description says in one line what the column holds.
	Description string
}

// Spec describes one template: its file, its key and its columns. It is the part
// of a Template that does not depend on the planning type.
type Spec struct {
	// Name is the template's name, e.g. "people"; the file is Name + ".csv".
	Name string
	// Kind is the planning record each row becomes.
	Kind planning.Kind
	// Key is the column that identifies a row (employee_id, project_number, code),
	// or "" when rows have no key (assignments).
	Key string
	// Custom says the template accepts custom.<name> columns (custom fields).
	Custom bool
	// Summary says in one line what the file holds.
	Summary string
	// Columns lists the standard columns, in the order templates are written.
	Columns []Column

	// customExample is the custom column (name, value) of the example file.
	customExample [2]string
}

// File is the template's file name, e.g. "people.csv".
func (s *Spec) File() string { return s.Name + ".csv" }

// ExampleFile is the name of the file holding the example row, e.g.
// "people.example.csv".
func (s *Spec) ExampleFile() string { return s.Name + ".example.csv" }

// Column returns the column with name (a standard column; not custom.*).
func (s *Spec) Column(name string) (Column, bool) {
	for _, c := range s.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ColumnNames lists the standard columns' names in order.
func (s *Spec) ColumnNames() []string {
	names := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		names[i] = c.Name
	}
	return names
}

// Specs lists every template in the order files are applied: groups, job titles,
// tags, people, projects, assignments.
func Specs() []*Spec {
	return []*Spec{Groups.spec, JobTitles.spec, Tags.spec, People.spec, Projects.spec, Assignments.spec}
}

// Lookup finds a template by name ("people"), file name ("people.csv") or
// planning kind ("person"), in any letter case.
func Lookup(name string) (*Spec, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimSuffix(n, ".csv")
	n = strings.ReplaceAll(n, "-", "_")
	for _, s := range Specs() {
		if n == s.Name || n == string(s.Kind) {
			return s, true
		}
	}
	return nil, false
}

// ForFile finds the template a file holds by its base name: "people.csv" (any
// letter case) is people. Example files (people.example.csv) and other names are
// not templates.
func ForFile(name string) (*Spec, bool) {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	for _, s := range Specs() {
		if base == s.File() {
			return s, true
		}
	}
	return nil, false
}

// exampleFor finds the template whose example file is name (people.example.csv).
func exampleFor(name string) (*Spec, bool) {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	for _, s := range Specs() {
		if base == s.ExampleFile() {
			return s, true
		}
	}
	return nil, false
}

// allGroups is the group-column value meaning every group.
const allGroups = "All"

// unknownColumn says that name is not a column of the template, and suggests the
// column the writer probably meant.
func unknownColumn(s *Spec, name string) string {
	msg := "is not a column of " + s.File()
	want := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(name))
	best, bestDist := "", 3
	for _, c := range s.Columns {
		if c.Name == want {
			return msg + "; did you mean " + c.Name + "?"
		}
		if d := suggest.Distance(want, c.Name); d < bestDist && len(c.Name) > 3 {
			best, bestDist = c.Name, d
		}
	}
	switch {
	case best != "":
		return msg + "; did you mean " + best + "?"
	case s.Custom:
		return msg + "; remove it, or name it custom." + want + " to keep it as a custom field"
	}
	return msg + "; remove it"
}
