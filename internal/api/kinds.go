package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// register registers every operation.
func (a *API) register() {
	registerResource[planning.Group, *planning.Group, codeFilter](a, &resource[planning.Group, *planning.Group]{
		kind: planning.KindGroup, name: "group", plural: "groups", tag: "Groups", keyField: "code", keyPath: "by-code",
		setKey: func(v *planning.Group, k string) { v.Code = k },
		coll:   func(tx store.Tx) store.Collection[planning.Group] { return tx.Groups() },
		toSet:  addTo(func(s *ingest.Set) *[]ingest.Item[planning.Group] { return &s.Groups })})
	registerResource[planning.JobTitle, *planning.JobTitle, codeFilter](a, &resource[planning.JobTitle, *planning.JobTitle]{
		kind: planning.KindJobTitle, name: "job-title", plural: "job-titles", tag: "Job titles", keyField: "code", keyPath: "by-code",
		setKey: func(v *planning.JobTitle, k string) { v.Code = k },
		coll:   func(tx store.Tx) store.Collection[planning.JobTitle] { return tx.JobTitles() },
		toSet:  addTo(func(s *ingest.Set) *[]ingest.Item[planning.JobTitle] { return &s.JobTitles })})
	registerResource[planning.Tag, *planning.Tag, codeFilter](a, &resource[planning.Tag, *planning.Tag]{
		kind: planning.KindTag, name: "tag", plural: "tags", tag: "Tags", keyField: "code", keyPath: "by-code",
		setKey: func(v *planning.Tag, k string) { v.Code = k },
		coll:   func(tx store.Tx) store.Collection[planning.Tag] { return tx.Tags() },
		toSet:  addTo(func(s *ingest.Set) *[]ingest.Item[planning.Tag] { return &s.Tags })})
	registerResource[planning.Person, *planning.Person, peopleFilter](a, &resource[planning.Person, *planning.Person]{
		kind: planning.KindPerson, name: "person", plural: "people", tag: "People", keyField: "employee_id", keyPath: "by-employee-id",
		setKey:     func(v *planning.Person, k string) { v.EmployeeID = k },
		coll:       func(tx store.Tx) store.Collection[planning.Person] { return tx.People() },
		toSet:      addTo(func(s *ingest.Set) *[]ingest.Item[planning.Person] { return &s.People }),
		deactivate: func(v *planning.Person) { v.Status = planning.StatusInactive }})
	registerResource[planning.Project, *planning.Project, projectFilter](a, &resource[planning.Project, *planning.Project]{
		kind: planning.KindProject, name: "project", plural: "projects", tag: "Projects", keyField: "project_number", keyPath: "by-project-number",
		setKey:     func(v *planning.Project, k string) { v.ProjectNumber = k },
		coll:       func(tx store.Tx) store.Collection[planning.Project] { return tx.Projects() },
		toSet:      addProject,
		deactivate: func(v *planning.Project) { v.Status = planning.StatusInactive }})
	registerResource[planning.Assignment, *planning.Assignment, assignmentFilter](a, &resource[planning.Assignment, *planning.Assignment]{
		kind: planning.KindAssignment, name: "assignment", plural: "assignments", tag: "Assignments",
		coll: func(tx store.Tx) store.Collection[planning.Assignment] { return tx.Assignments() }})
	registerResource[planning.TimeOff, *planning.TimeOff, timeOffFilter](a, &resource[planning.TimeOff, *planning.TimeOff]{
		kind: planning.KindTimeOff, name: "time-off", plural: "time-off", tag: "Time off",
		coll: func(tx store.Tx) store.Collection[planning.TimeOff] { return tx.TimeOff() }})
	registerResource[planning.ResourceRequest, *planning.ResourceRequest, requestFilter](a, &resource[planning.ResourceRequest, *planning.ResourceRequest]{
		kind: planning.KindResourceRequest, name: "resource-request", plural: "resource-requests", tag: "Resource requests",
		coll: func(tx store.Tx) store.Collection[planning.ResourceRequest] { return tx.ResourceRequests() }})
	a.documentPatches()
	a.documentLists()
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newError(http.StatusNotFound, CodeNotFound, "no such endpoint: %s %s; see %s", r.Method, r.URL.Path, OpenAPIPath))
	})
}

// addTo makes a resource's toSet for a kind ingest takes as it is: the record
// is appended to the set's list that list returns.
func addTo[T any](list func(*ingest.Set) *[]ingest.Item[T]) func(context.Context, store.Tx, *ingest.Set, T) error {
	return func(_ context.Context, _ store.Tx, s *ingest.Set, v T) error {
		l := list(s)
		*l = append(*l, ingest.Item[T]{Value: v, Origin: apiOrigin})
		return nil
	}
}

// apiOrigin labels records of an API request in ingest's problems.
var apiOrigin = ingest.Origin{File: "request body"}

