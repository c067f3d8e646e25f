package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/trestle-dev/trestle/internal/store"
)

// DefaultInterval is how often the scheduler looks for refreshes that are due.
const DefaultInterval = time.Minute

// Scheduler refreshes each sandbox when its schedule says so. It looks every
// Interval for sandboxes whose next refresh time after the last refresh (or,
// for one never refreshed, after it was made) has come, and refreshes them one
// after the other. A sandbox being refreshed elsewhere (on demand, or by
// another hub on the same database) is skipped.
type Scheduler struct {
	st       store.Store
	log      *slog.Logger
	now      func() time.Time
	interval time.Duration
}

// SchedulerOptions configure a Scheduler; every field is optional.
type SchedulerOptions struct {
	Log      *slog.Logger     // slog.Default() when nil
	Now      func() time.Time // the clock, time.Now when nil
	Interval time.Duration    // DefaultInterval when zero
}

// NewScheduler makes a scheduler over the store's sandboxes.
func NewScheduler(st store.Store, o SchedulerOptions) *Scheduler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	return &Scheduler{st: st, log: o.Log, now: o.Now, interval: o.Interval}
}

// Run refreshes the sandboxes that are due, now and every interval, until ctx
// ends. It returns nil when ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("sandbox: looking for refreshes that are due failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// due reports whether a sandbox's scheduled refresh has come at now, and when
// it is (or was) due.
func due(sb store.Sandbox, tz string, now time.Time) (bool, time.Time, error) {
	base := sb.LastRefreshAt
	if base.IsZero() {
		base = sb.CreatedAt
	}
	next, err := Next(sb.Refresh, tz, base)
	if err != nil || next.IsZero() {
		return false, next, err
	}
	return !next.After(now), next, nil
}

// RunDue refreshes every sandbox whose refresh is due and returns the slugs
// of those it refreshed successfully. A sandbox whose refresh fails is logged
// (and its error saved in its settings) and does not stop the others.
func (s *Scheduler) RunDue(ctx context.Context) ([]string, error) {
	all, err := s.st.Sandboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	var done []string
	var errs []error
	for _, sb := range all {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		co, err := s.st.Company(ctx, sb.SandboxID)
		if err != nil {
			errs = append(errs, fmt.Errorf("sandbox %s: %w", sb.SandboxID, err))
			continue
		}
		now := s.now()
		isDue, at, err := due(sb, co.Timezone, now)
		if err != nil {
			s.log.Warn("sandbox: not refreshed on schedule: its refresh setting is invalid", "sandbox", co.Slug, "refresh", sb.Refresh, "err", err)
			continue
		}
		if !isDue {
			continue
		}
		s.log.Info("sandbox: scheduled refresh starting", "sandbox", co.Slug, "refresh", sb.Refresh, "due", at)
		sum, err := refresh(ctx, s.st, sb.SandboxID, refreshOptions{now: s.now, due: func(cur store.Sandbox) bool {
			d, _, _ := due(cur, co.Timezone, s.now())
			return d
		}})
		switch {
		case errors.Is(err, ErrBusy):
			s.log.Info("sandbox: scheduled refresh skipped: the sandbox is refreshing already (here or in another hub)", "sandbox", co.Slug)
		case errors.Is(err, errNotDue):
			s.log.Info("sandbox: scheduled refresh skipped: it was just done (by another hub)", "sandbox", co.Slug)
		case err != nil:
			s.log.Error("sandbox: scheduled refresh failed; the sandbox keeps its data", "sandbox", co.Slug, "err", err)
		default:
			s.log.Info("sandbox: scheduled refresh done", "sandbox", co.Slug, "from", sum.Production.Slug,
				"copied", sum.Counts.String(), "took", sum.Took.Round(time.Millisecond))
			done = append(done, co.Slug)
		}
	}
	return done, errors.Join(errs...)
}
