package mapping

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// TestDerivedStatus derives a person's status from a termination date: inactive
// once the date is on or before today in the company's time zone.
func TestDerivedStatus(t *testing.T) {
	m := mustParse(t, peopleMapping(`status:
  inactive_from: {column: date_terminated, format: "01/02/2006"}`))
	withCode := mustParse(t, peopleMapping(`status:
  column: code
  map: {A: active, I: inactive}
  inactive_from: date_terminated`))
	tests := []struct {
		name string
		m    *Mapping
		row  Map
		want planning.Status
	}{
		{"no date", m, Map{"date_terminated": nil}, planning.StatusActive},
		{"blank date", m, Map{"date_terminated": "  "}, planning.StatusActive},
		{"before today", m, Map{"date_terminated": "03/14/2026"}, planning.StatusInactive},
		{"today", m, Map{"date_terminated": "03/15/2026"}, planning.StatusInactive},
		{"after today", m, Map{"date_terminated": "03/16/2026"}, planning.StatusActive},
		{"SQL DATE today", m, Map{"date_terminated": time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)}, planning.StatusInactive},
		// 2026-03-16 00:30 in New York is still the 15th in Chicago.
		{"instant on the company's today", m, Map{"date_terminated": time.Date(2026, 3, 16, 0, 30, 0, 0, mustLoad(t, "America/New_York"))}, planning.StatusInactive},
		{"column missing from the row", m, Map{}, planning.StatusActive},
		{"code and no date", withCode, Map{"code": "I"}, planning.StatusInactive},
		{"code, future date", withCode, Map{"code": "A", "date_terminated": "2026-04-01"}, planning.StatusActive},
		{"code, past date", withCode, Map{"code": "A", "date_terminated": "2026-01-01"}, planning.StatusInactive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.row["id"] = "E1"
			p, o := tt.m.MapPerson(tt.row, testCtx)
			mustOK(t, o)
			if p.Status != tt.want {
				t.Errorf("status %q, want %q", p.Status, tt.want)
			}
		})
	}
	_, o := m.MapPerson(Map{"id": "E1", "date_terminated": "2026-03-01"}, testCtx)
	mustInvalid(t, o, "status", "date_terminated", `"2026-03-01" is not a date in format 01/02/2006 (inactive_from)`)

	// Without Today, the clock decides.
	for date, want := range map[string]planning.Status{"01/01/2000": planning.StatusInactive, "01/01/2999": planning.StatusActive} {
		p, _ := m.MapPerson(Map{"id": "E1", "date_terminated": date}, Context{})
		if p.Status != want {
			t.Errorf("terminated %s with no Today: %q, want %q", date, p.Status, want)
		}
	}
	if got := m.OwnedFields(People); !slices.Equal(got, []string{"employee_id", "status"}) {
		t.Errorf("owned %v, want employee_id and status", got)
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestValueMaps translates status codes, with a default and each unmatched
// choice.
func TestValueMaps(t *testing.T) {
	const base = "projects:\n  fields:\n    project_number: n\n    status:\n      column: code\n      map: {A: active, P: pending, C: inactive, \"9\": pending}\n"
	tests := []struct {
		name   string
		extra  string
		code   any
		want   planning.Status
		result Result
	}{
		{"mapped", "", "A", planning.StatusActive, OK},
		{"any case", "", " p ", planning.StatusPending, OK},
		{"number key, number value", "", int64(9), planning.StatusPending, OK},
		{"empty code takes no value", "", nil, planning.StatusActive, OK}, // Normalize's default
		{"unmatched is an error", "", "X", "", Invalid},
		{"default", "      default: inactive\n", "X", planning.StatusInactive, OK},
		{"default for empty", "      default: inactive\n", "", planning.StatusInactive, OK},
		{"unmatched skip", "      unmatched: skip\n", "X", "", Skipped},
		{"unmatched empty", "      unmatched: empty\n", "X", planning.StatusActive, OK},
		{"unmatched keep", "      unmatched: keep\n", "Pending", "pending", OK}, // Normalize lower-cases
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, base+tt.extra)
			p, o := m.MapProject(Map{"n": "P1", "code": tt.code}, testCtx)
			if o.Result != tt.result {
				t.Fatalf("result %s %v, want %s", o.Result, o.Problems, tt.result)
			}
			if tt.result == OK && p.Status != tt.want {
				t.Errorf("status %q, want %q", p.Status, tt.want)
			}
		})
	}
	m := mustParse(t, base)
	p, o := m.MapProject(Map{"n": "P1", "code": "X"}, testCtx)
	mustInvalid(t, o, "status", "code", `"X" is not in the map; add it to map, or set default or unmatched`)
	if p.ProjectNumber != "P1" {
		t.Errorf("an invalid row keeps its key; got %q", p.ProjectNumber)
	}
}

