package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// summary writes the mapped fields of a person on one line, for comparisons.
func summary(p planning.Person, o Outcome) string {
	switch o.Result {
	case Skipped:
		return "skipped: " + o.Filter
	case Invalid:
		return "invalid: " + o.Err().Error()
	}
	wage := ""
	if p.HourlyWage != nil {
		wage = p.HourlyWage.String()
	}
	return fmt.Sprintf("%s %s %s %s groups=%s job=%s union=%q wage=%s hired=%s email=%s phone=%s assignable=%v custom=%v",
		p.EmployeeID, p.FirstName, p.LastName, p.Status, strings.Join(p.GroupCodes, "|"), p.JobTitle, p.Union, wage,
		p.HiredDate, p.Email, p.MobilePhone, p.IsAssignable, p.Custom)
}

// TestERPEmployeesJSON maps testdata/employees.json (JSON numbers kept as
// json.Number) with testdata/erp.yaml.
func TestERPEmployeesJSON(t *testing.T) {
	m := erpMapping(t)
	b, err := os.ReadFile("testdata/employees.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`1001 Jane Doe active groups=KS job=FORE union="Local 123" wage=38.75 hired=2019-04-15 email=jane.doe@example.com phone=+13125550100 assignable=true custom=map[shirt_size:M]`,
		`1002 John O'Brien inactive groups=MO job=APP union="" wage=24.5 hired=2021-06-01 email= phone= assignable=true custom=map[]`,
		`1003 Ana Ruiz active groups=KS|MO job= union="789" wage=41 hired=2023-01-09 email=ana@example.com phone=+18165550123 assignable=true custom=map[shirt_size:XL]`,
		`skipped: where: column "company" is "01"`,
		`skipped: where: column "emp_type" is none of "C", "X"`,
		`skipped: skip_if_empty: column "emp_no" is empty`,
		`invalid: hired_date: column "date_hired": "13/45/2020" is not a date in format 01/02/2006 or 2006-01-02; ` +
			`group_codes: column "dept": no rule matched (dept is "north"); add a rule, or set default or unmatched`,
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, row := range rows {
		p, o := m.MapPerson(Map(row), testCtx)
		if got := summary(p, o); got != want[i] {
			t.Errorf("row %d:\n got %s\nwant %s", i+1, got, want[i])
		}
		if o.Result == OK {
			if errs := p.Validate(); len(errs) != 0 {
				t.Errorf("row %d maps to an invalid person: %v", i+1, errs)
			}
		}
	}
}

// TestERPEmployeesSQL maps one employee as MariaDB and PostgreSQL drivers give
// it: the same person either way.
func TestERPEmployeesSQL(t *testing.T) {
	m := erpMapping(t)
	mariadb := Map{ // go-sql-driver/mysql with parseTime: text and DECIMAL as []byte
		"emp_no": []byte("1001"), "company": []byte("01"), "emp_type": []byte("E"), "first_name": []byte("JANE"),
		"last_name": []byte("DOE"), "email": []byte("Jane.Doe@Example.com"), "cell_phone": []byte("+13125550100"),
		"trade_id": int64(10), "union_id": int64(123), "pay_rate": []byte("38.7500"),
		"date_hired": time.Date(2019, 4, 15, 0, 0, 0, 0, time.UTC), "date_terminated": nil, "dept": int64(120), "shirt": []byte("m"),
	}
	postgres := Map{ // pgx: text as string, numeric as float64, DATE as time.Time
		"EMP_NO": "1001", "Company": "01", "emp_type": "E", "first_name": "JANE", "last_name": "DOE",
		"email": "Jane.Doe@Example.com", "cell_phone": "+13125550100", "trade_id": int32(10), "union_id": int64(123),
		"pay_rate": 38.75, "date_hired": time.Date(2019, 4, 15, 0, 0, 0, 0, time.UTC), "date_terminated": nil,
		"dept": int16(120), "shirt": "m",
	}
	want := `1001 Jane Doe active groups=KS job=FORE union="Local 123" wage=38.75 hired=2019-04-15 email=jane.doe@example.com phone=+13125550100 assignable=true custom=map[shirt_size:M]`
	for name, row := range map[string]Map{"mariadb": mariadb, "postgres": postgres} {
		if got := summary(m.MapPerson(row, testCtx)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	// A termination date as a DATE column, on the company's today.
	mariadb["date_terminated"] = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	if p, _ := m.MapPerson(mariadb, testCtx); p.Status != planning.StatusInactive {
		t.Errorf("terminated today: %s", p.Status)
	}
}

// TestERPJobs maps the jobs table to projects.
func TestERPJobs(t *testing.T) {
	m := erpMapping(t)
	job := func(number, status, jobType, division string, start any) Map {
		return Map{"job_number": number, "company": "01", "job_name": "Job " + number, "job_status": status, "job_type": jobType,
			"division": division, "address": "2500 River Rd", "city": "KANSAS CITY", "state": "ks", "zip": int64(66102),
			"start_date": start, "est_completion": time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), "customer": "Riverside Health"}
	}
	type result struct {
		status planning.Status
		groups string
		all    bool
		start  planning.Date
		skip   string
	}
	tests := []struct {
		row  Map
		want result
	}{
		{job("P-1", "A", "BUILD", "K-01", int64(46082)), result{status: "active", groups: "KS", start: planning.NewDate(2026, 3, 1)}},
		{job("P-2", "p", "BUILD", "MO-EAST", "2026-04-01"), result{status: "pending", groups: "MO|IL", start: planning.NewDate(2026, 4, 1)}},
		{job("P-3", "C", "SERVICE", "K-01", nil), result{status: "inactive", groups: "SVC"}},
		{job("P-4", "Z", "BUILD", "HQ", nil), result{status: "inactive", all: true}},
		{job("P-5", "", "BUILD", "M-2", nil), result{status: "inactive", groups: "MO"}},
		{job("P-6", "A", "BUILD", "TX-1", nil), result{skip: "projects.fields.group_codes: nothing matched (unmatched: skip)"}},
	}
	for _, tt := range tests {
		p, o := m.MapProject(tt.row, testCtx)
		if tt.want.skip != "" {
			if o.Result != Skipped || o.Filter != tt.want.skip {
				t.Errorf("%s: %+v, want skipped by %q", tt.row["job_number"], o, tt.want.skip)
			}
			continue
		}
		mustOK(t, o)
		if p.Status != tt.want.status || strings.Join(p.GroupCodes, "|") != tt.want.groups || o.AllGroups != tt.want.all || p.StartDate != tt.want.start {
			t.Errorf("%s: %+v all=%v, want %+v", tt.row["job_number"], p, o.AllGroups, tt.want)
		}
		if p.City != "Kansas City" || p.State != "KS" || p.PostalCode != "66102" || p.PlannedEndDate != planning.NewDate(2026, 11, 20) || p.Address1 != "2500 River Rd" {
			t.Errorf("%s: address and dates %+v", tt.row["job_number"], p)
		}
	}
	other := job("P-9", "A", "BUILD", "K-01", nil)
	other["company"] = int64(2)
	if _, o := m.MapProject(other, testCtx); o.Result != Skipped || o.Filter != `where: column "company" is "01"` {
		t.Errorf("another company's job: %+v", o)
	}
}

// TestERPTradesAndBranches maps job titles and groups.
func TestERPTradesAndBranches(t *testing.T) {
	m := erpMapping(t)
	var codes []string
	for _, trade := range []Map{
		{"trade_id": int64(10), "trade_name": "FOREMAN", "base_rate": 45.5},
		{"trade_id": int64(55), "trade_name": "crane operator", "base_rate": []byte("52.125")},
		{"trade_id": nil, "trade_name": "nothing", "base_rate": nil},
	} {
		j, o := m.MapJobTitle(trade, testCtx)
		if trade["trade_id"] == nil {
			if o.Result != Skipped {
				t.Errorf("a trade with no id: %+v", o)
			}
			continue
		}
		mustOK(t, o)
		if !j.Global || j.PayType != planning.PayHourly || j.HourlyRate == nil {
			t.Errorf("job title %+v", j)
		}
		if errs := j.Validate(); len(errs) != 0 {
			t.Errorf("job title %+v: %v", j, errs)
		}
		codes = append(codes, j.Code+"="+j.Name+"@"+j.HourlyRate.String())
	}
	if want := []string{"FORE=Foreman@45.5", "55=Crane Operator@52.13"}; !slices.Equal(codes, want) {
		t.Errorf("job titles %v, want %v", codes, want)
	}
	g, o := m.MapGroup(Map{"branch": "ks", "branch_name": "Kansas City", "tz": ""}, testCtx)
	mustOK(t, o)
	if g.Code != "KS" || g.Timezone != "America/Chicago" || len(g.Validate()) != 0 {
		t.Errorf("group %+v", g)
	}
}
