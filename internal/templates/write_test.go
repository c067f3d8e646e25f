package templates

import (
	"bytes"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
)

// readBack parses content as the file of s with the matching template and returns
// the rows' values and the error.
func readBack(s *Spec, file string, content []byte) (values []any, err error) {
	switch s.Kind {
	case planning.KindGroup:
		rows, e := Groups.ReadAll(file, bytes.NewReader(content))
		return valuesOf(rows), e
	case planning.KindJobTitle:
		rows, e := JobTitles.ReadAll(file, bytes.NewReader(content))
		return valuesOf(rows), e
	case planning.KindTag:
		rows, e := Tags.ReadAll(file, bytes.NewReader(content))
		return valuesOf(rows), e
	case planning.KindPerson:
		rows, e := People.ReadAll(file, bytes.NewReader(content))
		return valuesOf(rows), e
	case planning.KindProject:
		rows, e := Projects.ReadAll(file, bytes.NewReader(content))
		return valuesOf(rows), e
	case planning.KindAssignment:
		rows, e := Assignments.ReadAll(file, bytes.NewReader(content))
		return valuesOf(rows), e
	}
	panic("no template for " + s.Kind)
}

func valuesOf[T any](rows []Row[T]) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out
}

// TestExampleRoundTrip writes every example file and parses it back: it must be
// valid, one row, with every example value read.
func TestExampleRoundTrip(t *testing.T) {
	for _, s := range Specs() {
		t.Run(s.Name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteExample(&b, s.Kind); err != nil {
				t.Fatal(err)
			}
			rows, err := readBack(s, s.ExampleFile(), b.Bytes())
			if err != nil {
				t.Fatalf("the example does not parse: %v", err)
			}
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			// Under the template's own name the example row is refused.
			_, err = readBack(s, s.File(), b.Bytes())
			if err == nil || !strings.Contains(err.Error(), "is the example row of "+s.ExampleFile()) {
				t.Errorf("the example row under %s: %v", s.File(), err)
			}
		})
	}
	var b bytes.Buffer
	_ = WriteExample(&b, planning.KindPerson)
	rows, err := People.ReadAll("people.example.csv", &b)
	if err != nil {
		t.Fatal(err)
	}
	p := rows[0].Value
	if p.EmployeeID != "E1001" || strings.Join(p.GroupCodes, "|") != "KS|MO" || p.HourlyWage.String() != "38.75" ||
		len(p.Tags) != 2 || p.Tags[0].Expires != planning.NewDate(2027, 3, 1) || p.Custom["shirt_size"] != "L" || !p.IsAssignable {
		t.Errorf("person read back: %+v", p)
	}
}

// TestBlankTemplate is the header alone, and every template parses to no rows.
func TestBlankTemplate(t *testing.T) {
	for _, s := range Specs() {
		var b bytes.Buffer
		if err := WriteTemplate(&b, s.Kind); err != nil {
			t.Fatal(err)
		}
		if want := strings.Join(s.ColumnNames(), ",") + "\n"; b.String() != want {
			t.Errorf("%s: %q, want %q", s.File(), b.String(), want)
		}
		rows, err := readBack(s, s.File(), b.Bytes())
		if err != nil || len(rows) != 0 {
			t.Errorf("%s: %d rows, %v", s.File(), len(rows), err)
		}
	}
	if err := WriteTemplate(&bytes.Buffer{}, planning.KindTimeOff); err == nil || err.Error() != "there is no CSV template for time off records" {
		t.Errorf("time off: %v", err)
	}
}

// TestDeclarations checks what the docs and parser rely on: every column has a
// type, description and example (or is optional), names are snake_case and
// unique, keys are required columns, choices list their values.
func TestDeclarations(t *testing.T) {
	for _, s := range Specs() {
		seen := map[string]bool{}
		for _, c := range s.Columns {
			if seen[c.Name] {
				t.Errorf("%s: column %s twice", s.File(), c.Name)
			}
			seen[c.Name] = true
			if c.Name != strings.ToLower(c.Name) || strings.ContainsAny(c.Name, " -.") {
				t.Errorf("%s: column %q is not snake_case", s.File(), c.Name)
			}
			if c.Type.Syntax() == "" || c.Description == "" {
				t.Errorf("%s: column %s lacks a type syntax or description", s.File(), c.Name)
			}
			if c.Required && c.Example == "" {
				t.Errorf("%s: required column %s has no example", s.File(), c.Name)
			}
			if (c.Type == TypeChoice) != (len(c.Values) > 0) {
				t.Errorf("%s: column %s: values %v for type %s", s.File(), c.Name, c.Values, c.Type)
			}
		}
		if s.Key != "" {
			if c, ok := s.Column(s.Key); !ok || (!c.Required && s.Kind != planning.KindTag) {
				t.Errorf("%s: key %s is not a required column", s.File(), s.Key)
			}
		}
	}
}
