package planning

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// WorkDays says on which days of the week an assignment applies, indexed by
// time.Weekday (Sunday first). It reads and writes as a JSON object of booleans
// {"sunday": false, "monday": true, ...}.
type WorkDays [7]bool

// Weekdays is Monday to Friday, the default.
var Weekdays = WorkDays{false, true, true, true, true, true, false}

// Any reports whether at least one day is set.
func (w WorkDays) Any() bool {
	for _, d := range w {
		if d {
			return true
		}
	}
	return false
}

// MarshalJSON implements json.Marshaler.
func (w WorkDays) MarshalJSON() ([]byte, error) {
	m := make(map[string]bool, 7)
	for d := time.Sunday; d <= time.Saturday; d++ {
		m[strings.ToLower(d.String())] = w[d]
	}
	return json.Marshal(m)
}

// UnmarshalJSON implements json.Unmarshaler.
func (w *WorkDays) UnmarshalJSON(b []byte) error {
	var m map[string]bool
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*w = WorkDays{}
	for k, v := range m {
		found := false
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.EqualFold(k, d.String()) || strings.EqualFold(k, d.String()[:3]) {
				w[d], found = v, true
			}
		}
		if !found {
			return fmt.Errorf("work_days: %q is not a day of the week", k)
		}
	}
	return nil
}

// AssignmentStatus says how firm an assignment is.
type AssignmentStatus string

// Assignment statuses.
const (
	AssignmentConfirmed AssignmentStatus = "confirmed"
	AssignmentTentative AssignmentStatus = "tentative"
)

// Assignment puts a person on a project for a span of days, either for set hours
// (StartTime/EndTime) or for a share of their time (PercentAllocated).
type Assignment struct {
	Meta
	PersonID         string           `json:"person_id"`
	ProjectID        string           `json:"project_id"`
	StartDay         Date             `json:"start_day"`
	EndDay           Date             `json:"end_day"`
	StartTime        *TimeOfDay       `json:"start_time,omitempty"`
	EndTime          *TimeOfDay       `json:"end_time,omitempty"`
	PercentAllocated *int             `json:"percent_allocated,omitempty"`
	WorkDays         WorkDays         `json:"work_days"`
	Category         string           `json:"category,omitempty"`
	Subcategory      string           `json:"subcategory,omitempty"`
	Status           AssignmentStatus `json:"status"`
}

// Kind implements Record.
func (*Assignment) Kind() Kind { return KindAssignment }

// Key implements Record: assignments have no external key.
func (*Assignment) Key() string { return "" }

// Label implements Record.
func (a *Assignment) Label() string {
	return fmt.Sprintf("assignment %s to %s", a.StartDay, a.EndDay)
}

// Refs implements Record: the person and the project.
func (a *Assignment) Refs() []Ref {
	return []Ref{{Field: "person_id", Kind: KindPerson, ID: a.PersonID}, {Field: "project_id", Kind: KindProject, ID: a.ProjectID}}
}

// Normalize implements Record: the default is a confirmed assignment on weekdays.
func (a *Assignment) Normalize() {
	trim(&a.PersonID, &a.ProjectID, &a.Category, &a.Subcategory)
	a.Status = AssignmentStatus(strings.ToLower(strings.TrimSpace(string(a.Status))))
	if a.Status == "" {
		a.Status = AssignmentConfirmed
	}
	if !a.WorkDays.Any() {
		a.WorkDays = Weekdays
	}
}

// Validate implements Record.
func (a *Assignment) Validate() Errors {
	var errs Errors
	required(&errs, "person_id", a.PersonID)
	required(&errs, "project_id", a.ProjectID)
	dayRange(&errs, a.StartDay, a.EndDay)
	hours := a.StartTime != nil || a.EndTime != nil
	switch {
	case hours && a.PercentAllocated != nil:
		errs.Add("percent_allocated", "must be empty when start_time and end_time are given; use one or the other")
	case hours:
		if a.StartTime == nil {
			errs.Add("start_time", "is required with end_time")
		}
		if a.EndTime == nil {
			errs.Add("end_time", "is required with start_time")
		}
		dailyTime(&errs, "start_time", a.StartTime)
		dailyTime(&errs, "end_time", a.EndTime)
		if a.StartTime != nil && a.EndTime != nil && *a.EndTime <= *a.StartTime {
			errs.Add("end_time", "must be after the start time (%s)", a.StartTime)
		}
	case a.PercentAllocated != nil:
		if p := *a.PercentAllocated; p < 1 || p > 100 {
			errs.Add("percent_allocated", "must be between 1 and 100, not %d", p)
		}
	default:
		errs.Add("start_time", "is required: give start_time and end_time, or percent_allocated")
	}
	if !a.WorkDays.Any() {
		errs.Add("work_days", "must include at least one day")
	}
	if a.Subcategory != "" && a.Category == "" {
		errs.Add("category", "is required when a subcategory is given")
	}
	switch a.Status {
	case AssignmentConfirmed, AssignmentTentative:
	default:
		errs.Add("status", "%q is not an assignment status; use confirmed or tentative", a.Status)
	}
	return errs
}

