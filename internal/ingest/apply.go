package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// writes are the records a plan writes, in application order.
type writes struct {
	groups      []planning.Group
	jobTitles   []planning.JobTitle
	tags        []planning.Tag
	people      []planning.Person
	projects    []planning.Project // roles name people by employee_id, or by id when rolesByID
	rolesByID   []bool
	assignments []assignWrite
	// personIDs and projectIDs resolve the keys of existing people and projects
	// that projects' roles and assignments name.
	personIDs, projectIDs map[string]string
	// written holds, once applied, the records written by kind and key.
	written map[planning.Kind]map[string]any
}

// ErrStale is returned (wrapped) by Apply when the company's records changed
// after the plan was made.
var ErrStale = errors.New("the hub changed since the plan was made; plan again")

// ErrHeld matches a *HeldError.
var ErrHeld = errors.New("the plan is held")

// HeldError is returned by Apply for a held plan without force.
type HeldError struct {
	Holds []string
}

// Error says why the plan is held and that nothing was changed.
func (e *HeldError) Error() string {
	return "the plan was not applied: " + strings.Join(e.Holds, "; ") + ". Nothing was changed; apply it with force to go ahead"
}

// Is makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// ApplyOptions change how Apply works.
type ApplyOptions struct {
	// Force applies a held plan.
	Force bool
}

// Result says what Apply did.
type Result struct {
	// Seq is the position of the company's change history after the apply.
	Seq int64 `json:"seq"`
}

// applyHook, when set (by tests), runs after each kind is written; an error
// fails the apply.
var applyHook func(planning.Kind) error

