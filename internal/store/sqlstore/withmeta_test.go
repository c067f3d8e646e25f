package sqlstore

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// TestWithMeta checks that splicing Meta into a record's content gives exactly
// the record's own JSON, for every kind.
func TestWithMeta(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 30, 0, 123456000, time.UTC)
	metas := []planning.Meta{{}, {ID: "0190c7a4-8a7e-7b1e-9c3e-4c5a6b7c8d9e", Version: 3, CreatedAt: now, UpdatedAt: now.Add(time.Hour)}}
	recs := []planning.Record{
		&planning.Group{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"},
		&planning.JobTitle{Name: "Apprentice", Code: "APP"},
		&planning.Tag{Name: "OSHA <30>", Code: "OSHA30"},
		&planning.Person{FirstName: "Pat", LastName: "W", EmployeeID: "E1", Email: "p@x.com", Custom: planning.CustomFields{"a": "b"}},
		&planning.Project{Name: "P", ProjectNumber: "P1"},
		&planning.Assignment{PersonID: "a", ProjectID: "b"},
		&planning.TimeOff{PersonID: "a"},
		&planning.ResourceRequest{ProjectID: "b"},
	}
	for _, r := range recs {
		for _, m := range metas {
			*r.GetMeta() = m
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := withMeta(m, content(r)); !bytes.Equal(got, want) {
				t.Errorf("%s: withMeta gives\n%s\nwant\n%s", r.Kind(), got, want)
			}
		}
	}
}

// TestAfterMeta checks that a document written by withMeta is recognised and that
// its content compares equal to the record's own encoding, and that other documents
// fall back to decoding.
func TestAfterMeta(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	m := planning.Meta{ID: "0190c7a4-8a7e-7b1e-9c3e-4c5a6b7c8d9e", Version: 2, CreatedAt: now, UpdatedAt: now}
	p := &planning.Person{FirstName: "Pat", LastName: "W", EmployeeID: "E1", Custom: planning.CustomFields{"updated_at": "x"}}
	body := content(p)
	doc := withMeta(m, body)
	rest, ok := afterMeta(doc)
	if !ok || rest[0] != ',' || !bytes.Equal(rest[1:], body[1:]) {
		t.Fatalf("afterMeta(%s) = %q, %v", doc, rest, ok)
	}
	c := &collection[planning.Person, *planning.Person]{d: personDesc}
	for _, tc := range []struct {
		name string
		doc  []byte
		want bool
	}{
		{"same", doc, true},
		{"other content", withMeta(m, content(&planning.Person{FirstName: "Lee"})), false},
		{"no meta prefix, same content", body, true},
		{"reordered keys (as jsonb would)", []byte(`{"last_name":"W","first_name":"Pat","employee_id":"E1","status":"","group_codes":null,"is_assignable":false,"is_user":false,"can_receive_sms":false,"can_receive_email":false,"custom":{"updated_at":"x"}}`), true},
	} {
		got, err := c.sameContent(tc.doc, body)
		if err != nil || got != tc.want {
			t.Errorf("%s: sameContent = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, ok := afterMeta([]byte(`{"id":"x","version":1}`)); ok {
		t.Error("afterMeta accepted a document without updated_at")
	}
}