// TestFieldKinds maps one field of every kind from typical source values,
// checking the planning value and that Normalize ran.
func TestFieldKinds(t *testing.T) {
	m := mustParse(t, `
people:
  fields:
    employee_id: {column: emp_no, trim: true}
    first_name: {column: fn, case: title}
    last_name: ln
    email: em
    is_user: {column: can_login}
    can_receive_email: {value: Y}
    hourly_wage: {column: rate, round: 2}
    hired_date: {column: hired, format: "01/02/2006"}
    date_of_birth: {column: dob, excel: true}
    state: st
    group_codes: {column: groups, split: ","}
    tags: tags
    custom.shirt_size: {column: shirt, case: upper}
    custom.badge: badge
projects:
  fields:
    project_number: n
    daily_start_time: start
    percent_complete: pct
    bid_rate: bid
    tags: {column: tags, split: ";"}
    start_date: {value: 2026-03-02}
groups:
  fields:
    code: code
    timezone: {column: tz, default: America/Chicago}
`)
	p, o := m.MapPerson(Map{
		"EMP_NO": []byte(" E1001 "), "fn": "mary-jane", "ln": "Doe ", "em": "Mary@Example.com",
		"can_login": int64(1), "rate": 31.456, "hired": "04/15/2019", "dob": int64(31320), "st": "ks",
		"groups": "KS, MO", "tags": "OSHA10:2027-03-01|FORKLIFT", "shirt": "l", "badge": int64(42),
	}, testCtx)
	mustOK(t, o)
	if p.EmployeeID != "E1001" || p.FirstName != "Mary-Jane" || p.LastName != "Doe" || p.Email != "mary@example.com" ||
		!p.IsUser || !p.CanReceiveEmail || p.HourlyWage == nil || p.HourlyWage.String() != "31.46" ||
		p.HiredDate != planning.NewDate(2019, 4, 15) || p.DateOfBirth != planning.NewDate(1985, 9, 30) || p.State != "KS" ||
		!slices.Equal(p.GroupCodes, []string{"KS", "MO"}) || len(p.Tags) != 2 || p.Tags[0].Expires != planning.NewDate(2027, 3, 1) ||
		p.Custom["shirt_size"] != "L" || p.Custom["badge"] != "42" || p.Status != planning.StatusActive || !p.IsAssignable {
		t.Errorf("person %+v", p)
	}
	if errs := p.Validate(); len(errs) != 0 {
		t.Errorf("the mapped person should be valid: %v", errs)
	}

	pr, o := m.MapProject(Map{"n": "P1", "start": time.Date(0, 1, 1, 7, 0, 0, 0, time.UTC), "pct": "35%", "bid": []byte("65.00"), "tags": []any{"OSHA10", "FALL"}}, testCtx)
	mustOK(t, o)
	if *pr.DailyStartTime != 7*60 || *pr.DailyEndTime != planning.DefaultDailyEnd || *pr.PercentComplete != 35 || pr.BidRate.String() != "65" ||
		!slices.Equal(pr.Tags, []string{"OSHA10", "FALL"}) || pr.StartDate != planning.NewDate(2026, 3, 2) {
		t.Errorf("project %+v", pr)
	}

	g, o := m.MapGroup(Map{"code": "KS", "tz": nil}, testCtx)
	mustOK(t, o)
	if g.Timezone != "America/Chicago" {
		t.Errorf("group %+v: the default time zone was not used", g)
	}
}

