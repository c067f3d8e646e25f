package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// assignment is one assignment of the set being planned.
type assignment struct {
	i   int // position in Set.Assignments
	v   *Assignment
	key string // person, project, start day (and time): what identifies it
	// first says this is the first record of the set with its key.
	first bool
	write *assignWrite
}

// assignWrite is an assignment to create or update. Its person and project are
// resolved when the plan is applied (they may be created by it).
type assignWrite struct {
	Value                     planning.Assignment
	EmployeeID, ProjectNumber string
}

// perPersonLookups is how many people's assignments are read one person at a
// time; beyond it, the company's assignments are read in one pass. (A variable so
// that tests can lower it.)
var perPersonLookups = 200

// normalizeAssignments normalizes and validates the set's assignments on their
// own.
func (p *planner) normalizeAssignments() []assignment {
	items := p.set.Assignments
	rep := reporter{&p.ps, planning.KindAssignment}
	out := make([]assignment, len(items))
	for i := range items {
		it := &items[i]
		v := &it.Value
		v.EmployeeID, v.ProjectNumber = strings.TrimSpace(v.EmployeeID), strings.TrimSpace(v.ProjectNumber)
		v.Meta, v.PersonID, v.ProjectID = planning.Meta{}, "", ""
		v.Assignment.Normalize()
		key := fmt.Sprintf("%s on %s from %s", v.EmployeeID, v.ProjectNumber, v.StartDay)
		if v.StartTime != nil {
			key += " at " + v.StartTime.String()
		}
		out[i] = assignment{i: i, v: v, key: key}
		if it.Invalid {
			p.ps.flagged++
			continue
		}
		for _, fe := range v.Assignment.Validate() {
			if fe.Field != "person_id" && fe.Field != "project_id" { // named by key here
				rep.add(i, it.Origin, key, fe.Field, "%s", fe.Message)
			}
		}
		if v.EmployeeID == "" {
			rep.add(i, it.Origin, key, "employee_id", "is required")
		}
		if v.ProjectNumber == "" {
			rep.add(i, it.Origin, key, "project_number", "is required")
		}
	}
	return out
}

// planAssignments checks the assignments against the people and projects of the
// set and the hub, and matches them with the stored ones.
func (p *planner) planAssignments(ctx context.Context, as []assignment) error {
	items := p.set.Assignments
	rep := reporter{&p.ps, planning.KindAssignment}
	today := p.today()
	firsts := map[string]int{}
	for n := range as {
		a := &as[n]
		v, origin := a.v, items[a.i].Origin
		if v.EmployeeID != "" && !p.people.has(v.EmployeeID) {
			rep.add(a.i, origin, a.key, "employee_id", "no person with employee_id %q in this import or the hub", v.EmployeeID)
		}
		if v.ProjectNumber != "" && !p.projects.has(v.ProjectNumber) {
			rep.add(a.i, origin, a.key, "project_number", "no project with project_number %q in this import or the hub", v.ProjectNumber)
		}
		if pr := p.projects.value(v.ProjectNumber); pr != nil && v.Category != "" {
			if !pr.HasCategory(v.Category, "") {
				rep.add(a.i, origin, a.key, "category", "project %q has no category %q", v.ProjectNumber, v.Category)
			} else if v.Subcategory != "" && !pr.HasCategory(v.Category, v.Subcategory) {
				rep.add(a.i, origin, a.key, "subcategory", "category %q of project %q has no subcategory %q", v.Category, v.ProjectNumber, v.Subcategory)
			}
		}
		if v.EndDay.After(today) {
			if pe := p.people.value(v.EmployeeID); pe != nil && pe.Status == planning.StatusInactive {
				rep.add(a.i, origin, a.key, "end_day", "runs past today (%s), but person %q is inactive after this import; end the assignment by today or make the person active", today, v.EmployeeID)
			}
			if pr := p.projects.value(v.ProjectNumber); pr != nil && pr.Status == planning.StatusInactive {
				rep.add(a.i, origin, a.key, "end_day", "runs past today (%s), but project %q is inactive after this import; end the assignment by today or make the project active", today, v.ProjectNumber)
			}
		}
		if j, dup := firsts[a.key]; dup {
			if items[a.i].Invalid {
				continue
			}
			rep.add(a.i, origin, a.key, "", "the same assignment (person, project, start day and start time) is also on %s",
				describe(items[as[j].i].Origin, planning.KindAssignment, as[j].i))
			continue
		}
		firsts[a.key] = n
		a.first = true
	}
	stored, err := p.storedAssignments(ctx, as)
	if err != nil {
		return err
	}
	kp := &p.plan.Assignments
	for n := range as {
		a := &as[n]
		if !a.first {
			continue
		}
		v := a.v.Assignment
		v.PersonID, v.ProjectID = p.people.id(a.v.EmployeeID), p.projects.id(a.v.ProjectNumber)
		now := content[planning.Assignment](v)
		c := Change{Key: a.key, Label: fmt.Sprintf("%s, %s to %s", a.key, v.StartDay, v.EndDay), Origin: items[a.i].Origin}
		a.write = &assignWrite{Value: v, EmployeeID: a.v.EmployeeID, ProjectNumber: a.v.ProjectNumber}
		k := idKey(&v)
		cands := stored[k]
		if v.PersonID == "" || v.ProjectID == "" || len(cands) == 0 {
			c.Op = OpCreate
			kp.note(c)
			continue
		}
		pick, same := 0, false
		for j := range cands {
			if bytes.Equal(content[planning.Assignment](cands[j]), now) {
				pick, same = j, true
				break
			}
		}
		old := cands[pick]
		stored[k] = append(cands[:pick:pick], cands[pick+1:]...)
		if same {
			kp.Unchanged++
			a.write = nil
			continue
		}
		// No version: Apply refuses a plan whose hub changed, and deactivating a
		// person or project in the same apply may already have ended this
		// assignment (a new version) before it is written.
		a.write.Value.Meta = planning.Meta{ID: old.ID}
		c.Op = OpUpdate
		if kp.wantsDetail() {
			c.Fields = fieldChanges(content[planning.Assignment](old), now)
		}
		kp.note(c)
	}
	kp.sortChanges()
	return nil
}

// idKey identifies an assignment by person and project id, start day and time.
func idKey(a *planning.Assignment) string {
	k := a.PersonID + "|" + a.ProjectID + "|" + a.StartDay.String()
	if a.StartTime != nil {
		k += "|" + a.StartTime.String()
	}
	return k
}

// storedAssignments reads the stored assignments of the people the set's
// assignments name, by idKey: person by person for a few people, in one pass
// over the company's assignments for many.
func (p *planner) storedAssignments(ctx context.Context, as []assignment) (map[string][]planning.Assignment, error) {
	people := map[string]bool{}
	for _, a := range as {
		if a.first {
			if id := p.people.id(a.v.EmployeeID); id != "" && p.projects.id(a.v.ProjectNumber) != "" {
				people[id] = true
			}
		}
	}
	out := map[string][]planning.Assignment{}
	read := func(q store.Query) error {
		for v, err := range p.tx.Assignments().List(ctx, q) {
			if err != nil {
				return fmt.Errorf("read assignments: %w", err)
			}
			if people[v.PersonID] {
				k := idKey(&v)
				out[k] = append(out[k], v)
			}
		}
		return nil
	}
	if len(people) > perPersonLookups {
		return out, read(store.Query{})
	}
	for id := range people {
		if err := read(store.Query{PersonID: id}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