// Apply writes the plan in one transaction, recorded in the change history with
// the plan's source and actor. It fails with ErrStale, writing nothing, when the
// company's change history moved on since the plan was made, and with a
// *HeldError when the plan is held and opts.Force is not set. Any failure writes
// nothing.
func Apply(ctx context.Context, st store.Store, pl *Plan, opts ApplyOptions) (Result, error) {
	if pl == nil {
		return Result{}, errors.New("no plan to apply")
	}
	if pl.Held() && !opts.Force {
		return Result{}, &HeldError{Holds: pl.Holds}
	}
	var res Result
	by := store.Actor{Source: pl.Source, Actor: pl.Actor}
	err := st.Update(ctx, pl.CompanyID, by, func(tx store.Tx) error {
		seq, err := tx.HistorySeq(ctx)
		if err != nil {
			return err
		}
		if seq != pl.BaseSeq {
			return fmt.Errorf("%w (the change history is at %d; the plan was made at %d)", ErrStale, seq, pl.BaseSeq)
		}
		if err := apply(ctx, tx, pl); err != nil {
			return err
		}
		res.Seq, err = tx.HistorySeq(ctx)
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("import into %s failed and nothing was changed: %w", pl.CompanySlug, err)
	}
	return res, nil
}

func apply(ctx context.Context, tx store.Tx, pl *Plan) error {
	w := &pl.w
	w.written = map[planning.Kind]map[string]any{}
	groups, err := upsertCopy(ctx, tx.Groups(), w.groups, &pl.Groups)
	if err != nil {
		return err
	}
	note(w, planning.KindGroup, groups)
	jobTitles, err := upsertCopy(ctx, tx.JobTitles(), w.jobTitles, &pl.JobTitles)
	if err != nil {
		return err
	}
	note(w, planning.KindJobTitle, jobTitles)
	tags, err := upsertCopy(ctx, tx.Tags(), w.tags, &pl.Tags)
	if err != nil {
		return err
	}
	note(w, planning.KindTag, tags)
	people, err := upsertCopy(ctx, tx.People(), w.people, &pl.People)
	if err != nil {
		return err
	}
	note(w, planning.KindPerson, people)
	personID := resolver(w.personIDs, people, func(p *planning.Person) (string, string) { return p.EmployeeID, p.ID })
	projects := make([]planning.Project, len(w.projects))
	for i, v := range w.projects {
		if w.rolesByID[i] {
			projects[i] = v
			continue
		}
		roles := make([]planning.ProjectRole, len(v.Roles))
		for j, r := range v.Roles {
			id := personID(r.PersonID)
			if id == "" {
				return fmt.Errorf("project %s: no person with employee_id %q; plan again", v.Label(), r.PersonID)
			}
			roles[j] = planning.ProjectRole{PersonID: id, JobTitle: r.JobTitle}
		}
		if v.Roles != nil {
			v.Roles = roles
		}
		projects[i] = v
	}
	if projects, err = upsertCopy(ctx, tx.Projects(), projects, &pl.Projects); err != nil {
		return err
	}
	note(w, planning.KindProject, projects)
	projectID := resolver(w.projectIDs, projects, func(p *planning.Project) (string, string) { return p.ProjectNumber, p.ID })
	for _, a := range w.assignments {
		v := a.Value
		if v.ID == "" {
			v.PersonID, v.ProjectID = personID(a.EmployeeID), projectID(a.ProjectNumber)
			_, err = tx.Assignments().Create(ctx, v)
		} else {
			_, err = tx.Assignments().Update(ctx, v)
		}
		if err != nil {
			return fmt.Errorf("write assignment %s on %s from %s: %w", a.EmployeeID, a.ProjectNumber, v.StartDay, err)
		}
	}
	return hook(planning.KindAssignment)
}

func hook(k planning.Kind) error {
	if applyHook == nil {
		return nil
	}
	return applyHook(k)
}

// note keeps the records of a kind as written, by external key, for Written.
func note[T any, P record[T]](w *writes, kind planning.Kind, recs []T) {
	if len(recs) == 0 {
		return
	}
	m := make(map[string]any, len(recs))
	for i := range recs {
		m[P(&recs[i]).Key()] = recs[i]
	}
	w.written[kind] = m
}

// Written returns a record of kind with external key as an applied plan wrote
// it (with its id, version and timestamps); false when the plan did not write
// it (it was unchanged, or the plan was not applied).
func Written[T any](pl *Plan, kind planning.Kind, key string) (T, bool) {
	v, ok := pl.w.written[kind][key].(T)
	return v, ok
}

// upsertCopy is upsert returning the records as written (with their ids). The
// plan's own records are left as they are, so that it can be applied again
// after a failure.
func upsertCopy[T any, P record[T]](ctx context.Context, c store.Collection[T], recs []T, k *KindPlan) ([]T, error) {
	if len(recs) > 0 {
		recs = slices.Clone(recs)
		res, err := c.Upsert(ctx, recs)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", kindPlural(k.Kind), err)
		}
		if res.Created != k.Creates || res.Updated != k.Updates+k.Deactivations || res.Unchanged != 0 {
			return nil, fmt.Errorf("write %s: the store created %d and updated %d records where the plan has %d and %d; plan again",
				kindPlural(k.Kind), res.Created, res.Updated, k.Creates, k.Updates+k.Deactivations)
		}
	}
	return recs, hook(k.Kind)
}

// resolver maps the external key of a person or project to its id: the plan's
// known ids, then the records just written.
func resolver[T any](known map[string]string, written []T, kv func(*T) (string, string)) func(string) string {
	ids := make(map[string]string, len(known)+len(written))
	for k, v := range known {
		ids[k] = v
	}
	for i := range written {
		k, v := kv(&written[i])
		ids[k] = v
	}
	return func(key string) string { return ids[key] }
}

// Run plans set and, unless opts.DryRun is set, applies the plan (a held plan
// only with opts.Force). When the hub changes between planning and applying, it
// plans again, up to three times. The plan is returned whenever one was made.
func Run(ctx context.Context, st store.Store, company string, set *Set, opts Options) (*Plan, Result, error) {
	for attempt := 1; ; attempt++ {
		pl, err := MakePlan(ctx, st, company, set, opts)
		if err != nil || opts.DryRun {
			return pl, Result{}, err
		}
		res, err := Apply(ctx, st, pl, ApplyOptions{Force: opts.Force})
		if errors.Is(err, ErrStale) && attempt < 3 {
			continue
		}
		return pl, res, err
	}
}
