package templates

import (
	"slices"

	"github.com/trestle-dev/trestle/internal/planning"
)

// The six templates, in the order their files are applied.

// Groups is groups.csv: regions, branches and offices, matched by code.
var Groups = (&Template[planning.Group]{
	spec: &Spec{Name: "groups", Kind: planning.KindGroup, Key: "code",
		Summary: "Regions, branches or offices. People, projects, job titles and tags refer to them by code."},
	cols: slices.Concat([]column[planning.Group]{
		text("code", "KS", "Short id of the group, used in the group_codes columns of the other files.",
			func(g *planning.Group) *string { return &g.Code }).typed(TypeCode).req(),
		text("name", "Kansas City", "Name of the group.", func(g *planning.Group) *string { return &g.Name }).req(),
		text("timezone", "America/Chicago", "Time zone of the group's work.",
			func(g *planning.Group) *string { return &g.Timezone }).typed(TypeTimezone).req(),
		text("color", "#1F77B4", "Color shown for the group.", func(g *planning.Group) *string { return &g.Color }).typed(TypeColor),
	}, address(func(g *planning.Group) *planning.Address { return &g.Address },
		[6]string{"100 Main St", "Suite 200", "Kansas City", "KS", "66101", "US"}, "the office"),
		[]column[planning.Group]{
			text("contact_name", "Dana Lee", "Person to contact at the office.",
				func(g *planning.Group) *string { return &g.ContactName }),
			text("contact_phone", "+19135550100", "Phone of the contact.",
				func(g *planning.Group) *string { return &g.ContactPhone }).typed(TypePhone),
			text("contact_email", "dana.lee@example.com", "Email of the contact.",
				func(g *planning.Group) *string { return &g.ContactEmail }).typed(TypeEmail),
		}),
	check:  recordCheck[planning.Group](),
	unique: []uniqueColumn[planning.Group]{{"code", func(r *Row[planning.Group]) string { return r.Value.Code }}},
}).init()

// JobTitles is job_titles.csv: trades and positions, matched by code.
var JobTitles = (&Template[planning.JobTitle]{
	spec: &Spec{Name: "job_titles", Kind: planning.KindJobTitle, Key: "code",
		Summary: "Trades and positions (Foreman, Apprentice). People and project roles refer to them by code."},
	cols: []column[planning.JobTitle]{
		text("code", "FORE", "Short id of the job title, used in people.csv and projects.csv.",
			func(j *planning.JobTitle) *string { return &j.Code }).typed(TypeCode).req(),
		text("name", "Foreman", "Name of the job title.", func(j *planning.JobTitle) *string { return &j.Name }).req(),
		groupsOrGlobal("All", "Groups where the job title is used, or All.",
			func(j *planning.JobTitle) *[]string { return &j.GroupCodes }, func(j *planning.JobTitle) *bool { return &j.Global }).req(),
		text("color", "#FF7F0E", "Color shown for the job title.", func(j *planning.JobTitle) *string { return &j.Color }).typed(TypeColor),
		choice("pay_type", []string{string(planning.PayHourly), string(planning.PaySalaried)}, "hourly",
			"How people with this job title are paid: hourly or salaried.",
			func(j *planning.JobTitle) *string { return (*string)(&j.PayType) }),
		optional(TypeMoney, "hourly_rate", "42.50", "Standard hourly rate.", parseMoney,
			func(j *planning.JobTitle) **planning.Decimal { return &j.HourlyRate }),
	},
	check:  recordCheck[planning.JobTitle](),
	unique: []uniqueColumn[planning.JobTitle]{{"code", func(r *Row[planning.JobTitle]) string { return r.Value.Code }}},
}).init()

// Tags is tags.csv: certifications and skills, matched by code.
var Tags = (&Template[planning.Tag]{
	spec: &Spec{Name: "tags", Kind: planning.KindTag, Key: "code",
		Summary: "Certifications and skills people hold (OSHA 10, Forklift). People and projects refer to them by code."},
	cols: []column[planning.Tag]{
		text("code", "OSHA10", "Short id of the tag, used in people.csv and projects.csv. Defaults to the abbreviation without spaces.",
			func(t *planning.Tag) *string { return &t.Code }).typed(TypeCode),
		text("name", "OSHA 10", "Name of the tag.", func(t *planning.Tag) *string { return &t.Name }).req(),
		text("abbreviation", "OSHA1", "Up to 5 characters shown on schedules; defaults to the first 5 of the name.",
			func(t *planning.Tag) *string { return &t.Abbreviation }),
		groupsOrGlobal("KS", "Groups where the tag is used, or All.",
			func(t *planning.Tag) *[]string { return &t.GroupCodes }, func(t *planning.Tag) *bool { return &t.Global }).req(),
		boolean("requires_expiry", "Y", "Whether a person's tag must carry an expiry date.",
			func(t *planning.Tag) *bool { return &t.RequiresExpiry }).def("N"),
		optional(TypeInteger, "expiry_warning_days", "30", "How many days before expiry to warn.", parseInt,
			func(t *planning.Tag) **int { return &t.ExpiryWarningDays }),
		text("color", "#2CA02C", "Color shown for the tag.", func(t *planning.Tag) *string { return &t.Color }).typed(TypeColor),
		list(TypeTextList, "categories", "Safety|Training", "Categories the tag belongs to.",
			func(t *planning.Tag) *[]string { return &t.Categories }),
	},
	check:  recordCheck[planning.Tag](),
	unique: []uniqueColumn[planning.Tag]{{"code", func(r *Row[planning.Tag]) string { return r.Value.Code }}},
}).init()

