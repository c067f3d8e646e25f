package ingest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Op is what a plan does to one record.
type Op string

// The operations of a plan.
const (
	OpCreate     Op = "create"
	OpUpdate     Op = "update"
	OpDeactivate Op = "deactivate"
)

// FieldChange is one field an update changes, with its value before and after as
// text (lists joined with "|", as in the CSV templates; "" when empty).
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Change is one record a plan creates, updates or deactivates.
type Change struct {
	Op Op `json:"op"`
	// Key is the record's external key (for an assignment: person, project and
	// start day).
	Key string `json:"key"`
	// Label is a short human name for the record.
	Label string `json:"label"`
	// Origin is where the record came from in the set; zero for a deactivation
	// (the record is missing from the set).
	Origin Origin `json:"origin,omitzero"`
	// Fields lists what an update or deactivation changes.
	Fields []FieldChange `json:"fields,omitempty"`
}

// KindPlan is what a plan does to one kind of record.
type KindPlan struct {
	Kind planning.Kind `json:"kind"`
	// Creates, Updates, Deactivations and Unchanged count the records; they are
	// exact however many changes are listed.
	Creates       int `json:"creates"`
	Updates       int `json:"updates"`
	Deactivations int `json:"deactivations"`
	Unchanged     int `json:"unchanged"`
	// Active counts the company's active records of the kind before the plan
	// (people and projects in Replace mode), the base of the deactivation limit.
	Active int `json:"active,omitempty"`
	// Changes lists the changes in detail, creates first, then updates and
	// deactivations, at most Options.MaxDetails; Omitted counts those left out.
	Changes []Change `json:"changes,omitempty"`
	Omitted int      `json:"omitted,omitempty"`

	max int
}

// Total is the number of records the plan writes for the kind.
func (k *KindPlan) Total() int { return k.Creates + k.Updates + k.Deactivations }

func (k *KindPlan) note(c Change) {
	switch c.Op {
	case OpCreate:
		k.Creates++
	case OpUpdate:
		k.Updates++
	case OpDeactivate:
		k.Deactivations++
	}
	if k.max >= 0 && len(k.Changes) >= k.max {
		k.Omitted++
		return
	}
	k.Changes = append(k.Changes, c)
}

// wantsDetail reports whether the next change would be listed, so that its field
// changes are worth working out.
func (k *KindPlan) wantsDetail() bool { return k.max < 0 || len(k.Changes) < k.max }

func (k *KindPlan) sortChanges() {
	rank := map[Op]int{OpCreate: 0, OpUpdate: 1, OpDeactivate: 2}
	slices.SortStableFunc(k.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(rank[a.Op], rank[b.Op]), cmp.Compare(a.Origin.File, b.Origin.File),
			cmp.Compare(a.Origin.Line, b.Origin.Line), cmp.Compare(a.Key, b.Key))
	})
}

// String is the kind's counts in words: "people: 12 new, 3 updated, 1 deactivated,
// 980 unchanged".
func (k *KindPlan) String() string {
	return fmt.Sprintf("%s: %d new, %d updated, %d deactivated, %d unchanged",
		kindPlural(k.Kind), k.Creates, k.Updates, k.Deactivations, k.Unchanged)
}

func kindPlural(k planning.Kind) string {
	switch k {
	case planning.KindPerson:
		return "people"
	default:
		return k.Label() + "s"
	}
}

// Plan is what applying a set would do to a company's records. MakePlan makes it;
// Apply writes it. A plan holds the records to write, so it is applied by the
// process that made it (its JSON form is a report, not something to apply).
type Plan struct {
	CompanyID   string `json:"company_id"`
	CompanySlug string `json:"company"`
	Mode        Mode   `json:"mode"`
	// Source and Actor are recorded in the change history by Apply.
	Source planning.Source `json:"source"`
	Actor  string          `json:"actor,omitempty"`
	// BaseSeq is the position of the company's change history the plan was made
	// against; Apply refuses the plan when the history has moved on.
	BaseSeq int64 `json:"base_seq"`
	// Holds says why the plan must not be applied without force (too many
	// deactivations, a hub-managed company); empty when it may be applied.
	Holds []string `json:"holds,omitempty"`

	Groups      KindPlan `json:"groups"`
	JobTitles   KindPlan `json:"job_titles"`
	Tags        KindPlan `json:"tags"`
	People      KindPlan `json:"people"`
	Projects    KindPlan `json:"projects"`
	Assignments KindPlan `json:"assignments"`

	w writes
}

// Held reports whether the plan needs force to be applied.
func (p *Plan) Held() bool { return len(p.Holds) > 0 }

// Kinds lists the plan of each kind, in application order.
func (p *Plan) Kinds() []*KindPlan {
	return []*KindPlan{&p.Groups, &p.JobTitles, &p.Tags, &p.People, &p.Projects, &p.Assignments}
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool {
	for _, k := range p.Kinds() {
		if k.Total() > 0 {
			return false
		}
	}
	return true
}

// Summary describes the plan in a few lines: one per kind with records, and why
// it is held.
func (p *Plan) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s into %s:", p.Mode, p.CompanySlug)
	listed := false
	for _, k := range p.Kinds() {
		if k.Total()+k.Unchanged == 0 {
			continue
		}
		listed = true
		b.WriteString("\n  " + k.String())
	}
	if !listed {
		b.WriteString(" nothing to do")
	}
	for _, h := range p.Holds {
		b.WriteString("\nheld: " + h)
	}
	return b.String()
}