// addProject adds a project to an ingest set. The API names a role's person
// by id, a set by employee_id.
func addProject(ctx context.Context, tx store.Tx, s *ingest.Set, v planning.Project) error {
	if len(v.Roles) > 0 {
		roles := make([]planning.ProjectRole, len(v.Roles))
		var errs planning.Errors
		for i, r := range v.Roles {
			p, err := tx.People().Get(ctx, r.PersonID)
			if errors.Is(err, store.ErrNotFound) {
				errs.Add(fmt.Sprintf("roles[%d].person_id", i), "no person with id %q in this company", r.PersonID)
				continue
			}
			if err != nil {
				return err
			}
			roles[i] = planning.ProjectRole{PersonID: p.EmployeeID, JobTitle: r.JobTitle}
		}
		if len(errs) > 0 {
			return errs
		}
		v.Roles = roles
	}
	s.Projects = append(s.Projects, ingest.Item[planning.Project]{Value: v, Origin: apiOrigin})
	return nil
}

type codeFilter struct {
	ListParams
	Code []string `query:"code" doc:"Only the records with these codes (comma-separated)"`
}

func (f *codeFilter) lookups() bool { return false }

func (f *codeFilter) narrow(_ context.Context, _ store.Tx, q *store.Query) error {
	q.Keys = f.Code
	return nil
}

type peopleFilter struct {
	ListParams
	EmployeeID []string `query:"employee_id" doc:"Only the people with these employee ids (comma-separated)"`
	Email      string   `query:"email" doc:"Only the person with this email"`
	Status     string   `query:"status" enum:"active,inactive" doc:"Only active or inactive people"`
}

func (f *peopleFilter) lookups() bool { return false }

func (f *peopleFilter) narrow(_ context.Context, _ store.Tx, q *store.Query) error {
	q.Keys, q.Email, q.Status = f.EmployeeID, f.Email, planning.Status(f.Status)
	return nil
}

type projectFilter struct {
	ListParams
	ProjectNumber []string `query:"project_number" doc:"Only the projects with these numbers (comma-separated)"`
	Status        string   `query:"status" enum:"active,pending,inactive" doc:"Only projects with this status"`
}

func (f *projectFilter) lookups() bool { return false }

func (f *projectFilter) narrow(_ context.Context, _ store.Tx, q *store.Query) error {
	q.Keys, q.Status = f.ProjectNumber, planning.Status(f.Status)
	return nil
}

type assignmentFilter struct {
	ListParams
	PersonID      string `query:"person_id" doc:"Only this person's assignments"`
	EmployeeID    string `query:"employee_id" doc:"Only the assignments of the person with this employee id"`
	ProjectID     string `query:"project_id" doc:"Only this project's assignments"`
	ProjectNumber string `query:"project_number" doc:"Only the assignments on the project with this number"`
}

func (f *assignmentFilter) lookups() bool { return f.EmployeeID != "" || f.ProjectNumber != "" }

func (f *assignmentFilter) narrow(ctx context.Context, tx store.Tx, q *store.Query) error {
	return narrowRefs(ctx, tx, q, f.PersonID, f.EmployeeID, f.ProjectID, f.ProjectNumber)
}

type timeOffFilter struct {
	ListParams
	PersonID   string `query:"person_id" doc:"Only this person's time off"`
	EmployeeID string `query:"employee_id" doc:"Only the time off of the person with this employee id"`
}

func (f *timeOffFilter) lookups() bool { return f.EmployeeID != "" }

func (f *timeOffFilter) narrow(ctx context.Context, tx store.Tx, q *store.Query) error {
	return narrowRefs(ctx, tx, q, f.PersonID, f.EmployeeID, "", "")
}

type requestFilter struct {
	ListParams
	ProjectID     string `query:"project_id" doc:"Only this project's requests"`
	ProjectNumber string `query:"project_number" doc:"Only the requests on the project with this number"`
}

func (f *requestFilter) lookups() bool { return f.ProjectNumber != "" }

func (f *requestFilter) narrow(ctx context.Context, tx store.Tx, q *store.Query) error {
	return narrowRefs(ctx, tx, q, "", "", f.ProjectID, f.ProjectNumber)
}

// narrowRefs filters by person and project, given by id or external key.
func narrowRefs(ctx context.Context, tx store.Tx, q *store.Query, personID, employeeID, projectID, projectNumber string) error {
	q.PersonID, q.ProjectID = personID, projectID
	if employeeID != "" {
		p, err := tx.People().GetByKey(ctx, employeeID)
		if errors.Is(err, store.ErrNotFound) || err == nil && personID != "" && p.ID != personID {
			return errNoMatch
		}
		if err != nil {
			return err
		}
		q.PersonID = p.ID
	}
	if projectNumber != "" {
		p, err := tx.Projects().GetByKey(ctx, projectNumber)
		if errors.Is(err, store.ErrNotFound) || err == nil && projectID != "" && p.ID != projectID {
			return errNoMatch
		}
		if err != nil {
			return err
		}
		q.ProjectID = p.ID
	}
	return nil
}
