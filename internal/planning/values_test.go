package planning

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: "2026-03-14", want: NewDate(2026, time.March, 14)},
		{in: "  2026-03-14 ", want: NewDate(2026, time.March, 14)},
		{in: "2024-02-29", want: NewDate(2024, time.February, 29)},
		{in: "2026-12-31", want: NewDate(2026, time.December, 31)},
		{in: "03/14/2026", want: NewDate(2026, time.March, 14)},
		{in: "3/4/2026", want: NewDate(2026, time.March, 4)},
		{in: "12/31/2026", want: NewDate(2026, time.December, 31)},
		{in: "02/29/2024", want: NewDate(2024, time.February, 29)},
		{in: "2026-02-30", wantErr: true},
		{in: "2026-02-29", wantErr: true}, // not a leap year
		{in: "2026-04-31", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-00-10", wantErr: true},
		{in: "02/30/2026", wantErr: true},
		{in: "13/01/2026", wantErr: true},
		{in: "14/03/2026", wantErr: true}, // day-first is not accepted
		{in: "03/14/26", wantErr: true},
		{in: "2026/03/14", wantErr: true},
		{in: "2026-03-14T00:00:00Z", wantErr: true},
		{in: "2026-3-14", wantErr: true},
		{in: "garbage", wantErr: true},
		{in: "", wantErr: true},
		{in: "yesterday", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %v, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "is not a date") || !strings.Contains(err.Error(), "YYYY-MM-DD") {
					t.Errorf("error %q should say it is not a date and show the format", err)
				}
				if !got.IsZero() {
					t.Errorf("on error got %v, want the zero Date", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDate(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestMustParseDate(t *testing.T) {
	if got := MustParseDate("2026-01-05"); got != NewDate(2026, time.January, 5) {
		t.Errorf("MustParseDate = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseDate on a bad date did not panic")
		}
	}()
	MustParseDate("2026-02-30")
}

func TestDateStringAndZero(t *testing.T) {
	tests := []struct {
		d    Date
		want string
		zero bool
	}{
		{Date{}, "", true},
		{NewDate(2026, time.January, 5), "2026-01-05", false},
		{NewDate(999, time.December, 31), "0999-12-31", false},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.d, got, tt.want)
		}
		if got := tt.d.IsZero(); got != tt.zero {
			t.Errorf("%#v.IsZero() = %v, want %v", tt.d, got, tt.zero)
		}
	}
}

func TestDateOfAndTime(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 in Chicago on March 14 is already March 15 in UTC; DateOf uses t's zone.
	tm := time.Date(2026, time.March, 14, 23, 30, 0, 0, chicago)
	if got := DateOf(tm); got != NewDate(2026, time.March, 14) {
		t.Errorf("DateOf(%v) = %v, want 2026-03-14", tm, got)
	}
	if got := DateOf(tm.UTC()); got != NewDate(2026, time.March, 15) {
		t.Errorf("DateOf(UTC) = %v, want 2026-03-15", got)
	}
	want := time.Date(2026, time.March, 14, 0, 0, 0, 0, time.UTC)
	if got := NewDate(2026, time.March, 14).Time(); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, want %v", got, want)
	}
}

