package planning

import (
	"encoding/json"
	"strings"
	"testing"
)

func validProject() Project {
	return Project{
		Name: " Mercy Hospital ", Status: " Active ", GroupCodes: []string{"KS", " MO "}, ProjectNumber: " P-1001 ",
		StartDate: MustParseDate("2026-03-02"), PlannedEndDate: MustParseDate("2026-12-18"),
		Timezone:     "America/Chicago",
		Address:      Address{City: "Kansas City", State: "ks", Country: "us"},
		CustomerName: "Mercy", ProjectType: "Healthcare", Stage: "Construction",
		BidRate: DecimalPtr("85.00"), PercentComplete: ptr(40), Color: "#336699",
		Tags:          []string{"OSHA30", " CPR "},
		Custom:        CustomFields{"po": "123"},
		Roles:         []ProjectRole{{PersonID: "person-1", JobTitle: "PM"}},
		Categories:    []Category{{Name: " Level 1 ", Subcategories: []string{" Framing ", "Drywall"}}, {Name: "Level 2"}},
		WageOverrides: []WageOverride{{JobTitle: "APP", Rate: *DecimalPtr("30")}, {JobTitle: "JRN", Rate: *DecimalPtr("42.5")}},
	}
}

func TestProjectValid(t *testing.T) {
	p := validProject()
	p.Normalize()
	if p.Name != "Mercy Hospital" || p.Status != StatusActive || p.ProjectNumber != "P-1001" ||
		strings.Join(p.GroupCodes, "|") != "KS|MO" || strings.Join(p.Tags, "|") != "OSHA30|CPR" ||
		p.Categories[0].Name != "Level 1" || p.Categories[0].Subcategories[0] != "Framing" || p.State != "KS" {
		t.Errorf("Normalize = %+v", p)
	}
	expectValid(t, p.Validate())
	if p.Key() != "P-1001" || p.Label() != "Mercy Hospital (P-1001)" {
		t.Errorf("Key/Label = %q / %q", p.Key(), p.Label())
	}
}

func TestProjectDefaults(t *testing.T) {
	p := Project{Name: "Shop", GroupCodes: []string{"KS"}, ProjectNumber: "P-2", StartDate: MustParseDate("2026-01-05"), Custom: CustomFields{}}
	p.Normalize()
	if p.Status != StatusActive {
		t.Errorf("Status = %q, want active", p.Status)
	}
	if p.DailyStartTime == nil || *p.DailyStartTime != DefaultDailyStart || p.DailyStartTime.String() != "07:30" {
		t.Errorf("DailyStartTime = %v, want 07:30", p.DailyStartTime)
	}
	if p.DailyEndTime == nil || *p.DailyEndTime != DefaultDailyEnd || p.DailyEndTime.String() != "15:30" {
		t.Errorf("DailyEndTime = %v, want 15:30", p.DailyEndTime)
	}
	if p.Custom != nil {
		t.Errorf("Custom = %#v, want nil", p.Custom)
	}
	expectValid(t, p.Validate())

	// Given hours are kept.
	q := Project{Name: "Shop", GroupCodes: []string{"KS"}, ProjectNumber: "P-2", StartDate: MustParseDate("2026-01-05"),
		DailyStartTime: tod("06:00"), DailyEndTime: tod("14:30")}
	q.Normalize()
	if q.DailyStartTime.String() != "06:00" || q.DailyEndTime.String() != "14:30" {
		t.Errorf("hours = %v-%v, want 06:00-14:30", q.DailyStartTime, q.DailyEndTime)
	}
	expectValid(t, q.Validate())
}

func TestProjectRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Project)
		want   []wantErr
	}{
		{"name required", func(p *Project) { p.Name = "" }, []wantErr{{"name", "is required"}}},
		{"name too long", func(p *Project) { p.Name = strings.Repeat("n", 201) }, []wantErr{{"name", "at most 200"}}},
		{"pending", func(p *Project) { p.Status = StatusPending }, nil},
		{"inactive", func(p *Project) { p.Status = StatusInactive }, nil},
		{"status invalid", func(p *Project) { p.Status = "closed" },
			[]wantErr{{"status", `"closed" is not a project status; use active, pending or inactive`}}},
		{"group codes required", func(p *Project) { p.GroupCodes = nil }, []wantErr{{"group_codes", "is required: list at least one group code"}}},
		{"duplicate group code", func(p *Project) { p.GroupCodes = []string{"KS", "KS"} }, []wantErr{{"group_codes[1]", `"KS" is listed twice`}}},
		{"project number required", func(p *Project) { p.ProjectNumber = "" }, []wantErr{{"project_number", "is required"}}},
		{"project number too long", func(p *Project) { p.ProjectNumber = strings.Repeat("1", 101) }, []wantErr{{"project_number", "at most 100"}}},
		{"start date required when active", func(p *Project) { p.StartDate, p.PlannedEndDate = Date{}, Date{} },
			[]wantErr{{"start_date", "is required when the project is active"}}},
		{"start date optional when pending", func(p *Project) { p.Status, p.StartDate = StatusPending, Date{} }, nil},
		{"start date optional when inactive", func(p *Project) { p.Status, p.StartDate = StatusInactive, Date{} }, nil},
		{"planned end before start", func(p *Project) { p.PlannedEndDate = MustParseDate("2026-03-01") },
			[]wantErr{{"planned_end_date", "is before the start date (2026-03-02)"}}},
		{"planned end on start day", func(p *Project) { p.PlannedEndDate = p.StartDate }, nil},
		{"closed before start", func(p *Project) { p.ClosedDate = MustParseDate("2025-12-31") },
			[]wantErr{{"closed_date", "is before the start date (2026-03-02)"}}},
		{"timezone invalid", func(p *Project) { p.Timezone = "Chicago" }, []wantErr{{"timezone", `"Chicago" is not a time zone`}}},
		{"timezone optional", func(p *Project) { p.Timezone = "" }, nil},
		{"start time off the 15-minute grid", func(p *Project) { p.DailyStartTime = tod("07:40") },
			[]wantErr{{"daily_start_time", "07:40 is not on a 15-minute step"}}},
		{"end time off the 15-minute grid", func(p *Project) { p.DailyEndTime = tod("16:10") },
			[]wantErr{{"daily_end_time", "16:10 is not on a 15-minute step; use :00, :15, :30 or :45"}}},
		{"quarter steps are fine", func(p *Project) { p.DailyStartTime, p.DailyEndTime = tod("06:15"), tod("17:45") }, nil},
		{"time out of range", func(p *Project) { p.DailyEndTime = ptr(TimeOfDay(24 * 60)) },
			[]wantErr{{"daily_end_time", "must be a time of day between 00:00 and 23:45"}}},
		{"negative time", func(p *Project) { p.DailyStartTime = ptr(TimeOfDay(-15)) },
			[]wantErr{{"daily_start_time", "between 00:00 and 23:45"}}},
		{"end before start", func(p *Project) { p.DailyStartTime, p.DailyEndTime = tod("16:00"), tod("08:00") },
			[]wantErr{{"daily_end_time", "must be after the daily start time (16:00)"}}},
		{"end equal to start", func(p *Project) { p.DailyStartTime, p.DailyEndTime = tod("08:00"), tod("08:00") },
			[]wantErr{{"daily_end_time", "must be after the daily start time (08:00)"}}},
		{"state invalid", func(p *Project) { p.State = "KANS" }, []wantErr{{"state", "upper-case state code"}}},
		{"country invalid", func(p *Project) { p.Country = "USA" }, []wantErr{{"country", "two-letter country code"}}},
		{"negative bid rate", func(p *Project) { p.BidRate = DecimalPtr("-5") }, []wantErr{{"bid_rate", "must not be negative"}}},
		{"percent complete over 100", func(p *Project) { p.PercentComplete = ptr(101) },
			[]wantErr{{"percent_complete", "must be between 0 and 100, not 101"}}},
		{"percent complete negative", func(p *Project) { p.PercentComplete = ptr(-1) },
			[]wantErr{{"percent_complete", "must be between 0 and 100, not -1"}}},
		{"percent complete bounds", func(p *Project) { p.PercentComplete = ptr(0) }, nil},
		{"percent complete 100", func(p *Project) { p.PercentComplete = ptr(100) }, nil},
		{"color invalid", func(p *Project) { p.Color = "navy" }, []wantErr{{"color", `"navy" is not a color`}}},
		{"duplicate tag", func(p *Project) { p.Tags = []string{"CPR", "CPR"} }, []wantErr{{"tags[1]", `"CPR" is listed twice`}}},
		{"bad tag code", func(p *Project) { p.Tags = []string{"C P R"} }, []wantErr{{"tags[0]", `"C P R" is not a valid code`}}},
		{"custom field without name", func(p *Project) { p.Custom = CustomFields{" ": "x"} }, []wantErr{{"custom", "has a field with no name"}}},
		{"role without person", func(p *Project) { p.Roles = []ProjectRole{{JobTitle: "PM"}} }, []wantErr{{"roles[0].person_id", "is required"}}},
		{"role without job title", func(p *Project) { p.Roles = append(p.Roles, ProjectRole{PersonID: "person-2"}) },
			[]wantErr{{"roles[1].job_title", "is required"}}},
		{"category without name", func(p *Project) { p.Categories = append(p.Categories, Category{}) },
			[]wantErr{{"categories[2].name", "is required"}}},
		{"duplicate category", func(p *Project) { p.Categories = append(p.Categories, Category{Name: "Level 2"}) },
			[]wantErr{{"categories[2].name", `category "Level 2" is listed twice`}}},
		{"duplicate subcategory", func(p *Project) { p.Categories[1].Subcategories = []string{"Roof", "Roof"} },
			[]wantErr{{"categories[1].subcategories[1]", `subcategory "Roof" is listed twice`}}},
		{"same subcategory under two categories", func(p *Project) { p.Categories[1].Subcategories = []string{"Framing"} }, nil},
		{"wage override duplicate job title", func(p *Project) {
			p.WageOverrides = append(p.WageOverrides, WageOverride{JobTitle: "APP", Rate: *DecimalPtr("31")})
		}, []wantErr{{"wage_overrides[2].job_title", `job title "APP" has two wage overrides`}}},
		{"wage override without job title", func(p *Project) { p.WageOverrides[0].JobTitle = "" },
			[]wantErr{{"wage_overrides[0].job_title", "is required"}}},
		{"wage override negative rate", func(p *Project) { p.WageOverrides[1].Rate = *DecimalPtr("-0.5") },
			[]wantErr{{"wage_overrides[1].rate", "must not be negative"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProject()
			p.Normalize()
			tt.modify(&p)
			expectErrors(t, p.Validate(), tt.want...)
		})
	}
}

