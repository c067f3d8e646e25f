package publish

import (
	"context"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// RunOptions tunes Run. The zero value is the defaults.
type RunOptions struct {
	// Poll is how often each company's change history is checked for new
	// changes (default 1s).
	Poll time.Duration
	// Debounce: changes are published once none has arrived for this long
	// (default 1s), so a burst of edits becomes one commit per table.
	Debounce time.Duration
	// MaxDelay: during a steady stream of changes, publish at the latest this
	// long after the first unpublished change was seen (default 10s).
	MaxDelay time.Duration
	// MaintainEvery is how often each company's tables are vacuumed and their
	// logs cleaned up (default 24h; negative: never).
	MaintainEvery time.Duration
}

func (o *RunOptions) defaults() {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Debounce <= 0 {
		o.Debounce = time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 10 * time.Second
	}
	if o.MaintainEvery == 0 {
		o.MaintainEvery = 24 * time.Hour
	}
}

// follow is what Run knows of one company.
type follow struct {
	published  int64 // -1: not synced since start
	head       int64 // the newest change seen
	firstSeen  time.Time
	lastMoved  time.Time
	failures   int
	retryAt    time.Time
	maintained time.Time
}

// Run follows every company's change history until ctx ends, publishing new
// changes as merge commits within seconds (see RunOptions). A company is synced
// once at start (creating missing tables); a failure is logged and retried with
// a growing delay, up to five minutes. Run returns nil when ctx ends.
func (p *Publisher) Run(ctx context.Context, o RunOptions) error {
	o.defaults()
	state := map[string]*follow{}
	tick := time.NewTicker(o.Poll)
	defer tick.Stop()
	for {
		p.round(ctx, o, state, time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (p *Publisher) round(ctx context.Context, o RunOptions, state map[string]*follow, now time.Time) {
	companies, err := p.st.Companies(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("publish: cannot list companies", "err", err)
		}
		return
	}
	for _, c := range companies {
		if ctx.Err() != nil {
			return
		}
		f := state[c.ID]
		if f == nil {
			f = &follow{published: -1, maintained: now}
			state[c.ID] = f
		}
		p.step(ctx, o, c, f, time.Now())
	}
}

func (p *Publisher) step(ctx context.Context, o RunOptions, c planning.Company, f *follow, now time.Time) {
	if now.Before(f.retryAt) {
		return
	}
	head, err := p.head(ctx, c.ID)
	if err != nil {
		p.failed(ctx, c, f, now, err)
		return
	}
	if head != f.head {
		f.head, f.lastMoved = head, now
	}
	due := f.published < 0
	if !due && head > f.published {
		if f.firstSeen.IsZero() {
			f.firstSeen = now
		}
		due = now.Sub(f.lastMoved) >= o.Debounce || now.Sub(f.firstSeen) >= o.MaxDelay
	}
	if due {
		start := time.Now()
		res, err := p.Sync(ctx, c.ID)
		if err != nil {
			p.failed(ctx, c, f, now, err)
			return
		}
		f.published, f.firstSeen, f.failures, f.retryAt = res.Seq, time.Time{}, 0, time.Time{}
		if res.Changes > 0 || len(res.Tables) > 0 {
			p.log.Info("published", "company", c.Slug, "changes", res.Changes, "tables", len(res.Tables),
				"seq", res.Seq, "took", time.Since(start).Round(time.Millisecond))
		}
	}
	if o.MaintainEvery > 0 && now.Sub(f.maintained) >= o.MaintainEvery {
		f.maintained = now
		if err := p.Maintain(ctx, c.ID); err != nil && ctx.Err() == nil {
			p.log.Warn("publish: maintenance failed", "company", c.Slug, "err", err)
		}
	}
}

func (p *Publisher) failed(ctx context.Context, c planning.Company, f *follow, now time.Time, err error) {
	if ctx.Err() != nil {
		return
	}
	f.failures++
	wait := min(time.Second<<min(f.failures-1, 9), 5*time.Minute)
	f.retryAt = now.Add(wait)
	p.log.Error("publish failed; will retry", "company", c.Slug, "err", err, "retry_in", wait)
}

// head returns the newest change-history position of a company.
func (p *Publisher) head(ctx context.Context, companyID string) (int64, error) {
	var seq int64
	err := p.st.View(ctx, companyID, func(tx store.Tx) error {
		var err error
		seq, err = tx.HistorySeq(ctx)
		return err
	})
	return seq, err
}
