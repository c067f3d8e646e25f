package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// The company Load creates when it does not exist yet.
const (
	// DefaultSlug is the slug Load uses when given none.
	DefaultSlug = "demo"
	// CompanyName is the name of a company Load creates.
	CompanyName = "Demo Construction Co."
	// CompanyTimezone is the time zone of a company Load creates.
	CompanyTimezone = "America/Chicago"
	// AnalystEmail is the demo's analyst: a hub user with analytics access to
	// the demo company, who reads its shared tables over Delta Sharing.
	AnalystEmail = "analyst@example.com"
)

// actor is who Load's changes are recorded as, in the change history.
var actor = store.Actor{Source: planning.SourceDemo, Actor: "demo"}

// Summary says what Load did.
type Summary struct {
	// Company is the company the data went into.
	Company planning.Company
	// CompanyCreated says Load created the company.
	CompanyCreated bool
	// Groups, JobTitles, Tags, People and Projects count what the upserts created,
	// updated and left unchanged.
	Groups, JobTitles, Tags, People, Projects store.UpsertResult
	// Analyst is the demo's analyst user (AnalystEmail), with analytics access.
	Analyst planning.User
	// Assignments, TimeOff and ResourceRequests count the records created.
	Assignments, TimeOff, ResourceRequests int
	// ScheduleSkipped says the demo people were already in the company, so the
	// assignments, time off and resource requests (which have no external key to
	// match on) were not created again.
	ScheduleSkipped bool
}

// String describes the summary in one line, for the command line.
func (s Summary) String() string {
	verb := "loaded into"
	if s.CompanyCreated {
		verb = "created"
	}
	out := fmt.Sprintf("demo company %q %s: %s, %s, %s, %s, %s", s.Company.Slug, verb,
		upsertText(s.Groups, "groups"), upsertText(s.JobTitles, "job titles"), upsertText(s.Tags, "tags"),
		upsertText(s.People, "people"), upsertText(s.Projects, "projects"))
	if s.ScheduleSkipped {
		return out + "; assignments, time off and resource requests already present (not added again)"
	}
	return out + fmt.Sprintf("; %d assignments, %d time off, %d resource requests created",
		s.Assignments, s.TimeOff, s.ResourceRequests)
}

func upsertText(r store.UpsertResult, what string) string {
	return fmt.Sprintf("%d %s (%d new, %d updated, %d unchanged)",
		r.Created+r.Updated+r.Unchanged, what, r.Created, r.Updated, r.Unchanged)
}

// Load stores the demo data set for today in the company with slug (DefaultSlug when
// empty), creating the company (CompanyName, CompanyTimezone) when it does not exist.
//
// Everything is written in one transaction, recorded with source demo: groups, job
// titles, tags, people and projects are upserted by their external keys, then the
// assignments, time off and resource requests are created for the stored people and
// projects. Loading again is safe: the upserts find the records unchanged (or move
// their dates, for another day), and when the demo people already existed before the
// load the assignments, time off and requests are not created a second time
// (Summary.ScheduleSkipped).
func Load(ctx context.Context, st store.Store, slug string, today planning.Date) (Summary, error) {
	if slug == "" {
		slug = DefaultSlug
	}
	var sum Summary
	co, err := st.Company(ctx, slug)
	switch {
	case errors.Is(err, store.ErrNotFound):
		co, err = st.CreateCompany(ctx, planning.Company{Slug: slug, Name: CompanyName, Timezone: CompanyTimezone}, actor)
		if err != nil {
			return sum, fmt.Errorf("demo: create company %q: %w", slug, err)
		}
		sum.CompanyCreated = true
	case err != nil:
		return sum, fmt.Errorf("demo: find company %q: %w", slug, err)
	}
	sum.Company = co

	ds := Generate(today)
	err = st.Update(ctx, co.ID, actor, func(tx store.Tx) error { return load(ctx, tx, ds, &sum) })
	if err != nil {
		return Summary{Company: co, CompanyCreated: sum.CompanyCreated}, fmt.Errorf("demo: load into company %q: %w", slug, err)
	}
	if sum.Analyst, err = analyst(ctx, st, co); err != nil {
		return sum, err
	}
	return sum, nil
}

// analyst makes sure the demo analyst exists with analytics access to the
// company (a viewer otherwise).
func analyst(ctx context.Context, st store.Store, co planning.Company) (planning.User, error) {
	u, err := st.User(ctx, AnalystEmail)
	if errors.Is(err, store.ErrNotFound) {
		u, err = st.CreateUser(ctx, planning.User{Email: AnalystEmail, Name: "Demo Analyst"}, actor)
	}
	if err != nil {
		return u, fmt.Errorf("demo: analyst %s: %w", AnalystEmail, err)
	}
	ms, err := st.Memberships(ctx, u.ID)
	if err != nil {
		return u, fmt.Errorf("demo: analyst %s: %w", AnalystEmail, err)
	}
	for _, m := range ms {
		if m.CompanyID == co.ID && m.Analytics {
			return u, nil
		}
	}
	err = st.SetMembership(ctx, planning.Membership{UserID: u.ID, CompanyID: co.ID, Permission: planning.PermissionViewer, Analytics: true}, actor)
	if err != nil {
		return u, fmt.Errorf("demo: give %s analytics access: %w", AnalystEmail, err)
	}
	return u, nil
}

