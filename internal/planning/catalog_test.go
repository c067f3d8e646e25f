package planning

import (
	"strings"
	"testing"
)

func validGroup() Group {
	return Group{
		Name: " Kansas ", Code: " KS ", Timezone: " America/Chicago ", Color: "#1F77B4",
		Address:     Address{Address1: "1 Main St", City: "Kansas City", State: "ks", PostalCode: "66101", Country: "us"},
		ContactName: "Pat", ContactPhone: "+19135550100", ContactEmail: "kc@example.com",
	}
}

func TestGroupValid(t *testing.T) {
	g := validGroup()
	g.Normalize()
	if g.Name != "Kansas" || g.Code != "KS" || g.Timezone != "America/Chicago" || g.State != "KS" || g.Country != "US" {
		t.Errorf("Normalize = %+v", g)
	}
	expectValid(t, g.Validate())
	expectRefs(t, g.Refs())
}

func TestGroupRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Group)
		want   []wantErr
	}{
		{"name required", func(g *Group) { g.Name = "" }, []wantErr{{"name", "is required"}}},
		{"name too long", func(g *Group) { g.Name = strings.Repeat("n", 201) }, []wantErr{{"name", "201 characters; at most 200"}}},
		{"code required", func(g *Group) { g.Code = "" }, []wantErr{{"code", "is required"}}},
		{"code invalid", func(g *Group) { g.Code = "K S" }, []wantErr{{"code", `"K S" is not a valid code`}}},
		{"timezone required", func(g *Group) { g.Timezone = "" }, []wantErr{{"timezone", "is required"}}},
		{"timezone invalid", func(g *Group) { g.Timezone = "CST" + "x" }, []wantErr{{"timezone", `"CSTx" is not a time zone`}}},
		{"color invalid", func(g *Group) { g.Color = "blue" }, []wantErr{{"color", `"blue" is not a color`}}},
		{"state invalid", func(g *Group) { g.State = "KANSAS" }, []wantErr{{"state", `upper-case state code such as KS, not "KANSAS"`}}},
		{"country invalid", func(g *Group) { g.Country = "USA" }, []wantErr{{"country", `two-letter country code such as US, not "USA"`}}},
		{"contact phone not E.164", func(g *Group) { g.ContactPhone = "913-555-0100" }, []wantErr{{"contact_phone", `"913-555-0100" is not a phone number in E.164 form`}}},
		{"contact email invalid", func(g *Group) { g.ContactEmail = "kc@" }, []wantErr{{"contact_email", `"kc@" is not an email address`}}},
		{"optional fields may be empty", func(g *Group) {
			g.Color, g.Address, g.ContactName, g.ContactPhone, g.ContactEmail = "", Address{}, "", "", ""
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := validGroup()
			g.Normalize()
			tt.modify(&g)
			expectErrors(t, g.Validate(), tt.want...)
		})
	}
}

func TestGroupEveryProblemAtOnce(t *testing.T) {
	g := Group{Code: "K S", Timezone: "Nowhere", Color: "red", Address: Address{State: "Kansas", Country: "USA"}, ContactPhone: "555", ContactEmail: "x"}
	g.Normalize()
	errs := g.Validate()
	if len(errs) != 8 {
		t.Errorf("got %d errors, want 8: %v", len(errs), describe(errs))
	}
	expectFields(t, errs, "name", "code", "timezone", "color", "state", "country", "contact_phone", "contact_email")
}

func validJobTitle() JobTitle {
	return JobTitle{Name: " Apprentice ", Code: " APP ", GroupCodes: []string{" KS ", "MO"}, Color: "#ff0000", PayType: " Hourly ", HourlyRate: DecimalPtr("28.50")}
}

func TestJobTitleValid(t *testing.T) {
	j := validJobTitle()
	j.Normalize()
	if j.Name != "Apprentice" || j.Code != "APP" || j.PayType != PayHourly || strings.Join(j.GroupCodes, "|") != "KS|MO" {
		t.Errorf("Normalize = %+v", j)
	}
	expectValid(t, j.Validate())

	global := JobTitle{Name: "Foreman", Code: "FOR", Global: true, PayType: PaySalaried}
	global.Normalize()
	expectValid(t, global.Validate())
	expectRefs(t, global.Refs())
}

func TestJobTitleRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*JobTitle)
		want   []wantErr
	}{
		{"name required", func(j *JobTitle) { j.Name = "" }, []wantErr{{"name", "is required"}}},
		{"code required", func(j *JobTitle) { j.Code = "" }, []wantErr{{"code", "is required"}}},
		{"code invalid", func(j *JobTitle) { j.Code = "APP!" }, []wantErr{{"code", `"APP!" is not a valid code`}}},
		{"groups required unless global", func(j *JobTitle) { j.GroupCodes = nil },
			[]wantErr{{"group_codes", "is required: list at least one group code, or make it available in all groups"}}},
		{"global with groups", func(j *JobTitle) { j.Global = true },
			[]wantErr{{"group_codes", "must be empty when the record is available in all groups"}}},
		{"global without groups", func(j *JobTitle) { j.Global, j.GroupCodes = true, nil }, nil},
		{"duplicate group code", func(j *JobTitle) { j.GroupCodes = []string{"KS", "MO", "KS"} },
			[]wantErr{{"group_codes[2]", `"KS" is listed twice`}}},
		{"bad group code", func(j *JobTitle) { j.GroupCodes = []string{"KS", "M O"} },
			[]wantErr{{"group_codes[1]", `"M O" is not a valid code`}}},
		{"color invalid", func(j *JobTitle) { j.Color = "#12345" }, []wantErr{{"color", "is not a color"}}},
		{"pay type invalid", func(j *JobTitle) { j.PayType = "weekly" }, []wantErr{{"pay_type", `"weekly" is not a pay type; use hourly or salaried`}}},
		{"pay type optional", func(j *JobTitle) { j.PayType = "" }, nil},
		{"salaried", func(j *JobTitle) { j.PayType = PaySalaried }, nil},
		{"negative hourly rate", func(j *JobTitle) { j.HourlyRate = DecimalPtr("-1") }, []wantErr{{"hourly_rate", "must not be negative"}}},
		{"zero hourly rate", func(j *JobTitle) { j.HourlyRate = DecimalPtr("0") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := validJobTitle()
			j.Normalize()
			tt.modify(&j)
			expectErrors(t, j.Validate(), tt.want...)
		})
	}
}

func TestJobTitleNormalizeDropsBlankGroups(t *testing.T) {
	j := JobTitle{Name: "Apprentice", Code: "APP", GroupCodes: []string{" ", ""}}
	j.Normalize()
	if j.GroupCodes != nil {
		t.Errorf("GroupCodes = %q, want nil", j.GroupCodes)
	}
	expectErrors(t, j.Validate(), wantErr{"group_codes", "is required"})
}

func TestJobTitleRefs(t *testing.T) {
	j := validJobTitle()
	j.Normalize()
	expectRefs(t, j.Refs(),
		Ref{Field: "group_codes[0]", Kind: KindGroup, Code: "KS"},
		Ref{Field: "group_codes[1]", Kind: KindGroup, Code: "MO"})
}

func validTag() Tag {
	return Tag{Name: "OSHA 30", Abbreviation: "OSHA", Code: "OSHA30", GroupCodes: []string{"KS"}, RequiresExpiry: true, ExpiryWarningDays: ptr(30), Color: "#00aa00", Categories: []string{" Safety ", ""}}
}

func TestTagValid(t *testing.T) {
	tg := validTag()
	tg.Normalize()
	if tg.Abbreviation != "OSHA" || tg.Code != "OSHA30" || strings.Join(tg.Categories, "|") != "Safety" {
		t.Errorf("Normalize = %+v", tg)
	}
	expectValid(t, tg.Validate())
	expectRefs(t, tg.Refs(), Ref{Field: "group_codes[0]", Kind: KindGroup, Code: "KS"})
}