func TestProjectEveryProblemAtOnce(t *testing.T) {
	p := Project{
		Status:          "done",
		PercentComplete: ptr(150),
		DailyStartTime:  tod("07:10"),
		WageOverrides:   []WageOverride{{JobTitle: "APP"}, {JobTitle: "APP", Rate: *DecimalPtr("-1")}},
	}
	p.Normalize()
	errs := p.Validate()
	if len(errs) != 8 {
		t.Errorf("got %d errors, want 8: %v", len(errs), describe(errs))
	}
	expectFields(t, errs,
		"name", "status", "group_codes", "project_number", "daily_start_time", "percent_complete",
		"wage_overrides[1].job_title", "wage_overrides[1].rate")
}

func TestProjectActiveWithoutStartDate(t *testing.T) {
	// Status defaults to active, so a project with no status and no start date needs one.
	p := Project{Name: "Shop", GroupCodes: []string{"KS"}, ProjectNumber: "P-3"}
	p.Normalize()
	expectErrors(t, p.Validate(), wantErr{"start_date", "is required when the project is active"})
}

func TestProjectRefs(t *testing.T) {
	p := validProject()
	p.Normalize()
	expectRefs(t, p.Refs(),
		Ref{Field: "group_codes[0]", Kind: KindGroup, Code: "KS"},
		Ref{Field: "group_codes[1]", Kind: KindGroup, Code: "MO"},
		Ref{Field: "tags[0]", Kind: KindTag, Code: "OSHA30"},
		Ref{Field: "tags[1]", Kind: KindTag, Code: "CPR"},
		Ref{Field: "roles[0].person_id", Kind: KindPerson, ID: "person-1"},
		Ref{Field: "roles[0].job_title", Kind: KindJobTitle, Code: "PM"},
		Ref{Field: "wage_overrides[0].job_title", Kind: KindJobTitle, Code: "APP"},
		Ref{Field: "wage_overrides[1].job_title", Kind: KindJobTitle, Code: "JRN"})
}

func TestProjectHasCategory(t *testing.T) {
	p := validProject()
	p.Normalize()
	tests := []struct {
		cat, sub string
		want     bool
	}{
		{"Level 1", "", true},
		{"Level 1", "Framing", true},
		{"Level 1", "Drywall", true},
		{"Level 1", "Roof", false},
		{"Level 2", "", true},
		{"Level 2", "Framing", false},
		{"Level 3", "", false},
		{"level 1", "", false},
	}
	for _, tt := range tests {
		if got := p.HasCategory(tt.cat, tt.sub); got != tt.want {
			t.Errorf("HasCategory(%q, %q) = %v, want %v", tt.cat, tt.sub, got, tt.want)
		}
	}
}

func TestProjectJSON(t *testing.T) {
	p := Project{Name: "Shop", GroupCodes: []string{"KS"}, ProjectNumber: "P-2", StartDate: MustParseDate("2026-01-05")}
	p.Normalize()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"start_date":"2026-01-05"`, `"daily_start_time":"07:30"`, `"daily_end_time":"15:30"`, `"status":"active"`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON %s should contain %s", s, want)
		}
	}
	for _, absent := range []string{"planned_end_date", "closed_date", "percent_complete", "wage_overrides"} {
		if strings.Contains(s, absent) {
			t.Errorf("JSON %s should omit unset %s", s, absent)
		}
	}
	var back Project
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.StartDate != p.StartDate || *back.DailyStartTime != DefaultDailyStart || *back.DailyEndTime != DefaultDailyEnd {
		t.Errorf("round trip = %+v", back)
	}
}
