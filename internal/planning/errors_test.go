package planning

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorsErr(t *testing.T) {
	var none Errors
	if err := none.Err(); err != nil {
		t.Errorf("nil Errors.Err() = %v, want nil", err)
	}
	if err := (Errors{}).Err(); err != nil {
		t.Errorf("empty Errors.Err() = %v, want nil", err)
	}
	var some Errors
	some.Add("first_name", "is required")
	some.Add("status", "%q is not a person status", "gone")
	err := some.Err()
	if err == nil {
		t.Fatal("Err() = nil with two problems")
	}
	if want := `first_name: is required; status: "gone" is not a person status`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	var back Errors
	if !errors.As(err, &back) || len(back) != 2 {
		t.Errorf("errors.As did not recover the list: %v", back)
	}
	if got := (FieldError{Field: "code", Message: "is required"}).Error(); got != "code: is required" {
		t.Errorf("FieldError.Error() = %q", got)
	}
}

func TestErrorsJSON(t *testing.T) {
	errs := Errors{{Field: "email", Message: "is required"}}
	b, err := json.Marshal(errs)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"field":"email","message":"is required"}]`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
}

func TestInvalidErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *InvalidError
		want string
	}{
		{
			name: "one record by key",
			err: &InvalidError{Records: []InvalidRecord{{
				Kind: KindPerson, Index: 3, Key: "E100",
				Errors: Errors{{"first_name", "is required"}},
			}}},
			want: `1 invalid record; person "E100": first_name: is required`,
		},
		{
			name: "record without key uses its position from 1",
			err: &InvalidError{Records: []InvalidRecord{{
				Kind: KindAssignment, Index: 0,
				Errors: Errors{{"start_day", "is required"}, {"end_day", "is required"}},
			}}},
			want: `1 invalid record; assignment #1: start_day: is required; end_day: is required`,
		},
		{
			name: "kinds are named in words",
			err: &InvalidError{Records: []InvalidRecord{
				{Kind: KindJobTitle, Index: 0, Key: "APP", Errors: Errors{{"name", "is required"}}},
				{Kind: KindResourceRequest, Index: 1, Errors: Errors{{"quantity", "must be at least 1, not 0"}}},
				{Kind: KindTimeOff, Index: 4, Errors: Errors{{"repeat", "bad"}}},
			}},
			want: `3 invalid records; job title "APP": name: is required; resource request #2: quantity: must be at least 1, not 0; time off #5: repeat: bad`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}

func TestInvalidErrorTruncatesAfterTen(t *testing.T) {
	e := &InvalidError{}
	for i := range 13 {
		e.Records = append(e.Records, InvalidRecord{Kind: KindTag, Index: i, Key: fmt.Sprintf("T%d", i), Errors: Errors{{"name", "is required"}}})
	}
	msg := e.Error()
	if !strings.HasPrefix(msg, "13 invalid records; ") {
		t.Errorf("message %q should start with the count", msg)
	}
	if !strings.Contains(msg, `tag "T9"`) || strings.Contains(msg, `tag "T10"`) {
		t.Errorf("message %q should name the first ten records only", msg)
	}
	if !strings.HasSuffix(msg, "; and 3 more") {
		t.Errorf("message %q should end with the number left out", msg)
	}
	var err error = e
	var ie *InvalidError
	if !errors.As(err, &ie) || len(ie.Records) != 13 {
		t.Errorf("errors.As(*InvalidError) failed")
	}
}

func TestKindLabel(t *testing.T) {
	tests := map[Kind]string{
		KindCompany:         "company",
		KindUser:            "user",
		KindMembership:      "membership",
		KindGroup:           "group",
		KindJobTitle:        "job title",
		KindTag:             "tag",
		KindPerson:          "person",
		KindProject:         "project",
		KindAssignment:      "assignment",
		KindTimeOff:         "time off",
		KindResourceRequest: "resource request",
	}
	for k, want := range tests {
		if got := k.Label(); got != want {
			t.Errorf("%s.Label() = %q, want %q", k, got, want)
		}
	}
}

func TestRecordKinds(t *testing.T) {
	tests := []struct {
		r    Record
		kind Kind
	}{
		{&Group{}, KindGroup},
		{&JobTitle{}, KindJobTitle},
		{&Tag{}, KindTag},
		{&Person{}, KindPerson},
		{&Project{}, KindProject},
		{&Assignment{}, KindAssignment},
		{&TimeOff{}, KindTimeOff},
		{&ResourceRequest{}, KindResourceRequest},
	}
	for _, tt := range tests {
		if got := tt.r.Kind(); got != tt.kind {
			t.Errorf("%T.Kind() = %q, want %q", tt.r, got, tt.kind)
		}
		m := tt.r.GetMeta()
		m.ID = "abc"
		if tt.r.GetMeta().ID != "abc" {
			t.Errorf("%T.GetMeta() does not point into the record", tt.r)
		}
	}
}

func TestRecordKeysAndLabels(t *testing.T) {
	tests := []struct {
		r     Record
		key   string
		label string
	}{
		{&Group{Name: "Kansas", Code: "KS"}, "KS", "Kansas (KS)"},
		{&JobTitle{Name: "Apprentice", Code: "APP"}, "APP", "Apprentice (APP)"},
		{&Tag{Name: "OSHA 30", Code: "OSHA"}, "OSHA", "OSHA 30 (OSHA)"},
		{&Person{FirstName: "Jane", LastName: "Doe", EmployeeID: "E100"}, "E100", "Jane Doe (E100)"},
		{&Project{Name: "Hospital", ProjectNumber: "P-1"}, "P-1", "Hospital (P-1)"},
		{&Assignment{StartDay: MustParseDate("2026-03-02"), EndDay: MustParseDate("2026-03-06")}, "", "assignment 2026-03-02 to 2026-03-06"},
		{&TimeOff{StartDay: MustParseDate("2026-07-01"), EndDay: MustParseDate("2026-07-03")}, "", "time off 2026-07-01 to 2026-07-03"},
		{&ResourceRequest{Quantity: 3, JobTitle: "APP"}, "", "request for 3 APP"},
	}
	for _, tt := range tests {
		if got := tt.r.Key(); got != tt.key {
			t.Errorf("%T.Key() = %q, want %q", tt.r, got, tt.key)
		}
		if got := tt.r.Label(); got != tt.label {
			t.Errorf("%T.Label() = %q, want %q", tt.r, got, tt.label)
		}
	}
}

func TestSourceValid(t *testing.T) {
	for _, s := range []Source{SourceAPI, SourceImport, SourceSFTP, SourceQuickConnect, SourceConsole, SourceDemo, SourceSystem} {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	for _, s := range []Source{"", "API", "csv", "ftp"} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}
