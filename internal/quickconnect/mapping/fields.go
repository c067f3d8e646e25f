package mapping

import (
	"slices"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/templates"
)

// Entity names a kind of record a mapping fills, as the mapping's top-level keys
// and the CSV templates name them.
type Entity string

// The entities a mapping can fill, in the order a sync applies them.
const (
	Groups    Entity = "groups"
	JobTitles Entity = "job_titles"
	People    Entity = "people"
	Projects  Entity = "projects"
)

// allEntities lists the entities in the order a sync applies them.
var allEntities = []Entity{Groups, JobTitles, People, Projects}

// Kind is the planning kind of the entity's records ("" for an unknown entity).
func (e Entity) Kind() planning.Kind {
	switch e {
	case Groups:
		return planning.KindGroup
	case JobTitles:
		return planning.KindJobTitle
	case People:
		return planning.KindPerson
	case Projects:
		return planning.KindProject
	}
	return ""
}

// hubField is one field of a hub record a mapping can fill: its snake_case name
// (as in planning's FieldError.Field and the CSV templates), the kind of value
// it holds, and how to store a value into a record.
type hubField[T any] struct {
	name    string
	kind    kind
	choices []string // the allowed values of a choice field
	// set stores v (set) into t; for a person's or project's group list that
	// says All, it stores nothing and reports all.
	set func(t *T, v value) (all bool)
	// also lists the other record fields that storing this one writes (a job
	// title's group_codes also writes global), for OwnedFields.
	also []string
}

// entityDef is what a mapping can fill in one entity.
type entityDef[T any] struct {
	entity Entity
	// key is the field that matches records between the source and the hub.
	key    string
	spec   *templates.Spec
	fields []hubField[T]
	index  map[string]int
	// custom gives a record's custom fields; nil when the entity has none.
	custom func(*T) *planning.CustomFields
	// unsupported names the template columns a mapping cannot fill, and why.
	unsupported map[string]string
	normalize   func(*T)
	// defaults holds the template's default for fields that have one
	// (is_assignable Y), used when the mapping leaves the field unset.
	defaults map[string]value
}

// init indexes the fields and reads the template's defaults.
func (d *entityDef[T]) init() *entityDef[T] {
	d.index = make(map[string]int, len(d.fields))
	d.defaults = map[string]value{}
	for i, f := range d.fields {
		d.index[f.name] = i
		c, ok := d.spec.Column(f.name)
		if !ok || c.Default == "" {
			continue
		}
		rd := reader{kind: f.kind, trim: true, round: -1, split: "|"}
		v, err := rd.read(c.Default, nil)
		if err != nil {
			panic("mapping: template default of " + f.name + ": " + err.Error())
		}
		d.defaults[f.name] = v
	}
	return d
}

// field returns the hub field named name.
func (d *entityDef[T]) field(name string) (hubField[T], bool) {
	i, ok := d.index[name]
	if !ok {
		return hubField[T]{}, false
	}
	return d.fields[i], true
}

// names lists the fields' names in template order, for messages.
func (d *entityDef[T]) names() []string {
	out := make([]string, len(d.fields))
	for i, f := range d.fields {
		out[i] = f.name
	}
	return out
}

// Field builders.

func text[T any](name string, f func(*T) *string) hubField[T] {
	return hubField[T]{name: name, kind: kindText, set: func(t *T, v value) bool { *f(t) = v.text; return false }}
}

func choice[T any, S ~string](name string, values []S, f func(*T) *S) hubField[T] {
	h := hubField[T]{name: name, kind: kindText, set: func(t *T, v value) bool { *f(t) = S(v.text); return false }}
	for _, s := range values {
		h.choices = append(h.choices, string(s))
	}
	return h
}

func boolean[T any](name string, f func(*T) *bool) hubField[T] {
	return hubField[T]{name: name, kind: kindBool, set: func(t *T, v value) bool { *f(t) = v.b; return false }}
}

func money[T any](name string, f func(*T) **planning.Decimal) hubField[T] {
	return hubField[T]{name: name, kind: kindMoney, set: func(t *T, v value) bool { d := v.dec; *f(t) = &d; return false }}
}

func whole[T any](name string, k kind, f func(*T) **int) hubField[T] {
	return hubField[T]{name: name, kind: k, set: func(t *T, v value) bool { n := v.n; *f(t) = &n; return false }}
}

