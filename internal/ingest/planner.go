package ingest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// MakePlan validates set and works out what applying it to the company (id or
// slug) would do, reading the hub in one consistent snapshot. It writes nothing.
//
// When any record has a problem the error is an *InvalidError listing them all,
// and there is no plan. A plan that needs force to be applied (see Plan.Holds)
// is returned without error.
func MakePlan(ctx context.Context, st store.Store, company string, set *Set, opts Options) (*Plan, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c, err := st.Company(ctx, company)
	if err != nil {
		return nil, err
	}
	p := newPlanner(c, set, opts)
	err = st.View(ctx, c.ID, func(tx store.Tx) error { return p.runIn(ctx, tx, true) })
	if err != nil {
		return nil, err
	}
	// The company is read again for its hub-managed mark: a change to it after
	// the snapshot moves the change history on, so Apply refuses the plan.
	if p.company, err = st.Company(ctx, c.ID); err != nil {
		return nil, err
	}
	p.hold()
	return p.plan, nil
}

// newPlanner starts the plan of set for company c; opts have their defaults.
func newPlanner(c planning.Company, set *Set, opts Options) *planner {
	if set == nil {
		set = &Set{}
	}
	pl := &Plan{CompanyID: c.ID, CompanySlug: c.Slug, Mode: opts.Mode, Source: opts.Source, Actor: opts.Actor}
	kinds := []planning.Kind{planning.KindGroup, planning.KindJobTitle, planning.KindTag, planning.KindPerson, planning.KindProject, planning.KindAssignment}
	for i, k := range pl.Kinds() {
		k.Kind, k.max = kinds[i], opts.MaxDetails
	}
	return &planner{company: c, opts: opts, set: set, plan: pl}
}

// runIn works out the plan with the records tx sees. With base, the plan
// records the change history's position (for Apply's check that nothing
// changed since).
func (p *planner) runIn(ctx context.Context, tx store.Tx, base bool) error {
	if base {
		seq, err := tx.HistorySeq(ctx)
		if err != nil {
			return err
		}
		p.plan.BaseSeq = seq
	}
	p.tx = tx
	return p.run(ctx)
}

// planner works out one plan inside a read transaction.
type planner struct {
	tx      store.Tx
	company planning.Company
	opts    Options
	set     *Set
	plan    *Plan
	ps      problems

	groups    *keyed[planning.Group, *planning.Group]
	jobTitles *keyed[planning.JobTitle, *planning.JobTitle]
	tags      *keyed[planning.Tag, *planning.Tag]
	people    *keyed[planning.Person, *planning.Person]
	projects  *keyed[planning.Project, *planning.Project]
	unique    *uniqueness
}

