package planning

import (
	"fmt"
	"strings"
)

// Group is a region, branch or office. People and projects belong to groups.
type Group struct {
	Meta
	Name     string `json:"name"`
	Code     string `json:"code"`     // short id, e.g. "KS"
	Timezone string `json:"timezone"` // IANA, e.g. "America/Chicago"
	Color    string `json:"color,omitempty"`
	Address
	ContactName  string `json:"contact_name,omitempty"`
	ContactPhone string `json:"contact_phone,omitempty"`
	ContactEmail string `json:"contact_email,omitempty"`
}

// Kind implements Record.
func (*Group) Kind() Kind { return KindGroup }

// Key implements Record: groups are matched by code.
func (g *Group) Key() string { return g.Code }

// Label implements Record.
func (g *Group) Label() string { return fmt.Sprintf("%s (%s)", g.Name, g.Code) }

// Refs implements Record: a group refers to nothing.
func (*Group) Refs() []Ref { return nil }

// Normalize implements Record.
func (g *Group) Normalize() {
	trim(&g.Name, &g.Code, &g.Timezone, &g.Color, &g.ContactName, &g.ContactPhone, &g.ContactEmail)
	g.Address.normalize()
}

// Validate implements Record.
func (g *Group) Validate() Errors {
	var errs Errors
	required(&errs, "name", g.Name)
	maxLen(&errs, "name", g.Name, 200)
	validCode(&errs, "code", g.Code)
	if required(&errs, "timezone", g.Timezone) {
		validTimezone(&errs, "timezone", g.Timezone)
	}
	validColor(&errs, "color", g.Color)
	g.Address.validate(&errs)
	validPhone(&errs, "contact_phone", g.ContactPhone)
	validEmail(&errs, "contact_email", g.ContactEmail)
	return errs
}

// PayType says how people with a job title are paid.
type PayType string

// Pay types.
const (
	PayHourly   PayType = "hourly"
	PaySalaried PayType = "salaried"
)

// JobTitle is a trade or position (Apprentice, Foreman), available in some groups or
// in all of them.
type JobTitle struct {
	Meta
	Name       string   `json:"name"`
	Code       string   `json:"code"` // e.g. "APP"
	GroupCodes []string `json:"group_codes,omitempty"`
	// Global makes the job title available in every group.
	Global     bool     `json:"global,omitempty"`
	Color      string   `json:"color,omitempty"`
	PayType    PayType  `json:"pay_type,omitempty"`
	HourlyRate *Decimal `json:"hourly_rate,omitempty"`
}

// Kind implements Record.
func (*JobTitle) Kind() Kind { return KindJobTitle }

// Key implements Record: job titles are matched by code.
func (j *JobTitle) Key() string { return j.Code }

// Label implements Record.
func (j *JobTitle) Label() string { return fmt.Sprintf("%s (%s)", j.Name, j.Code) }

// Refs implements Record.
func (j *JobTitle) Refs() []Ref { return codeRefs(nil, "group_codes", KindGroup, j.GroupCodes) }

// Normalize implements Record.
func (j *JobTitle) Normalize() {
	trim(&j.Name, &j.Code, &j.Color)
	j.GroupCodes = trimAll(j.GroupCodes)
	j.PayType = PayType(strings.ToLower(strings.TrimSpace(string(j.PayType))))
}

// Validate implements Record.
func (j *JobTitle) Validate() Errors {
	var errs Errors
	required(&errs, "name", j.Name)
	maxLen(&errs, "name", j.Name, 200)
	validCode(&errs, "code", j.Code)
	groupAccess(&errs, j.GroupCodes, j.Global)
	validColor(&errs, "color", j.Color)
	switch j.PayType {
	case "", PayHourly, PaySalaried:
	default:
		errs.Add("pay_type", "%q is not a pay type; use hourly or salaried", j.PayType)
	}
	nonNegative(&errs, "hourly_rate", j.HourlyRate)
	return errs
}

func groupAccess(errs *Errors, codes []string, global bool) {
	switch {
	case global && len(codes) > 0:
		errs.Add("group_codes", "must be empty when the record is available in all groups")
	case !global && len(codes) == 0:
		errs.Add("group_codes", "is required: list at least one group code, or make it available in all groups")
	default:
		codeList(errs, "group_codes", codes)
	}
}

// Tag is a certification or skill a person can hold, such as "OSHA 30". Tags are
// matched by code, which defaults to the abbreviation.
type Tag struct {
	Meta
	Name string `json:"name"`
	// Abbreviation is at most 5 characters; it defaults to the first 5 of the name.
	Abbreviation string   `json:"abbreviation"`
	Code         string   `json:"code"`
	GroupCodes   []string `json:"group_codes,omitempty"`
	Global       bool     `json:"global,omitempty"`
	// RequiresExpiry says a person's instance of the tag must carry an expiry date.
	RequiresExpiry bool `json:"requires_expiry,omitempty"`
	// ExpiryWarningDays is how many days before expiry to warn.
	ExpiryWarningDays *int     `json:"expiry_warning_days,omitempty"`
	Color             string   `json:"color,omitempty"`
	Categories        []string `json:"categories,omitempty"`
}

// Kind implements Record.
func (*Tag) Kind() Kind { return KindTag }

// Key implements Record: tags are matched by code.
func (t *Tag) Key() string { return t.Code }

// Label implements Record.
func (t *Tag) Label() string { return fmt.Sprintf("%s (%s)", t.Name, t.Code) }

// Refs implements Record.
func (t *Tag) Refs() []Ref { return codeRefs(nil, "group_codes", KindGroup, t.GroupCodes) }

// Normalize implements Record: it fills the abbreviation from the name.
func (t *Tag) Normalize() {
	trim(&t.Name, &t.Abbreviation, &t.Code, &t.Color)
	t.GroupCodes = trimAll(t.GroupCodes)
	t.Categories = trimAll(t.Categories)
	if t.Abbreviation == "" {
		r := []rune(t.Name)
		if len(r) > 5 {
			r = r[:5]
		}
		t.Abbreviation = strings.TrimSpace(string(r))
	}
	if t.Code == "" {
		t.Code = codeFrom(t.Abbreviation)
	}
}

// Validate implements Record.
func (t *Tag) Validate() Errors {
	var errs Errors
	required(&errs, "name", t.Name)
	maxLen(&errs, "name", t.Name, 200)
	if n := len([]rune(t.Abbreviation)); n > 5 {
		errs.Add("abbreviation", "%q is %d characters; at most 5", t.Abbreviation, n)
	}
	validCode(&errs, "code", t.Code)
	groupAccess(&errs, t.GroupCodes, t.Global)
	if t.ExpiryWarningDays != nil && *t.ExpiryWarningDays < 0 {
		errs.Add("expiry_warning_days", "must not be negative")
	}
	validColor(&errs, "color", t.Color)
	return errs
}

// codeFrom makes a default code from text by dropping the characters a code may not
// hold ("CPR F" -> "CPRF").
func codeFrom(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			b.WriteRune(r)
		}
	}
	return strings.TrimLeft(b.String(), "-_.")
}