func load(ctx context.Context, tx store.Tx, ds *Dataset, sum *Summary) error {
	var err error
	if sum.Groups, err = tx.Groups().Upsert(ctx, ds.Groups); err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	if sum.JobTitles, err = tx.JobTitles().Upsert(ctx, ds.JobTitles); err != nil {
		return fmt.Errorf("job titles: %w", err)
	}
	if sum.Tags, err = tx.Tags().Upsert(ctx, ds.Tags); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	if sum.People, err = tx.People().Upsert(ctx, ds.People); err != nil {
		return fmt.Errorf("people: %w", err)
	}
	people, err := storedIDs(ctx, tx.People(), ds.People)
	if err != nil {
		return err
	}

	// Project roles point at people by id, which exist now.
	for _, r := range ds.ProjectRoles {
		id, ok := people[r.EmployeeID]
		if !ok {
			return fmt.Errorf("project %s: role %s: no person with employee id %q", r.ProjectNumber, r.JobTitle, r.EmployeeID)
		}
		for i := range ds.Projects {
			if ds.Projects[i].ProjectNumber == r.ProjectNumber {
				ds.Projects[i].Roles = append(ds.Projects[i].Roles, planning.ProjectRole{PersonID: id, JobTitle: r.JobTitle})
			}
		}
	}
	if sum.Projects, err = tx.Projects().Upsert(ctx, ds.Projects); err != nil {
		return fmt.Errorf("projects: %w", err)
	}

	if sum.People.Created < len(ds.People) {
		// The demo people were here before: so are their assignments, time off and
		// requests, which cannot be matched by key and would be duplicated.
		sum.ScheduleSkipped = true
		return nil
	}
	projects, err := storedIDs(ctx, tx.Projects(), ds.Projects)
	if err != nil {
		return err
	}

	for i, a := range ds.Assignments {
		v := a.Assignment
		if v.PersonID, err = lookup(people, "person with employee id", a.EmployeeID); err != nil {
			return fmt.Errorf("assignment %d: %w", i+1, err)
		}
		if v.ProjectID, err = lookup(projects, "project with number", a.ProjectNumber); err != nil {
			return fmt.Errorf("assignment %d: %w", i+1, err)
		}
		if _, err := tx.Assignments().Create(ctx, v); err != nil {
			return fmt.Errorf("assignment %d (%s on %s): %w", i+1, a.EmployeeID, a.ProjectNumber, err)
		}
		sum.Assignments++
	}
	for i, t := range ds.TimeOff {
		v := t.TimeOff
		if v.PersonID, err = lookup(people, "person with employee id", t.EmployeeID); err != nil {
			return fmt.Errorf("time off %d: %w", i+1, err)
		}
		if _, err := tx.TimeOff().Create(ctx, v); err != nil {
			return fmt.Errorf("time off %d (%s): %w", i+1, t.EmployeeID, err)
		}
		sum.TimeOff++
	}
	for i, r := range ds.ResourceRequests {
		v := r.ResourceRequest
		v.Tags = append([]string(nil), r.Tags...)
		if v.ProjectID, err = lookup(projects, "project with number", r.ProjectNumber); err != nil {
			return fmt.Errorf("resource request %d: %w", i+1, err)
		}
		if _, err := tx.ResourceRequests().Create(ctx, v); err != nil {
			return fmt.Errorf("resource request %d (%s on %s): %w", i+1, r.JobTitle, r.ProjectNumber, err)
		}
		sum.ResourceRequests++
	}
	return nil
}

func lookup(ids map[string]string, what, key string) (string, error) {
	if id, ok := ids[key]; ok {
		return id, nil
	}
	return "", fmt.Errorf("no %s %q", what, key)
}

// record is the pointer type of a stored record kind.
type record[T any] interface {
	*T
	planning.Record
}

// storedIDs maps the external key of each upserted item to its store id. Upsert
// fills in each item's id; an item that comes back without one is looked up by key.
func storedIDs[T any, P record[T]](ctx context.Context, c store.Collection[T], items []T) (map[string]string, error) {
	ids := make(map[string]string, len(items))
	for i := range items {
		rec := P(&items[i])
		id := rec.GetMeta().ID
		if id == "" {
			v, err := c.GetByKey(ctx, rec.Key())
			if err != nil {
				return nil, fmt.Errorf("%s %q after upsert: %w", rec.Kind().Label(), rec.Key(), err)
			}
			id = P(&v).GetMeta().ID
		}
		ids[rec.Key()] = id
	}
	return ids, nil
}