// People is people.csv: the people planned onto projects, matched by employee_id.
// A row whose group_codes is All has Row.AllGroups set and no group codes.
var People = (&Template[planning.Person]{
	spec: &Spec{Name: "people", Kind: planning.KindPerson, Key: "employee_id",
		Summary:       "The people planned onto projects, matched by employee_id.",
		customExample: [2]string{"shirt_size", "L"}},
	cols: slices.Concat([]column[planning.Person]{
		text("employee_id", "E1001", "The person's id in the system of record; the key that matches rows to people in the hub.",
			func(p *planning.Person) *string { return &p.EmployeeID }).req(),
		text("first_name", "Jane", "Given name.", func(p *planning.Person) *string { return &p.FirstName }).req(),
		text("last_name", "Doe", "Family name.", func(p *planning.Person) *string { return &p.LastName }).req(),
		choice("status", []string{string(planning.StatusActive), string(planning.StatusInactive)}, "active",
			"active or inactive.", func(p *planning.Person) *string { return (*string)(&p.Status) }).def("active"),
		groupsOrAll("KS|MO", "Groups the person belongs to, or All.",
			func(p *planning.Person) *[]string { return &p.GroupCodes }).req(),
		text("job_title", "FORE", "Code of the person's job title (job_titles.csv).",
			func(p *planning.Person) *string { return &p.JobTitle }).typed(TypeCode),
		boolean("is_assignable", "Y", "Whether the person can be put on assignments.",
			func(p *planning.Person) *bool { return &p.IsAssignable }).def("Y"),
		boolean("is_user", "N", "Whether the person can log in; needs an email.",
			func(p *planning.Person) *bool { return &p.IsUser }).def("N"),
		text("email", "jane.doe@example.com", "Email, unique in the company.",
			func(p *planning.Person) *string { return &p.Email }).typed(TypeEmail),
		text("mobile_phone", "+13125550100", "Mobile phone, unique in the company.",
			func(p *planning.Person) *string { return &p.MobilePhone }).typed(TypePhone),
		boolean("can_receive_sms", "Y", "Whether to send text messages; needs mobile_phone.",
			func(p *planning.Person) *bool { return &p.CanReceiveSMS }).def("N"),
		boolean("can_receive_email", "Y", "Whether to send email; needs email.",
			func(p *planning.Person) *bool { return &p.CanReceiveEmail }).def("N"),
		optional(TypeMoney, "hourly_wage", "38.75", "Hourly wage.", parseMoney,
			func(p *planning.Person) **planning.Decimal { return &p.HourlyWage }),
		date("hired_date", "2019-04-15", "Day the person was hired.", func(p *planning.Person) *planning.Date { return &p.HiredDate }),
		date("date_of_birth", "1985-09-30", "Date of birth.", func(p *planning.Person) *planning.Date { return &p.DateOfBirth }),
		text("gender", "female", "Gender, as the system of record writes it.", func(p *planning.Person) *string { return &p.Gender }),
		text("union", "Local 123", "Union the person belongs to.", func(p *planning.Person) *string { return &p.Union }),
	}, address(func(p *planning.Person) *planning.Address { return &p.Address },
		[6]string{"12 Elm St", "Apt 4", "Overland Park", "KS", "66204", "US"}, "the person's home"),
		[]column[planning.Person]{
			text("emergency_contact_name", "John Doe", "Emergency contact.",
				func(p *planning.Person) *string { return &p.EmergencyContactName }),
			text("emergency_contact_relation", "spouse", "How the emergency contact is related.",
				func(p *planning.Person) *string { return &p.EmergencyContactRelation }),
			text("emergency_contact_phone", "+13125550101", "Phone of the emergency contact.",
				func(p *planning.Person) *string { return &p.EmergencyContactPhone }).typed(TypePhone),
			text("emergency_contact_email", "john.doe@example.com", "Email of the emergency contact.",
				func(p *planning.Person) *string { return &p.EmergencyContactEmail }).typed(TypeEmail),
			structured(TypeTagList, "tags", "OSHA10:2027-03-01|FORKLIFT", "Tags the person holds (tags.csv codes), each with an optional expiry.",
				parsePersonTags, func(r *Row[planning.Person]) *[]planning.PersonTag { return &r.Value.Tags }),
		}),
	custom: func(p *planning.Person) *planning.CustomFields { return &p.Custom },
	check: func(r *Row[planning.Person]) planning.Errors {
		r.Value.Normalize()
		v := r.Value
		if r.AllGroups {
			v.GroupCodes = []string{allGroups}
		}
		return v.Validate()
	},
	unique: []uniqueColumn[planning.Person]{
		{"employee_id", func(r *Row[planning.Person]) string { return r.Value.EmployeeID }},
		{"email", func(r *Row[planning.Person]) string { return r.Value.Email }},
		{"mobile_phone", func(r *Row[planning.Person]) string { return r.Value.MobilePhone }},
	},
}).init()

