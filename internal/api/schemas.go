package api

import (
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/trestle-dev/trestle/internal/planning"
)

// The types below document, for the OpenAPI document and request validation,
// the JSON the API reads and writes. Handlers exchange the planning package's
// own types, whose JSON has the same shape: each type here is registered as
// the schema of its planning type (registerSchemas), and schemas_test.go
// checks that fully filled planning values validate against them, so the two
// cannot drift apart.

// Meta are the fields every record has. version is read back to update only
// what was read (optimistic concurrency).
type Meta struct {
	ID        string    `json:"id,omitempty" readOnly:"true" format:"uuid" doc:"Immutable id"`
	Version   int64     `json:"version,omitempty" minimum:"0" doc:"Version of the record, raised by every change. Send the version you read (or If-Match) to update only if nobody changed it since: a mismatch is 409"`
	CreatedAt time.Time `json:"created_at,omitzero" readOnly:"true" doc:"When the record was created (UTC)"`
	UpdatedAt time.Time `json:"updated_at,omitzero" readOnly:"true" doc:"When the record last changed (UTC)"`
}

// Address is a postal address.
type Address struct {
	Address1   string `json:"address_1,omitempty" maxLength:"200"`
	Address2   string `json:"address_2,omitempty" maxLength:"200"`
	City       string `json:"city,omitempty" maxLength:"100"`
	State      string `json:"state,omitempty" maxLength:"10" doc:"Upper-case state or province code, e.g. KS"`
	PostalCode string `json:"postal_code,omitempty" maxLength:"20"`
	Country    string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2 country code, e.g. US"`
}

const (
	decimalPattern = `^-?[0-9]+(\.[0-9]+)?$`
	timePattern    = `^([01][0-9]|2[0-3]):(00|15|30|45)$`
)

// Group is a region, branch or office.
type Group struct {
	Meta
	Name     string `json:"name" minLength:"1" maxLength:"200"`
	Code     string `json:"code,omitempty" maxLength:"50" doc:"Short external key, e.g. KS (required; in PUT .../by-code/{key} the path gives it)"`
	Timezone string `json:"timezone" minLength:"1" doc:"IANA time zone, e.g. America/Chicago"`
	Color    string `json:"color,omitempty" doc:"Hex color, e.g. #1F77B4"`
	Address
	ContactName  string `json:"contact_name,omitempty"`
	ContactPhone string `json:"contact_phone,omitempty"`
	ContactEmail string `json:"contact_email,omitempty"`
}

// JobTitle is a trade or position.
type JobTitle struct {
	Meta
	Name       string   `json:"name" minLength:"1" maxLength:"200"`
	Code       string   `json:"code,omitempty" maxLength:"50" doc:"External key, e.g. APP (required; in PUT .../by-code/{key} the path gives it)"`
	GroupCodes []string `json:"group_codes,omitempty" doc:"Groups it is available in (or global)"`
	Global     bool     `json:"global,omitempty" doc:"Available in every group"`
	Color      string   `json:"color,omitempty"`
	PayType    string   `json:"pay_type,omitempty" enum:"hourly,salaried"`
	HourlyRate string   `json:"hourly_rate,omitempty" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"Decimal as a string, e.g. \"32.50\""`
}

// Tag is a certification or skill.
type Tag struct {
	Meta
	Name              string   `json:"name" minLength:"1" maxLength:"200"`
	Abbreviation      string   `json:"abbreviation,omitempty" maxLength:"5" doc:"At most 5 characters; defaults to the first 5 of the name"`
	Code              string   `json:"code,omitempty" maxLength:"50" doc:"External key; defaults to the abbreviation"`
	GroupCodes        []string `json:"group_codes,omitempty"`
	Global            bool     `json:"global,omitempty"`
	RequiresExpiry    bool     `json:"requires_expiry,omitempty" doc:"A person's instance must carry an expiry date"`
	ExpiryWarningDays *int     `json:"expiry_warning_days,omitempty" minimum:"0"`
	Color             string   `json:"color,omitempty"`
	Categories        []string `json:"categories,omitempty"`
}

// PersonTag is a tag a person holds.
type PersonTag struct {
	Code    string `json:"code" minLength:"1" doc:"Tag code"`
	Expires string `json:"expires,omitempty" format:"date" doc:"Expiry date, YYYY-MM-DD"`
}