func date[T any](name string, f func(*T) *planning.Date) hubField[T] {
	return hubField[T]{name: name, kind: kindDate, set: func(t *T, v value) bool { *f(t) = v.date; return false }}
}

func clock[T any](name string, f func(*T) **planning.TimeOfDay) hubField[T] {
	return hubField[T]{name: name, kind: kindTime, set: func(t *T, v value) bool { c := v.tod; *f(t) = &c; return false }}
}

func codes[T any](name string, f func(*T) *[]string) hubField[T] {
	return hubField[T]{name: name, kind: kindList, set: func(t *T, v value) bool { *f(t) = slices.Clone(v.list); return false }}
}

// groupsOrAll is the group_codes of a person or project: All sets the row's
// AllGroups.
func groupsOrAll[T any](f func(*T) *[]string) hubField[T] {
	h := codes("group_codes", f)
	h.set = func(t *T, v value) bool {
		if v.all {
			*f(t) = nil
			return true
		}
		*f(t) = slices.Clone(v.list)
		return false
	}
	return h
}

// groupsOrGlobal is the group_codes of a job title: All makes it global.
func groupsOrGlobal[T any](f func(*T) *[]string, global func(*T) *bool) hubField[T] {
	h := codes("group_codes", f)
	h.set = func(t *T, v value) bool { *global(t), *f(t) = v.all, slices.Clone(v.list); return false }
	h.also = []string{"global"}
	return h
}

// address is the fields of planning.Address.
func address[T any](f func(*T) *planning.Address) []hubField[T] {
	return []hubField[T]{
		text("address_1", func(t *T) *string { return &f(t).Address1 }),
		text("address_2", func(t *T) *string { return &f(t).Address2 }),
		text("city", func(t *T) *string { return &f(t).City }),
		text("state", func(t *T) *string { return &f(t).State }),
		text("postal_code", func(t *T) *string { return &f(t).PostalCode }),
		text("country", func(t *T) *string { return &f(t).Country }),
	}
}

var personStatuses = []planning.Status{planning.StatusActive, planning.StatusInactive}
var projectStatuses = []planning.Status{planning.StatusActive, planning.StatusPending, planning.StatusInactive}

var groupDef = (&entityDef[planning.Group]{
	entity: Groups, key: "code", spec: templates.Groups.Spec(),
	fields: slices.Concat([]hubField[planning.Group]{
		text("code", func(g *planning.Group) *string { return &g.Code }),
		text("name", func(g *planning.Group) *string { return &g.Name }),
		text("timezone", func(g *planning.Group) *string { return &g.Timezone }),
		text("color", func(g *planning.Group) *string { return &g.Color }),
	}, address(func(g *planning.Group) *planning.Address { return &g.Address }), []hubField[planning.Group]{
		text("contact_name", func(g *planning.Group) *string { return &g.ContactName }),
		text("contact_phone", func(g *planning.Group) *string { return &g.ContactPhone }),
		text("contact_email", func(g *planning.Group) *string { return &g.ContactEmail }),
	}),
	normalize: func(g *planning.Group) { g.Normalize() },
}).init()

var jobTitleDef = (&entityDef[planning.JobTitle]{
	entity: JobTitles, key: "code", spec: templates.JobTitles.Spec(),
	fields: []hubField[planning.JobTitle]{
		text("code", func(j *planning.JobTitle) *string { return &j.Code }),
		text("name", func(j *planning.JobTitle) *string { return &j.Name }),
		groupsOrGlobal(func(j *planning.JobTitle) *[]string { return &j.GroupCodes }, func(j *planning.JobTitle) *bool { return &j.Global }),
		text("color", func(j *planning.JobTitle) *string { return &j.Color }),
		choice("pay_type", []planning.PayType{planning.PayHourly, planning.PaySalaried}, func(j *planning.JobTitle) *planning.PayType { return &j.PayType }),
		money("hourly_rate", func(j *planning.JobTitle) **planning.Decimal { return &j.HourlyRate }),
	},
	normalize: func(j *planning.JobTitle) { j.Normalize() },
}).init()

