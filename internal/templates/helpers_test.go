package templates

import (
	"errors"
	"strings"
	"testing"
)

// parse reads content as file with tmpl and returns the rows and the problems,
// each as its Error() text.
func parse[T any](t *testing.T, tmpl *Template[T], file, content string) ([]Row[T], []string) {
	t.Helper()
	rows, err := tmpl.ReadAll(file, strings.NewReader(content))
	return rows, problemTexts(t, err)
}

func problemTexts(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is a %T, want *FileError", err, err)
	}
	var out []string
	for _, p := range fe.Problems {
		checkPlain(t, p)
		out = append(out, p.Error())
	}
	return out
}

// checkPlain fails when a problem does not read as a plain sentence.
func checkPlain(t *testing.T, p Problem) {
	t.Helper()
	if strings.TrimSpace(p.Message) == "" {
		t.Errorf("%s line %d column %s: empty message", p.File, p.Line, p.Column)
	}
	for _, bad := range []string{"%!", "<nil>", "\n", "[]", "{", "}", "strconv.", "parsing time"} {
		if strings.Contains(p.Message, bad) {
			t.Errorf("message %q contains %q; want a plain sentence", p.Message, bad)
		}
	}
}

// expectProblems asserts that got holds exactly one problem containing each of
// want's fragments, and nothing else.
func expectProblems(t *testing.T, got []string, want ...string) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && strings.Contains(g, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no problem contains %q; got:\n  %s", w, strings.Join(got, "\n  "))
		}
	}
	for i, g := range got {
		if !used[i] {
			t.Errorf("unexpected problem: %s", g)
		}
	}
}

// csvOf joins lines into a file.
func csvOf(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

const (
	peopleHeader = "employee_id,first_name,last_name,group_codes"
	personRow    = "E1,Jane,Doe,KS"
)