// Person is a crew member, foreman or manager.
type Person struct {
	Meta
	FirstName       string   `json:"first_name" minLength:"1" maxLength:"100"`
	LastName        string   `json:"last_name" minLength:"1" maxLength:"100"`
	Status          string   `json:"status,omitempty" enum:"active,inactive" doc:"Defaults to active. People are deactivated, never deleted"`
	GroupCodes      []string `json:"group_codes" doc:"Codes of the person's groups (at least one)"`
	EmployeeID      string   `json:"employee_id,omitempty" maxLength:"100" doc:"External key from the system of record (required; in PUT .../by-employee-id/{key} the path gives it)"`
	IsAssignable    bool     `json:"is_assignable,omitempty"`
	IsUser          bool     `json:"is_user,omitempty" doc:"Can log in; requires email"`
	Email           string   `json:"email,omitempty" doc:"Unique in the company"`
	MobilePhone     string   `json:"mobile_phone,omitempty" doc:"E.164, e.g. +13165550100; unique in the company"`
	CanReceiveSMS   bool     `json:"can_receive_sms,omitempty"`
	CanReceiveEmail bool     `json:"can_receive_email,omitempty"`
	JobTitle        string   `json:"job_title,omitempty" doc:"Job title code"`
	HourlyWage      string   `json:"hourly_wage,omitempty" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"Decimal as a string, e.g. \"45.50\""`
	HiredDate       string   `json:"hired_date,omitempty" format:"date"`
	DateOfBirth     string   `json:"date_of_birth,omitempty" format:"date"`
	Gender          string   `json:"gender,omitempty"`
	Union           string   `json:"union,omitempty"`
	Address
	EmergencyContactName     string            `json:"emergency_contact_name,omitempty"`
	EmergencyContactRelation string            `json:"emergency_contact_relation,omitempty"`
	EmergencyContactPhone    string            `json:"emergency_contact_phone,omitempty"`
	EmergencyContactEmail    string            `json:"emergency_contact_email,omitempty"`
	Tags                     []PersonTag       `json:"tags,omitempty"`
	Custom                   map[string]string `json:"custom,omitempty" doc:"Custom fields, name to value"`
}

// ProjectRole is a person's role on a project.
type ProjectRole struct {
	PersonID string `json:"person_id" format:"uuid" doc:"The person's id"`
	JobTitle string `json:"job_title" minLength:"1" doc:"Job title code of the role"`
}

// Category is a phase or area of a project with subcategories.
type Category struct {
	Name          string   `json:"name" minLength:"1"`
	Subcategories []string `json:"subcategories,omitempty"`
}

// WageOverride sets the rate for a job title on a project.
type WageOverride struct {
	JobTitle string `json:"job_title" minLength:"1"`
	Rate     string `json:"rate" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"Decimal as a string"`
}

// Project is a job people are planned onto.
type Project struct {
	Meta
	Name           string   `json:"name" minLength:"1" maxLength:"200"`
	Status         string   `json:"status,omitempty" enum:"active,pending,inactive" doc:"Defaults to active. Projects are deactivated, never deleted"`
	GroupCodes     []string `json:"group_codes" doc:"Codes of the project's groups (at least one)"`
	ProjectNumber  string   `json:"project_number,omitempty" maxLength:"100" doc:"External key from the system of record (required; in PUT .../by-project-number/{key} the path gives it)"`
	StartDate      string   `json:"start_date,omitempty" format:"date" doc:"Required when active"`
	PlannedEndDate string   `json:"planned_end_date,omitempty" format:"date"`
	ClosedDate     string   `json:"closed_date,omitempty" format:"date"`
	Timezone       string   `json:"timezone,omitempty" doc:"IANA time zone; defaults to the first group's"`
	DailyStartTime string   `json:"daily_start_time,omitempty" pattern:"^([01][0-9]|2[0-3]):(00|15|30|45)$" doc:"HH:MM on 15-minute steps; default 07:30"`
	DailyEndTime   string   `json:"daily_end_time,omitempty" pattern:"^([01][0-9]|2[0-3]):(00|15|30|45)$" doc:"Default 15:30"`
	Address
	CustomerName    string            `json:"customer_name,omitempty"`
	ProjectType     string            `json:"project_type,omitempty"`
	Stage           string            `json:"stage,omitempty"`
	BidRate         string            `json:"bid_rate,omitempty" pattern:"^-?[0-9]+(\\.[0-9]+)?$"`
	PercentComplete *int              `json:"percent_complete,omitempty" minimum:"0" maximum:"100"`
	Color           string            `json:"color,omitempty"`
	Tags            []string          `json:"tags,omitempty" doc:"Tag codes"`
	Custom          map[string]string `json:"custom,omitempty"`
	Roles           []ProjectRole     `json:"roles,omitempty"`
	Categories      []Category        `json:"categories,omitempty"`
	WageOverrides   []WageOverride    `json:"wage_overrides,omitempty"`
}