// TestTemplateDefaults gives fields the mapping leaves empty the CSV template's
// defaults, and lets a mapped value override them.
func TestTemplateDefaults(t *testing.T) {
	m := mustParse(t, peopleMapping(""))
	p, _ := m.MapPerson(Map{"id": "E1"}, testCtx)
	if !p.IsAssignable || p.IsUser || p.Status != planning.StatusActive {
		t.Errorf("unmapped defaults: %+v", p)
	}
	m = mustParse(t, peopleMapping("is_assignable: a"))
	for raw, want := range map[any]bool{nil: true, "": true, "N": false, false: false, int64(1): true} {
		p, o := m.MapPerson(Map{"id": "E1", "a": raw}, testCtx)
		mustOK(t, o)
		if p.IsAssignable != want {
			t.Errorf("is_assignable from %#v: %v, want %v", raw, p.IsAssignable, want)
		}
	}
	_, o := m.MapPerson(Map{"id": "E1", "a": "sometimes"}, testCtx)
	mustInvalid(t, o, "is_assignable", "a", `"sometimes" is not a yes/no value`)
}

// TestKeyRequired makes a row without a key invalid, unless skip_if_empty
// skips it.
func TestKeyRequired(t *testing.T) {
	m := mustParse(t, peopleMapping("first_name: fn"))
	p, o := m.MapPerson(Map{"id": "  ", "fn": "Jane"}, testCtx)
	mustInvalid(t, o, "employee_id", "id", "is empty, and employee_id is the key that matches rows to people in the hub; list the column under skip_if_empty")
	if p.FirstName != "Jane" {
		t.Errorf("an invalid row keeps what could be read; got %+v", p)
	}
	m = mustParse(t, peopleMapping("first_name: fn", "  skip_if_empty: [ID]\n"))
	p, o = m.MapPerson(Map{"id": nil, "fn": "Jane"}, testCtx)
	if o.Result != Skipped || o.Filter != `skip_if_empty: column "ID" is empty` || p.FirstName != "" {
		t.Errorf("got %+v, %+v; want skipped with a zero person", p, o)
	}
}

// TestProblemsText checks how row problems read, and that all of a row's
// problems are reported.
func TestProblemsText(t *testing.T) {
	m := mustParse(t, peopleMapping(`hired_date: {column: date_hired, format: "01/02/2006"}
hourly_wage: pay_rate
mobile_phone: {value: "+13125550100"}`))
	_, o := m.MapPerson(Map{"id": "E1", "date_hired": "13/45/2020", "pay_rate": "31,50"}, testCtx)
	if o.Result != Invalid || len(o.Problems) != 2 {
		t.Fatalf("got %+v", o)
	}
	want := `hired_date: column "date_hired": "13/45/2020" is not a date in format 01/02/2006; ` +
		`hourly_wage: column "pay_rate": "31,50" is not a number; use digits with an optional decimal point, like 31.50`
	if err := o.Err(); err == nil || err.Error() != want {
		t.Errorf("Err() =\n%v\nwant\n%s", err, want)
	}
	var ps Problems
	if !errors.As(o.Err(), &ps) || len(ps) != 2 {
		t.Errorf("Err() is not Problems")
	}
	if (Outcome{Result: OK}).Err() != nil {
		t.Errorf("an OK outcome has an error")
	}
}

