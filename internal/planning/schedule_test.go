package planning

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWorkDaysJSON(t *testing.T) {
	b, err := json.Marshal(Weekdays)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"friday":true,"monday":true,"saturday":false,"sunday":false,"thursday":true,"tuesday":true,"wednesday":true}`
	if string(b) != want {
		t.Errorf("Marshal(Weekdays) = %s, want %s", b, want)
	}
	for _, w := range []WorkDays{Weekdays, {}, {true, false, false, false, false, false, true}, {true, true, true, true, true, true, true}} {
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		var back WorkDays
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if back != w {
			t.Errorf("round trip of %v = %v", w, back)
		}
	}
}

func TestWorkDaysUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    WorkDays
		errText string
	}{
		{in: `{"monday":true,"friday":true}`, want: WorkDays{time.Monday: true, time.Friday: true}},
		{in: `{"Sun":true,"SAT":true}`, want: WorkDays{time.Sunday: true, time.Saturday: true}},
		{in: `{"wed":true,"Thursday":false}`, want: WorkDays{time.Wednesday: true}},
		{in: `{}`, want: WorkDays{}},
		{in: `{"funday":true}`, errText: `"funday" is not a day of the week`},
		{in: `{"mo":true}`, errText: `"mo" is not a day of the week`},
		{in: `{"monday":"yes"}`, errText: "bool"},
		{in: `[true,true]`, errText: "array"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			w := WorkDays{true, true, true, true, true, true, true}
			err := json.Unmarshal([]byte(tt.in), &w)
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Unmarshal(%s) error = %v, want one containing %q", tt.in, err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if w != tt.want {
				t.Errorf("Unmarshal(%s) = %v, want %v (days not named are off)", tt.in, w, tt.want)
			}
		})
	}
}

func TestWorkDaysAny(t *testing.T) {
	if (WorkDays{}).Any() {
		t.Error("empty WorkDays.Any() = true")
	}
	if !(WorkDays{time.Saturday: true}).Any() || !Weekdays.Any() {
		t.Error("Any() = false with a day set")
	}
	if Weekdays[time.Sunday] || Weekdays[time.Saturday] || !Weekdays[time.Monday] || !Weekdays[time.Friday] {
		t.Errorf("Weekdays = %v, want Monday to Friday", Weekdays)
	}
}

func hoursAssignment() Assignment {
	return Assignment{
		PersonID: " person-1 ", ProjectID: " project-1 ",
		StartDay: MustParseDate("2026-03-02"), EndDay: MustParseDate("2026-03-06"),
		StartTime: tod("07:00"), EndTime: tod("15:30"),
		WorkDays: WorkDays{time.Monday: true, time.Tuesday: true}, Category: "Level 1", Subcategory: "Framing", Status: " Tentative ",
	}
}

func percentAssignment() Assignment {
	return Assignment{PersonID: "person-1", ProjectID: "project-1",
		StartDay: MustParseDate("2026-03-02"), EndDay: MustParseDate("2026-03-02"), PercentAllocated: ptr(50)}
}

func TestAssignmentValid(t *testing.T) {
	a := hoursAssignment()
	a.Normalize()
	if a.PersonID != "person-1" || a.ProjectID != "project-1" || a.Status != AssignmentTentative {
		t.Errorf("Normalize = %+v", a)
	}
	if a.WorkDays != (WorkDays{time.Monday: true, time.Tuesday: true}) {
		t.Errorf("given work days were replaced: %v", a.WorkDays)
	}
	expectValid(t, a.Validate())

	b := percentAssignment()
	b.Normalize()
	if b.Status != AssignmentConfirmed {
		t.Errorf("Status = %q, want confirmed by default", b.Status)
	}
	if b.WorkDays != Weekdays {
		t.Errorf("WorkDays = %v, want weekdays by default", b.WorkDays)
	}
	expectValid(t, b.Validate())
}

func TestAssignmentRules(t *testing.T) {
	tests := []struct {
		name   string
		base   func() Assignment
		modify func(*Assignment)
		want   []wantErr
	}{
		{"person required", hoursAssignment, func(a *Assignment) { a.PersonID = "" }, []wantErr{{"person_id", "is required"}}},
		{"project required", hoursAssignment, func(a *Assignment) { a.ProjectID = " " }, []wantErr{{"project_id", "is required"}}},
		{"start day required", hoursAssignment, func(a *Assignment) { a.StartDay = Date{} }, []wantErr{{"start_day", "is required"}}},
		{"end day required", hoursAssignment, func(a *Assignment) { a.EndDay = Date{} }, []wantErr{{"end_day", "is required"}}},
		{"end day before start day", hoursAssignment, func(a *Assignment) { a.EndDay = MustParseDate("2026-03-01") },
			[]wantErr{{"end_day", "is before the start day (2026-03-02)"}}},
		{"one-day assignment", hoursAssignment, func(a *Assignment) { a.EndDay = a.StartDay }, nil},
		{"both hours and percent", hoursAssignment, func(a *Assignment) { a.PercentAllocated = ptr(50) },
			[]wantErr{{"percent_allocated", "must be empty when start_time and end_time are given; use one or the other"}}},
		{"percent with only a start time", percentAssignment, func(a *Assignment) { a.StartTime = tod("07:00") },
			[]wantErr{{"percent_allocated", "use one or the other"}}},
		{"neither hours nor percent", percentAssignment, func(a *Assignment) { a.PercentAllocated = nil },
			[]wantErr{{"start_time", "is required: give start_time and end_time, or percent_allocated"}}},
		{"start time without end time", hoursAssignment, func(a *Assignment) { a.EndTime = nil },
			[]wantErr{{"end_time", "is required with start_time"}}},
		{"end time without start time", hoursAssignment, func(a *Assignment) { a.StartTime = nil },
			[]wantErr{{"start_time", "is required with end_time"}}},
		{"end time before start time", hoursAssignment, func(a *Assignment) { a.StartTime, a.EndTime = tod("15:00"), tod("07:00") },
			[]wantErr{{"end_time", "must be after the start time (15:00)"}}},
		{"end time equal to start time", hoursAssignment, func(a *Assignment) { a.EndTime = tod("07:00") },
			[]wantErr{{"end_time", "must be after the start time (07:00)"}}},
		{"start time off the grid", hoursAssignment, func(a *Assignment) { a.StartTime = tod("07:05") },
			[]wantErr{{"start_time", "07:05 is not on a 15-minute step"}}},
		{"end time off the grid", hoursAssignment, func(a *Assignment) { a.EndTime = tod("15:31") },
			[]wantErr{{"end_time", "15:31 is not on a 15-minute step"}}},
		{"time out of range", hoursAssignment, func(a *Assignment) { a.EndTime = ptr(TimeOfDay(25 * 60)) },
			[]wantErr{{"end_time", "between 00:00 and 23:45"}}},
		{"percent zero", percentAssignment, func(a *Assignment) { a.PercentAllocated = ptr(0) },
			[]wantErr{{"percent_allocated", "must be between 1 and 100, not 0"}}},
		{"percent over 100", percentAssignment, func(a *Assignment) { a.PercentAllocated = ptr(101) },
			[]wantErr{{"percent_allocated", "must be between 1 and 100, not 101"}}},
		{"percent bounds", percentAssignment, func(a *Assignment) { a.PercentAllocated = ptr(100) }, nil},
		{"percent one", percentAssignment, func(a *Assignment) { a.PercentAllocated = ptr(1) }, nil},
		{"no work days", hoursAssignment, func(a *Assignment) { a.WorkDays = WorkDays{} },
			[]wantErr{{"work_days", "must include at least one day"}}},
		{"subcategory without category", hoursAssignment, func(a *Assignment) { a.Category = "" },
			[]wantErr{{"category", "is required when a subcategory is given"}}},
		{"category without subcategory", hoursAssignment, func(a *Assignment) { a.Subcategory = "" }, nil},
		{"status invalid", hoursAssignment, func(a *Assignment) { a.Status = "maybe" },
			[]wantErr{{"status", `"maybe" is not an assignment status; use confirmed or tentative`}}},
		{"status not normalized", hoursAssignment, func(a *Assignment) { a.Status = "" },
			[]wantErr{{"status", `"" is not an assignment status`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.base()
			a.Normalize()
			tt.modify(&a)
			expectErrors(t, a.Validate(), tt.want...)
		})
	}
}

func TestAssignmentEveryProblemAtOnce(t *testing.T) {
	a := Assignment{
		StartDay: MustParseDate("2026-03-10"), EndDay: MustParseDate("2026-03-09"),
		StartTime: tod("08:10"), Subcategory: "Framing", Status: "pencilled",
	}
	a.Normalize()
	errs := a.Validate()
	if len(errs) != 7 {
		t.Errorf("got %d errors, want 7: %v", len(errs), describe(errs))
	}
	expectFields(t, errs, "person_id", "project_id", "end_day", "end_time", "start_time", "category", "status")
}

func TestAssignmentRefs(t *testing.T) {
	a := hoursAssignment()
	a.Normalize()
	expectRefs(t, a.Refs(),
		Ref{Field: "person_id", Kind: KindPerson, ID: "person-1"},
		Ref{Field: "project_id", Kind: KindProject, ID: "project-1"})
}

func TestAssignmentJSON(t *testing.T) {
	in := `{"person_id":"p1","project_id":"j1","start_day":"03/02/2026","end_day":"2026-03-06",
		"start_time":"7:00 AM","end_time":"15:30","work_days":{"mon":true,"wed":true},"status":"confirmed"}`
	var a Assignment
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	a.Normalize()
	expectValid(t, a.Validate())
	if a.StartDay != MustParseDate("2026-03-02") || a.StartTime.String() != "07:00" || a.WorkDays != (WorkDays{time.Monday: true, time.Wednesday: true}) {
		t.Errorf("decoded = %+v", a)
	}
	b, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"start_day":"2026-03-02"`, `"start_time":"07:00"`, `"monday":true`, `"tuesday":false`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON %s should contain %s", s, want)
		}
	}
	if strings.Contains(s, "percent_allocated") {
		t.Errorf("JSON %s should omit unset percent_allocated", s)
	}

	bad := `{"person_id":"p1","work_days":{"someday":true}}`
	if err := json.Unmarshal([]byte(bad), &a); err == nil || !strings.Contains(err.Error(), "someday") {
		t.Errorf("Unmarshal with a bad day name: err = %v", err)
	}
}