// Projects is projects.csv: jobs people are planned onto, matched by
// project_number. Roles name people by employee_id: in the value's Roles, PersonID
// holds the employee_id until the caller resolves it to the person's id (as
// internal/ingest's Set expects). A row whose group_codes is All has
// Row.AllGroups set and no group codes.
var Projects = (&Template[planning.Project]{
	spec: &Spec{Name: "projects", Kind: planning.KindProject, Key: "project_number",
		Summary:       "The jobs people are planned onto, matched by project_number.",
		customExample: [2]string{"cost_center", "CC-410"}},
	cols: slices.Concat([]column[planning.Project]{
		text("project_number", "P-2026-014", "The project's number in the system of record; the key that matches rows to projects in the hub.",
			func(p *planning.Project) *string { return &p.ProjectNumber }).req(),
		text("name", "Riverside Clinic", "Name of the project.", func(p *planning.Project) *string { return &p.Name }).req(),
		choice("status", []string{string(planning.StatusActive), string(planning.StatusPending), string(planning.StatusInactive)},
			"active", "active, pending or inactive.", func(p *planning.Project) *string { return (*string)(&p.Status) }).def("active"),
		groupsOrAll("KS", "Groups the project belongs to, or All.",
			func(p *planning.Project) *[]string { return &p.GroupCodes }).req(),
		date("start_date", "2026-03-02", "First day of work; required when the project is active.",
			func(p *planning.Project) *planning.Date { return &p.StartDate }),
		date("planned_end_date", "2026-11-20", "Planned last day.", func(p *planning.Project) *planning.Date { return &p.PlannedEndDate }),
		date("closed_date", "", "Day the project closed.", func(p *planning.Project) *planning.Date { return &p.ClosedDate }),
		text("timezone", "America/Chicago", "Time zone of the site; defaults to the first group's.",
			func(p *planning.Project) *string { return &p.Timezone }).typed(TypeTimezone),
		optional(TypeTimeOfDay, "daily_start_time", "07:00", "Start of the working day, on a 15-minute step.", parseTime,
			func(p *planning.Project) **planning.TimeOfDay { return &p.DailyStartTime }).def("07:30"),
		optional(TypeTimeOfDay, "daily_end_time", "15:30", "End of the working day, on a 15-minute step.", parseTime,
			func(p *planning.Project) **planning.TimeOfDay { return &p.DailyEndTime }).def("15:30"),
	}, address(func(p *planning.Project) *planning.Address { return &p.Address },
		[6]string{"2500 River Rd", "", "Kansas City", "KS", "66102", "US"}, "the site"),
		[]column[planning.Project]{
			text("customer_name", "Riverside Health", "Customer the project is built for.",
				func(p *planning.Project) *string { return &p.CustomerName }),
			text("project_type", "Healthcare", "Type of project.", func(p *planning.Project) *string { return &p.ProjectType }),
			text("stage", "Construction", "Stage of the project.", func(p *planning.Project) *string { return &p.Stage }),
			optional(TypeMoney, "bid_rate", "65", "Bid rate.", parseMoney, func(p *planning.Project) **planning.Decimal { return &p.BidRate }),
			optional(TypePercent, "percent_complete", "35", "How far along the project is.", parsePercent,
				func(p *planning.Project) **int { return &p.PercentComplete }),
			text("color", "#9467BD", "Color shown for the project.", func(p *planning.Project) *string { return &p.Color }).typed(TypeColor),
			list(TypeCodeList, "tags", "OSHA10", "Tags people on the project should hold (tags.csv codes).",
				func(p *planning.Project) *[]string { return &p.Tags }),
			structured(TypeRoles, "roles", "E1001:FORE|E1002:PM", "People with a role on the project, by employee_id, and the job title of the role.",
				parseRoles, func(r *Row[planning.Project]) *[]planning.ProjectRole { return &r.Value.Roles }),
			structured(TypeCategories, "categories", "Level 1>North;South|Roof", "Phases or areas of the project, with subcategories.",
				parseCategories, func(r *Row[planning.Project]) *[]planning.Category { return &r.Value.Categories }),
			structured(TypeWages, "wage_overrides", "FORE:45.50|APP:28", "Hourly rates paid on this project, by job title code.",
				parseWages, func(r *Row[planning.Project]) *[]planning.WageOverride { return &r.Value.WageOverrides }),
		}),
	custom: func(p *planning.Project) *planning.CustomFields { return &p.Custom },
	check: func(r *Row[planning.Project]) planning.Errors {
		r.Value.Normalize()
		v := r.Value
		if r.AllGroups {
			v.GroupCodes = []string{allGroups}
		}
		return v.Validate()
	},
	unique: []uniqueColumn[planning.Project]{
		{"project_number", func(r *Row[planning.Project]) string { return r.Value.ProjectNumber }},
	},
}).init()

