package planning

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Date is a calendar day with no time zone, such as a hire date or an assignment's
// first day. The zero Date means "not set". It reads and writes as "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date for year, month and day.
func NewDate(year int, month time.Month, day int) Date { return Date{year, month, day} }

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads ISO "YYYY-MM-DD" or US "MM/DD/YYYY" and rejects days that do not
// exist (2026-02-30).
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	var err error
	switch {
	case strings.Contains(s, "/"):
		t, err = time.Parse("1/2/2006", s)
	default:
		t, err = time.Parse("2006-01-02", s)
	}
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date; use YYYY-MM-DD (or MM/DD/YYYY)", s)
	}
	return DateOf(t), nil
}

// MustParseDate is ParseDate for literals known to be valid; it panics otherwise.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC at the start of the day.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return d.Time().After(e.Time()) }

// String formats the date as YYYY-MM-DD, or "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// TimeOfDay is a wall-clock time in minutes after midnight, such as a project's daily
// start time. It reads and writes as "HH:MM". Use a *TimeOfDay where "unset" matters.
type TimeOfDay int

// ParseTimeOfDay reads "HH:MM" (24-hour) or "H:MM AM/PM".
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04", "3:04 PM", "3:04PM", "15:04:05"} {
		if t, err := time.Parse(layout, strings.ToUpper(s)); err == nil {
			return TimeOfDay(t.Hour()*60 + t.Minute()), nil
		}
	}
	return 0, fmt.Errorf("%q is not a time of day; use HH:MM, like 07:30", s)
}

// String formats the time as HH:MM.
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// MarshalText implements encoding.TextMarshaler.
func (t TimeOfDay) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Decimal is an exact decimal number for money and rates (12, 12.50).
type Decimal = decimal.Decimal

// ParseDecimal reads a plain decimal number such as "12" or "12.50".
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if !decimalRE.MatchString(s) {
		return Decimal{}, fmt.Errorf("%q is not a number; use digits with an optional decimal point, like 12.50", s)
	}
	return decimal.NewFromString(s)
}

// DecimalPtr returns a pointer to the decimal value of s; it panics on bad input and
// is meant for literals.
func DecimalPtr(s string) *Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return &d
}

var (
	decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	phoneRE   = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	colorRE   = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	codeRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]*$`)
	stateRE   = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Address is the postal address shared by groups, people and projects.
type Address struct {
	Address1   string `json:"address_1,omitempty"`
	Address2   string `json:"address_2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`       // upper-case code, e.g. "KS"
	PostalCode string `json:"postal_code,omitempty"` // as written, e.g. "66101"
	Country    string `json:"country,omitempty"`     // ISO 3166-1 alpha-2, e.g. "US"
}

func (a *Address) normalize() {
	trim(&a.Address1, &a.Address2, &a.City, &a.PostalCode)
	a.State = strings.ToUpper(strings.TrimSpace(a.State))
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
}

func (a Address) validate(errs *Errors) {
	if a.State != "" && !stateRE.MatchString(a.State) {
		errs.Add("state", "must be an upper-case state code such as KS, not %q", a.State)
	}
	if a.Country != "" && !countryRE.MatchString(a.Country) {
		errs.Add("country", "must be a two-letter country code such as US, not %q", a.Country)
	}
	maxLen(errs, "address_1", a.Address1, 200)
	maxLen(errs, "address_2", a.Address2, 200)
	maxLen(errs, "city", a.City, 100)
	maxLen(errs, "postal_code", a.PostalCode, 20)
}

// CustomFields holds a record's custom fields, name to value, as text.
type CustomFields map[string]string

func (c CustomFields) validate(errs *Errors) {
	for name, v := range c {
		if strings.TrimSpace(name) == "" {
			errs.Add("custom", "has a field with no name")
		}
		maxLen(errs, "custom."+name, v, 2000)
	}
}

// MarshalJSON writes an empty map as {} and nil as null, so that a record that never
// had custom fields compares equal to one read back from the store.
func (c CustomFields) MarshalJSON() ([]byte, error) {
	if len(c) == 0 {
		return []byte("null"), nil
	}
	return json.Marshal(map[string]string(c))
}

// helpers shared by the record kinds

func trim(fields ...*string) {
	for _, f := range fields {
		*f = strings.TrimSpace(*f)
	}
}

func trimAll(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := list[:0]
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func required(errs *Errors, field, v string) bool {
	if strings.TrimSpace(v) == "" {
		errs.Add(field, "is required")
		return false
	}
	return true
}

func maxLen(errs *Errors, field, v string, n int) {
	if len([]rune(v)) > n {
		errs.Add(field, "is too long (%d characters; at most %d)", len([]rune(v)), n)
	}
}

func validCode(errs *Errors, field, v string) {
	if !required(errs, field, v) {
		return
	}
	if !codeRE.MatchString(v) || len(v) > 50 {
		errs.Add(field, "%q is not a valid code; use up to 50 letters, digits, '-', '_' or '.'", v)
	}
}

func validEmail(errs *Errors, field, v string) {
	if v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
		errs.Add(field, "%q is not an email address", v)
	}
}

func validPhone(errs *Errors, field, v string) {
	if v != "" && !phoneRE.MatchString(v) {
		errs.Add(field, "%q is not a phone number in E.164 form; write + then country code and number, like +13125550100", v)
	}
}

func validColor(errs *Errors, field, v string) {
	if v != "" && !colorRE.MatchString(v) {
		errs.Add(field, "%q is not a color; use a hex color like #1F77B4", v)
	}
}

// ValidTimezone reports whether name is an IANA time zone such as America/Chicago.
func ValidTimezone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

func validTimezone(errs *Errors, field, v string) {
	if v != "" && !ValidTimezone(v) {
		errs.Add(field, "%q is not a time zone; use an IANA name such as America/Chicago", v)
	}
}

// Money and rates are published as decimal(MoneyPrecision, MoneyScale): at most
// 14 digits before the point and 4 after.
const (
	MoneyPrecision = 18
	MoneyScale     = 4
)

var maxMoney = decimal.New(1, MoneyPrecision-MoneyScale)

func nonNegative(errs *Errors, field string, d *Decimal) {
	if d == nil {
		return
	}
	money(errs, field, *d)
}

// money checks an amount: not negative, at most MoneyScale decimal places and less
// than 10^14.
func money(errs *Errors, field string, d Decimal) {
	switch {
	case d.IsNegative():
		errs.Add(field, "must not be negative")
	case -d.Exponent() > MoneyScale && !d.Equal(d.Truncate(MoneyScale)):
		errs.Add(field, "%s has more than %d decimal places", d, MoneyScale)
	case d.Cmp(maxMoney) >= 0:
		errs.Add(field, "%s is too large; amounts must be below 100000000000000", d)
	}
}

func codeList(errs *Errors, field string, codes []string) {
	seen := map[string]bool{}
	for i, c := range codes {
		f := fmt.Sprintf("%s[%d]", field, i)
		validCode(errs, f, c)
		if seen[c] {
			errs.Add(f, "%q is listed twice", c)
		}
		seen[c] = true
	}
}

func codeRefs(refs []Ref, field string, kind Kind, codes []string) []Ref {
	for i, c := range codes {
		refs = append(refs, Ref{Field: fmt.Sprintf("%s[%d]", field, i), Kind: kind, Code: c})
	}
	return refs
}
