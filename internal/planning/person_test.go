package planning

import (
	"encoding/json"
	"strings"
	"testing"
)

func validPerson() Person {
	return Person{
		FirstName: " Jane ", LastName: " Doe ", Status: " Active ", GroupCodes: []string{" KS ", "MO"},
		EmployeeID: " E100 ", IsAssignable: true, IsUser: true,
		Email: " Jane.Doe@Example.com ", MobilePhone: " +13125550100 ", CanReceiveSMS: true, CanReceiveEmail: true,
		JobTitle: " APP ", HourlyWage: DecimalPtr("31.25"),
		HiredDate: MustParseDate("2020-04-01"), DateOfBirth: MustParseDate("1990-06-15"),
		Address:              Address{City: "Kansas City", State: "mo", Country: "us"},
		EmergencyContactName: "John Doe", EmergencyContactPhone: "+13125550101", EmergencyContactEmail: "JOHN@example.com",
		Tags:   []PersonTag{{Code: " OSHA30 ", Expires: MustParseDate("2027-01-01")}, {Code: "CPR"}},
		Custom: CustomFields{"shirt_size": "L"},
	}
}

func TestPersonValid(t *testing.T) {
	p := validPerson()
	p.Normalize()
	if p.FirstName != "Jane" || p.LastName != "Doe" || p.EmployeeID != "E100" || p.Status != StatusActive ||
		p.Email != "jane.doe@example.com" || p.MobilePhone != "+13125550100" || p.JobTitle != "APP" ||
		p.EmergencyContactEmail != "john@example.com" || p.State != "MO" || p.Tags[0].Code != "OSHA30" ||
		strings.Join(p.GroupCodes, "|") != "KS|MO" {
		t.Errorf("Normalize = %+v", p)
	}
	expectValid(t, p.Validate())
	if p.Name() != "Jane Doe" || p.Label() != "Jane Doe (E100)" || p.Key() != "E100" {
		t.Errorf("Name/Label/Key = %q / %q / %q", p.Name(), p.Label(), p.Key())
	}
}

func TestPersonMinimal(t *testing.T) {
	p := Person{FirstName: "Sam", LastName: "Lee", GroupCodes: []string{"KS"}, EmployeeID: "E1", Tags: []PersonTag{}, Custom: CustomFields{}}
	p.Normalize()
	if p.Status != StatusActive {
		t.Errorf("Status = %q, want active by default", p.Status)
	}
	if p.Tags != nil || p.Custom != nil {
		t.Errorf("empty tags/custom should become nil: %#v %#v", p.Tags, p.Custom)
	}
	expectValid(t, p.Validate())
	expectRefs(t, p.Refs(), Ref{Field: "group_codes[0]", Kind: KindGroup, Code: "KS"})
}

func TestPersonRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Person)
		want   []wantErr
	}{
		{"first name required", func(p *Person) { p.FirstName = "" }, []wantErr{{"first_name", "is required"}}},
		{"first name too long", func(p *Person) { p.FirstName = strings.Repeat("a", 101) }, []wantErr{{"first_name", "at most 100"}}},
		{"last name required", func(p *Person) { p.LastName = " " }, []wantErr{{"last_name", "is required"}}},
		{"last name too long", func(p *Person) { p.LastName = strings.Repeat("a", 101) }, []wantErr{{"last_name", "at most 100"}}},
		{"inactive is fine", func(p *Person) { p.Status = StatusInactive }, nil},
		{"pending is not a person status", func(p *Person) { p.Status = StatusPending },
			[]wantErr{{"status", `"pending" is not a person status; use active or inactive`}}},
		{"unknown status", func(p *Person) { p.Status = "terminated" }, []wantErr{{"status", `"terminated" is not a person status`}}},
		{"group codes required", func(p *Person) { p.GroupCodes = nil }, []wantErr{{"group_codes", "is required: list at least one group code"}}},
		{"duplicate group code", func(p *Person) { p.GroupCodes = []string{"KS", "MO", "MO"} }, []wantErr{{"group_codes[2]", `"MO" is listed twice`}}},
		{"bad group code", func(p *Person) { p.GroupCodes = []string{"K/S"} }, []wantErr{{"group_codes[0]", `"K/S" is not a valid code`}}},
		{"employee id required", func(p *Person) { p.EmployeeID = "" }, []wantErr{{"employee_id", "is required"}}},
		{"employee id too long", func(p *Person) { p.EmployeeID = strings.Repeat("9", 101) }, []wantErr{{"employee_id", "at most 100"}}},
		{"email required when is_user", func(p *Person) { p.Email, p.CanReceiveEmail = "", false },
			[]wantErr{{"email", "is required when the person can log in (is_user)"}}},
		{"email optional when not a user", func(p *Person) { p.Email, p.CanReceiveEmail, p.IsUser = "", false, false }, nil},
		{"email invalid", func(p *Person) { p.Email = "jane.doe" }, []wantErr{{"email", `"jane.doe" is not an email address`}}},
		{"email required to receive email", func(p *Person) { p.Email, p.IsUser = "", false },
			[]wantErr{{"email", "is required to receive email (can_receive_email)"}}},
		{"phone not E.164", func(p *Person) { p.MobilePhone = "(312) 555-0100" },
			[]wantErr{{"mobile_phone", `"(312) 555-0100" is not a phone number in E.164 form`}}},
		{"phone without country code plus", func(p *Person) { p.MobilePhone = "3125550100" }, []wantErr{{"mobile_phone", "E.164"}}},
		{"phone required for sms", func(p *Person) { p.MobilePhone = "" },
			[]wantErr{{"mobile_phone", "is required to receive text messages (can_receive_sms)"}}},
		{"phone optional without sms", func(p *Person) { p.MobilePhone, p.CanReceiveSMS = "", false }, nil},
		{"negative wage", func(p *Person) { p.HourlyWage = DecimalPtr("-12.50") }, []wantErr{{"hourly_wage", "must not be negative"}}},
		{"hired before born", func(p *Person) { p.HiredDate = MustParseDate("1989-01-01") }, []wantErr{{"hired_date", "is before the date of birth"}}},
		{"hired without birth date", func(p *Person) { p.DateOfBirth = Date{} }, nil},
		{"state invalid", func(p *Person) { p.State = "MISSOURI" }, []wantErr{{"state", `not "MISSOURI"`}}},
		{"country invalid", func(p *Person) { p.Country = "U" }, []wantErr{{"country", `two-letter country code such as US, not "U"`}}},
		{"emergency phone invalid", func(p *Person) { p.EmergencyContactPhone = "555-0101" },
			[]wantErr{{"emergency_contact_phone", `"555-0101" is not a phone number in E.164 form`}}},
		{"emergency email invalid", func(p *Person) { p.EmergencyContactEmail = "john" },
			[]wantErr{{"emergency_contact_email", `"john" is not an email address`}}},
		{"tag code required", func(p *Person) { p.Tags = append(p.Tags, PersonTag{}) }, []wantErr{{"tags[2]", "is required"}}},
		{"tag code invalid", func(p *Person) { p.Tags[1].Code = "C P R" }, []wantErr{{"tags[1]", `"C P R" is not a valid code`}}},
		{"tag listed twice", func(p *Person) { p.Tags = append(p.Tags, PersonTag{Code: "OSHA30"}) },
			[]wantErr{{"tags[2]", `tag "OSHA30" is listed twice`}}},
		{"custom field too long", func(p *Person) { p.Custom = CustomFields{"note": strings.Repeat("x", 2001)} },
			[]wantErr{{"custom.note", "at most 2000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPerson()
			p.Normalize()
			tt.modify(&p)
			expectErrors(t, p.Validate(), tt.want...)
		})
	}
}