func (p *planner) run(ctx context.Context) error {
	s, pl := p.set, p.plan
	p.groups = newKeyed[planning.Group](planning.KindGroup, "code", s.Groups, &p.ps, &pl.Groups)
	p.jobTitles = newKeyed[planning.JobTitle](planning.KindJobTitle, "code", s.JobTitles, &p.ps, &pl.JobTitles)
	p.tags = newKeyed[planning.Tag](planning.KindTag, "code", s.Tags, &p.ps, &pl.Tags)
	if err := p.expandAllGroups(ctx); err != nil {
		return err
	}
	p.people = newKeyed[planning.Person](planning.KindPerson, "employee_id", s.People, &p.ps, &pl.People)
	p.projects = newKeyed[planning.Project](planning.KindProject, "project_number", s.Projects, &p.ps, &pl.Projects)
	p.people.status = func(v *planning.Person) planning.Status { return v.Status }
	p.projects.status = func(v *planning.Project) planning.Status { return v.Status }
	o := p.opts.owned
	p.groups.owned, p.jobTitles.owned, p.tags.owned = o[planning.KindGroup], o[planning.KindJobTitle], o[planning.KindTag]
	p.people.owned, p.projects.owned = o[planning.KindPerson], o[planning.KindProject]
	as := p.normalizeAssignments()
	p.gatherWants(as)

	// Codes: small tables, looked up by key.
	if err := p.groups.load(ctx, p.tx.Groups(), false); err != nil {
		return err
	}
	if err := p.jobTitles.load(ctx, p.tx.JobTitles(), false); err != nil {
		return err
	}
	if err := p.tags.load(ctx, p.tx.Tags(), false); err != nil {
		return err
	}
	p.checkRefs(p.jobTitles.rep, len(s.JobTitles), func(i int) (Origin, string, []planning.Ref) {
		v := &s.JobTitles[i]
		return v.Origin, v.Value.Key(), p.jobTitles.written(i, v.Value.Refs())
	})
	p.checkRefs(p.tags.rep, len(s.Tags), func(i int) (Origin, string, []planning.Ref) {
		v := &s.Tags[i]
		return v.Origin, v.Value.Key(), p.tags.written(i, v.Value.Refs())
	})

	// People: the whole company is read for a replace (to find who is missing) or
	// when the set is large against it; otherwise by key.
	p.unique = newUniqueness(p.people)
	p.people.onStored = p.unique.see
	p.people.replace = p.replaces(planning.KindPerson) && len(s.People) > 0
	scan, err := p.scanKind(ctx, p.people.replace, len(s.People), p.tx.People())
	if err != nil {
		return err
	}
	if err := p.people.load(ctx, p.tx.People(), scan); err != nil {
		return err
	}
	if !scan {
		if err := p.unique.lookup(ctx, p.tx.People()); err != nil {
			return err
		}
	}
	p.people.finish()
	p.checkPeople()
	p.unique.check()

	// Projects, after the people their roles name.
	p.prepareProjects()
	p.projects.replace = p.replaces(planning.KindProject) && len(s.Projects) > 0
	if scan, err = p.scanKind(ctx, p.projects.replace, len(s.Projects), p.tx.Projects()); err != nil {
		return err
	}
	if err := p.projects.load(ctx, p.tx.Projects(), scan); err != nil {
		return err
	}
	p.projects.finish()
	p.checkRefs(p.projects.rep, len(s.Projects), func(i int) (Origin, string, []planning.Ref) {
		v := &s.Projects[i]
		return v.Origin, v.Value.Key(), p.projects.written(i, v.Value.Refs())
	})
	p.groups.finish()
	p.jobTitles.finish()
	p.tags.finish()

	if err := p.planAssignments(ctx, as); err != nil {
		return err
	}
	if err := p.ps.err(); err != nil {
		return err
	}
	p.collectWrites(as)
	return nil
}

// replaces reports whether the plan deactivates the records of kind (people or
// projects) missing from the set: in Replace mode, for the kinds of
// Options.ReplaceKinds.
func (p *planner) replaces(kind planning.Kind) bool {
	return p.plan.Mode == Replace && (len(p.opts.ReplaceKinds) == 0 || slices.Contains(p.opts.ReplaceKinds, kind))
}

// expandAllGroups puts the people and projects marked AllGroups in every group
// of the set and the hub.
func (p *planner) expandAllGroups(ctx context.Context) error {
	var people, projects []int
	for i := range p.set.People {
		if p.set.People[i].AllGroups {
			people = append(people, i)
		}
	}
	for i := range p.set.Projects {
		if p.set.Projects[i].AllGroups {
			projects = append(projects, i)
		}
	}
	if len(people)+len(projects) == 0 {
		return nil
	}
	codes := map[string]bool{}
	for code := range p.groups.index {
		codes[code] = true
	}
	for g, err := range p.tx.Groups().List(ctx, store.Query{}) {
		if err != nil {
			return fmt.Errorf("read groups: %w", err)
		}
		codes[g.Code] = true
	}
	all := slices.Sorted(maps.Keys(codes))
	for _, i := range people {
		p.set.People[i].Value.GroupCodes = slices.Clone(all)
	}
	for _, i := range projects {
		p.set.Projects[i].Value.GroupCodes = slices.Clone(all)
	}
	return nil
}

