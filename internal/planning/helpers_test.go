package planning

import (
	"strings"
	"testing"
)

// Every company-owned kind implements Record.
var (
	_ Record = (*Group)(nil)
	_ Record = (*JobTitle)(nil)
	_ Record = (*Tag)(nil)
	_ Record = (*Person)(nil)
	_ Record = (*Project)(nil)
	_ Record = (*Assignment)(nil)
	_ Record = (*TimeOff)(nil)
	_ Record = (*ResourceRequest)(nil)
)

// wantErr is an expected validation problem: the exact field and a fragment that the
// message must contain.
type wantErr struct {
	field    string
	contains string
}

// checkPlain fails when msg does not read as a plain sentence: empty, a formatting
// accident, or Go internals leaking through.
func checkPlain(t *testing.T, fe FieldError) {
	t.Helper()
	msg := fe.Message
	if strings.TrimSpace(msg) == "" {
		t.Errorf("field %q: empty message", fe.Field)
		return
	}
	for _, bad := range []string{"%!", "<nil>", "0x", "{", "}", "\n"} {
		if strings.Contains(msg, bad) {
			t.Errorf("field %q: message %q contains %q; want a plain sentence", fe.Field, msg, bad)
		}
	}
	if strings.HasPrefix(msg, fe.Field+":") {
		t.Errorf("field %q: message %q repeats the field name", fe.Field, msg)
	}
}

// expectErrors asserts that errs holds exactly the wanted problems, in any order.
func expectErrors(t *testing.T, errs Errors, want ...wantErr) {
	t.Helper()
	used := make([]bool, len(errs))
	for _, w := range want {
		found := false
		for i, fe := range errs {
			if used[i] || fe.Field != w.field || !strings.Contains(fe.Message, w.contains) {
				continue
			}
			used[i], found = true, true
			checkPlain(t, fe)
			break
		}
		if !found {
			t.Errorf("missing error on field %q containing %q; got %v", w.field, w.contains, describe(errs))
		}
	}
	for i, fe := range errs {
		if !used[i] {
			t.Errorf("unexpected error %q: %q", fe.Field, fe.Message)
		}
	}
}

// expectValid asserts that errs is empty and that Err() is nil.
func expectValid(t *testing.T, errs Errors) {
	t.Helper()
	if len(errs) != 0 {
		t.Errorf("want no errors, got %v", describe(errs))
	}
	if errs.Err() != nil {
		t.Errorf("Err() = %v, want nil", errs.Err())
	}
}

// expectFields asserts the exact list of fields (in order) that errs names.
func expectFields(t *testing.T, errs Errors, fields ...string) {
	t.Helper()
	got := make([]string, len(errs))
	for i, fe := range errs {
		got[i] = fe.Field
		checkPlain(t, fe)
	}
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Errorf("fields = %v, want %v (errors: %v)", got, fields, describe(errs))
	}
}

func describe(errs Errors) string {
	if len(errs) == 0 {
		return "[]"
	}
	return "[" + errs.Error() + "]"
}

func ptr[T any](v T) *T { return &v }

func tod(s string) *TimeOfDay {
	t, err := ParseTimeOfDay(s)
	if err != nil {
		panic(err)
	}
	return &t
}

// expectRefs asserts that refs equals want, in order.
func expectRefs(t *testing.T, refs []Ref, want ...Ref) {
	t.Helper()
	if len(refs) != len(want) {
		t.Fatalf("got %d refs %+v, want %d %+v", len(refs), refs, len(want), want)
	}
	for i := range want {
		if refs[i] != want[i] {
			t.Errorf("refs[%d] = %+v, want %+v", i, refs[i], want[i])
		}
	}
}