var personDef = (&entityDef[planning.Person]{
	entity: People, key: "employee_id", spec: templates.People.Spec(),
	fields: slices.Concat([]hubField[planning.Person]{
		text("employee_id", func(p *planning.Person) *string { return &p.EmployeeID }),
		text("first_name", func(p *planning.Person) *string { return &p.FirstName }),
		text("last_name", func(p *planning.Person) *string { return &p.LastName }),
		choice("status", personStatuses, func(p *planning.Person) *planning.Status { return &p.Status }),
		groupsOrAll(func(p *planning.Person) *[]string { return &p.GroupCodes }),
		text("job_title", func(p *planning.Person) *string { return &p.JobTitle }),
		boolean("is_assignable", func(p *planning.Person) *bool { return &p.IsAssignable }),
		boolean("is_user", func(p *planning.Person) *bool { return &p.IsUser }),
		text("email", func(p *planning.Person) *string { return &p.Email }),
		text("mobile_phone", func(p *planning.Person) *string { return &p.MobilePhone }),
		boolean("can_receive_sms", func(p *planning.Person) *bool { return &p.CanReceiveSMS }),
		boolean("can_receive_email", func(p *planning.Person) *bool { return &p.CanReceiveEmail }),
		money("hourly_wage", func(p *planning.Person) **planning.Decimal { return &p.HourlyWage }),
		date("hired_date", func(p *planning.Person) *planning.Date { return &p.HiredDate }),
		date("date_of_birth", func(p *planning.Person) *planning.Date { return &p.DateOfBirth }),
		text("gender", func(p *planning.Person) *string { return &p.Gender }),
		text("union", func(p *planning.Person) *string { return &p.Union }),
	}, address(func(p *planning.Person) *planning.Address { return &p.Address }), []hubField[planning.Person]{
		text("emergency_contact_name", func(p *planning.Person) *string { return &p.EmergencyContactName }),
		text("emergency_contact_relation", func(p *planning.Person) *string { return &p.EmergencyContactRelation }),
		text("emergency_contact_phone", func(p *planning.Person) *string { return &p.EmergencyContactPhone }),
		text("emergency_contact_email", func(p *planning.Person) *string { return &p.EmergencyContactEmail }),
		{name: "tags", kind: kindTags, set: func(p *planning.Person, v value) bool { p.Tags = slices.Clone(v.tags); return false }},
	}),
	custom:    func(p *planning.Person) *planning.CustomFields { return &p.Custom },
	normalize: func(p *planning.Person) { p.Normalize() },
}).init()

var projectDef = (&entityDef[planning.Project]{
	entity: Projects, key: "project_number", spec: templates.Projects.Spec(),
	fields: slices.Concat([]hubField[planning.Project]{
		text("project_number", func(p *planning.Project) *string { return &p.ProjectNumber }),
		text("name", func(p *planning.Project) *string { return &p.Name }),
		choice("status", projectStatuses, func(p *planning.Project) *planning.Status { return &p.Status }),
		groupsOrAll(func(p *planning.Project) *[]string { return &p.GroupCodes }),
		date("start_date", func(p *planning.Project) *planning.Date { return &p.StartDate }),
		date("planned_end_date", func(p *planning.Project) *planning.Date { return &p.PlannedEndDate }),
		date("closed_date", func(p *planning.Project) *planning.Date { return &p.ClosedDate }),
		text("timezone", func(p *planning.Project) *string { return &p.Timezone }),
		clock("daily_start_time", func(p *planning.Project) **planning.TimeOfDay { return &p.DailyStartTime }),
		clock("daily_end_time", func(p *planning.Project) **planning.TimeOfDay { return &p.DailyEndTime }),
	}, address(func(p *planning.Project) *planning.Address { return &p.Address }), []hubField[planning.Project]{
		text("customer_name", func(p *planning.Project) *string { return &p.CustomerName }),
		text("project_type", func(p *planning.Project) *string { return &p.ProjectType }),
		text("stage", func(p *planning.Project) *string { return &p.Stage }),
		money("bid_rate", func(p *planning.Project) **planning.Decimal { return &p.BidRate }),
		whole("percent_complete", kindPercent, func(p *planning.Project) **int { return &p.PercentComplete }),
		text("color", func(p *planning.Project) *string { return &p.Color }),
		codes("tags", func(p *planning.Project) *[]string { return &p.Tags }),
	}),
	custom: func(p *planning.Project) *planning.CustomFields { return &p.Custom },
	unsupported: map[string]string{
		"roles":          "project roles name people of the hub, which a sync from a system of record cannot fill; set them in the hub",
		"categories":     "categories are kept in the hub; set them there or with projects.csv",
		"wage_overrides": "wage overrides are kept in the hub; set them there or with projects.csv",
	},
	normalize: func(p *planning.Project) { p.Normalize() },
}).init()
