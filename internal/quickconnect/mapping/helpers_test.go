package mapping

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

var chicago = func() *time.Location {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		panic(err)
	}
	return loc
}()

// today is the day the tests run "on", in Chicago.
var today = planning.NewDate(2026, time.March, 15)

var testCtx = Context{Today: today, Location: chicago}

// mustParse parses a mapping the test expects to be valid.
func mustParse(t testing.TB, src string) *Mapping {
	t.Helper()
	m, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return m
}

// parseProblems parses a mapping the test expects to be invalid.
func parseProblems(t *testing.T, src string) *ParseError {
	t.Helper()
	_, err := Parse([]byte(src))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse: got %v, want a *ParseError\n%s", err, src)
	}
	for _, p := range pe.Problems {
		checkPlain(t, p.Message)
	}
	return pe
}

// erpMapping is testdata/erp.yaml, parsed.
func erpMapping(t testing.TB) *Mapping {
	t.Helper()
	b, err := os.ReadFile("testdata/erp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, string(b))
}

// peopleMapping is a people mapping with the key from column "id" and the
// given fields (YAML lines, indented by 4 spaces in the result).
func peopleMapping(fields string, extra ...string) string {
	return "people:\n  fields:\n    employee_id: id\n" + indent(fields, "    ") + strings.Join(extra, "")
}

func indent(s, by string) string {
	s = strings.Trim(s, "\n")
	if s == "" {
		return ""
	}
	return by + strings.ReplaceAll(s, "\n", "\n"+by) + "\n"
}

// checkPlain fails when msg does not read as a plain sentence.
func checkPlain(t *testing.T, msg string) {
	t.Helper()
	if strings.TrimSpace(msg) == "" {
		t.Errorf("empty message")
	}
	for _, bad := range []string{"%!", "<nil>", "0x", "\n", "yaml.Node", "map["} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q contains %q; want a plain sentence", msg, bad)
		}
	}
}

// mustOK fails unless the outcome is OK.
func mustOK(t *testing.T, o Outcome) {
	t.Helper()
	if o.Result != OK {
		t.Fatalf("outcome %s (filter %q, problems %v), want ok", o.Result, o.Filter, o.Err())
	}
}

// mustInvalid fails unless the outcome is Invalid with exactly one problem on
// field from column whose message contains want; it checks the message reads
// plainly.
func mustInvalid(t *testing.T, o Outcome, field, column, want string) {
	t.Helper()
	if o.Result != Invalid || len(o.Problems) != 1 {
		t.Fatalf("outcome %s with problems %v, want one problem", o.Result, o.Problems)
	}
	p := o.Problems[0]
	if p.Field != field || p.Column != column || !strings.Contains(p.Message, want) {
		t.Fatalf("problem %+v, want field %q, column %q, message containing %q", p, field, column, want)
	}
	checkPlain(t, p.Message)
}
