package planning

import (
	"fmt"
	"strings"
)

// Default working hours of a project day.
const (
	DefaultDailyStart TimeOfDay = 7*60 + 30  // 07:30
	DefaultDailyEnd   TimeOfDay = 15*60 + 30 // 15:30
)

// Project is a job people are planned onto. Integrations match projects by
// ProjectNumber.
type Project struct {
	Meta
	Name          string   `json:"name"`
	Status        Status   `json:"status"`
	GroupCodes    []string `json:"group_codes"`
	ProjectNumber string   `json:"project_number"`
	// StartDate is required when the project is active.
	StartDate      Date `json:"start_date,omitzero"`
	PlannedEndDate Date `json:"planned_end_date,omitzero"`
	ClosedDate     Date `json:"closed_date,omitzero"`
	// Timezone defaults to the time zone of the project's first group.
	Timezone string `json:"timezone,omitempty"`
	// DailyStartTime and DailyEndTime are on 15-minute steps; they default to 07:30
	// and 15:30.
	DailyStartTime *TimeOfDay `json:"daily_start_time,omitempty"`
	DailyEndTime   *TimeOfDay `json:"daily_end_time,omitempty"`
	Address
	CustomerName    string         `json:"customer_name,omitempty"`
	ProjectType     string         `json:"project_type,omitempty"`
	Stage           string         `json:"stage,omitempty"`
	BidRate         *Decimal       `json:"bid_rate,omitempty"`
	PercentComplete *int           `json:"percent_complete,omitempty"`
	Color           string         `json:"color,omitempty"`
	Tags            []string       `json:"tags,omitempty"` // tag codes
	Custom          CustomFields   `json:"custom,omitempty"`
	Roles           []ProjectRole  `json:"roles,omitempty"`
	Categories      []Category     `json:"categories,omitempty"`
	WageOverrides   []WageOverride `json:"wage_overrides,omitempty"`
}

// ProjectRole names a person's role on a project (project manager, superintendent),
// given by a job title.
type ProjectRole struct {
	PersonID string `json:"person_id"`
	JobTitle string `json:"job_title"` // job title code
}

// Category is a phase or area of a project (e.g. "Level 2") with subcategories.
type Category struct {
	Name          string   `json:"name"`
	Subcategories []string `json:"subcategories,omitempty"`
}

// WageOverride sets the rate paid for a job title on this project.
type WageOverride struct {
	JobTitle string  `json:"job_title"` // job title code
	Rate     Decimal `json:"rate"`
}

// Kind implements Record.
func (*Project) Kind() Kind { return KindProject }

// Key implements Record: projects are matched by project number.
func (p *Project) Key() string { return p.ProjectNumber }

// Label implements Record.
func (p *Project) Label() string { return fmt.Sprintf("%s (%s)", p.Name, p.ProjectNumber) }

// Refs implements Record: groups, tags, role people and job titles.
func (p *Project) Refs() []Ref {
	refs := codeRefs(nil, "group_codes", KindGroup, p.GroupCodes)
	refs = codeRefs(refs, "tags", KindTag, p.Tags)
	for i, r := range p.Roles {
		refs = append(refs,
			Ref{Field: fmt.Sprintf("roles[%d].person_id", i), Kind: KindPerson, ID: r.PersonID},
			Ref{Field: fmt.Sprintf("roles[%d].job_title", i), Kind: KindJobTitle, Code: r.JobTitle})
	}
	for i, w := range p.WageOverrides {
		refs = append(refs, Ref{Field: fmt.Sprintf("wage_overrides[%d].job_title", i), Kind: KindJobTitle, Code: w.JobTitle})
	}
	return refs
}

// Normalize implements Record: it trims text, makes a new project active and fills
// the default daily hours.
func (p *Project) Normalize() {
	trim(&p.Name, &p.ProjectNumber, &p.Timezone, &p.CustomerName, &p.ProjectType, &p.Stage, &p.Color)
	p.Status = Status(strings.ToLower(strings.TrimSpace(string(p.Status))))
	if p.Status == "" {
		p.Status = StatusActive
	}
	p.GroupCodes = trimAll(p.GroupCodes)
	p.Tags = trimAll(p.Tags)
	p.Address.normalize()
	if p.DailyStartTime == nil {
		t := DefaultDailyStart
		p.DailyStartTime = &t
	}
	if p.DailyEndTime == nil {
		t := DefaultDailyEnd
		p.DailyEndTime = &t
	}
	for i := range p.Categories {
		p.Categories[i].Name = strings.TrimSpace(p.Categories[i].Name)
		p.Categories[i].Subcategories = trimAll(p.Categories[i].Subcategories)
	}
	if len(p.Custom) == 0 {
		p.Custom = nil
	}
}