// Assignments is assignments.csv: people on projects for a span of days. Rows name
// the person by employee_id and the project by project_number (Row.EmployeeID and
// Row.ProjectNumber); the value's PersonID and ProjectID stay empty for the caller
// to fill. Assignments have no key: every row is a new assignment.
var Assignments = (&Template[planning.Assignment]{
	spec: &Spec{Name: "assignments", Kind: planning.KindAssignment,
		Summary: "People on projects for a span of days, for set hours or a share of their time."},
	cols: []column[planning.Assignment]{
		rowText(TypeText, "employee_id", "E1001", "The person (people.csv or the hub), by employee_id.",
			func(r *Row[planning.Assignment]) *string { return &r.EmployeeID }).req(),
		rowText(TypeText, "project_number", "P-2026-014", "The project (projects.csv or the hub), by project_number.",
			func(r *Row[planning.Assignment]) *string { return &r.ProjectNumber }).req(),
		date("start_day", "2026-03-02", "First day of the assignment.", func(a *planning.Assignment) *planning.Date { return &a.StartDay }).req(),
		date("end_day", "2026-05-29", "Last day of the assignment.", func(a *planning.Assignment) *planning.Date { return &a.EndDay }).req(),
		optional(TypeTimeOfDay, "start_time", "07:00", "Start of each day's work, on a 15-minute step; give it with end_time, or give percent_allocated.",
			parseTime, func(a *planning.Assignment) **planning.TimeOfDay { return &a.StartTime }),
		optional(TypeTimeOfDay, "end_time", "15:30", "End of each day's work, on a 15-minute step.",
			parseTime, func(a *planning.Assignment) **planning.TimeOfDay { return &a.EndTime }),
		optional(TypePercent, "percent_allocated", "", "Share of the person's time (1 to 100), instead of start_time and end_time.",
			parsePercent, func(a *planning.Assignment) **int { return &a.PercentAllocated }),
		structured(TypeWorkDays, "work_days", "Mon|Tue|Wed|Thu|Fri", "Days of the week the assignment applies.",
			parseWorkDays, func(r *Row[planning.Assignment]) *planning.WorkDays { return &r.Value.WorkDays }).def("Mon|Tue|Wed|Thu|Fri"),
		text("category", "Level 1", "Category of the project the work is in.", func(a *planning.Assignment) *string { return &a.Category }),
		text("subcategory", "North", "Subcategory of that category.", func(a *planning.Assignment) *string { return &a.Subcategory }),
		choice("status", []string{string(planning.AssignmentConfirmed), string(planning.AssignmentTentative)}, "confirmed",
			"confirmed or tentative.", func(a *planning.Assignment) *string { return (*string)(&a.Status) }).def("confirmed"),
	},
	fields: map[string]string{"person_id": "employee_id", "project_id": "project_number"},
	check: func(r *Row[planning.Assignment]) planning.Errors {
		r.Value.Normalize()
		v := r.Value
		// The person and project are resolved by the caller; their keys are
		// checked as cells.
		v.PersonID, v.ProjectID = r.EmployeeID, r.ProjectNumber
		if v.PersonID == "" {
			v.PersonID = "-"
		}
		if v.ProjectID == "" {
			v.ProjectID = "-"
		}
		return v.Validate()
	},
}).init()
