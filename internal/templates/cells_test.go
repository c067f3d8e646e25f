package templates

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
)

// cellCase sets one column of a valid base row and expects either a value (check)
// or one problem containing problem.
type cellCase[T any] struct {
	column, cell string
	check        func(t *testing.T, r Row[T])
	problem      string
}

// runCells runs each case on base (a header and a valid row) with the case's column
// set to its cell.
func runCells[T any](t *testing.T, tmpl *Template[T], base [2][]string, cases []cellCase[T]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.column+"="+c.cell, func(t *testing.T) {
			header, row := slices.Clone(base[0]), slices.Clone(base[1])
			if i := slices.Index(header, c.column); i >= 0 {
				row[i] = c.cell
			} else {
				header, row = append(header, c.column), append(row, c.cell)
			}
			var b strings.Builder
			w := csv.NewWriter(&b)
			_ = w.WriteAll([][]string{header, row})
			rows, problems := parse(t, tmpl, tmpl.spec.File(), b.String())
			if c.problem != "" {
				expectProblems(t, problems, c.problem)
				return
			}
			expectProblems(t, problems)
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			if rows[0].Invalid {
				t.Errorf("row is marked invalid")
			}
			if c.check != nil {
				c.check(t, rows[0])
			}
		})
	}
}

func eq[V comparable](t *testing.T, got, want V) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPersonCells(t *testing.T) {
	type R = Row[planning.Person]
	base := [2][]string{strings.Split(peopleHeader, ","), strings.Split(personRow, ",")}
	wage := func(want string) func(*testing.T, R) {
		return func(t *testing.T, r R) { eq(t, r.Value.HourlyWage.String(), want) }
	}
	runCells(t, People, base, []cellCase[planning.Person]{
		// text
		{column: "first_name", cell: "  Jane  ", check: func(t *testing.T, r R) { eq(t, r.Value.FirstName, "Jane") }},
		{column: "city", cell: "Kansas City, KS", check: func(t *testing.T, r R) { eq(t, r.Value.City, "Kansas City, KS") }},
		{column: "first_name", cell: "", problem: "line 2, column first_name: is required"},
		// code
		{column: "job_title", cell: "FORE", check: func(t *testing.T, r R) { eq(t, r.Value.JobTitle, "FORE") }},
		// group list
		{column: "group_codes", cell: "KS|MO", check: func(t *testing.T, r R) { eq(t, strings.Join(r.Value.GroupCodes, ","), "KS,MO") }},
		{column: "group_codes", cell: "All", check: func(t *testing.T, r R) {
			eq(t, r.AllGroups, true)
			eq(t, len(r.Value.GroupCodes), 0)
		}},
		{column: "group_codes", cell: "all", check: func(t *testing.T, r R) { eq(t, r.AllGroups, true) }},
		{column: "group_codes", cell: "All|KS", problem: `column group_codes: "All|KS" mixes All with group codes`},
		{column: "group_codes", cell: "KS||MO", problem: `column group_codes: "KS||MO" has an empty item`},
		{column: "group_codes", cell: "KS|K S", problem: `column group_codes: "K S" is not a valid code`},
		{column: "group_codes", cell: "KS|KS", problem: `column group_codes: "KS" is listed twice`},
		// choice
		{column: "status", cell: "Inactive", check: func(t *testing.T, r R) { eq(t, r.Value.Status, planning.StatusInactive) }},
		{column: "status", cell: "", check: func(t *testing.T, r R) { eq(t, r.Value.Status, planning.StatusActive) }},
		{column: "status", cell: "retired", problem: `column status: "retired" is not allowed; use active or inactive`},
		// boolean
		{column: "is_assignable", cell: "", check: func(t *testing.T, r R) { eq(t, r.Value.IsAssignable, true) }},
		{column: "is_assignable", cell: "N", check: func(t *testing.T, r R) { eq(t, r.Value.IsAssignable, false) }},
		{column: "is_assignable", cell: "false", check: func(t *testing.T, r R) { eq(t, r.Value.IsAssignable, false) }},
		{column: "is_assignable", cell: "0", check: func(t *testing.T, r R) { eq(t, r.Value.IsAssignable, false) }},
		{column: "is_user", cell: "", check: func(t *testing.T, r R) { eq(t, r.Value.IsUser, false) }},
		{column: "can_receive_sms", cell: "maybe", problem: `column can_receive_sms: "maybe" is not a yes/no value; use Y or N`},
		{column: "is_user", cell: "TRUE", problem: "column email: is required when the person can log in"},
		{column: "is_user", cell: "1", problem: "column email: is required when the person can log in"},
		{column: "is_user", cell: "Y", problem: "column email: is required when the person can log in"},
		// money
		{column: "hourly_wage", cell: "38.75", check: wage("38.75")},
		{column: "hourly_wage", cell: "12", check: wage("12")},
		{column: "hourly_wage", cell: "$12", problem: `column hourly_wage: "$12" is not an amount; use digits with an optional decimal point, like 12.50`},
		{column: "hourly_wage", cell: "12,50", problem: `column hourly_wage: "12,50" is not an amount`},
		{column: "hourly_wage", cell: "-1", problem: "column hourly_wage: must not be negative"},
		{column: "hourly_wage", cell: "1.123456", problem: "column hourly_wage: 1.123456 has more than 4 decimal places"},
		// date
		{column: "hired_date", cell: "2019-04-15", check: func(t *testing.T, r R) { eq(t, r.Value.HiredDate, planning.NewDate(2019, 4, 15)) }},
		{column: "hired_date", cell: "04/15/2019", check: func(t *testing.T, r R) { eq(t, r.Value.HiredDate, planning.NewDate(2019, 4, 15)) }},
		{column: "hired_date", cell: "4/5/2019", check: func(t *testing.T, r R) { eq(t, r.Value.HiredDate, planning.NewDate(2019, 4, 5)) }},
		{column: "hired_date", cell: "31/02/2024", problem: `people.csv line 2, column hired_date: "31/02/2024" is not a date; use YYYY-MM-DD or MM/DD/YYYY`},
		{column: "hired_date", cell: "2024-02-30", problem: `column hired_date: "2024-02-30" is not a day of the calendar`},
		{column: "hired_date", cell: "15.04.2019", problem: `column hired_date: "15.04.2019" is not a date`},
		{column: "date_of_birth", cell: "1985-09-30", check: func(t *testing.T, r R) { eq(t, r.Value.DateOfBirth, planning.NewDate(1985, 9, 30)) }},
		// email and phone
		{column: "email", cell: "JANE@Example.com", check: func(t *testing.T, r R) { eq(t, r.Value.Email, "jane@example.com") }},
		{column: "email", cell: "jane at example", problem: `column email: "jane at example" is not an email address`},
		{column: "mobile_phone", cell: "+13125550100", check: func(t *testing.T, r R) { eq(t, r.Value.MobilePhone, "+13125550100") }},
		{column: "mobile_phone", cell: "312-555-0100", problem: `column mobile_phone: "312-555-0100" is not a phone number in E.164 form`},
		{column: "state", cell: "Kansas", problem: `column state: must be an upper-case state code`},
		// tag list
		{column: "tags", cell: "OSHA10:2027-03-01|FORKLIFT", check: func(t *testing.T, r R) {
			want := []planning.PersonTag{{Code: "OSHA10", Expires: planning.NewDate(2027, 3, 1)}, {Code: "FORKLIFT"}}
			if !slices.Equal(r.Value.Tags, want) {
				t.Errorf("tags %+v, want %+v", r.Value.Tags, want)
			}
		}},
		{column: "tags", cell: "OSHA10:03/01/2027", check: func(t *testing.T, r R) { eq(t, r.Value.Tags[0].Expires, planning.NewDate(2027, 3, 1)) }},
		{column: "tags", cell: "OSHA10:", problem: `column tags: "OSHA10:" has a ":" but no expiry date`},
		{column: "tags", cell: ":2027-01-01", problem: `column tags: ":2027-01-01" has an expiry with no tag code`},
		{column: "tags", cell: "OSHA10:2027-13-01", problem: `column tags: tag OSHA10: "2027-13-01" is not a day of the calendar`},
		{column: "tags", cell: "A|A", problem: `column tags: tag "A" is listed twice`},
		// custom fields
		{column: "custom.shirt_size", cell: "L", check: func(t *testing.T, r R) { eq(t, r.Value.Custom["shirt_size"], "L") }},
		{column: "custom.shirt_size", cell: "", check: func(t *testing.T, r R) {
			if _, ok := r.Value.Custom["shirt_size"]; ok {
				t.Error("an empty custom cell set a value")
			}
		}},
		{column: "Custom.Shoe", cell: "44", check: func(t *testing.T, r R) { eq(t, r.Value.Custom["Shoe"], "44") }},
	})
}

