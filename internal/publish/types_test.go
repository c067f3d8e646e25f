package publish

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// typesCompany creates a company whose records use every kind of value the
// shared tables carry: dates, money, times of day, lists, maps and lists of
// structs. It returns the company, the person and the project.
func typesCompany(t *testing.T, st store.Store) (planning.Company, planning.Person, planning.Project) {
	t.Helper()
	ctx := context.Background()
	c, err := st.CreateCompany(ctx, planning.Company{Slug: "types", Name: "Types Co", Timezone: "America/Chicago"}, editor)
	must(t, err)
	var person planning.Person
	var project planning.Project
	start, end := planning.TimeOfDay(6*60+30), planning.TimeOfDay(14*60+45)
	must(t, st.Update(ctx, c.ID, editor, func(tx store.Tx) error {
		if _, err := tx.Groups().Create(ctx, planning.Group{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"}); err != nil {
			return err
		}
		if _, err := tx.JobTitles().Create(ctx, planning.JobTitle{Name: "Foreman", Code: "FOR", Global: true, HourlyRate: planning.DecimalPtr("45.5")}); err != nil {
			return err
		}
		if _, err := tx.Tags().Create(ctx, planning.Tag{Name: "OSHA 30", Code: "OSHA30", Global: true, RequiresExpiry: true}); err != nil {
			return err
		}
		person, err = tx.People().Create(ctx, planning.Person{FirstName: "Ana", LastName: "Ruiz", EmployeeID: "E1",
			GroupCodes: []string{"KS"}, JobTitle: "FOR", HourlyWage: planning.DecimalPtr("38.1234"),
			HiredDate: planning.NewDate(2019, time.April, 15), Custom: planning.CustomFields{"shirt": "L", "boots": "10"},
			Tags: []planning.PersonTag{{Code: "OSHA30", Expires: planning.NewDate(2027, time.June, 30)}}})
		if err != nil {
			return err
		}
		project, err = tx.Projects().Create(ctx, planning.Project{Name: "Depot", ProjectNumber: "P1", GroupCodes: []string{"KS"},
			StartDate: planning.NewDate(2026, time.January, 5), Tags: []string{"OSHA30"},
			Roles:         []planning.ProjectRole{{PersonID: person.ID, JobTitle: "FOR"}},
			Categories:    []planning.Category{{Name: "Level 2", Subcategories: []string{"East", "West"}}},
			WageOverrides: []planning.WageOverride{{JobTitle: "FOR", Rate: *planning.DecimalPtr("52.75")}}})
		if err != nil {
			return err
		}
		_, err = tx.Assignments().Create(ctx, planning.Assignment{PersonID: person.ID, ProjectID: project.ID,
			StartDay: planning.NewDate(2026, time.January, 5), EndDay: planning.NewDate(2026, time.January, 30),
			StartTime: &start, EndTime: &end, WorkDays: planning.WorkDays{false, true, true, true, true, false, false}})
		return err
	}))
	return c, person, project
}

// oneRow reads the only row of a table as one-row record batch.
func oneRow(t *testing.T, p *Publisher, companyID, name string) arrow.RecordBatch {
	t.Helper()
	tbl := p.Open(companyID, name)
	snap, err := tbl.Snapshot(context.Background())
	must(t, err)
	var out arrow.RecordBatch
	for rec, err := range tbl.Scan(context.Background(), snap) {
		must(t, err)
		if rec.NumRows() > 0 {
			if out != nil || rec.NumRows() != 1 {
				t.Fatalf("table %s holds more than one row", name)
			}
			rec.Retain()
			out = rec
		}
	}
	if out == nil {
		t.Fatalf("table %s is empty", name)
	}
	t.Cleanup(out.Release)
	return out
}

func colOf(t *testing.T, rec arrow.RecordBatch, name string) arrow.Array {
	t.Helper()
	idx := rec.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %s in %s", name, rec.Schema())
	}
	return rec.Column(idx[0])
}

