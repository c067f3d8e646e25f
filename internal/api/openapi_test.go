package api_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/trestle-dev/trestle/internal/api"
	"github.com/trestle-dev/trestle/internal/planning"
)

// TestOpenAPIDocument checks the served document: OpenAPI 3.1, every
// operation documented with its errors and security, and every operation it
// lists answered by the API (not the catch-all 404).
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t, backends[0].url(t), envOptions{})
	r := e.do("GET", api.OpenAPIPath, "", nil)
	wantStatus(t, r, http.StatusOK)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
		Comps   struct {
			Schemas         map[string]json.RawMessage `json:"schemas"`
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	r.json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	kinds := []string{"groups", "job-titles", "tags", "people", "projects", "assignments", "time-off", "resource-requests"}
	ops := 0
	for _, k := range kinds {
		base := api.Prefix + "/companies/{company_id}/" + k
		for p, methods := range map[string][]string{base: {"get", "post"}, base + "/{id}": {"get", "patch", "delete"}} {
			for _, m := range methods {
				if doc.Paths[p][m] == nil {
					t.Errorf("document lacks %s %s", m, p)
				}
				ops++
			}
		}
	}
	for _, p := range []string{"people/by-employee-id/{key}", "projects/by-project-number/{key}", "groups/by-code/{key}"} {
		full := api.Prefix + "/companies/{company_id}/" + p
		if doc.Paths[full]["put"] == nil || doc.Paths[full]["get"] == nil {
			t.Errorf("document lacks PUT and GET %s", full)
		}
	}
	for _, s := range []string{"Person", "Project", "Group", "JobTitle", "Tag", "Assignment", "TimeOff", "ResourceRequest", "Error"} {
		if doc.Comps.Schemas[s] == nil {
			t.Errorf("document lacks schema %s (has %v)", s, slices.Sorted(maps.Keys(doc.Comps.Schemas)))
		}
	}
	if doc.Comps.SecuritySchemes["oauth2"] == nil || doc.Comps.SecuritySchemes["personalToken"] == nil {
		t.Error("document lacks the security schemes")
	}
	// Every documented operation is served: with a token of another company
	// each answers 403 from the API (not 404 for an unknown path).
	for p, methods := range doc.Paths {
		if !strings.Contains(p, "{company_id}") {
			continue
		}
		u := strings.NewReplacer("{company_id}", "other", "{id}", "x", "{key}", "x").Replace(p)
		for m := range methods {
			r := e.do(strings.ToUpper(m), u, e.editor, nil)
			if r.status != http.StatusForbidden {
				t.Errorf("%s %s: status %d, want 403 from the API: %s", m, u, r.status, r.body)
			}
		}
	}
}

// TestSchemasMatchRecords is the drift check between the documented schemas
// and the JSON the handlers really exchange: a fully filled record of every
// kind, as the handlers write it, validates against its schema, and every
// documented property is one the record writes.
func TestSchemasMatchRecords(t *testing.T) {
	a := api.New(api.Config{})
	reg := a.OpenAPI().Components.Schemas
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	meta := planning.Meta{ID: "0196a3c2-1111-7000-8000-000000000001", Version: 3, CreatedAt: now, UpdatedAt: now}
	addr := planning.Address{Address1: "1 Main St", Address2: "Suite 2", City: "Wichita", State: "KS", PostalCode: "67202", Country: "US"}
	d := planning.MustParseDate("2026-12-01")
	tod := planning.TimeOfDay(7 * 60)
	n, pct := 30, 50
	wage := planning.DecimalPtr("41.25")
	records := []any{
		planning.Group{Meta: meta, Name: "Kansas", Code: "KS", Timezone: "America/Chicago", Color: "#112233", Address: addr,
			ContactName: "A", ContactPhone: "+13165550100", ContactEmail: "a@example.com"},
		planning.JobTitle{Meta: meta, Name: "Foreman", Code: "FOR", GroupCodes: []string{"KS"}, Global: true, Color: "#112233", PayType: planning.PayHourly, HourlyRate: wage},
		planning.Tag{Meta: meta, Name: "OSHA 30", Abbreviation: "OSHA", Code: "OSHA30", GroupCodes: []string{"KS"}, Global: true, RequiresExpiry: true,
			ExpiryWarningDays: &n, Color: "#112233", Categories: []string{"Safety"}},
		planning.Person{Meta: meta, FirstName: "Ann", LastName: "Lee", Status: planning.StatusActive, GroupCodes: []string{"KS"}, EmployeeID: "E1",
			IsAssignable: true, IsUser: true, Email: "ann@example.com", MobilePhone: "+13165550100", CanReceiveSMS: true, CanReceiveEmail: true,
			JobTitle: "FOR", HourlyWage: wage, HiredDate: d, DateOfBirth: d, Gender: "F", Union: "Local 1", Address: addr,
			EmergencyContactName: "B", EmergencyContactRelation: "spouse", EmergencyContactPhone: "+13165550101", EmergencyContactEmail: "b@example.com",
			Tags: []planning.PersonTag{{Code: "OSHA30", Expires: d}}, Custom: planning.CustomFields{"shirt": "L"}},
		planning.Project{Meta: meta, Name: "Tower", Status: planning.StatusActive, GroupCodes: []string{"KS"}, ProjectNumber: "P1", StartDate: d,
			PlannedEndDate: d, ClosedDate: d, Timezone: "America/Chicago", DailyStartTime: &tod, DailyEndTime: &tod, Address: addr,
			CustomerName: "C", ProjectType: "Commercial", Stage: "Build", BidRate: wage, PercentComplete: &pct, Color: "#112233",
			Tags: []string{"OSHA30"}, Custom: planning.CustomFields{"po": "7"}, Roles: []planning.ProjectRole{{PersonID: meta.ID, JobTitle: "FOR"}},
			Categories: []planning.Category{{Name: "Level 1", Subcategories: []string{"North"}}}, WageOverrides: []planning.WageOverride{{JobTitle: "FOR", Rate: *wage}}},
		planning.Assignment{Meta: meta, PersonID: meta.ID, ProjectID: meta.ID, StartDay: d, EndDay: d, StartTime: &tod, EndTime: &tod,
			PercentAllocated: &pct, WorkDays: planning.Weekdays, Category: "Level 1", Subcategory: "North", Status: planning.AssignmentConfirmed},
		planning.TimeOff{Meta: meta, PersonID: meta.ID, StartDay: d, EndDay: d, Paid: true, Reason: "Holiday", Repeat: planning.RepeatYearly},
		planning.ResourceRequest{Meta: meta, ProjectID: meta.ID, JobTitle: "FOR", Quantity: 2, StartDay: d, EndDay: d, Tags: []string{"OSHA30"}},
	}
	for _, rec := range records {
		typ := reflect.TypeOf(rec)
		t.Run(typ.Name(), func(t *testing.T) {
			b, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			s := reg.Schema(typ, false, "")
			res := &huma.ValidateResult{}
			huma.Validate(reg, s, huma.NewPathBuffer(nil, 0), huma.ModeReadFromServer, v, res)
			for _, err := range res.Errors {
				t.Errorf("%s does not match its schema: %v", typ.Name(), err)
			}
			for name := range s.Properties {
				if _, ok := v[name]; !ok {
					t.Errorf("schema property %s is not written by planning.%s", name, typ.Name())
				}
			}
		})
	}
}