func TestProjectCells(t *testing.T) {
	type R = Row[planning.Project]
	base := [2][]string{{"project_number", "name", "group_codes", "start_date"}, {"P1", "Clinic", "KS", "2026-03-02"}}
	runCells(t, Projects, base, []cellCase[planning.Project]{
		{column: "status", cell: "PENDING", check: func(t *testing.T, r R) { eq(t, r.Value.Status, planning.StatusPending) }},
		{column: "start_date", cell: "", problem: "column start_date: is required when the project is active"},
		{column: "planned_end_date", cell: "2026-01-01", problem: "column planned_end_date: is before the start date"},
		// time of day
		{column: "daily_start_time", cell: "07:00", check: func(t *testing.T, r R) { eq(t, r.Value.DailyStartTime.String(), "07:00") }},
		{column: "daily_start_time", cell: "7:00 AM", check: func(t *testing.T, r R) { eq(t, r.Value.DailyStartTime.String(), "07:00") }},
		{column: "daily_start_time", cell: "", check: func(t *testing.T, r R) {
			eq(t, r.Value.DailyStartTime.String(), "07:30")
			eq(t, r.Value.DailyEndTime.String(), "15:30")
		}},
		{column: "daily_start_time", cell: "7:10", problem: "column daily_start_time: 07:10 is not on a 15-minute step"},
		{column: "daily_start_time", cell: "25:00", problem: `column daily_start_time: "25:00" is not a time of day; use HH:MM, like 07:30`},
		{column: "daily_end_time", cell: "06:00", problem: "column daily_end_time: must be after the daily start time"},
		{column: "timezone", cell: "Mars/Olympus", problem: `column timezone: "Mars/Olympus" is not a time zone`},
		{column: "color", cell: "blue", problem: `column color: "blue" is not a color`},
		// percent
		{column: "percent_complete", cell: "35", check: func(t *testing.T, r R) { eq(t, *r.Value.PercentComplete, 35) }},
		{column: "percent_complete", cell: "35%", check: func(t *testing.T, r R) { eq(t, *r.Value.PercentComplete, 35) }},
		{column: "percent_complete", cell: "", check: func(t *testing.T, r R) { eq(t, r.Value.PercentComplete == nil, true) }},
		{column: "percent_complete", cell: "101", problem: "column percent_complete: must be between 0 and 100, not 101"},
		{column: "percent_complete", cell: "half", problem: `column percent_complete: "half" is not a percentage`},
		{column: "bid_rate", cell: "65.5", check: func(t *testing.T, r R) { eq(t, r.Value.BidRate.String(), "65.5") }},
		// code list
		{column: "tags", cell: "OSHA10|FORKLIFT", check: func(t *testing.T, r R) { eq(t, strings.Join(r.Value.Tags, ","), "OSHA10,FORKLIFT") }},
		{column: "tags", cell: "OSHA10|", problem: `column tags: "OSHA10|" has an empty item`},
		{column: "tags", cell: "A|A", problem: `column tags: "A" is listed twice`},
		// roles
		{column: "roles", cell: "E1001:FORE|E1002:PM", check: func(t *testing.T, r R) {
			want := []planning.ProjectRole{{PersonID: "E1001", JobTitle: "FORE"}, {PersonID: "E1002", JobTitle: "PM"}}
			if !slices.Equal(r.Value.Roles, want) {
				t.Errorf("roles %+v, want %+v", r.Value.Roles, want)
			}
		}},
		{column: "roles", cell: "E:1:FORE", check: func(t *testing.T, r R) { eq(t, r.Value.Roles[0].PersonID, "E:1") }},
		{column: "roles", cell: "E1001", problem: `column roles: "E1001" has no job title; write employee_id:job title code, like E1001:PM`},
		{column: "roles", cell: ":PM", problem: `column roles: ":PM" has no employee_id`},
		{column: "roles", cell: "E1:PM|E1:PM", problem: `column roles: "E1:PM" is listed twice`},
		{column: "roles", cell: "E1:P M", problem: `column roles: "P M" is not a valid code`},
		// categories
		{column: "categories", cell: "Level 1>North;South|Roof", check: func(t *testing.T, r R) {
			c := r.Value.Categories
			if len(c) != 2 || c[0].Name != "Level 1" || strings.Join(c[0].Subcategories, ",") != "North,South" || c[1].Name != "Roof" || c[1].Subcategories != nil {
				t.Errorf("categories %+v", c)
			}
		}},
		{column: "categories", cell: ">North", problem: `column categories: ">North" has no category name`},
		{column: "categories", cell: "Level 1>North;;South", problem: `column categories: "Level 1>North;;South" has an empty or malformed subcategory`},
		{column: "categories", cell: "Roof|Roof", problem: `column categories: category "Roof" is listed twice`},
		{column: "categories", cell: "Roof>A;A", problem: `column categories: subcategory "A" is listed twice`},
		// wage overrides
		{column: "wage_overrides", cell: "FORE:45.50|APP:28", check: func(t *testing.T, r R) {
			w := r.Value.WageOverrides
			if len(w) != 2 || w[0].JobTitle != "FORE" || w[0].Rate.String() != "45.5" || w[1].JobTitle != "APP" || w[1].Rate.String() != "28" {
				t.Errorf("wage overrides %+v", w)
			}
		}},
		{column: "wage_overrides", cell: "FORE", problem: `column wage_overrides: "FORE" is not a wage override; write job title code:rate, like FORE:45.50`},
		{column: "wage_overrides", cell: "FORE:abc", problem: `column wage_overrides: job title FORE: "abc" is not an amount`},
		{column: "wage_overrides", cell: "FORE:1|FORE:2", problem: `column wage_overrides: job title "FORE" has two wage overrides`},
		{column: "wage_overrides", cell: "FORE:-1", problem: "column wage_overrides: must not be negative"},
		{column: "custom.cost_center", cell: "CC-1", check: func(t *testing.T, r R) { eq(t, r.Value.Custom["cost_center"], "CC-1") }},
	})
}

