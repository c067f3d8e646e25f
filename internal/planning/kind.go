package planning

import "time"

// Kind names a type of record. It is the `entity` column of the change history.
type Kind string

// The kinds of record the hub keeps.
const (
	KindCompany         Kind = "company"
	KindUser            Kind = "user"
	KindMembership      Kind = "membership"
	KindGroup           Kind = "group"
	KindJobTitle        Kind = "job_title"
	KindTag             Kind = "tag"
	KindPerson          Kind = "person"
	KindProject         Kind = "project"
	KindAssignment      Kind = "assignment"
	KindTimeOff         Kind = "time_off"
	KindResourceRequest Kind = "resource_request"
	// KindShare, KindSharedTable and KindShareToken are Delta Sharing's shares,
	// the tables they list, and recipients' bearer tokens.
	KindShare       Kind = "share"
	KindSharedTable Kind = "shared_table"
	KindShareToken  Kind = "share_token"
)

// Label is the kind in words, for messages ("job title").
func (k Kind) Label() string {
	switch k {
	case KindJobTitle:
		return "job title"
	case KindTimeOff:
		return "time off"
	case KindResourceRequest:
		return "resource request"
	case KindSharedTable:
		return "shared table"
	case KindShareToken:
		return "share token"
	}
	return string(k)
}

// Source says which way a change came into the hub.
type Source string

// The ways into the hub.
const (
	SourceAPI          Source = "api"
	SourceImport       Source = "import"
	SourceSFTP         Source = "sftp"
	SourceQuickConnect Source = "quickconnect"
	SourceConsole      Source = "console"
	SourceDemo         Source = "demo"
	SourceSystem       Source = "system"
)

// Valid reports whether s is one of the known sources.
func (s Source) Valid() bool {
	switch s {
	case SourceAPI, SourceImport, SourceSFTP, SourceQuickConnect, SourceConsole, SourceDemo, SourceSystem:
		return true
	}
	return false
}

// Meta is what every stored record carries: an immutable id, a version that grows by
// one with every change (for optimistic concurrency), and when it was created and last
// changed. The store sets these; on input only ID and Version are read.
type Meta struct {
	ID        string    `json:"id,omitempty"`
	Version   int64     `json:"version,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// GetMeta gives access to the record's Meta; it lets generic code reach it.
func (m *Meta) GetMeta() *Meta { return m }

// Ref is a reference from one record to another that must exist in the same company:
// by code (groups, job titles, tags) or by id (people, projects).
type Ref struct {
	Field string // the referring field, e.g. "group_codes[1]"
	Kind  Kind
	Code  string // set for references by code
	ID    string // set for references by id
}

// Record is implemented (on the pointer) by every company-owned record kind.
type Record interface {
	// GetMeta returns the record's id, version and timestamps.
	GetMeta() *Meta
	// Kind names the record's type.
	Kind() Kind
	// Key is the external key integrations match on (employee_id, project_number,
	// code), or "" for kinds that have none.
	Key() string
	// Label is a short human name for messages ("Jane Doe (E100)").
	Label() string
	// Normalize trims text and fills defaults; it is called before Validate.
	Normalize()
	// Validate checks the record on its own and returns every problem found.
	Validate() Errors
	// Refs lists the other records this one points to.
	Refs() []Ref
}