func TestDateAddDays(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-14", 0, "2026-03-14"},
		{"2026-03-14", 1, "2026-03-15"},
		{"2026-03-14", -14, "2026-02-28"},
		{"2026-02-28", 1, "2026-03-01"},
		{"2024-02-28", 1, "2024-02-29"},
		{"2026-12-31", 1, "2027-01-01"},
		{"2027-01-01", -1, "2026-12-31"},
		{"2026-03-07", 1, "2026-03-08"}, // US DST change does not matter
		{"2026-01-01", 365, "2027-01-01"},
	}
	for _, tt := range tests {
		if got := MustParseDate(tt.from).AddDays(tt.n).String(); got != tt.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestDateBeforeAfter(t *testing.T) {
	tests := []struct {
		a, b          string
		before, after bool
	}{
		{"2026-03-14", "2026-03-15", true, false},
		{"2026-03-15", "2026-03-14", false, true},
		{"2026-03-14", "2026-03-14", false, false},
		{"2025-12-31", "2026-01-01", true, false},
		{"2026-02-01", "2026-01-31", false, true},
	}
	for _, tt := range tests {
		a, b := MustParseDate(tt.a), MustParseDate(tt.b)
		if got := a.Before(b); got != tt.before {
			t.Errorf("%s.Before(%s) = %v, want %v", tt.a, tt.b, got, tt.before)
		}
		if got := a.After(b); got != tt.after {
			t.Errorf("%s.After(%s) = %v, want %v", tt.a, tt.b, got, tt.after)
		}
	}
}

func TestDateJSON(t *testing.T) {
	type rec struct {
		Day      Date `json:"day"`
		Optional Date `json:"optional,omitzero"`
	}
	tests := []struct {
		name string
		in   rec
		want string
	}{
		{"both set", rec{MustParseDate("2026-03-14"), MustParseDate("2026-01-02")}, `{"day":"2026-03-14","optional":"2026-01-02"}`},
		{"zero omitted", rec{Day: MustParseDate("2026-03-14")}, `{"day":"2026-03-14"}`},
		{"zero without omitzero is empty", rec{}, `{"day":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %s, want %s", b, tt.want)
			}
			var back rec
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("Unmarshal(%s): %v", b, err)
			}
			if back != tt.in {
				t.Errorf("round trip = %#v, want %#v", back, tt.in)
			}
		})
	}
}

func TestDateUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{`"2026-03-14"`, NewDate(2026, time.March, 14), false},
		{`"03/14/2026"`, NewDate(2026, time.March, 14), false},
		{`""`, Date{}, false},
		{`"2026-02-30"`, Date{}, true},
		{`"soon"`, Date{}, true},
		{`20260314`, Date{}, true},
	}
	for _, tt := range tests {
		var d Date
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if d != tt.want {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", tt.in, d, tt.want)
		}
	}
	// "" resets a date that was set.
	d := MustParseDate("2026-01-01")
	if err := d.UnmarshalText(nil); err != nil || !d.IsZero() {
		t.Errorf("UnmarshalText(empty) = %v, %v; want zero, nil", d, err)
	}
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		in      string
		want    TimeOfDay
		wantErr bool
	}{
		{in: "07:30", want: 7*60 + 30},
		{in: "7:30", want: 7*60 + 30},
		{in: " 15:30 ", want: 15*60 + 30},
		{in: "00:00", want: 0},
		{in: "23:59", want: 23*60 + 59},
		{in: "7:30 AM", want: 7*60 + 30},
		{in: "7:30 am", want: 7*60 + 30},
		{in: "3:30PM", want: 15*60 + 30},
		{in: "12:00 AM", want: 0},
		{in: "12:15 PM", want: 12*60 + 15},
		{in: "07:30:00", want: 7*60 + 30},
		{in: "24:00", wantErr: true},
		{in: "07:60", wantErr: true},
		{in: "13:00 PM", wantErr: true},
		{in: "0730", wantErr: true},
		{in: "noon", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimeOfDay(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTimeOfDay(%q) = %v, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "is not a time of day") || !strings.Contains(err.Error(), "HH:MM") {
					t.Errorf("error %q should say it is not a time of day and show HH:MM", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTimeOfDay(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseTimeOfDay(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestTimeOfDayString(t *testing.T) {
	tests := []struct {
		t    TimeOfDay
		want string
	}{
		{0, "00:00"},
		{DefaultDailyStart, "07:30"},
		{DefaultDailyEnd, "15:30"},
		{23*60 + 45, "23:45"},
		{9*60 + 5, "09:05"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("TimeOfDay(%d).String() = %q, want %q", int(tt.t), got, tt.want)
		}
	}
}

func TestTimeOfDayJSON(t *testing.T) {
	type rec struct {
		Start *TimeOfDay `json:"start,omitempty"`
		End   TimeOfDay  `json:"end"`
	}
	in := rec{Start: tod("07:30"), End: 15*60 + 30}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"start":"07:30","end":"15:30"}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var back rec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Start == nil || *back.Start != *in.Start || back.End != in.End {
		t.Errorf("round trip = %+v, want %+v", back, in)
	}

	b, err = json.Marshal(rec{End: 8 * 60})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"end":"08:00"}`; string(b) != want {
		t.Errorf("Marshal with nil start = %s, want %s", b, want)
	}

	for _, bad := range []string{`{"end":"25:00"}`, `{"end":"late"}`, `{"end":""}`, `{"end":730}`} {
		var r rec
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", bad, r)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "12", want: "12"},
		{in: "12.50", want: "12.5"},
		{in: " 12.50 ", want: "12.5"},
		{in: "0", want: "0"},
		{in: "-1", want: "-1"},
		{in: "-0.25", want: "-0.25"},
		{in: "1234567.891", want: "1234567.891"},
		{in: "1e3", wantErr: true},
		{in: "abc", wantErr: true},
		{in: "", wantErr: true},
		{in: "12.", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "+5", wantErr: true},
		{in: "1,000", wantErr: true},
		{in: "$12", wantErr: true},
		{in: "12.5.1", wantErr: true},
		{in: "NaN", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDecimal(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDecimal(%q) = %v, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "is not a number") {
					t.Errorf("error %q should say it is not a number", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("ParseDecimal(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	// 12 and 12.50 are different spellings of amounts that compare as expected.
	a, _ := ParseDecimal("12.50")
	b, _ := ParseDecimal("12.5")
	if !a.Equal(b) {
		t.Errorf("12.50 != 12.5")
	}
}

func TestDecimalPtr(t *testing.T) {
	if d := DecimalPtr("12.50"); d == nil || d.String() != "12.5" {
		t.Errorf("DecimalPtr(12.50) = %v", d)
	}
	defer func() {
		if recover() == nil {
			t.Error("DecimalPtr(1e3) did not panic")
		}
	}()
	DecimalPtr("1e3")
}

func TestValidTimezone(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"America/Chicago", true},
		{"Europe/Berlin", true},
		{"UTC", true},
		{"", false},
		{"Local", false},
		{"Mars/Olympus", false},
		{"CST6CDT/x", false},
	}
	for _, tt := range tests {
		if got := ValidTimezone(tt.name); got != tt.want {
			t.Errorf("ValidTimezone(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAddressRules(t *testing.T) {
	tests := []struct {
		name string
		addr Address
		want []wantErr
	}{
		{"valid", Address{Address1: "1 Main St", City: "Kansas City", State: "KS", PostalCode: "66101", Country: "US"}, nil},
		{"lower case is upper-cased", Address{State: " ks ", Country: "us"}, nil},
		{"numeric state code", Address{State: "07", Country: "MX"}, nil},
		{"state spelled out", Address{State: "Kansas"}, []wantErr{{"state", `"KANSAS"`}}},
		{"state with punctuation", Address{State: "K.S"}, []wantErr{{"state", "upper-case state code"}}},
		{"country three letters", Address{Country: "USA"}, []wantErr{{"country", `two-letter country code such as US, not "USA"`}}},
		{"country with digit", Address{Country: "U1"}, []wantErr{{"country", "two-letter"}}},
		{"city too long", Address{City: strings.Repeat("x", 101)}, []wantErr{{"city", "101 characters; at most 100"}}},
		{"postal code too long", Address{PostalCode: strings.Repeat("9", 21)}, []wantErr{{"postal_code", "at most 20"}}},
		{"address lines too long", Address{Address1: strings.Repeat("a", 201), Address2: strings.Repeat("b", 201)},
			[]wantErr{{"address_1", "at most 200"}, {"address_2", "at most 200"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.addr
			a.normalize()
			var errs Errors
			a.validate(&errs)
			expectErrors(t, errs, tt.want...)
		})
	}
}

func TestCustomFields(t *testing.T) {
	var errs Errors
	CustomFields{"shirt_size": "L", "": "x", "notes": strings.Repeat("n", 2001)}.validate(&errs)
	expectErrors(t, errs,
		wantErr{"custom", "has a field with no name"},
		wantErr{"custom.notes", "2001 characters; at most 2000"})

	for _, tt := range []struct {
		c    CustomFields
		want string
	}{
		{nil, "null"},
		{CustomFields{}, "null"},
		{CustomFields{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`},
	} {
		b, err := json.Marshal(tt.c)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, want %s", tt.c, b, tt.want)
		}
	}
}

func TestTrimAll(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{}, nil},
		{[]string{" ", ""}, nil},
		{[]string{" KS ", "", "MO"}, []string{"KS", "MO"}},
	}
	for _, tt := range tests {
		got := trimAll(append([]string(nil), tt.in...))
		if (got == nil) != (tt.want == nil) || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("trimAll(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFieldHelpers(t *testing.T) {
	tests := []struct {
		name string
		run  func(*Errors)
		want []wantErr
	}{
		{"email ok", func(e *Errors) { validEmail(e, "email", "jane@example.com") }, nil},
		{"email empty is allowed", func(e *Errors) { validEmail(e, "email", "") }, nil},
		{"email without domain dot", func(e *Errors) { validEmail(e, "email", "jane@localhost") }, []wantErr{{"email", `"jane@localhost" is not an email address`}}},
		{"email with display name", func(e *Errors) { validEmail(e, "email", "Jane <jane@example.com>") }, []wantErr{{"email", "is not an email address"}}},
		{"email garbage", func(e *Errors) { validEmail(e, "email", "jane") }, []wantErr{{"email", "is not an email address"}}},
		{"phone ok", func(e *Errors) { validPhone(e, "p", "+13125550100") }, nil},
		{"phone without plus", func(e *Errors) { validPhone(e, "p", "13125550100") }, []wantErr{{"p", "E.164"}}},
		{"phone with spaces", func(e *Errors) { validPhone(e, "p", "+1 312 555 0100") }, []wantErr{{"p", "E.164"}}},
		{"phone with leading zero cc", func(e *Errors) { validPhone(e, "p", "+0312555010") }, []wantErr{{"p", "E.164"}}},
		{"phone too long", func(e *Errors) { validPhone(e, "p", "+1234567890123456") }, []wantErr{{"p", "E.164"}}},
		{"color ok", func(e *Errors) { validColor(e, "color", "#1f77B4") }, nil},
		{"color name", func(e *Errors) { validColor(e, "color", "red") }, []wantErr{{"color", `"red" is not a color`}}},
		{"color short hex", func(e *Errors) { validColor(e, "color", "#fff") }, []wantErr{{"color", "hex color"}}},
		{"code ok", func(e *Errors) { validCode(e, "code", "KS-1_a.b") }, nil},
		{"code required", func(e *Errors) { validCode(e, "code", " ") }, []wantErr{{"code", "is required"}}},
		{"code with space", func(e *Errors) { validCode(e, "code", "K S") }, []wantErr{{"code", `"K S" is not a valid code`}}},
		{"code leading dash", func(e *Errors) { validCode(e, "code", "-KS") }, []wantErr{{"code", "not a valid code"}}},
		{"code too long", func(e *Errors) { validCode(e, "code", strings.Repeat("A", 51)) }, []wantErr{{"code", "up to 50"}}},
		{"code 50 is fine", func(e *Errors) { validCode(e, "code", strings.Repeat("A", 50)) }, nil},
		{"negative", func(e *Errors) { nonNegative(e, "rate", DecimalPtr("-0.01")) }, []wantErr{{"rate", "must not be negative"}}},
		{"nil decimal", func(e *Errors) { nonNegative(e, "rate", nil) }, nil},
		{"four decimal places", func(e *Errors) { nonNegative(e, "rate", DecimalPtr("12.1250")) }, nil},
		{"trailing zeros are fine", func(e *Errors) { nonNegative(e, "rate", DecimalPtr("12.500000")) }, nil},
		{"five decimal places", func(e *Errors) { nonNegative(e, "rate", DecimalPtr("12.12345")) }, []wantErr{{"rate", "more than 4 decimal places"}}},
		{"too large", func(e *Errors) { nonNegative(e, "rate", DecimalPtr("100000000000000")) }, []wantErr{{"rate", "too large"}}},
		{"largest", func(e *Errors) { nonNegative(e, "rate", DecimalPtr("99999999999999.9999")) }, nil},
		{"max length counts characters", func(e *Errors) { maxLen(e, "name", strings.Repeat("é", 5), 5) }, nil},
		{"code list dup", func(e *Errors) { codeList(e, "group_codes", []string{"KS", "MO", "KS"}) }, []wantErr{{"group_codes[2]", `"KS" is listed twice`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs Errors
			tt.run(&errs)
			expectErrors(t, errs, tt.want...)
		})
	}
}