func TestPersonNormalizeStatusCase(t *testing.T) {
	for _, in := range []Status{"ACTIVE", " Inactive "} {
		p := validPerson()
		p.Status = in
		p.Normalize()
		expectValid(t, p.Validate())
	}
}

func TestPersonEveryProblemAtOnce(t *testing.T) {
	p := Person{
		Status:        "retired",
		IsUser:        true,
		MobilePhone:   "555-0100",
		HourlyWage:    DecimalPtr("-1"),
		HiredDate:     MustParseDate("2000-01-01"),
		DateOfBirth:   MustParseDate("2001-01-01"),
		Tags:          []PersonTag{{Code: "CPR"}, {Code: "CPR"}},
		CanReceiveSMS: true,
	}
	p.Normalize()
	errs := p.Validate()
	if len(errs) != 10 {
		t.Errorf("got %d errors, want 10: %v", len(errs), describe(errs))
	}
	expectFields(t, errs,
		"first_name", "last_name", "status", "group_codes", "employee_id", "email",
		"mobile_phone", "hourly_wage", "hired_date", "tags[1]")
	if err := errs.Err(); err == nil || !strings.Contains(err.Error(), "first_name: is required") || !strings.Contains(err.Error(), "tags[1]:") {
		t.Errorf("Err() = %v, want all problems in one message", err)
	}
}

func TestPersonRefs(t *testing.T) {
	p := validPerson()
	p.Normalize()
	expectRefs(t, p.Refs(),
		Ref{Field: "group_codes[0]", Kind: KindGroup, Code: "KS"},
		Ref{Field: "group_codes[1]", Kind: KindGroup, Code: "MO"},
		Ref{Field: "job_title", Kind: KindJobTitle, Code: "APP"},
		Ref{Field: "tags[0]", Kind: KindTag, Code: "OSHA30"},
		Ref{Field: "tags[1]", Kind: KindTag, Code: "CPR"})
}

func TestPersonJSON(t *testing.T) {
	p := Person{FirstName: "Sam", LastName: "Lee", GroupCodes: []string{"KS"}, EmployeeID: "E1",
		Tags: []PersonTag{{Code: "CPR"}, {Code: "OSHA30", Expires: MustParseDate("2027-01-01")}}}
	p.Normalize()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, absent := range []string{"hired_date", "date_of_birth", `"id"`, "created_at", "hourly_wage", `"custom"`} {
		if strings.Contains(s, absent) {
			t.Errorf("JSON %s should omit unset %s", s, absent)
		}
	}
	for _, present := range []string{`"first_name":"Sam"`, `"status":"active"`, `"tags":[{"code":"CPR"},{"code":"OSHA30","expires":"2027-01-01"}]`} {
		if !strings.Contains(s, present) {
			t.Errorf("JSON %s should contain %s", s, present)
		}
	}
	var back Person
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Tags[1].Expires != MustParseDate("2027-01-01") || !back.HiredDate.IsZero() || back.Status != StatusActive {
		t.Errorf("round trip = %+v", back)
	}
}