// WorkDays are the days of the week an assignment covers.
type WorkDays struct {
	Sunday    bool `json:"sunday,omitempty"`
	Monday    bool `json:"monday,omitempty"`
	Tuesday   bool `json:"tuesday,omitempty"`
	Wednesday bool `json:"wednesday,omitempty"`
	Thursday  bool `json:"thursday,omitempty"`
	Friday    bool `json:"friday,omitempty"`
	Saturday  bool `json:"saturday,omitempty"`
}

// Assignment puts a person on a project for a span of days.
type Assignment struct {
	Meta
	PersonID         string    `json:"person_id" format:"uuid"`
	ProjectID        string    `json:"project_id" format:"uuid"`
	StartDay         string    `json:"start_day" format:"date"`
	EndDay           string    `json:"end_day" format:"date"`
	StartTime        string    `json:"start_time,omitempty" pattern:"^([01][0-9]|2[0-3]):(00|15|30|45)$" doc:"Set hours (with end_time), or percent_allocated"`
	EndTime          string    `json:"end_time,omitempty" pattern:"^([01][0-9]|2[0-3]):(00|15|30|45)$"`
	PercentAllocated *int      `json:"percent_allocated,omitempty" minimum:"1" maximum:"100"`
	WorkDays         *WorkDays `json:"work_days,omitempty" doc:"Defaults to Monday to Friday"`
	Category         string    `json:"category,omitempty"`
	Subcategory      string    `json:"subcategory,omitempty"`
	Status           string    `json:"status,omitempty" enum:"confirmed,tentative" doc:"Defaults to confirmed"`
}

// TimeOff is a person's absence.
type TimeOff struct {
	Meta
	PersonID string `json:"person_id" format:"uuid"`
	StartDay string `json:"start_day" format:"date"`
	EndDay   string `json:"end_day" format:"date"`
	Paid     bool   `json:"paid,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Repeat   string `json:"repeat,omitempty" enum:"never,weekly,monthly,yearly" doc:"Defaults to never"`
}

// ResourceRequest is an unfilled need on a project.
type ResourceRequest struct {
	Meta
	ProjectID string   `json:"project_id" format:"uuid"`
	JobTitle  string   `json:"job_title" minLength:"1" doc:"Job title code"`
	Quantity  int      `json:"quantity" minimum:"1"`
	StartDay  string   `json:"start_day" format:"date"`
	EndDay    string   `json:"end_day" format:"date"`
	Tags      []string `json:"tags,omitempty" doc:"Tag codes required"`
}

// registerSchemas makes each planning type read and write as documented above.
func registerSchemas(r huma.Registry) {
	alias := func(t, doc reflect.Type) { r.RegisterTypeAlias(t, doc) }
	alias(reflect.TypeFor[planning.Group](), reflect.TypeFor[Group]())
	alias(reflect.TypeFor[planning.JobTitle](), reflect.TypeFor[JobTitle]())
	alias(reflect.TypeFor[planning.Tag](), reflect.TypeFor[Tag]())
	alias(reflect.TypeFor[planning.Person](), reflect.TypeFor[Person]())
	alias(reflect.TypeFor[planning.Project](), reflect.TypeFor[Project]())
	alias(reflect.TypeFor[planning.Assignment](), reflect.TypeFor[Assignment]())
	alias(reflect.TypeFor[planning.TimeOff](), reflect.TypeFor[TimeOff]())
	alias(reflect.TypeFor[planning.ResourceRequest](), reflect.TypeFor[ResourceRequest]())
}
