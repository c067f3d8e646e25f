package ingest

import (
	"fmt"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Origin says where a record came from, so that a problem can point back to it: a
// file and line for CSV, an item number in an API request, a source name for a
// QuickConnect sync.
type Origin struct {
	// File names the file or other source, e.g. "people.csv", "api" or
	// "quickconnect:hr-db".
	File string `json:"file,omitempty"`
	// Line is the line in File (1-based), or the record's position for sources
	// without lines; 0 when unknown.
	Line int `json:"line,omitempty"`
}

// String is "people.csv line 12", "people.csv" or "line 12" ("" when unknown).
func (o Origin) String() string {
	switch {
	case o.File != "" && o.Line > 0:
		return fmt.Sprintf("%s line %d", o.File, o.Line)
	case o.File != "":
		return o.File
	case o.Line > 0:
		return fmt.Sprintf("line %d", o.Line)
	}
	return ""
}

// Item is one record to ingest and where it came from.
type Item[T any] struct {
	Value  T      `json:"value"`
	Origin Origin `json:"origin"`
	// AllGroups puts a person or project in every group of the company (the
	// groups of the set and of the hub, by code): MakePlan fills
	// Value.GroupCodes. The CSV templates' "All" sets it.
	AllGroups bool `json:"all_groups,omitempty"`
	// Invalid marks a record whose own problems its parser has reported already
	// (a bad date, a missing cell). MakePlan does not validate it on its own
	// again, still counts its key as present and checks its references, and
	// makes no plan: its *InvalidError counts such records in Flagged.
	Invalid bool `json:"invalid,omitempty"`
}

// Assignment is an assignment to ingest. Its person and project are named by their
// external keys; Plan resolves them, and the embedded PersonID and ProjectID are
// ignored. Assignments have no external key of their own: one matches a stored
// assignment with the same person, project, start day and start time.
type Assignment struct {
	EmployeeID    string `json:"employee_id"`
	ProjectNumber string `json:"project_number"`
	planning.Assignment
}

// Set is everything to ingest for one company, by kind. Plan works through the
// kinds in application order: groups, job titles, tags, people, projects,
// assignments; a record may refer to records of an earlier kind in the same set.
//
// In a Set, a project role's PersonID holds the person's employee_id (as the CSV
// templates write it); Plan resolves it to the person's id.
//
// MakePlan normalizes the values in place (trimming text, filling defaults), as
// the store would.
type Set struct {
	Groups      []Item[planning.Group]
	JobTitles   []Item[planning.JobTitle]
	Tags        []Item[planning.Tag]
	People      []Item[planning.Person]
	Projects    []Item[planning.Project]
	Assignments []Item[Assignment]
}

// Len is the number of records in the set.
func (s *Set) Len() int {
	return len(s.Groups) + len(s.JobTitles) + len(s.Tags) + len(s.People) + len(s.Projects) + len(s.Assignments)
}

// Mode says what a set means for the records it does not list.
type Mode string

// The modes.
const (
	// Merge creates and updates the records of the set and leaves every other
	// record alone. A sync that does not deactivate the records missing from its
	// source runs in this mode.
	Merge Mode = "merge"
	// Replace treats the people and the projects of the set as the complete list
	// (a snapshot): people and projects of the company missing from it become
	// inactive (never deleted), and their assignments after today end. A kind with
	// no records in the set is not replaced. Groups, job titles, tags and
	// assignments are merged in both modes. A sync that deactivates the records
	// missing from its source runs in this mode (Options.ReplaceKinds chooses
	// the kinds); Options.HoldAbove guards against a source that lost most of
	// its rows, and a source with no rows of a kind deactivates nothing.
	Replace Mode = "replace"
)

// ParseMode reads "merge" or "replace" ("" is merge).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", Merge:
		return Merge, nil
	case Replace:
		return Replace, nil
	}
	return "", fmt.Errorf("mode %q is not known; use merge or replace", s)
}

// Defaults and limits.
const (
	// DefaultHoldAbove is the share of active people (or projects) a replace may
	// deactivate before the plan is held.
	DefaultHoldAbove = 0.5
	// DefaultMaxDetails is how many changes of each kind a plan lists in detail.
	DefaultMaxDetails = 1000
	// MaxProblems is how many problems an InvalidError lists; it counts them all.
	MaxProblems = 1000
)

// Options say how to plan and apply a set.
type Options struct {
	// Mode is Merge (the default) or Replace.
	Mode Mode
	// Source is the way in recorded in the change history: import, sftp,
	// quickconnect, api, ... It is required.
	Source planning.Source
	// Actor is who made the change (a user, an API client, an uploaded file), for
	// the change history.
	Actor string
	// HoldAbove is the share (0..1) of the active people, or of the active
	// projects, a replace may deactivate; above it the plan is held and Apply
	// refuses it unless forced. 0 means DefaultHoldAbove; 1 or more never holds.
	HoldAbove float64
	// MaxDetails caps the changes listed per kind (counts stay exact). 0 means
	// DefaultMaxDetails; a negative value lists every change.
	MaxDetails int
	// DryRun makes Run plan without applying.
	DryRun bool
	// Force makes Run apply a held plan.
	Force bool
	// Owned lists, per kind, the fields the set owns ("manual override fields"
	// are the others): an update of a stored record takes only these fields from
	// the set and keeps the hub's value of every other field, so that an edit
	// made in the hub to a field the set does not own survives the next sync. A
	// record whose owned fields equal the hub's is unchanged, and an update's
	// listed changes name owned fields only. New records take every field of the
	// set. Problems with fields an update does not write (an unknown code, a
	// clashing email) are not reported for it.
	//
	// Fields are named as in the CSV templates and in problems: "first_name",
	// "hourly_wage", "group_codes", "status", "address_1", "roles" (a list is
	// owned whole), "custom" (every custom field) or "custom.<name>" (one). A
	// kind missing from the map (or with no fields) owns every field. Groups,
	// job titles, tags, people and projects can own fields; an unknown field
	// name is an error naming it.
	//
	// A person whose status is not owned keeps the hub's status: one made
	// inactive (by a replace or in the hub) is not made active again by the set.
	Owned map[planning.Kind][]string
	// ReplaceKinds, in Replace mode, limits the kinds replaced (people and
	// projects missing from the set deactivated) to these: planning.KindPerson,
	// planning.KindProject or both. Empty means both. The kinds not listed are
	// merged.
	ReplaceKinds []planning.Kind

	owned map[planning.Kind]*owned
}

func (o Options) withDefaults() (Options, error) {
	m, err := ParseMode(string(o.Mode))
	if err != nil {
		return o, err
	}
	o.Mode = m
	if !o.Source.Valid() {
		return o, fmt.Errorf("change source %q is not one of api, import, sftp, quickconnect, console, demo, system", o.Source)
	}
	if o.HoldAbove == 0 {
		o.HoldAbove = DefaultHoldAbove
	}
	if o.HoldAbove < 0 {
		return o, fmt.Errorf("the deactivation limit must be a share between 0 and 1, not %v", o.HoldAbove)
	}
	if o.MaxDetails == 0 {
		o.MaxDetails = DefaultMaxDetails
	}
	for _, k := range o.ReplaceKinds {
		if k != planning.KindPerson && k != planning.KindProject {
			return o, fmt.Errorf("only people and projects can be replaced, not %q", k)
		}
	}
	if o.owned, err = compileOwned(o.Owned); err != nil {
		return o, err
	}
	return o, nil
}