// minScan is the fewest records of a kind that may make the planner read the
// whole kind instead of looking them up by key.
const minScan = 16

// scanKind decides whether to read every stored record of a kind: for a replace,
// or when the set has at least a quarter as many records as the hub.
func (p *planner) scanKind(ctx context.Context, replace bool, n int, c interface {
	Count(context.Context, store.Query) (int, error)
}) (bool, error) {
	if replace {
		return true, nil
	}
	if n < minScan {
		return false, nil // a few lookups by key cost less than counting
	}
	stored, err := c.Count(ctx, store.Query{})
	if err != nil {
		return false, err
	}
	return n*4 >= stored, nil
}

// gatherWants notes the codes, people and projects the set refers to that it
// does not hold, so that they are looked up in the hub.
func (p *planner) gatherWants(as []assignment) {
	s := p.set
	note := func(refs []planning.Ref) {
		for _, r := range refs {
			switch r.Kind {
			case planning.KindGroup:
				p.groups.refer(r.Code)
			case planning.KindJobTitle:
				p.jobTitles.refer(r.Code)
			case planning.KindTag:
				p.tags.refer(r.Code)
			case planning.KindPerson:
				p.people.refer(r.ID) // a role's person, by employee_id in a set
			case planning.KindProject:
				p.projects.refer(r.ID)
			}
		}
	}
	for i := range s.JobTitles {
		note(s.JobTitles[i].Value.Refs())
	}
	for i := range s.Tags {
		note(s.Tags[i].Value.Refs())
	}
	for i := range s.People {
		note(s.People[i].Value.Refs())
	}
	for i := range s.Projects {
		note(s.Projects[i].Value.Refs())
	}
	for _, a := range as {
		p.people.refer(a.v.EmployeeID)
		p.projects.refer(a.v.ProjectNumber)
	}
}

// checkRefs reports references to codes, people (by employee_id) and projects
// that are neither in the set nor in the hub.
func (p *planner) checkRefs(rep reporter, n int, get func(i int) (Origin, string, []planning.Ref)) {
	for i := range n {
		origin, key, refs := get(i)
		for _, r := range refs {
			var found bool
			val, by := r.Code, "code"
			switch r.Kind {
			case planning.KindGroup:
				found = p.groups.has(r.Code)
			case planning.KindJobTitle:
				found = p.jobTitles.has(r.Code)
			case planning.KindTag:
				found = p.tags.has(r.Code)
			case planning.KindPerson:
				found, val, by = p.people.has(r.ID), r.ID, "employee_id"
			case planning.KindProject:
				found, val, by = p.projects.has(r.ID), r.ID, "project_number"
			default:
				continue
			}
			if !found && val != "" {
				rep.add(i, origin, key, r.Field, "no %s with %s %q in this import or the hub", r.Kind.Label(), by, val)
			}
		}
	}
}

// checkPeople reports people's missing codes and tags that need an expiry date.
func (p *planner) checkPeople() {
	s := p.set
	p.checkRefs(p.people.rep, len(s.People), func(i int) (Origin, string, []planning.Ref) {
		v := &s.People[i]
		return v.Origin, v.Value.Key(), p.people.written(i, v.Value.Refs())
	})
	for i := range s.People {
		v := &s.People[i]
		if !p.people.writesField(i, "tags") {
			continue
		}
		for j, t := range v.Value.Tags {
			if def := p.tags.value(t.Code); def != nil && def.RequiresExpiry && t.Expires.IsZero() {
				p.people.rep.add(i, v.Origin, v.Value.Key(), fmt.Sprintf("tags[%d].expires", j),
					"tag %q requires an expiry date; give one (e.g. %s:2027-01-31)", t.Code, t.Code)
			}
		}
	}
}

