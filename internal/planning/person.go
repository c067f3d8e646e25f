package planning

import (
	"fmt"
	"strings"
)

// Status is the state of a person or project.
type Status string

// Statuses. People are active or inactive; projects may also be pending.
const (
	StatusActive   Status = "active"
	StatusPending  Status = "pending"
	StatusInactive Status = "inactive"
)

// Person is someone who can be planned onto projects: a crew member, foreman or
// manager. Integrations match people by EmployeeID.
type Person struct {
	Meta
	FirstName  string   `json:"first_name"`
	LastName   string   `json:"last_name"`
	Status     Status   `json:"status"`
	GroupCodes []string `json:"group_codes"`
	EmployeeID string   `json:"employee_id"`
	// IsAssignable says the person can be put on assignments.
	IsAssignable bool `json:"is_assignable"`
	// IsUser says the person can log in; it requires an email.
	IsUser          bool     `json:"is_user"`
	Email           string   `json:"email,omitempty"`        // unique in the company
	MobilePhone     string   `json:"mobile_phone,omitempty"` // E.164, unique in the company
	CanReceiveSMS   bool     `json:"can_receive_sms"`
	CanReceiveEmail bool     `json:"can_receive_email"`
	JobTitle        string   `json:"job_title,omitempty"` // job title code
	HourlyWage      *Decimal `json:"hourly_wage,omitempty"`
	HiredDate       Date     `json:"hired_date,omitzero"`
	DateOfBirth     Date     `json:"date_of_birth,omitzero"`
	Gender          string   `json:"gender,omitempty"`
	Union           string   `json:"union,omitempty"`
	Address
	EmergencyContactName     string       `json:"emergency_contact_name,omitempty"`
	EmergencyContactRelation string       `json:"emergency_contact_relation,omitempty"`
	EmergencyContactPhone    string       `json:"emergency_contact_phone,omitempty"`
	EmergencyContactEmail    string       `json:"emergency_contact_email,omitempty"`
	Tags                     []PersonTag  `json:"tags,omitempty"`
	Custom                   CustomFields `json:"custom,omitempty"`
}

// PersonTag is a tag a person holds, with an optional expiry date.
type PersonTag struct {
	Code    string `json:"code"`
	Expires Date   `json:"expires,omitzero"`
}

// Kind implements Record.
func (*Person) Kind() Kind { return KindPerson }

// Key implements Record: people are matched by employee id.
func (p *Person) Key() string { return p.EmployeeID }

// Name is the person's full name.
func (p *Person) Name() string { return strings.TrimSpace(p.FirstName + " " + p.LastName) }

// Label implements Record.
func (p *Person) Label() string { return fmt.Sprintf("%s (%s)", p.Name(), p.EmployeeID) }

// Refs implements Record: groups, job title and tags.
func (p *Person) Refs() []Ref {
	refs := codeRefs(nil, "group_codes", KindGroup, p.GroupCodes)
	if p.JobTitle != "" {
		refs = append(refs, Ref{Field: "job_title", Kind: KindJobTitle, Code: p.JobTitle})
	}
	for i, t := range p.Tags {
		refs = append(refs, Ref{Field: fmt.Sprintf("tags[%d]", i), Kind: KindTag, Code: t.Code})
	}
	return refs
}

// Normalize implements Record: it trims text, lower-cases the email and status, and
// makes a new person active.
func (p *Person) Normalize() {
	trim(&p.FirstName, &p.LastName, &p.EmployeeID, &p.MobilePhone, &p.JobTitle, &p.Gender, &p.Union,
		&p.EmergencyContactName, &p.EmergencyContactRelation, &p.EmergencyContactPhone)
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	p.EmergencyContactEmail = strings.ToLower(strings.TrimSpace(p.EmergencyContactEmail))
	p.Status = Status(strings.ToLower(strings.TrimSpace(string(p.Status))))
	if p.Status == "" {
		p.Status = StatusActive
	}
	p.GroupCodes = trimAll(p.GroupCodes)
	p.Address.normalize()
	for i := range p.Tags {
		p.Tags[i].Code = strings.TrimSpace(p.Tags[i].Code)
	}
	if len(p.Tags) == 0 {
		p.Tags = nil
	}
	if len(p.Custom) == 0 {
		p.Custom = nil
	}
}

// Validate implements Record.
func (p *Person) Validate() Errors {
	var errs Errors
	required(&errs, "first_name", p.FirstName)
	maxLen(&errs, "first_name", p.FirstName, 100)
	required(&errs, "last_name", p.LastName)
	maxLen(&errs, "last_name", p.LastName, 100)
	switch p.Status {
	case StatusActive, StatusInactive:
	default:
		errs.Add("status", "%q is not a person status; use active or inactive", p.Status)
	}
	if len(p.GroupCodes) == 0 {
		errs.Add("group_codes", "is required: list at least one group code")
	}
	codeList(&errs, "group_codes", p.GroupCodes)
	if required(&errs, "employee_id", p.EmployeeID) {
		maxLen(&errs, "employee_id", p.EmployeeID, 100)
	}
	if p.IsUser && p.Email == "" {
		errs.Add("email", "is required when the person can log in (is_user)")
	}
	validEmail(&errs, "email", p.Email)
	validPhone(&errs, "mobile_phone", p.MobilePhone)
	if p.CanReceiveSMS && p.MobilePhone == "" {
		errs.Add("mobile_phone", "is required to receive text messages (can_receive_sms)")
	}
	if p.CanReceiveEmail && p.Email == "" {
		errs.Add("email", "is required to receive email (can_receive_email)")
	}
	nonNegative(&errs, "hourly_wage", p.HourlyWage)
	if !p.HiredDate.IsZero() && !p.DateOfBirth.IsZero() && p.HiredDate.Before(p.DateOfBirth) {
		errs.Add("hired_date", "is before the date of birth")
	}
	p.Address.validate(&errs)
	validPhone(&errs, "emergency_contact_phone", p.EmergencyContactPhone)
	validEmail(&errs, "emergency_contact_email", p.EmergencyContactEmail)
	seen := map[string]bool{}
	for i, t := range p.Tags {
		f := fmt.Sprintf("tags[%d]", i)
		validCode(&errs, f, t.Code)
		if seen[t.Code] {
			errs.Add(f, "tag %q is listed twice", t.Code)
		}
		seen[t.Code] = true
	}
	p.Custom.validate(&errs)
	return errs
}
