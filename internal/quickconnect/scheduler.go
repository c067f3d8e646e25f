package quickconnect

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/quickconnect/source"
	"github.com/trestle-dev/trestle/internal/store"
)

// DefaultRefresh is how often the scheduler rereads the connections.
const DefaultRefresh = time.Minute

// Scheduler runs every enabled connection that has a schedule, at its times,
// on a gocron scheduler. Each connection runs at most once at a time, and
// with several hub processes on one PostgreSQL database only one of them runs
// a given connection (Run's named lock). It rereads the connections every
// Refresh, so saved changes take effect without a restart.
type Scheduler struct {
	st      store.Store
	log     *slog.Logger
	secrets *source.Secrets
	refresh time.Duration
	s       gocron.Scheduler

	mu   sync.Mutex
	jobs map[string]scheduled // by connection id
}

type scheduled struct {
	version [32]byte // of the definition, the enabled flag and the company's time zone
	ids     []uuid.UUID
	specs   []string
}

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	Log     *slog.Logger
	Secrets *source.Secrets
	Refresh time.Duration // DefaultRefresh when zero
}

// NewScheduler makes a scheduler over the store's connections.
func NewScheduler(st store.Store, o SchedulerOptions) (*Scheduler, error) {
	s, err := gocron.NewScheduler()
	if err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	return &Scheduler{st: st, log: o.Log, secrets: o.Secrets, refresh: o.Refresh, s: s, jobs: map[string]scheduled{}}, nil
}

// Run schedules the connections and keeps them current until ctx ends, then
// waits for runs under way.
func (sc *Scheduler) Run(ctx context.Context) error {
	sc.s.Start()
	defer sc.s.Shutdown()
	t := time.NewTicker(sc.refresh)
	defer t.Stop()
	for {
		if err := sc.Sync(ctx); err != nil {
			sc.log.Warn("quickconnect: reading the connections failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sync brings the scheduled jobs in line with the stored connections.
func (sc *Scheduler) Sync(ctx context.Context) error {
	conns, err := sc.st.AllQCConnections(ctx)
	if err != nil {
		return err
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	seen := map[string]bool{}
	var errs []error
	for _, conn := range conns {
		seen[conn.ID] = true
		c, err := sc.st.Company(ctx, conn.CompanyID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		version := sha256.Sum256(fmt.Appendf(nil, "%t\x00%s\x00%s", conn.Enabled, c.Timezone, conn.Definition))
		if cur, ok := sc.jobs[conn.ID]; ok && cur.version == version {
			continue
		}
		sc.unschedule(conn.ID)
		if !conn.Enabled {
			continue
		}
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			loc = time.UTC
		}
		def, err := ParseDefinition([]byte(conn.Definition), loc)
		if err != nil {
			sc.log.Warn("quickconnect: connection not scheduled: its definition is invalid", "connection", conn.Name, "company", c.Slug, "err", err)
			sc.jobs[conn.ID] = scheduled{version: version}
			continue
		}
		s := def.ScheduleSpec()
		if s == nil {
			sc.jobs[conn.ID] = scheduled{version: version}
			continue
		}
		job := scheduled{version: version, specs: s.CronSpecs()}
		id := conn.ID
		for _, spec := range job.specs {
			j, err := sc.s.NewJob(gocron.CronJob(spec, false), gocron.NewTask(func() { sc.runConn(ctx, id) }),
				gocron.WithName(conn.Name), gocron.WithSingletonMode(gocron.LimitModeReschedule))
			if err != nil {
				errs = append(errs, fmt.Errorf("schedule %s (%s): %w", conn.Name, spec, err))
				continue
			}
			job.ids = append(job.ids, j.ID())
		}
		sc.jobs[conn.ID] = job
		sc.log.Info("quickconnect: connection scheduled", "connection", conn.Name, "company", c.Slug, "schedule", s.String())
	}
	for id := range sc.jobs {
		if !seen[id] {
			sc.unschedule(id)
		}
	}
	return errors.Join(errs...)
}

// unschedule removes a connection's jobs (mu held).
func (sc *Scheduler) unschedule(connID string) {
	for _, id := range sc.jobs[connID].ids {
		_ = sc.s.RemoveJob(id)
	}
	delete(sc.jobs, connID)
}

// NextRuns lists the next scheduled time of each job, by connection id.
func (sc *Scheduler) NextRuns() map[string][]time.Time {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	out := map[string][]time.Time{}
	for _, j := range sc.s.Jobs() {
		for connID, s := range sc.jobs {
			for _, id := range s.ids {
				if id == j.ID() {
					if t, err := j.NextRun(); err == nil {
						out[connID] = append(out[connID], t)
					}
				}
			}
		}
	}
	return out
}

// runConn runs one connection on schedule.
func (sc *Scheduler) runConn(ctx context.Context, connID string) {
	conns, err := sc.st.AllQCConnections(ctx)
	if err != nil {
		sc.log.Warn("quickconnect: scheduled run not started", "err", err)
		return
	}
	for _, conn := range conns {
		if conn.ID != connID || !conn.Enabled {
			continue
		}
		r, err := Run(ctx, sc.st, conn, RunOptions{Trigger: store.QCTriggerSchedule, Secrets: sc.secrets, Log: sc.log})
		switch {
		case errors.Is(err, ErrBusy):
			sc.log.Info("quickconnect: scheduled run skipped: the connection is running already (here or in another hub)", "connection", conn.Name)
		case err != nil:
			sc.log.Error("quickconnect: scheduled run not recorded", "connection", conn.Name, "err", err)
		default:
			sc.log.Info("quickconnect: scheduled run done", "connection", conn.Name, "status", r.Status)
		}
	}
}
