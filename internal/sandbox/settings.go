package sandbox

import (
	"context"
	"fmt"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Find returns the sandbox company idOrSlug names and its settings; a company
// that is not a sandbox is an error.
func Find(ctx context.Context, st store.Store, idOrSlug string) (planning.Company, store.Sandbox, error) {
	co, err := st.Company(ctx, idOrSlug)
	if err != nil {
		return co, store.Sandbox{}, err
	}
	if co.SandboxOf == "" {
		return co, store.Sandbox{}, fmt.Errorf("company %s is not a sandbox; trestle sandbox list shows the sandboxes", co.Slug)
	}
	sb, err := st.Sandbox(ctx, co.ID)
	if err != nil {
		return co, sb, fmt.Errorf("sandbox %s: %w", co.Slug, err)
	}
	return co, sb, nil
}

// SetRefresh changes a sandbox's refresh schedule (see ParseRefresh) and
// returns its settings as saved.
func SetRefresh(ctx context.Context, st store.Store, idOrSlug, refresh string, by store.Actor) (store.Sandbox, error) {
	sched, err := ParseRefresh(refresh)
	if err != nil {
		return store.Sandbox{}, err
	}
	co, sb, err := Find(ctx, st, idOrSlug)
	if err != nil {
		return sb, err
	}
	sb.Refresh = sched.String()
	if err := st.SaveSandbox(ctx, sb, by); err != nil {
		return sb, fmt.Errorf("sandbox %s: %w", co.Slug, err)
	}
	return sb, nil
}

// NextRefresh is when the scheduler next refreshes a sandbox whose company is
// in the time zone tz: the first time its schedule gives after the last
// refresh (or, if it was never refreshed, after it was made). It is the zero
// time when the refresh is off. A time in the past means the refresh is due.
func NextRefresh(sb store.Sandbox, tz string) (time.Time, error) {
	_, next, err := due(sb, tz, time.Time{})
	return next, err
}

// CountRecords counts a company's records by kind, in one consistent view.
func CountRecords(ctx context.Context, st store.Store, companyID string) (Counts, error) {
	var n Counts
	err := st.View(ctx, companyID, func(tx store.Tx) error {
		q := store.Query{}
		for _, c := range []struct {
			to    *int
			count func(context.Context, store.Query) (int, error)
		}{
			{&n.Groups, tx.Groups().Count}, {&n.JobTitles, tx.JobTitles().Count}, {&n.Tags, tx.Tags().Count},
			{&n.People, tx.People().Count}, {&n.Projects, tx.Projects().Count}, {&n.Assignments, tx.Assignments().Count},
			{&n.TimeOff, tx.TimeOff().Count}, {&n.ResourceRequests, tx.ResourceRequests().Count},
		} {
			v, err := c.count(ctx, q)
			if err != nil {
				return err
			}
			*c.to = v
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("count records: %w", err)
	}
	return n, nil
}
