// Package sandbox makes and refreshes sandbox companies: companies that mirror
// a production company's planning data, with their own memberships and API
// credentials, so that integrations can be tried without touching production.
//
// A sandbox is an ordinary company whose SandboxOf names its production
// company; its settings (how often it is refreshed, how the last refresh went)
// are store.Sandbox. Refresh empties the sandbox and copies every record of
// the production company into it in one transaction, so a refresh either
// happens whole or not at all. People and projects get new ids in the sandbox
// at every refresh; the records that point at them are rewritten to match.
// Writes to a sandbox go to the sandbox company only.
//
// Scheduler runs the refreshes due by each sandbox's schedule inside
// "trestle serve".
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// ErrBusy is returned by Refresh when the sandbox is already being refreshed
// (in this process or another hub on the same database).
var ErrBusy = errors.New("the sandbox is already refreshing")

// CreateOptions are Create's settings; every field is optional.
type CreateOptions struct {
	// Slug is the sandbox company's slug ("<production slug>-sandbox" when
	// empty) and Name its name ("<production name> (sandbox)").
	Slug, Name string
	// Refresh is the refresh schedule (DefaultRefresh when empty); see
	// ParseRefresh.
	Refresh string
	// By is who creates the sandbox, for the change history (the console
	// when empty).
	By store.Actor
}

// Summary says what a refresh copied.
type Summary struct {
	// Sandbox and Production are the two companies.
	Sandbox, Production planning.Company
	// Counts are the records copied into the sandbox, by kind.
	Counts Counts
	// Took is how long the refresh took.
	Took time.Duration
}

// Counts are numbers of records by kind.
type Counts struct {
	Groups, JobTitles, Tags, People, Projects, Assignments, TimeOff, ResourceRequests int
}

// String lists the counts in words ("4 groups, 12 job titles, ...").
func (c Counts) String() string {
	parts := []string{
		fmt.Sprintf("%d groups", c.Groups), fmt.Sprintf("%d job titles", c.JobTitles), fmt.Sprintf("%d tags", c.Tags),
		fmt.Sprintf("%d people", c.People), fmt.Sprintf("%d projects", c.Projects), fmt.Sprintf("%d assignments", c.Assignments),
		fmt.Sprintf("%d time off", c.TimeOff), fmt.Sprintf("%d resource requests", c.ResourceRequests),
	}
	return strings.Join(parts, ", ")
}

// Create makes a sandbox of the company from (id or slug) and fills it: a new
// company in the same time zone whose SandboxOf is from, with the production
// company's memberships (so its users reach the sandbox), settings saved with
// the refresh schedule, then a first Refresh. A sandbox of a sandbox is
// refused.
//
// When the first refresh fails the sandbox company is returned with the error:
// it exists, empty, and "trestle sandbox refresh" can fill it later.
func Create(ctx context.Context, st store.Store, from string, opts CreateOptions) (planning.Company, error) {
	prod, err := st.Company(ctx, from)
	if err != nil {
		return planning.Company{}, fmt.Errorf("create sandbox: %w", err)
	}
	if prod.SandboxOf != "" {
		of := prod.SandboxOf
		if p, err := st.Company(ctx, prod.SandboxOf); err == nil {
			of = p.Slug
		}
		return planning.Company{}, fmt.Errorf("create sandbox: company %s is itself a sandbox (of %s); make the sandbox from the production company", prod.Slug, of)
	}
	if opts.Refresh == "" {
		opts.Refresh = DefaultRefresh
	}
	sched, err := ParseRefresh(opts.Refresh)
	if err != nil {
		return planning.Company{}, fmt.Errorf("create sandbox: %w", err)
	}
	if opts.Slug == "" {
		opts.Slug = prod.Slug + "-sandbox"
	}
	if opts.Name == "" {
		opts.Name = prod.Name + " (sandbox)"
	}
	by := opts.By
	if by.Source == "" {
		by = store.Console("sandbox")
	}
	sb, err := st.CreateCompany(ctx, planning.Company{Slug: opts.Slug, Name: opts.Name, Timezone: prod.Timezone,
		SandboxOf: prod.ID, HubManaged: prod.HubManaged}, by)
	if err != nil {
		return planning.Company{}, fmt.Errorf("create sandbox %s of %s: %w", opts.Slug, prod.Slug, err)
	}
	if err := copyMemberships(ctx, st, prod, sb, by); err != nil {
		return sb, fmt.Errorf("create sandbox %s: %w", sb.Slug, err)
	}
	if err := st.SaveSandbox(ctx, store.Sandbox{SandboxID: sb.ID, ProductionID: prod.ID, Refresh: sched.String()}, by); err != nil {
		return sb, fmt.Errorf("create sandbox %s: %w", sb.Slug, err)
	}
	if _, err := Refresh(ctx, st, sb.ID); err != nil {
		return sb, fmt.Errorf("sandbox %s was created but its first refresh failed (run trestle sandbox refresh %s to try again): %w", sb.Slug, sb.Slug, err)
	}
	return sb, nil
}

