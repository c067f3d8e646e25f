package publish

import (
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Schema is the name of the schema (in Delta Sharing terms) the shared tables
// belong to.
const Schema = "resource_planning"

// Tables returns the shared tables in the order they are published. Each is
// described by its name, primary key and Delta schema.
// The slice is shared: do not modify it.
func Tables() []Table { return tables() }

var tables = sync.OnceValue(func() []Table {
	out := make([]Table, len(sharedTables))
	for i, t := range sharedTables {
		out[i] = Table{Name: t.name(), Key: t.keyColumns(), Schema: t.deltaSchema()}
	}
	return out
})

// Table describes one shared table.
type Table struct {
	// Name is the table's name, e.g. "people".
	Name string
	// Key names the primary-key columns.
	Key []string
	// Schema is the table's Delta schema.
	Schema *schema.StructType
}

var sharedTables = []sharedTable{
	groupsTable, jobTitlesTable, tagsTable, peopleTable, personTagsTable, projectsTable,
	assignmentsTable, timeOffTable, resourceRequestsTable, historyTable,
}

// one is the rows function of tables with one row per record.
func one[T any](t *T, emit func(*T)) { emit(t) }

func byID[T any](get func(*T) *planning.Meta) func(*T) []any {
	return func(r *T) []any { return []any{get(r).ID} }
}

func gm(g *planning.Group) *planning.Meta { return &g.Meta }

var groupsTable = &entityTable[planning.Group, planning.Group]{
	tableName: "groups", kind: planning.KindGroup, key: []string{"id"},
	coll: store.Tx.Groups, rows: one[planning.Group], keyOf: byID(gm),
	cols: concat(
		[]column[planning.Group]{
			idColumn(gm),
			str("code", func(g *planning.Group) string { return g.Code }),
			str("name", func(g *planning.Group) string { return g.Name }),
			str("timezone", func(g *planning.Group) string { return g.Timezone }),
			optStr("color", func(g *planning.Group) string { return g.Color }),
		},
		address(func(g *planning.Group) *planning.Address { return &g.Address }),
		[]column[planning.Group]{
			optStr("contact_name", func(g *planning.Group) string { return g.ContactName }),
			optStr("contact_phone", func(g *planning.Group) string { return g.ContactPhone }),
			optStr("contact_email", func(g *planning.Group) string { return g.ContactEmail }),
		},
		metaTail(gm)),
}

func jm(j *planning.JobTitle) *planning.Meta { return &j.Meta }

var jobTitlesTable = &entityTable[planning.JobTitle, planning.JobTitle]{
	tableName: "job_titles", kind: planning.KindJobTitle, key: []string{"id"},
	coll: store.Tx.JobTitles, rows: one[planning.JobTitle], keyOf: byID(jm),
	cols: concat(
		[]column[planning.JobTitle]{
			idColumn(jm),
			str("code", func(j *planning.JobTitle) string { return j.Code }),
			str("name", func(j *planning.JobTitle) string { return j.Name }),
			strList("group_codes", func(j *planning.JobTitle) []string { return j.GroupCodes }),
			boolean("all_groups", func(j *planning.JobTitle) bool { return j.Global }),
			optStr("color", func(j *planning.JobTitle) string { return j.Color }),
			optStr("pay_type", func(j *planning.JobTitle) string { return string(j.PayType) }),
			money("hourly_rate", func(j *planning.JobTitle) *planning.Decimal { return j.HourlyRate }),
		},
		metaTail(jm)),
}

func tm(t *planning.Tag) *planning.Meta { return &t.Meta }

var tagsTable = &entityTable[planning.Tag, planning.Tag]{
	tableName: "tags", kind: planning.KindTag, key: []string{"id"},
	coll: store.Tx.Tags, rows: one[planning.Tag], keyOf: byID(tm),
	cols: concat(
		[]column[planning.Tag]{
			idColumn(tm),
			str("code", func(t *planning.Tag) string { return t.Code }),
			str("name", func(t *planning.Tag) string { return t.Name }),
			str("abbreviation", func(t *planning.Tag) string { return t.Abbreviation }),
			strList("group_codes", func(t *planning.Tag) []string { return t.GroupCodes }),
			boolean("all_groups", func(t *planning.Tag) bool { return t.Global }),
			boolean("requires_expiry", func(t *planning.Tag) bool { return t.RequiresExpiry }),
			optInt("expiry_warning_days", func(t *planning.Tag) *int { return t.ExpiryWarningDays }),
			optStr("color", func(t *planning.Tag) string { return t.Color }),
			strList("categories", func(t *planning.Tag) []string { return t.Categories }),
		},
		metaTail(tm)),
}

func pm(p *planning.Person) *planning.Meta { return &p.Meta }

var peopleTable = &entityTable[planning.Person, planning.Person]{
	tableName: "people", kind: planning.KindPerson, key: []string{"id"},
	coll: store.Tx.People, rows: one[planning.Person], keyOf: byID(pm),
	cols: concat(
		[]column[planning.Person]{
			idColumn(pm),
			str("employee_id", func(p *planning.Person) string { return p.EmployeeID }),
			str("first_name", func(p *planning.Person) string { return p.FirstName }),
			str("last_name", func(p *planning.Person) string { return p.LastName }),
			str("status", func(p *planning.Person) string { return string(p.Status) }),
			strList("group_codes", func(p *planning.Person) []string { return p.GroupCodes }),
			optStr("job_title", func(p *planning.Person) string { return p.JobTitle }),
			boolean("is_assignable", func(p *planning.Person) bool { return p.IsAssignable }),
			boolean("is_user", func(p *planning.Person) bool { return p.IsUser }),
			optStr("email", func(p *planning.Person) string { return p.Email }),
			optStr("mobile_phone", func(p *planning.Person) string { return p.MobilePhone }),
			boolean("can_receive_sms", func(p *planning.Person) bool { return p.CanReceiveSMS }),
			boolean("can_receive_email", func(p *planning.Person) bool { return p.CanReceiveEmail }),
			money("hourly_wage", func(p *planning.Person) *planning.Decimal { return p.HourlyWage }),
			date("hired_date", false, func(p *planning.Person) planning.Date { return p.HiredDate }),
			date("date_of_birth", false, func(p *planning.Person) planning.Date { return p.DateOfBirth }),
			optStr("gender", func(p *planning.Person) string { return p.Gender }),
			optStr("union", func(p *planning.Person) string { return p.Union }),
		},
		address(func(p *planning.Person) *planning.Address { return &p.Address }),
		[]column[planning.Person]{
			optStr("emergency_contact_name", func(p *planning.Person) string { return p.EmergencyContactName }),
			optStr("emergency_contact_relation", func(p *planning.Person) string { return p.EmergencyContactRelation }),
			optStr("emergency_contact_phone", func(p *planning.Person) string { return p.EmergencyContactPhone }),
			optStr("emergency_contact_email", func(p *planning.Person) string { return p.EmergencyContactEmail }),
			strMap("custom", func(p *planning.Person) map[string]string { return p.Custom }),
		},
		metaTail(pm)),
}

// personTag is one row of person_tags: a tag a person holds.
type personTag struct {
	PersonID, EmployeeID, Code string
	Expires                    planning.Date
}

var personTagsTable = &entityTable[planning.Person, personTag]{
	tableName: "person_tags", kind: planning.KindPerson, key: []string{"person_id", "tag_code"},
	coll: store.Tx.People,
	rows: func(p *planning.Person, emit func(*personTag)) {
		for _, t := range p.Tags {
			emit(&personTag{PersonID: p.ID, EmployeeID: p.EmployeeID, Code: t.Code, Expires: t.Expires})
		}
	},
	keyOf: func(r *personTag) []any { return []any{r.PersonID, r.Code} },
	cols: []column[personTag]{
		str("person_id", func(r *personTag) string { return r.PersonID }),
		str("employee_id", func(r *personTag) string { return r.EmployeeID }),
		str("tag_code", func(r *personTag) string { return r.Code }),
		date("expires_on", false, func(r *personTag) planning.Date { return r.Expires }),
	},
}

func prm(p *planning.Project) *planning.Meta { return &p.Meta }

var (
	roleType = &schema.ArrayType{ElementType: &schema.StructType{Fields: []schema.StructField{
		{Name: "person_id", Type: schema.String}, {Name: "job_title", Type: schema.String}}}}
	categoryType = &schema.ArrayType{ElementType: &schema.StructType{Fields: []schema.StructField{
		{Name: "name", Type: schema.String},
		{Name: "subcategories", Type: &schema.ArrayType{ElementType: schema.String}}}}}
	wageOverrideType = &schema.ArrayType{ElementType: &schema.StructType{Fields: []schema.StructField{
		{Name: "job_title", Type: schema.String}, {Name: "rate", Type: moneyType}}}}
)

var projectsTable = &entityTable[planning.Project, planning.Project]{
	tableName: "projects", kind: planning.KindProject, key: []string{"id"},
	coll: store.Tx.Projects, rows: one[planning.Project], keyOf: byID(prm),
	cols: concat(
		[]column[planning.Project]{
			idColumn(prm),
			str("project_number", func(p *planning.Project) string { return p.ProjectNumber }),
			str("name", func(p *planning.Project) string { return p.Name }),
			str("status", func(p *planning.Project) string { return string(p.Status) }),
			strList("group_codes", func(p *planning.Project) []string { return p.GroupCodes }),
			date("start_date", false, func(p *planning.Project) planning.Date { return p.StartDate }),
			date("planned_end_date", false, func(p *planning.Project) planning.Date { return p.PlannedEndDate }),
			date("closed_date", false, func(p *planning.Project) planning.Date { return p.ClosedDate }),
			optStr("timezone", func(p *planning.Project) string { return p.Timezone }),
			timeOfDay("daily_start_time", func(p *planning.Project) *planning.TimeOfDay { return p.DailyStartTime }),
			timeOfDay("daily_end_time", func(p *planning.Project) *planning.TimeOfDay { return p.DailyEndTime }),
		},
		address(func(p *planning.Project) *planning.Address { return &p.Address }),
		[]column[planning.Project]{
			optStr("customer_name", func(p *planning.Project) string { return p.CustomerName }),
			optStr("project_type", func(p *planning.Project) string { return p.ProjectType }),
			optStr("stage", func(p *planning.Project) string { return p.Stage }),
			money("bid_rate", func(p *planning.Project) *planning.Decimal { return p.BidRate }),
			optInt("percent_complete", func(p *planning.Project) *int { return p.PercentComplete }),
			optStr("color", func(p *planning.Project) string { return p.Color }),
			strList("tags", func(p *planning.Project) []string { return p.Tags }),
			strMap("custom", func(p *planning.Project) map[string]string { return p.Custom }),
			col("roles", roleType, false, func(b array.Builder, p *planning.Project) {
				lb := b.(*array.ListBuilder)
				lb.Append(true)
				sb := lb.ValueBuilder().(*array.StructBuilder)
				for _, r := range p.Roles {
					sb.Append(true)
					sb.FieldBuilder(0).(*array.StringBuilder).Append(r.PersonID)
					sb.FieldBuilder(1).(*array.StringBuilder).Append(r.JobTitle)
				}
			}),
			col("categories", categoryType, false, func(b array.Builder, p *planning.Project) {
				lb := b.(*array.ListBuilder)
				lb.Append(true)
				sb := lb.ValueBuilder().(*array.StructBuilder)
				for _, c := range p.Categories {
					sb.Append(true)
					sb.FieldBuilder(0).(*array.StringBuilder).Append(c.Name)
					sub := sb.FieldBuilder(1).(*array.ListBuilder)
					sub.Append(true)
					for _, s := range c.Subcategories {
						sub.ValueBuilder().(*array.StringBuilder).Append(s)
					}
				}
			}),
			col("wage_overrides", wageOverrideType, false, func(b array.Builder, p *planning.Project) {
				lb := b.(*array.ListBuilder)
				lb.Append(true)
				sb := lb.ValueBuilder().(*array.StructBuilder)
				for _, w := range p.WageOverrides {
					sb.Append(true)
					sb.FieldBuilder(0).(*array.StringBuilder).Append(w.JobTitle)
					sb.FieldBuilder(1).(*array.Decimal128Builder).Append(decimalNum(w.Rate))
				}
			}),
		},
		metaTail(prm)),
}

func am(a *planning.Assignment) *planning.Meta { return &a.Meta }

// workDaysType is a struct of one boolean per day, Sunday first, as the API
// writes work_days.
var workDaysType = func() *schema.StructType {
	s := &schema.StructType{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		s.Fields = append(s.Fields, schema.StructField{Name: strings.ToLower(d.String()), Type: schema.Boolean})
	}
	return s
}()

var assignmentsTable = &entityTable[planning.Assignment, planning.Assignment]{
	tableName: "assignments", kind: planning.KindAssignment, key: []string{"id"},
	coll: store.Tx.Assignments, rows: one[planning.Assignment], keyOf: byID(am),
	cols: concat(
		[]column[planning.Assignment]{
			idColumn(am),
			str("person_id", func(a *planning.Assignment) string { return a.PersonID }),
			str("project_id", func(a *planning.Assignment) string { return a.ProjectID }),
			date("start_day", true, func(a *planning.Assignment) planning.Date { return a.StartDay }),
			date("end_day", true, func(a *planning.Assignment) planning.Date { return a.EndDay }),
			timeOfDay("start_time", func(a *planning.Assignment) *planning.TimeOfDay { return a.StartTime }),
			timeOfDay("end_time", func(a *planning.Assignment) *planning.TimeOfDay { return a.EndTime }),
			optInt("percent_allocated", func(a *planning.Assignment) *int { return a.PercentAllocated }),
			col("work_days", workDaysType, false, func(b array.Builder, a *planning.Assignment) {
				sb := b.(*array.StructBuilder)
				sb.Append(true)
				for d, on := range a.WorkDays {
					sb.FieldBuilder(d).(*array.BooleanBuilder).Append(on)
				}
			}),
			optStr("category", func(a *planning.Assignment) string { return a.Category }),
			optStr("subcategory", func(a *planning.Assignment) string { return a.Subcategory }),
			str("status", func(a *planning.Assignment) string { return string(a.Status) }),
		},
		metaTail(am)),
}

func om(t *planning.TimeOff) *planning.Meta { return &t.Meta }

var timeOffTable = &entityTable[planning.TimeOff, planning.TimeOff]{
	tableName: "time_off", kind: planning.KindTimeOff, key: []string{"id"},
	coll: store.Tx.TimeOff, rows: one[planning.TimeOff], keyOf: byID(om),
	cols: concat(
		[]column[planning.TimeOff]{
			idColumn(om),
			str("person_id", func(t *planning.TimeOff) string { return t.PersonID }),
			date("start_day", true, func(t *planning.TimeOff) planning.Date { return t.StartDay }),
			date("end_day", true, func(t *planning.TimeOff) planning.Date { return t.EndDay }),
			boolean("paid", func(t *planning.TimeOff) bool { return t.Paid }),
			optStr("reason", func(t *planning.TimeOff) string { return t.Reason }),
			str("repeat", func(t *planning.TimeOff) string { return string(t.Repeat) }),
		},
		metaTail(om)),
}

func rm(r *planning.ResourceRequest) *planning.Meta { return &r.Meta }

var resourceRequestsTable = &entityTable[planning.ResourceRequest, planning.ResourceRequest]{
	tableName: "resource_requests", kind: planning.KindResourceRequest, key: []string{"id"},
	coll: store.Tx.ResourceRequests, rows: one[planning.ResourceRequest], keyOf: byID(rm),
	cols: concat(
		[]column[planning.ResourceRequest]{
			idColumn(rm),
			str("project_id", func(r *planning.ResourceRequest) string { return r.ProjectID }),
			str("job_title", func(r *planning.ResourceRequest) string { return r.JobTitle }),
			integer("quantity", func(r *planning.ResourceRequest) int { return r.Quantity }),
			date("start_day", true, func(r *planning.ResourceRequest) planning.Date { return r.StartDay }),
			date("end_day", true, func(r *planning.ResourceRequest) planning.Date { return r.EndDay }),
			strList("tags", func(r *planning.ResourceRequest) []string { return r.Tags }),
		},
		metaTail(rm)),
}

func concat[R any](parts ...[]column[R]) []column[R] {
	var out []column[R]
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
