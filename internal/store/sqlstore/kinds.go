package sqlstore

import (
	"context"

	"github.com/trestle-dev/trestle/internal/planning"
)

// recordPtr is the pointer to a record kind T.
type recordPtr[T any] interface {
	*T
	planning.Record
}

// desc describes how one record kind is kept: its table, external key column, and
// the columns copied out of the document for filtering and uniqueness.
type desc[T any, P recordPtr[T]] struct {
	kind   planning.Kind
	table  string
	keyCol string // "" when the kind has no external key
	cols   []column[P]
	// unique lists the cols whose values are unique in a company (email, phone).
	unique []string
	// statusful kinds (people, projects) are deactivated, never deleted, and their
	// assignments end when they are.
	statusful bool
	// assignmentCol is the assignments column that points to this kind.
	assignmentCol string
	// prepare fills defaults that need other records; it runs after Normalize.
	prepare func(ctx context.Context, t *tx, p P) error
	// status returns the record's status, for statusful kinds.
	status func(p P) planning.Status
}

type column[P any] struct {
	name string
	val  func(d *dialect, p P) any
}

var groupDesc = &desc[planning.Group, *planning.Group]{
	kind: planning.KindGroup, table: "groups", keyCol: "code",
}

var jobTitleDesc = &desc[planning.JobTitle, *planning.JobTitle]{
	kind: planning.KindJobTitle, table: "job_titles", keyCol: "code",
}

var tagDesc = &desc[planning.Tag, *planning.Tag]{
	kind: planning.KindTag, table: "tags", keyCol: "code",
}

var personDesc = &desc[planning.Person, *planning.Person]{
	kind: planning.KindPerson, table: "people", keyCol: "employee_id",
	cols: []column[*planning.Person]{
		{"status", func(_ *dialect, p *planning.Person) any { return string(p.Status) }},
		{"email", func(_ *dialect, p *planning.Person) any { return nullable(p.Email) }},
		{"mobile_phone", func(_ *dialect, p *planning.Person) any { return nullable(p.MobilePhone) }},
		{"job_title", func(_ *dialect, p *planning.Person) any { return nullable(p.JobTitle) }},
	},
	unique:        []string{"email", "mobile_phone"},
	statusful:     true,
	assignmentCol: "person_id",
	status:        func(p *planning.Person) planning.Status { return p.Status },
}

var projectDesc = &desc[planning.Project, *planning.Project]{
	kind: planning.KindProject, table: "projects", keyCol: "project_number",
	cols: []column[*planning.Project]{
		{"status", func(_ *dialect, p *planning.Project) any { return string(p.Status) }},
	},
	statusful:     true,
	assignmentCol: "project_id",
	status:        func(p *planning.Project) planning.Status { return p.Status },
	prepare: func(ctx context.Context, t *tx, p *planning.Project) error {
		// A project's time zone defaults to that of its first group.
		if p.Timezone != "" || len(p.GroupCodes) == 0 {
			return nil
		}
		tz, err := t.groupTimezone(ctx, p.GroupCodes[0])
		p.Timezone = tz
		return err
	},
}

var assignmentDesc = &desc[planning.Assignment, *planning.Assignment]{
	kind: planning.KindAssignment, table: "assignments",
	cols: []column[*planning.Assignment]{
		{"person_id", func(_ *dialect, a *planning.Assignment) any { return a.PersonID }},
		{"project_id", func(_ *dialect, a *planning.Assignment) any { return a.ProjectID }},
		{"start_day", func(d *dialect, a *planning.Assignment) any { return d.day(a.StartDay) }},
		{"end_day", func(d *dialect, a *planning.Assignment) any { return d.day(a.EndDay) }},
	},
}

var timeOffDesc = &desc[planning.TimeOff, *planning.TimeOff]{
	kind: planning.KindTimeOff, table: "time_off",
	cols: []column[*planning.TimeOff]{
		{"person_id", func(_ *dialect, t *planning.TimeOff) any { return t.PersonID }},
		{"start_day", func(d *dialect, t *planning.TimeOff) any { return d.day(t.StartDay) }},
		{"end_day", func(d *dialect, t *planning.TimeOff) any { return d.day(t.EndDay) }},
	},
}

var resourceRequestDesc = &desc[planning.ResourceRequest, *planning.ResourceRequest]{
	kind: planning.KindResourceRequest, table: "resource_requests",
	cols: []column[*planning.ResourceRequest]{
		{"project_id", func(_ *dialect, r *planning.ResourceRequest) any { return r.ProjectID }},
		{"start_day", func(d *dialect, r *planning.ResourceRequest) any { return d.day(r.StartDay) }},
		{"end_day", func(d *dialect, r *planning.ResourceRequest) any { return d.day(r.EndDay) }},
	},
}

// tableOf names the table of a kind, for reference checks.
func tableOf(k planning.Kind) (table, keyCol string) {
	switch k {
	case planning.KindGroup:
		return "groups", "code"
	case planning.KindJobTitle:
		return "job_titles", "code"
	case planning.KindTag:
		return "tags", "code"
	case planning.KindPerson:
		return "people", "id"
	case planning.KindProject:
		return "projects", "id"
	case planning.KindResourceRequest:
		return "resource_requests", "id"
	}
	panic("no table for " + string(k))
}

// referrers lists, for a kind referred to by code, the tables whose records may
// refer to it; their Refs() give the exact answer.
var referrers = map[planning.Kind][]planning.Kind{
	planning.KindGroup:    {planning.KindJobTitle, planning.KindTag, planning.KindPerson, planning.KindProject},
	planning.KindJobTitle: {planning.KindPerson, planning.KindProject, planning.KindResourceRequest},
	planning.KindTag:      {planning.KindPerson, planning.KindProject, planning.KindResourceRequest},
}