func validTimeOff() TimeOff {
	return TimeOff{PersonID: " person-1 ", StartDay: MustParseDate("2026-07-01"), EndDay: MustParseDate("2026-07-03"), Paid: true, Reason: " Vacation ", Repeat: " Yearly "}
}

func TestTimeOffValid(t *testing.T) {
	to := validTimeOff()
	to.Normalize()
	if to.PersonID != "person-1" || to.Reason != "Vacation" || to.Repeat != RepeatYearly {
		t.Errorf("Normalize = %+v", to)
	}
	expectValid(t, to.Validate())
	expectRefs(t, to.Refs(), Ref{Field: "person_id", Kind: KindPerson, ID: "person-1"})

	d := TimeOff{PersonID: "p", StartDay: MustParseDate("2026-07-01"), EndDay: MustParseDate("2026-07-01")}
	d.Normalize()
	if d.Repeat != RepeatNever {
		t.Errorf("Repeat = %q, want never by default", d.Repeat)
	}
	expectValid(t, d.Validate())
}

func TestTimeOffRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*TimeOff)
		want   []wantErr
	}{
		{"person required", func(to *TimeOff) { to.PersonID = "" }, []wantErr{{"person_id", "is required"}}},
		{"start day required", func(to *TimeOff) { to.StartDay = Date{} }, []wantErr{{"start_day", "is required"}}},
		{"end day required", func(to *TimeOff) { to.EndDay = Date{} }, []wantErr{{"end_day", "is required"}}},
		{"end before start", func(to *TimeOff) { to.EndDay = MustParseDate("2026-06-30") },
			[]wantErr{{"end_day", "is before the start day (2026-07-01)"}}},
		{"reason too long", func(to *TimeOff) { to.Reason = strings.Repeat("r", 501) }, []wantErr{{"reason", "501 characters; at most 500"}}},
		{"weekly", func(to *TimeOff) { to.Repeat = RepeatWeekly }, nil},
		{"monthly", func(to *TimeOff) { to.Repeat = RepeatMonthly }, nil},
		{"repeat invalid", func(to *TimeOff) { to.Repeat = "daily" },
			[]wantErr{{"repeat", `"daily" is not a repeat choice; use never, weekly, monthly or yearly`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := validTimeOff()
			to.Normalize()
			tt.modify(&to)
			expectErrors(t, to.Validate(), tt.want...)
		})
	}
}