func dayRange(errs *Errors, start, end Date) {
	if start.IsZero() {
		errs.Add("start_day", "is required")
	}
	if end.IsZero() {
		errs.Add("end_day", "is required")
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		errs.Add("end_day", "is before the start day (%s)", start)
	}
}

// Repeat says whether time off recurs.
type Repeat string

// Repeat choices.
const (
	RepeatNever   Repeat = "never"
	RepeatWeekly  Repeat = "weekly"
	RepeatMonthly Repeat = "monthly"
	RepeatYearly  Repeat = "yearly"
)

// TimeOff is a span of days a person is not available.
type TimeOff struct {
	Meta
	PersonID string `json:"person_id"`
	StartDay Date   `json:"start_day"`
	EndDay   Date   `json:"end_day"`
	Paid     bool   `json:"paid"`
	Reason   string `json:"reason,omitempty"`
	Repeat   Repeat `json:"repeat"`
}

// Kind implements Record.
func (*TimeOff) Kind() Kind { return KindTimeOff }

// Key implements Record: time off has no external key.
func (*TimeOff) Key() string { return "" }

// Label implements Record.
func (t *TimeOff) Label() string { return fmt.Sprintf("time off %s to %s", t.StartDay, t.EndDay) }

// Refs implements Record: the person.
func (t *TimeOff) Refs() []Ref { return []Ref{{Field: "person_id", Kind: KindPerson, ID: t.PersonID}} }

// Normalize implements Record: time off does not repeat unless told.
func (t *TimeOff) Normalize() {
	trim(&t.PersonID, &t.Reason)
	t.Repeat = Repeat(strings.ToLower(strings.TrimSpace(string(t.Repeat))))
	if t.Repeat == "" {
		t.Repeat = RepeatNever
	}
}

// Validate implements Record.
func (t *TimeOff) Validate() Errors {
	var errs Errors
	required(&errs, "person_id", t.PersonID)
	dayRange(&errs, t.StartDay, t.EndDay)
	maxLen(&errs, "reason", t.Reason, 500)
	switch t.Repeat {
	case RepeatNever, RepeatWeekly, RepeatMonthly, RepeatYearly:
	default:
		errs.Add("repeat", "%q is not a repeat choice; use never, weekly, monthly or yearly", t.Repeat)
	}
	return errs
}

// ResourceRequest is an unfilled need on a project: so many people with a job title
// (and tags) for a span of days.
type ResourceRequest struct {
	Meta
	ProjectID string   `json:"project_id"`
	JobTitle  string   `json:"job_title"` // job title code
	Quantity  int      `json:"quantity"`
	StartDay  Date     `json:"start_day"`
	EndDay    Date     `json:"end_day"`
	Tags      []string `json:"tags,omitempty"` // tag codes required
}

// Kind implements Record.
func (*ResourceRequest) Kind() Kind { return KindResourceRequest }

// Key implements Record: requests have no external key.
func (*ResourceRequest) Key() string { return "" }

// Label implements Record.
func (r *ResourceRequest) Label() string {
	return fmt.Sprintf("request for %d %s", r.Quantity, r.JobTitle)
}

// Refs implements Record: the project, job title and tags.
func (r *ResourceRequest) Refs() []Ref {
	refs := []Ref{{Field: "project_id", Kind: KindProject, ID: r.ProjectID}}
	if r.JobTitle != "" {
		refs = append(refs, Ref{Field: "job_title", Kind: KindJobTitle, Code: r.JobTitle})
	}
	return codeRefs(refs, "tags", KindTag, r.Tags)
}

// Normalize implements Record: a request is for one person unless told.
func (r *ResourceRequest) Normalize() {
	trim(&r.ProjectID, &r.JobTitle)
	r.Tags = trimAll(r.Tags)
	if r.Quantity == 0 {
		r.Quantity = 1
	}
}

// Validate implements Record.
func (r *ResourceRequest) Validate() Errors {
	var errs Errors
	required(&errs, "project_id", r.ProjectID)
	validCode(&errs, "job_title", r.JobTitle)
	if r.Quantity < 1 {
		errs.Add("quantity", "must be at least 1, not %d", r.Quantity)
	}
	dayRange(&errs, r.StartDay, r.EndDay)
	codeList(&errs, "tags", r.Tags)
	return errs
}