func TestTagDefaults(t *testing.T) {
	tests := []struct {
		name                 string
		in                   Tag
		wantAbbrev, wantCode string
	}{
		{"abbreviation from first five of name, code from abbreviation", Tag{Name: "Welding"}, "Weldi", "Weldi"},
		{"short name used whole", Tag{Name: " CPR "}, "CPR", "CPR"},
		{"trailing space of the cut is trimmed", Tag{Name: "OSHA 30"}, "OSHA", "OSHA"},
		{"exactly five", Tag{Name: "Rigger"}, "Rigge", "Rigge"},
		{"given abbreviation kept, code from it", Tag{Name: "Forklift", Abbreviation: " FORK "}, "FORK", "FORK"},
		{"given code kept", Tag{Name: "Forklift", Abbreviation: "FORK", Code: " FL-1 "}, "FORK", "FL-1"},
		{"code given, abbreviation defaulted", Tag{Name: "Forklift", Code: "FL"}, "Forkl", "FL"},
		{"characters, not bytes", Tag{Name: "Éxäminer"}, "Éxämi", "xmi"},
		{"code keeps only code characters", Tag{Name: "CPR First Aid"}, "CPR F", "CPRF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := tt.in
			tg.Normalize()
			if tg.Abbreviation != tt.wantAbbrev {
				t.Errorf("Abbreviation = %q, want %q", tg.Abbreviation, tt.wantAbbrev)
			}
			if tg.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", tg.Code, tt.wantCode)
			}
		})
	}
}

func TestTagRules(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Tag)
		want   []wantErr
	}{
		{"name required", func(tg *Tag) { tg.Name = "" }, []wantErr{{"name", "is required"}}},
		{"abbreviation longer than 5", func(tg *Tag) { tg.Abbreviation = "OSHA30" },
			[]wantErr{{"abbreviation", `"OSHA30" is 6 characters; at most 5`}}},
		{"abbreviation of 5 is fine", func(tg *Tag) { tg.Abbreviation = "OSHA3" }, nil},
		{"abbreviation counts characters", func(tg *Tag) { tg.Abbreviation = "ÄÖÜÉÈ" }, nil},
		{"code invalid", func(tg *Tag) { tg.Code = "OSHA 30" }, []wantErr{{"code", `"OSHA 30" is not a valid code`}}},
		{"groups required unless global", func(tg *Tag) { tg.GroupCodes = nil },
			[]wantErr{{"group_codes", "is required: list at least one group code, or make it available in all groups"}}},
		{"global with groups", func(tg *Tag) { tg.Global = true },
			[]wantErr{{"group_codes", "must be empty when the record is available in all groups"}}},
		{"global without groups", func(tg *Tag) { tg.Global, tg.GroupCodes = true, nil }, nil},
		{"duplicate group code", func(tg *Tag) { tg.GroupCodes = []string{"KS", "KS"} },
			[]wantErr{{"group_codes[1]", `"KS" is listed twice`}}},
		{"negative warning days", func(tg *Tag) { tg.ExpiryWarningDays = ptr(-1) },
			[]wantErr{{"expiry_warning_days", "must not be negative"}}},
		{"zero warning days", func(tg *Tag) { tg.ExpiryWarningDays = ptr(0) }, nil},
		{"color invalid", func(tg *Tag) { tg.Color = "green" }, []wantErr{{"color", `"green" is not a color`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := validTag()
			tg.Normalize()
			tt.modify(&tg)
			expectErrors(t, tg.Validate(), tt.want...)
		})
	}
}

func TestTagEveryProblemAtOnce(t *testing.T) {
	tg := Tag{Abbreviation: "TOOLONG", Global: true, GroupCodes: []string{"KS"}, ExpiryWarningDays: ptr(-5), Color: "x"}
	tg.Normalize()
	errs := tg.Validate()
	if len(errs) != 5 {
		t.Errorf("got %d errors, want 5: %v", len(errs), describe(errs))
	}
	expectFields(t, errs, "name", "abbreviation", "group_codes", "expiry_warning_days", "color")
}