func TestTimeOffEveryProblemAtOnce(t *testing.T) {
	to := TimeOff{Repeat: "fortnightly", Reason: strings.Repeat("x", 600)}
	to.Normalize()
	errs := to.Validate()
	if len(errs) != 5 {
		t.Errorf("got %d errors, want 5: %v", len(errs), describe(errs))
	}
	expectFields(t, errs, "person_id", "start_day", "end_day", "reason", "repeat")
}

func validRequest() ResourceRequest {
	return ResourceRequest{ProjectID: " project-1 ", JobTitle: " APP ", Quantity: 3,
		StartDay: MustParseDate("2026-04-06"), EndDay: MustParseDate("2026-04-24"), Tags: []string{"OSHA30", " CPR ", ""}}
}

func TestResourceRequestValid(t *testing.T) {
	r := validRequest()
	r.Normalize()
	if r.ProjectID != "project-1" || r.JobTitle != "APP" || strings.Join(r.Tags, "|") != "OSHA30|CPR" {
		t.Errorf("Normalize = %+v", r)
	}
	expectValid(t, r.Validate())
	expectRefs(t, r.Refs(),
		Ref{Field: "project_id", Kind: KindProject, ID: "project-1"},
		Ref{Field: "job_title", Kind: KindJobTitle, Code: "APP"},
		Ref{Field: "tags[0]", Kind: KindTag, Code: "OSHA30"},
		Ref{Field: "tags[1]", Kind: KindTag, Code: "CPR"})

	one := ResourceRequest{ProjectID: "j", JobTitle: "APP", StartDay: MustParseDate("2026-04-06"), EndDay: MustParseDate("2026-04-06")}
	one.Normalize()
	if one.Quantity != 1 {
		t.Errorf("Quantity = %d, want 1 by default", one.Quantity)
	}
	expectValid(t, one.Validate())
	expectRefs(t, one.Refs(),
		Ref{Field: "project_id", Kind: KindProject, ID: "j"},
		Ref{Field: "job_title", Kind: KindJobTitle, Code: "APP"})
}

func TestResourceRequestRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*ResourceRequest)
		want   []wantErr
	}{
		{"project required", func(r *ResourceRequest) { r.ProjectID = "" }, []wantErr{{"project_id", "is required"}}},
		{"job title required", func(r *ResourceRequest) { r.JobTitle = "" }, []wantErr{{"job_title", "is required"}}},
		{"job title invalid", func(r *ResourceRequest) { r.JobTitle = "A P P" }, []wantErr{{"job_title", `"A P P" is not a valid code`}}},
		{"negative quantity", func(r *ResourceRequest) { r.Quantity = -2 }, []wantErr{{"quantity", "must be at least 1, not -2"}}},
		{"start day required", func(r *ResourceRequest) { r.StartDay = Date{} }, []wantErr{{"start_day", "is required"}}},
		{"end day required", func(r *ResourceRequest) { r.EndDay = Date{} }, []wantErr{{"end_day", "is required"}}},
		{"end before start", func(r *ResourceRequest) { r.EndDay = MustParseDate("2026-04-05") },
			[]wantErr{{"end_day", "is before the start day (2026-04-06)"}}},
		{"duplicate tag", func(r *ResourceRequest) { r.Tags = []string{"CPR", "OSHA30", "CPR"} },
			[]wantErr{{"tags[2]", `"CPR" is listed twice`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			r.Normalize()
			tt.modify(&r)
			expectErrors(t, r.Validate(), tt.want...)
		})
	}
}

func TestResourceRequestEveryProblemAtOnce(t *testing.T) {
	r := ResourceRequest{Quantity: -1, Tags: []string{"X", "X"}}
	r.Normalize()
	errs := r.Validate()
	if len(errs) != 6 {
		t.Errorf("got %d errors, want 6: %v", len(errs), describe(errs))
	}
	expectFields(t, errs, "project_id", "job_title", "quantity", "start_day", "end_day", "tags[1]")
}