// TestTypesMapFaithfully: dates are dates, money is decimal(18,4), timestamps
// are UTC timestamps, lists are arrays, custom fields a map, roles and wage
// overrides arrays of structs.
func TestTypesMapFaithfully(t *testing.T) {
	st := backends[0].open(t)
	c, person, _ := typesCompany(t, st)
	p := New(st, localBlobs(t), Options{})
	_, err := p.Sync(context.Background(), c.ID)
	must(t, err)

	for _, name := range []string{"people", "person_tags", "change_history"} {
		snap, err := p.Open(c.ID, name).Snapshot(context.Background())
		must(t, err)
		want := map[string]string{"people": "id", "person_tags": "person_id,tag_code", "change_history": "seq"}[name]
		if got := snap.Metadata.Configuration[ConfigPrimaryKey]; got != want {
			t.Errorf("%s: %s = %q, want %q", name, ConfigPrimaryKey, got, want)
		}
	}

	people := oneRow(t, p, c.ID, "people")
	if got := colOf(t, people, "hired_date").(*array.Date32).Value(0).ToTime().Format(time.DateOnly); got != "2019-04-15" {
		t.Errorf("hired_date = %s", got)
	}
	if d := colOf(t, people, "date_of_birth"); !d.IsNull(0) {
		t.Errorf("date_of_birth not set but not null: %s", d.ValueStr(0))
	}
	wage := colOf(t, people, "hourly_wage").(*array.Decimal128)
	if typ := wage.DataType().(*arrow.Decimal128Type); typ.Precision != 18 || typ.Scale != 4 {
		t.Errorf("hourly_wage type = %s, want decimal(18,4)", typ)
	}
	if got := wage.Value(0).ToString(4); got != "38.1234" {
		t.Errorf("hourly_wage = %s, want 38.1234", got)
	}
	created := colOf(t, people, "created_at").(*array.Timestamp)
	if typ := created.DataType().(*arrow.TimestampType); typ.TimeZone != "UTC" || typ.Unit != arrow.Microsecond {
		t.Errorf("created_at type = %s, want timestamp[us, UTC]", typ)
	}
	if got := created.Value(0).ToTime(arrow.Microsecond); !got.Equal(person.CreatedAt) {
		t.Errorf("created_at = %v, want %v", got, person.CreatedAt)
	}
	if got := colOf(t, people, "group_codes").ValueStr(0); got != `["KS"]` {
		t.Errorf("group_codes = %s", got)
	}
	custom := colOf(t, people, "custom").(*array.Map)
	keys, items := custom.Keys().(*array.String), custom.Items().(*array.String)
	if custom.Len() != 1 || keys.Len() != 2 || keys.Value(0) != "boots" || items.Value(0) != "10" || keys.Value(1) != "shirt" || items.Value(1) != "L" {
		t.Errorf("custom = %s, want {boots: 10, shirt: L}", custom.ValueStr(0))
	}

	tags := oneRow(t, p, c.ID, "person_tags")
	if got := colOf(t, tags, "expires_on").(*array.Date32).Value(0).ToTime().Format(time.DateOnly); got != "2027-06-30" {
		t.Errorf("person_tags.expires_on = %s", got)
	}

	projects := oneRow(t, p, c.ID, "projects")
	for col, want := range map[string]string{
		"start_date":       "2026-01-05",
		"daily_start_time": "07:30",
		"daily_end_time":   "15:30",
		"tags":             `["OSHA30"]`,
		"roles":            `[{"job_title":"FOR","person_id":"` + person.ID + `"}]`,
		"categories":       `[{"name":"Level 2","subcategories":["East","West"]}]`,
		"wage_overrides":   `[{"job_title":"FOR","rate":"52.75"}]`,
	} {
		if got := colOf(t, projects, col).ValueStr(0); got != want {
			t.Errorf("projects.%s = %s, want %s", col, got, want)
		}
	}

	assignment := oneRow(t, p, c.ID, "assignments")
	for col, want := range map[string]string{
		"start_day":  "2026-01-05",
		"end_day":    "2026-01-30",
		"start_time": "06:30",
		"end_time":   "14:45",
		"work_days":  `{"friday":false,"monday":true,"saturday":false,"sunday":false,"thursday":true,"tuesday":true,"wednesday":true}`,
	} {
		if got := colOf(t, assignment, col).ValueStr(0); got != want {
			t.Errorf("assignments.%s = %s, want %s", col, got, want)
		}
	}

	jobTitle := oneRow(t, p, c.ID, "job_titles")
	if got := colOf(t, jobTitle, "hourly_rate").(*array.Decimal128).Value(0).ToString(4); got != "45.5000" {
		t.Errorf("job_titles.hourly_rate = %s", got)
	}
}