// TestColumns lists and checks the columns a mapping reads, without regard to
// case.
func TestColumns(t *testing.T) {
	m := erpMapping(t)
	want := []string{"emp_no", "first_name", "last_name", "email", "cell_phone", "date_terminated", "date_hired", "pay_rate",
		"trade_id", "union_id", "dept", "shirt", "company", "emp_type"}
	if got := m.Columns(People); !slices.Equal(got, want) {
		t.Errorf("Columns(people) = %v, want %v", got, want)
	}
	upper := make([]string, len(want))
	for i, c := range want {
		upper[i] = strings.ToUpper(c)
	}
	if err := m.CheckColumns(People, upper); err != nil {
		t.Errorf("CheckColumns with every column: %v", err)
	}
	have := slices.DeleteFunc(slices.Clone(want), func(c string) bool { return c == "date_terminated" || c == "union_id" })
	err := m.CheckColumns(People, have)
	var mc *MissingColumnsError
	if !errors.As(err, &mc) || len(mc.Missing) != 2 {
		t.Fatalf("CheckColumns = %v, want two missing columns", err)
	}
	wantMsg := `the people source lacks 2 columns the mapping reads: "date_terminated" (line 42, people.fields.status.inactive_from.column), ` +
		`"union_id" (line 50, people.fields.union.column); the source has emp_no, first_name, last_name, email, cell_phone, date_hired, pay_rate, trade_id, dept, shirt, company, emp_type`
	if err.Error() != wantMsg {
		t.Errorf("CheckColumns error\n%v\nwant\n%s", err, wantMsg)
	}
	if err := m.CheckColumns(Projects, nil); err == nil || !strings.Contains(err.Error(), "lacks 13 columns") {
		t.Errorf("no columns at all: %v", err)
	}
	one := mustParse(t, peopleMapping(""))
	if err := one.CheckColumns(Projects, []string{"x"}); err == nil || err.Error() != "the mapping has no projects section" {
		t.Errorf("CheckColumns of a missing section: %v", err)
	}
	if _, o := one.MapProject(Map{}, testCtx); o.Result != Invalid || o.Problems[0].Message != "the mapping has no projects section" {
		t.Errorf("MapProject of a missing section: %+v", o)
	}
	if one.Columns(Projects) != nil || one.OwnedFields(Projects) != nil || one.ManualFields(Projects) != nil {
		t.Errorf("a missing section has columns or fields")
	}
}

// TestOwnedFields lists the fields the sync owns: mapped, not manual, in
// template order, custom fields last.
func TestOwnedFields(t *testing.T) {
	m := erpMapping(t)
	if got, want := m.Entities(), []Entity{Groups, JobTitles, People, Projects}; !slices.Equal(got, want) {
		t.Errorf("Entities() = %v", got)
	}
	want := map[Entity][]string{
		Groups:    {"code", "name", "timezone"},
		JobTitles: {"code", "group_codes", "global", "pay_type", "hourly_rate"},
		People: {"employee_id", "first_name", "last_name", "status", "group_codes", "job_title", "is_assignable",
			"hourly_wage", "hired_date", "union", "custom.shirt_size"},
		Projects: {"project_number", "name", "status", "group_codes", "start_date", "planned_end_date", "address_1",
			"city", "state", "postal_code", "customer_name"},
	}
	for e, fields := range want {
		if got := m.OwnedFields(e); !slices.Equal(got, fields) {
			t.Errorf("OwnedFields(%s) = %v, want %v", e, got, fields)
		}
	}
	if got := m.ManualFields(People); !slices.Equal(got, []string{"email", "mobile_phone"}) {
		t.Errorf("ManualFields(people) = %v", got)
	}
	owned := m.Owned()
	if len(owned) != 4 || !slices.Equal(owned[planning.KindPerson], want[People]) || !slices.Equal(owned[planning.KindJobTitle], want[JobTitles]) {
		t.Errorf("Owned() = %v", owned)
	}
}

// TestConcurrentUse maps rows from many goroutines with one Mapping (run with
// -race).
func TestConcurrentUse(t *testing.T) {
	m := erpMapping(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				row := employee(g*1000 + i)
				if _, o := m.MapPerson(row, testCtx); o.Result == Invalid {
					t.Errorf("row %v: %v", row, o.Err())
					return
				}
			}
		})
	}
	wg.Wait()
}