func TestAssignmentCells(t *testing.T) {
	type R = Row[planning.Assignment]
	base := [2][]string{
		{"employee_id", "project_number", "start_day", "end_day", "start_time", "end_time"},
		{"E1", "P1", "2026-03-02", "2026-03-06", "07:00", "15:30"},
	}
	days := func(want string) func(*testing.T, R) {
		return func(t *testing.T, r R) {
			var got strings.Builder
			for d, on := range r.Value.WorkDays {
				if on {
					got.WriteByte("SMTWTFS"[d])
				} else {
					got.WriteByte('-')
				}
			}
			eq(t, got.String(), want)
		}
	}
	runCells(t, Assignments, base, []cellCase[planning.Assignment]{
		{column: "status", cell: "", check: func(t *testing.T, r R) {
			eq(t, r.EmployeeID, "E1")
			eq(t, r.ProjectNumber, "P1")
			eq(t, r.Value.PersonID, "")
			eq(t, r.Value.Status, planning.AssignmentConfirmed)
			eq(t, r.Value.StartTime.String(), "07:00")
		}},
		{column: "employee_id", cell: "", problem: "line 2, column employee_id: is required"},
		{column: "project_number", cell: "", problem: "line 2, column project_number: is required"},
		{column: "end_day", cell: "2026-03-01", problem: "column end_day: is before the start day"},
		{column: "end_time", cell: "", problem: "column end_time: is required with start_time"},
		{column: "percent_allocated", cell: "50", problem: "column percent_allocated: must be empty when start_time and end_time are given"},
		{column: "subcategory", cell: "North", problem: "column category: is required when a subcategory is given"},
		{column: "status", cell: "Tentative", check: func(t *testing.T, r R) { eq(t, r.Value.Status, planning.AssignmentTentative) }},
		{column: "status", cell: "maybe", problem: `column status: "maybe" is not allowed; use confirmed or tentative`},
		// work days
		{column: "work_days", cell: "", check: days("-MTWTF-")},
		{column: "work_days", cell: "Mon|Wed|Fri", check: days("-M-W-F-")},
		{column: "work_days", cell: "monday|TUESDAY|Thurs|sa", check: days("-MT-T-S")},
		{column: "work_days", cell: "-MTWTF-", check: days("-MTWTF-")},
		{column: "work_days", cell: "s-----s", check: days("S-----S")},
		{column: "work_days", cell: "Mon|Funday", problem: `column work_days: "Funday" is not a day of the week; use day names separated by |`},
		{column: "work_days", cell: "MTWTF", problem: `column work_days: "MTWTF" is not a day of the week`},
		{column: "work_days", cell: "-MTWTFX", problem: `column work_days: "-MTWTFX" is not a work-day pattern: position 7 is Saturday, so write S or -`},
		{column: "work_days", cell: "Mon|Mon", problem: `column work_days: "Mon|Mon" lists Monday twice`},
		{column: "work_days", cell: "-------", problem: `column work_days: "-------" has no work day; leave the cell empty for Monday to Friday, or use day names`},
	})
	// Percent instead of hours.
	rows, problems := parse(t, Assignments, "assignments.csv", csvOf(
		"employee_id,project_number,start_day,end_day,percent_allocated",
		"E1,P1,2026-03-02,2026-03-06,50%",
		"E1,P1,2026-03-02,2026-03-06,0",
		"E1,P1,2026-03-02,2026-03-06,"))
	expectProblems(t, problems,
		"line 3, column percent_allocated: must be between 1 and 100, not 0",
		"line 4, column start_time: is required: give start_time and end_time, or percent_allocated")
	if len(rows) != 3 || *rows[0].Value.PercentAllocated != 50 || rows[0].Invalid || !rows[1].Invalid {
		t.Errorf("rows %+v", rows)
	}
}