// prepareProjects fills the defaults the store would (the time zone of the first
// group) and compares projects with their roles' people resolved to ids.
func (p *planner) prepareProjects() {
	s := p.set
	for i := range s.Projects {
		v := &s.Projects[i].Value
		if v.Timezone == "" && len(v.GroupCodes) > 0 {
			if g := p.groups.value(v.GroupCodes[0]); g != nil {
				v.Timezone = g.Timezone
			}
		}
	}
	p.projects.comparable = func(i int) planning.Project {
		v := s.Projects[i].Value
		v.Roles = p.resolveRoles(v.Roles, func(key string) string {
			if id := p.people.id(key); id != "" {
				return id
			}
			return "new:" + key
		})
		return v
	}
}

// resolveRoles returns roles with each employee_id replaced by id(employee_id).
func (p *planner) resolveRoles(roles []planning.ProjectRole, id func(string) string) []planning.ProjectRole {
	if len(roles) == 0 {
		return roles
	}
	out := make([]planning.ProjectRole, len(roles))
	for i, r := range roles {
		out[i] = planning.ProjectRole{PersonID: id(r.PersonID), JobTitle: r.JobTitle}
	}
	return out
}

// today is the current day in the company's time zone, the day deactivations
// take effect.
func (p *planner) today() planning.Date {
	loc, err := time.LoadLocation(p.company.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return planning.DateOf(time.Now().In(loc))
}

// hold works out whether the plan needs force.
func (p *planner) hold() {
	pl := p.plan
	if pl.Mode != Replace {
		return
	}
	if p.company.HubManaged && (p.people.replace || p.projects.replace) {
		pl.Holds = append(pl.Holds, fmt.Sprintf("company %s is hub-managed: its people and projects are maintained in the hub, and a replace would overwrite them", p.company.Slug))
	}
	for _, k := range []*KindPlan{&pl.People, &pl.Projects} {
		if k.Active == 0 || k.Deactivations == 0 {
			continue
		}
		share := float64(k.Deactivations) / float64(k.Active)
		if share > p.opts.HoldAbove {
			pl.Holds = append(pl.Holds, fmt.Sprintf("the replace would deactivate %d of %d active %s (%.0f%%), more than the limit of %.0f%%; check that the file is complete",
				k.Deactivations, k.Active, kindPlural(k.Kind), share*100, p.opts.HoldAbove*100))
		}
	}
}

// collectWrites moves what the plan writes into it.
func (p *planner) collectWrites(as []assignment) {
	w := &p.plan.w
	w.groups, w.jobTitles, w.tags = p.groups.writes, p.jobTitles.writes, p.tags.writes
	w.people, w.projects = p.people.writes, p.projects.writes
	// The roles of a project written as the hub has them (a deactivation, or an
	// update that does not own the roles) name people by id already.
	w.rolesByID = make([]bool, len(w.projects))
	for n := range w.projects {
		i, inSet := p.projects.index[w.projects[n].ProjectNumber]
		w.rolesByID[n] = !inSet || !p.projects.writesField(i, "roles")
	}
	w.personIDs, w.projectIDs = map[string]string{}, map[string]string{}
	for i := range p.set.Projects {
		for _, r := range p.set.Projects[i].Value.Roles {
			if id := p.people.id(r.PersonID); id != "" {
				w.personIDs[r.PersonID] = id
			}
		}
	}
	for _, a := range as {
		if a.write == nil {
			continue
		}
		if id := p.people.id(a.v.EmployeeID); id != "" {
			w.personIDs[a.v.EmployeeID] = id
		}
		if id := p.projects.id(a.v.ProjectNumber); id != "" {
			w.projectIDs[a.v.ProjectNumber] = id
		}
		w.assignments = append(w.assignments, *a.write)
	}
}