// copyMemberships gives every user with a membership in prod the same one in
// sb.
func copyMemberships(ctx context.Context, st store.Store, prod, sb planning.Company, by store.Actor) error {
	users, err := st.Users(ctx)
	if err != nil {
		return fmt.Errorf("copy memberships: %w", err)
	}
	for _, u := range users {
		ms, err := st.Memberships(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("copy memberships: user %s: %w", u.Email, err)
		}
		for _, m := range ms {
			if m.CompanyID != prod.ID {
				continue
			}
			m.CompanyID = sb.ID
			if err := st.SetMembership(ctx, m, by); err != nil {
				return fmt.Errorf("copy memberships: user %s: %w", u.Email, err)
			}
		}
	}
	return nil
}

// Refresh replaces the sandbox's planning records with a copy of its
// production company's, in one transaction on the sandbox (source system,
// actor "sandbox refresh from <production slug>"): every record of the
// sandbox is deleted, then every record of the production company, read from
// one consistent view of it, is written. On failure the sandbox keeps what it
// had. Either way the outcome is saved in the sandbox's settings
// (LastRefreshAt, LastRefreshError). Two refreshes of one sandbox do not
// overlap: the second gets ErrBusy.
func Refresh(ctx context.Context, st store.Store, sandboxID string) (Summary, error) {
	return refresh(ctx, st, sandboxID, refreshOptions{})
}

// refreshOptions are what the scheduler changes in a refresh.
type refreshOptions struct {
	now func() time.Time // time.Now when nil
	// due, when set, is asked once the lock is held whether the refresh is
	// still due (another hub may have just done it); errNotDue when not.
	due func(store.Sandbox) bool
}

var errNotDue = errors.New("the sandbox's refresh is not due")

// testHookCopied, when set (in tests), runs after each kind of record is
// copied inside the refresh's transaction; an error aborts the refresh.
var testHookCopied func(kind planning.Kind) error

func refresh(ctx context.Context, st store.Store, sandboxID string, o refreshOptions) (Summary, error) {
	if o.now == nil {
		o.now = time.Now
	}
	var sum Summary
	sb, err := st.Company(ctx, sandboxID)
	if err != nil {
		return sum, fmt.Errorf("refresh sandbox: %w", err)
	}
	if sb.SandboxOf == "" {
		return sum, fmt.Errorf("refresh sandbox: company %s is not a sandbox", sb.Slug)
	}
	prod, err := st.Company(ctx, sb.SandboxOf)
	if err != nil {
		return sum, fmt.Errorf("refresh sandbox %s: its production company: %w", sb.Slug, err)
	}
	sum.Sandbox, sum.Production = sb, prod
	release, ok, err := st.TryLock(ctx, "sandbox-refresh:"+sb.ID)
	if err != nil {
		return sum, fmt.Errorf("refresh sandbox %s: %w", sb.Slug, err)
	}
	if !ok {
		return sum, fmt.Errorf("refresh sandbox %s: %w (here or in another hub); try again when it is done", sb.Slug, ErrBusy)
	}
	defer release()
	settings, err := st.Sandbox(ctx, sb.ID)
	if errors.Is(err, store.ErrNotFound) {
		settings = store.Sandbox{SandboxID: sb.ID, ProductionID: prod.ID, Refresh: DefaultRefresh}
	} else if err != nil {
		return sum, fmt.Errorf("refresh sandbox %s: %w", sb.Slug, err)
	}
	if o.due != nil && !o.due(settings) {
		return sum, errNotDue
	}

	start := time.Now()
	by := store.Actor{Source: planning.SourceSystem, Actor: "sandbox refresh from " + prod.Slug}
	err = st.Update(ctx, sb.ID, by, func(tx store.Tx) error {
		if err := st.ResetCompanyData(ctx, tx); err != nil {
			return err
		}
		return st.View(ctx, prod.ID, func(from store.Tx) error {
			return copyAll(ctx, from, tx, &sum.Counts)
		})
	})
	sum.Took = time.Since(start)
	if err != nil {
		err = fmt.Errorf("refresh sandbox %s from %s: %w", sb.Slug, prod.Slug, err)
		sum.Counts = Counts{}
	}
	// A refresh stopped by its context (the hub shutting down) is not a
	// finished one: it is tried again at the next chance.
	if ctx.Err() == nil {
		settings.LastRefreshAt = o.now()
	}
	settings.LastRefreshError = ""
	if err != nil {
		settings.LastRefreshError = err.Error()
	}
	if serr := st.SaveSandbox(context.WithoutCancel(ctx), settings, by); serr != nil {
		return sum, errors.Join(err, fmt.Errorf("refresh sandbox %s: record the outcome: %w", sb.Slug, serr))
	}
	return sum, err
}