func TestCatalogCells(t *testing.T) {
	runCells(t, Groups, [2][]string{{"code", "name", "timezone"}, {"KS", "Kansas City", "America/Chicago"}}, []cellCase[planning.Group]{
		{column: "timezone", cell: "Mars/Olympus", problem: `column timezone: "Mars/Olympus" is not a time zone`},
		{column: "code", cell: "K S", problem: `column code: "K S" is not a valid code`},
		{column: "contact_phone", cell: "+19135550100", check: func(t *testing.T, r Row[planning.Group]) { eq(t, r.Value.ContactPhone, "+19135550100") }},
		{column: "custom.x", cell: "1", problem: "column custom.x: groups.csv has no custom fields; remove this column"},
	})
	runCells(t, JobTitles, [2][]string{{"code", "name", "group_codes"}, {"FORE", "Foreman", "KS"}}, []cellCase[planning.JobTitle]{
		{column: "group_codes", cell: "All", check: func(t *testing.T, r Row[planning.JobTitle]) {
			eq(t, r.Value.Global, true)
			eq(t, len(r.Value.GroupCodes), 0)
		}},
		{column: "group_codes", cell: "", problem: "column group_codes: is required"},
		{column: "pay_type", cell: "Salaried", check: func(t *testing.T, r Row[planning.JobTitle]) { eq(t, r.Value.PayType, planning.PaySalaried) }},
		{column: "pay_type", cell: "weekly", problem: `column pay_type: "weekly" is not allowed; use hourly or salaried`},
		{column: "hourly_rate", cell: "42.50", check: func(t *testing.T, r Row[planning.JobTitle]) { eq(t, r.Value.HourlyRate.String(), "42.5") }},
	})
	runCells(t, Tags, [2][]string{{"name", "group_codes"}, {"OSHA 10", "KS"}}, []cellCase[planning.Tag]{
		{column: "requires_expiry", cell: "", check: func(t *testing.T, r Row[planning.Tag]) {
			eq(t, r.Value.RequiresExpiry, false)
			eq(t, r.Value.Abbreviation, "OSHA")
			eq(t, r.Value.Code, "OSHA")
		}},
		{column: "requires_expiry", cell: "yes", check: func(t *testing.T, r Row[planning.Tag]) { eq(t, r.Value.RequiresExpiry, true) }},
		{column: "expiry_warning_days", cell: "30", check: func(t *testing.T, r Row[planning.Tag]) { eq(t, *r.Value.ExpiryWarningDays, 30) }},
		{column: "expiry_warning_days", cell: "1.5", problem: `column expiry_warning_days: "1.5" is not a whole number`},
		{column: "expiry_warning_days", cell: "-1", problem: "column expiry_warning_days: must not be negative"},
		{column: "categories", cell: "Safety|Training", check: func(t *testing.T, r Row[planning.Tag]) {
			eq(t, strings.Join(r.Value.Categories, ","), "Safety,Training")
		}},
		{column: "abbreviation", cell: "TOOLONG", problem: `column abbreviation: "TOOLONG" is 7 characters; at most 5`},
	})
}
