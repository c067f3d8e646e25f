package sandbox

import (
	"context"
	"fmt"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// chunkSize is how many records are written to the sandbox at a time: the
// production company's records stream in, and at most this many are held.
const chunkSize = 500

// record is the pointer type of a planning record kind.
type record[T any] interface {
	*T
	planning.Record
}

// ids maps production ids to sandbox ids, for people and projects.
type ids map[string]string

// copyAll copies every record of from's company into to's, in dependency
// order: groups, job titles, tags, people, projects (roles rewritten to the
// sandbox's people), then assignments, time off and resource requests
// (rewritten to the sandbox's people and projects).
func copyAll(ctx context.Context, from, to store.Tx, n *Counts) error {
	type step struct {
		kind planning.Kind
		run  func() (int, error)
	}
	var steps []step
	people, projects := ids{}, ids{}
	add := func(kind planning.Kind, run func() (int, error)) { steps = append(steps, step{kind, run}) }
	add(planning.KindGroup, func() (int, error) { return copyKeyed(ctx, from.Groups(), to.Groups(), nil, nil) })
	add(planning.KindJobTitle, func() (int, error) { return copyKeyed(ctx, from.JobTitles(), to.JobTitles(), nil, nil) })
	add(planning.KindTag, func() (int, error) { return copyKeyed(ctx, from.Tags(), to.Tags(), nil, nil) })
	add(planning.KindPerson, func() (int, error) { return copyKeyed(ctx, from.People(), to.People(), nil, people) })
	add(planning.KindProject, func() (int, error) {
		return copyKeyed(ctx, from.Projects(), to.Projects(), func(p *planning.Project) error {
			for i := range p.Roles {
				if err := people.rewrite(&p.Roles[i].PersonID, "person", fmt.Sprintf("roles[%d].person_id", i)); err != nil {
					return err
				}
			}
			return nil
		}, projects)
	})
	add(planning.KindAssignment, func() (int, error) {
		return copyKeyless(ctx, from.Assignments(), to.Assignments(), func(a *planning.Assignment) error {
			if err := people.rewrite(&a.PersonID, "person", "person_id"); err != nil {
				return err
			}
			return projects.rewrite(&a.ProjectID, "project", "project_id")
		})
	})
	add(planning.KindTimeOff, func() (int, error) {
		return copyKeyless(ctx, from.TimeOff(), to.TimeOff(), func(t *planning.TimeOff) error {
			return people.rewrite(&t.PersonID, "person", "person_id")
		})
	})
	add(planning.KindResourceRequest, func() (int, error) {
		return copyKeyless(ctx, from.ResourceRequests(), to.ResourceRequests(), func(r *planning.ResourceRequest) error {
			return projects.rewrite(&r.ProjectID, "project", "project_id")
		})
	})
	counts := map[planning.Kind]*int{
		planning.KindGroup: &n.Groups, planning.KindJobTitle: &n.JobTitles, planning.KindTag: &n.Tags,
		planning.KindPerson: &n.People, planning.KindProject: &n.Projects, planning.KindAssignment: &n.Assignments,
		planning.KindTimeOff: &n.TimeOff, planning.KindResourceRequest: &n.ResourceRequests,
	}
	for _, s := range steps {
		c, err := s.run()
		if err != nil {
			return fmt.Errorf("copy %s records: %w", s.kind.Label(), err)
		}
		*counts[s.kind] = c
		if testHookCopied != nil {
			if err := testHookCopied(s.kind); err != nil {
				return err
			}
		}
	}
	return nil
}

// rewrite replaces the production id *id with the sandbox's.
func (m ids) rewrite(id *string, what, field string) error {
	to, ok := m[*id]
	if !ok {
		return fmt.Errorf("%s: no %s with id %s in the production company", field, what, *id)
	}
	*id = to
	return nil
}

// copyKeyed copies the records of a kind with an external key, chunkSize at a
// time through Upsert. fix, when set, rewrites each record before it is
// written; newIDs, when set, gets each production id's sandbox id.
func copyKeyed[T any, P record[T]](ctx context.Context, from, to store.Collection[T], fix func(P) error, newIDs ids) (int, error) {
	batch := make([]T, 0, chunkSize)
	prodIDs := make([]string, 0, chunkSize)
	total := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := to.Upsert(ctx, batch); err != nil {
			return err
		}
		if newIDs != nil {
			for i := range batch {
				newIDs[prodIDs[i]] = P(&batch[i]).GetMeta().ID
			}
		}
		total += len(batch)
		batch, prodIDs = batch[:0], prodIDs[:0]
		return nil
	}
	for v, err := range from.List(ctx, store.Query{}) {
		if err != nil {
			return total, fmt.Errorf("read: %w", err)
		}
		p := P(&v)
		id := p.GetMeta().ID
		*p.GetMeta() = planning.Meta{}
		if fix != nil {
			if err := fix(p); err != nil {
				return total, fmt.Errorf("%s: %w", p.Label(), err)
			}
		}
		batch = append(batch, v)
		prodIDs = append(prodIDs, id)
		if len(batch) == chunkSize {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}

// copyKeyless copies the records of a kind without an external key
// (assignments, time off, requests) through Create, after fix rewrites the
// ids they point at. Each production record read is written before the next
// is read, so nothing piles up.
func copyKeyless[T any, P record[T]](ctx context.Context, from, to store.Collection[T], fix func(P) error) (int, error) {
	total := 0
	for v, err := range from.List(ctx, store.Query{}) {
		if err != nil {
			return total, fmt.Errorf("read: %w", err)
		}
		p := P(&v)
		id := p.GetMeta().ID
		*p.GetMeta() = planning.Meta{}
		if err := fix(p); err != nil {
			return total, fmt.Errorf("%s (id %s): %w", p.Label(), id, err)
		}
		if _, err := to.Create(ctx, v); err != nil {
			return total, fmt.Errorf("%s (id %s): %w", p.Label(), id, err)
		}
		total++
	}
	return total, nil
}