// Validate implements Record.
func (p *Project) Validate() Errors {
	var errs Errors
	required(&errs, "name", p.Name)
	maxLen(&errs, "name", p.Name, 200)
	switch p.Status {
	case StatusActive, StatusPending, StatusInactive:
	default:
		errs.Add("status", "%q is not a project status; use active, pending or inactive", p.Status)
	}
	if len(p.GroupCodes) == 0 {
		errs.Add("group_codes", "is required: list at least one group code")
	}
	codeList(&errs, "group_codes", p.GroupCodes)
	if required(&errs, "project_number", p.ProjectNumber) {
		maxLen(&errs, "project_number", p.ProjectNumber, 100)
	}
	if p.Status == StatusActive && p.StartDate.IsZero() {
		errs.Add("start_date", "is required when the project is active")
	}
	if !p.StartDate.IsZero() && !p.PlannedEndDate.IsZero() && p.PlannedEndDate.Before(p.StartDate) {
		errs.Add("planned_end_date", "is before the start date (%s)", p.StartDate)
	}
	if !p.StartDate.IsZero() && !p.ClosedDate.IsZero() && p.ClosedDate.Before(p.StartDate) {
		errs.Add("closed_date", "is before the start date (%s)", p.StartDate)
	}
	validTimezone(&errs, "timezone", p.Timezone)
	dailyTime(&errs, "daily_start_time", p.DailyStartTime)
	dailyTime(&errs, "daily_end_time", p.DailyEndTime)
	if p.DailyStartTime != nil && p.DailyEndTime != nil && *p.DailyEndTime <= *p.DailyStartTime {
		errs.Add("daily_end_time", "must be after the daily start time (%s)", p.DailyStartTime)
	}
	p.Address.validate(&errs)
	nonNegative(&errs, "bid_rate", p.BidRate)
	if p.PercentComplete != nil && (*p.PercentComplete < 0 || *p.PercentComplete > 100) {
		errs.Add("percent_complete", "must be between 0 and 100, not %d", *p.PercentComplete)
	}
	validColor(&errs, "color", p.Color)
	codeList(&errs, "tags", p.Tags)
	p.Custom.validate(&errs)
	for i, r := range p.Roles {
		required(&errs, fmt.Sprintf("roles[%d].person_id", i), r.PersonID)
		validCode(&errs, fmt.Sprintf("roles[%d].job_title", i), r.JobTitle)
	}
	cats := map[string]bool{}
	for i, c := range p.Categories {
		f := fmt.Sprintf("categories[%d]", i)
		if required(&errs, f+".name", c.Name) && cats[c.Name] {
			errs.Add(f+".name", "category %q is listed twice", c.Name)
		}
		cats[c.Name] = true
		subs := map[string]bool{}
		for j, s := range c.Subcategories {
			if subs[s] {
				errs.Add(fmt.Sprintf("%s.subcategories[%d]", f, j), "subcategory %q is listed twice", s)
			}
			subs[s] = true
		}
	}
	wages := map[string]bool{}
	for i, w := range p.WageOverrides {
		f := fmt.Sprintf("wage_overrides[%d]", i)
		validCode(&errs, f+".job_title", w.JobTitle)
		if wages[w.JobTitle] {
			errs.Add(f+".job_title", "job title %q has two wage overrides", w.JobTitle)
		}
		wages[w.JobTitle] = true
		money(&errs, f+".rate", w.Rate)
	}
	return errs
}

// HasCategory reports whether the project has the category, and the subcategory
// under it when sub is not empty.
func (p *Project) HasCategory(cat, sub string) bool {
	for _, c := range p.Categories {
		if c.Name != cat {
			continue
		}
		if sub == "" {
			return true
		}
		for _, s := range c.Subcategories {
			if s == sub {
				return true
			}
		}
	}
	return false
}

func dailyTime(errs *Errors, field string, t *TimeOfDay) {
	if t == nil {
		return
	}
	if *t < 0 || *t >= 24*60 {
		errs.Add(field, "must be a time of day between 00:00 and 23:45")
	} else if *t%15 != 0 {
		errs.Add(field, "%s is not on a 15-minute step; use :00, :15, :30 or :45", t)
	}
}
