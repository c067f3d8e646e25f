package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/demo"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func openStore(t *testing.T, url string) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// backends runs fn on a fresh SQLite store and a fresh PostgreSQL one.
func backends(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openStore(t, "sqlite://"+filepath.Join(t.TempDir(), "hub.db"))) })
	t.Run("postgres", func(t *testing.T) { fn(t, openStore(t, testenv.PostgresURL(t))) })
}

func storeSandbox(refresh string, last, created time.Time) store.Sandbox {
	return store.Sandbox{Refresh: refresh, LastRefreshAt: last, CreatedAt: created}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// snap is a company's records without their ids: every record as JSON, with
// the ids it holds replaced by the people's employee ids and the projects'
// numbers, so a sandbox and its production company compare equal.
type snap struct {
	counts   Counts
	records  []string          // sorted
	people   map[string]string // employee id -> record id
	projects map[string]string // project number -> record id
	seq      int64             // the company's newest change
}

func takeSnap(t *testing.T, st store.Store, companyID string) snap {
	t.Helper()
	ctx := context.Background()
	s := snap{people: map[string]string{}, projects: map[string]string{}}
	emp, num := map[string]string{}, map[string]string{} // id -> key
	add := func(kind string, v any) {
		b, err := json.Marshal(v)
		must(t, err)
		s.records = append(s.records, kind+" "+string(b))
	}
	must(t, st.View(ctx, companyID, func(tx store.Tx) error {
		q := store.Query{}
		for g, err := range tx.Groups().List(ctx, q) {
			must(t, err)
			g.Meta = planning.Meta{}
			add("group", g)
			s.counts.Groups++
		}
		for j, err := range tx.JobTitles().List(ctx, q) {
			must(t, err)
			j.Meta = planning.Meta{}
			add("job_title", j)
			s.counts.JobTitles++
		}
		for g, err := range tx.Tags().List(ctx, q) {
			must(t, err)
			g.Meta = planning.Meta{}
			add("tag", g)
			s.counts.Tags++
		}
		for p, err := range tx.People().List(ctx, q) {
			must(t, err)
			s.people[p.EmployeeID], emp[p.ID] = p.ID, p.EmployeeID
			p.Meta = planning.Meta{}
			add("person", p)
			s.counts.People++
		}
		for p, err := range tx.Projects().List(ctx, q) {
			must(t, err)
			s.projects[p.ProjectNumber], num[p.ID] = p.ID, p.ProjectNumber
			for i, r := range p.Roles {
				if emp[r.PersonID] == "" {
					t.Errorf("project %s: role %d points at person %s, not one of the company's people", p.ProjectNumber, i, r.PersonID)
				}
				p.Roles[i].PersonID = emp[r.PersonID]
			}
			p.Meta = planning.Meta{}
			add("project", p)
			s.counts.Projects++
		}
		for a, err := range tx.Assignments().List(ctx, q) {
			must(t, err)
			a.Meta, a.PersonID, a.ProjectID = planning.Meta{}, emp[a.PersonID], num[a.ProjectID]
			add("assignment", a)
			s.counts.Assignments++
		}
		for o, err := range tx.TimeOff().List(ctx, q) {
			must(t, err)
			o.Meta, o.PersonID = planning.Meta{}, emp[o.PersonID]
			add("time_off", o)
			s.counts.TimeOff++
		}
		for r, err := range tx.ResourceRequests().List(ctx, q) {
			must(t, err)
			r.Meta, r.ProjectID = planning.Meta{}, num[r.ProjectID]
			add("resource_request", r)
			s.counts.ResourceRequests++
		}
		var err error
		s.seq, err = tx.HistorySeq(ctx)
		return err
	}))
	slices.Sort(s.records)
	return s
}

// sameRecords fails the test when two snapshots hold different records.
func sameRecords(t *testing.T, what string, got, want snap) {
	t.Helper()
	if got.counts != want.counts {
		t.Fatalf("%s: counts %+v, want %+v", what, got.counts, want.counts)
	}
	for i := range want.records {
		if got.records[i] != want.records[i] {
			t.Fatalf("%s: record %d differs:\n got %s\nwant %s", what, i, got.records[i], want.records[i])
		}
	}
}

func TestSandbox(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, st, "acme", planning.DateOf(time.Now())); err != nil {
			t.Fatal(err)
		}
		prod, err := st.Company(ctx, "acme")
		must(t, err)
		start := takeSnap(t, st, prod.ID)
		if start.counts.People != demo.NumPeople || start.counts.Assignments == 0 || start.counts.TimeOff == 0 || start.counts.ResourceRequests == 0 {
			t.Fatalf("demo company: %+v", start.counts)
		}

		// Create: a mirror with its own ids, the same users, settings saved.
		began := time.Now()
		sb, err := Create(ctx, st, "acme", CreateOptions{})
		must(t, err)
		t.Logf("create with a first refresh of %s took %s", start.counts, time.Since(began).Round(time.Millisecond))
		if sb.Slug != "acme-sandbox" || sb.Name != demo.CompanyName+" (sandbox)" || sb.Timezone != prod.Timezone || sb.SandboxOf != prod.ID {
			t.Fatalf("sandbox company = %+v", sb)
		}
		mirror := takeSnap(t, st, sb.ID)
		sameRecords(t, "sandbox after create", mirror, start)
		for emp, id := range start.people {
			if mirror.people[emp] == id || mirror.people[emp] == "" {
				t.Fatalf("person %s: sandbox id %q, production id %q; want a new id", emp, mirror.people[emp], id)
			}
		}
		settings, err := st.Sandbox(ctx, sb.ID)
		must(t, err)
		if settings.Refresh != "monthly" || settings.ProductionID != prod.ID || settings.LastRefreshAt.IsZero() || settings.LastRefreshError != "" {
			t.Fatalf("sandbox settings = %+v", settings)
		}
		analyst, err := st.User(ctx, demo.AnalystEmail)
		must(t, err)
		ms, err := st.Memberships(ctx, analyst.ID)
		must(t, err)
		var inSandbox bool
		for _, m := range ms {
			inSandbox = inSandbox || m.CompanyID == sb.ID && m.Analytics && m.Permission == planning.PermissionViewer
		}
		if !inSandbox {
			t.Fatalf("the production company's user has no matching membership in the sandbox: %+v", ms)
		}
		if _, err := Create(ctx, st, sb.Slug, CreateOptions{Slug: "nested"}); err == nil || !strings.Contains(err.Error(), "itself a sandbox") {
			t.Fatalf("sandbox of a sandbox: %v", err)
		}
		if _, err := Create(ctx, st, "acme", CreateOptions{Slug: "other", Refresh: "hourly"}); err == nil || !strings.Contains(err.Error(), "not a schedule") {
			t.Fatalf("bad refresh: %v", err)
		}
		if _, err := st.Company(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused create left a company: %v", err)
		}
		if _, err := Refresh(ctx, st, prod.Slug); err == nil || !strings.Contains(err.Error(), "not a sandbox") {
			t.Fatalf("refresh of a production company: %v", err)
		}

		// Writes to the sandbox stay there.
		sbPerson := mirror.people["E0001"]
		if sbPerson == "" {
			for _, id := range mirror.people {
				sbPerson = id
				break
			}
		}
		must(t, st.Update(ctx, sb.ID, store.Console("test"), func(tx store.Tx) error {
			p, err := tx.People().Get(ctx, sbPerson)
			if err != nil {
				return err
			}
			p.FirstName = "Sandboxed"
			if _, err := tx.People().Update(ctx, p); err != nil {
				return err
			}
			_, err = tx.People().Create(ctx, planning.Person{FirstName: "Only", LastName: "InSandbox", EmployeeID: "SBX-1", GroupCodes: p.GroupCodes})
			return err
		}))
		after := takeSnap(t, st, prod.ID)
		sameRecords(t, "production after writes to the sandbox", after, start)
		if after.seq != start.seq {
			t.Fatalf("writes to the sandbox added to production's change history (%d -> %d)", start.seq, after.seq)
		}

		// Production changes; a refresh brings them and drops the sandbox's own.
		var renamed string
		must(t, st.Update(ctx, prod.ID, store.Console("test"), func(tx store.Tx) error {
			var first planning.Person
			for p, err := range tx.People().List(ctx, store.Query{Limit: 1}) {
				if err != nil {
					return err
				}
				first = p
			}
			first.LastName, renamed = "Renamed", first.EmployeeID
			if _, err := tx.People().Update(ctx, first); err != nil {
				return err
			}
			_, err := tx.People().Create(ctx, planning.Person{FirstName: "New", LastName: "Hire", EmployeeID: "NEW-1", GroupCodes: first.GroupCodes})
			return err
		}))
		changed := takeSnap(t, st, prod.ID)
		sum, err := Refresh(ctx, st, sb.Slug)
		must(t, err)
		if sum.Counts != changed.counts {
			t.Fatalf("refresh summary %+v, want %+v", sum.Counts, changed.counts)
		}
		refreshed := takeSnap(t, st, sb.ID)
		sameRecords(t, "sandbox after a refresh", refreshed, changed)
		if _, ok := refreshed.people["SBX-1"]; ok {
			t.Fatal("a sandbox-only person survived the refresh")
		}
		if _, ok := refreshed.people["NEW-1"]; !ok {
			t.Fatal("a person new in production did not reach the sandbox")
		}
		must(t, st.View(ctx, sb.ID, func(tx store.Tx) error {
			p, err := tx.People().GetByKey(ctx, renamed)
			if err != nil {
				return err
			}
			if p.LastName != "Renamed" || p.FirstName == "Sandboxed" {
				t.Errorf("refreshed person = %s %s", p.FirstName, p.LastName)
			}
			return nil
		}))
		// The refresh's changes are in the sandbox's history, under its actor.
		var deletes, creates int
		for ch, err := range st.Changes(ctx, sb.ID, mirror.seq, 0) {
			must(t, err)
			if ch.Actor != "sandbox refresh from acme" {
				continue
			}
			switch ch.Operation {
			case store.OpDelete:
				deletes++
			case store.OpCreate:
				creates++
			}
		}
		if deletes != mirrorTotal(mirror.counts)+1 || creates != mirrorTotal(changed.counts) {
			t.Fatalf("refresh history: %d deletes, %d creates; want %d and %d", deletes, creates, mirrorTotal(mirror.counts)+1, mirrorTotal(changed.counts))
		}

		testFailedRefresh(t, st, sb, refreshed)
		testScheduler(t, st, prod, sb)
	})
}

func mirrorTotal(c Counts) int {
	return c.Groups + c.JobTitles + c.Tags + c.People + c.Projects + c.Assignments + c.TimeOff + c.ResourceRequests
}

// testFailedRefresh checks that a refresh that fails, or is stopped, or finds
// the sandbox busy, leaves the sandbox as it was.
func testFailedRefresh(t *testing.T, st store.Store, sb planning.Company, was snap) {
	ctx := context.Background()
	before, err := st.Sandbox(ctx, sb.ID)
	must(t, err)

	// An error after the people were copied.
	testHookCopied = func(k planning.Kind) error {
		if k == planning.KindProject {
			return errors.New("injected failure")
		}
		return nil
	}
	t.Cleanup(func() { testHookCopied = nil })
	_, err = Refresh(ctx, st, sb.ID)
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("refresh with a failure: %v", err)
	}
	now := takeSnap(t, st, sb.ID)
	sameRecords(t, "sandbox after a failed refresh", now, was)
	if !maps(now.people, was.people) {
		t.Fatal("a failed refresh changed the sandbox's ids")
	}
	for ch, err := range st.Changes(ctx, sb.ID, was.seq, 0) {
		must(t, err)
		if ch.Entity != kindSandboxSettings {
			t.Fatalf("a failed refresh left a change in the sandbox's history: %s %s %s", ch.Entity, ch.Operation, ch.EntityKey)
		}
	}
	got, err := st.Sandbox(ctx, sb.ID)
	must(t, err)
	if !strings.Contains(got.LastRefreshError, "injected failure") || !got.LastRefreshAt.After(before.LastRefreshAt) {
		t.Fatalf("settings after a failed refresh = %+v", got)
	}

	// Stopped half-way: the same, and it is not counted as a refresh.
	cctx, cancel := context.WithCancel(ctx)
	testHookCopied = func(k planning.Kind) error {
		if k == planning.KindPerson {
			cancel()
		}
		return nil
	}
	if _, err := Refresh(cctx, st, sb.ID); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled refresh: %v", err)
	}
	testHookCopied = nil
	now = takeSnap(t, st, sb.ID)
	sameRecords(t, "sandbox after a cancelled refresh", now, was)
	if !maps(now.people, was.people) {
		t.Fatal("a cancelled refresh changed the sandbox's ids")
	}
	stopped, err := st.Sandbox(ctx, sb.ID)
	must(t, err)
	if !stopped.LastRefreshAt.Equal(got.LastRefreshAt) || !strings.Contains(stopped.LastRefreshError, "canceled") {
		t.Fatalf("settings after a cancelled refresh = %+v (before %+v)", stopped, got)
	}

	// Busy: a second refresh while one holds the lock.
	release, ok, err := st.TryLock(ctx, "sandbox-refresh:"+sb.ID)
	if err != nil || !ok {
		t.Fatalf("take the refresh lock: %v %v", ok, err)
	}
	_, err = Refresh(ctx, st, sb.ID)
	release()
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "already refreshing") {
		t.Fatalf("refresh while another runs: %v", err)
	}

	// A good refresh clears the error.
	_, err = Refresh(ctx, st, sb.ID)
	must(t, err)
	if got, _ := st.Sandbox(ctx, sb.ID); got.LastRefreshError != "" {
		t.Fatalf("error kept after a good refresh: %+v", got)
	}
}

// kindSandboxSettings is the history's entity for a sandbox's settings, the
// one change a failed refresh records.
const kindSandboxSettings planning.Kind = "sandbox"

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// testScheduler checks that the scheduler refreshes a sandbox when, and only
// when, its schedule says so.
func testScheduler(t *testing.T, st store.Store, prod, sb planning.Company) {
	ctx := context.Background()
	settings, err := st.Sandbox(ctx, sb.ID)
	must(t, err)
	// Last refreshed mid-January; monthly is the 1st at 03:00 Chicago time
	// (09:00 UTC in winter).
	settings.Refresh, settings.LastRefreshAt = "monthly", time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	must(t, st.SaveSandbox(ctx, settings, store.Console("test")))
	must(t, st.Update(ctx, prod.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.Tags().Upsert(ctx, []planning.Tag{{Name: "Scheduled", Code: "SCHED", Global: true}})
		return err
	}))
	clock := time.Date(2026, 2, 1, 8, 59, 0, 0, time.UTC)
	sc := NewScheduler(st, SchedulerOptions{Now: func() time.Time { return clock }})
	done, err := sc.RunDue(ctx)
	must(t, err)
	if len(done) != 0 {
		t.Fatalf("refreshed before it was due: %v", done)
	}
	clock = time.Date(2026, 2, 1, 9, 0, 30, 0, time.UTC)
	done, err = sc.RunDue(ctx)
	must(t, err)
	if !slices.Equal(done, []string{sb.Slug}) {
		t.Fatalf("due refresh: refreshed %v, want [%s]", done, sb.Slug)
	}
	got, err := st.Sandbox(ctx, sb.ID)
	must(t, err)
	if !got.LastRefreshAt.Equal(clock) {
		t.Fatalf("last refresh at %s, want the scheduler's clock %s", got.LastRefreshAt, clock)
	}
	must(t, st.View(ctx, sb.ID, func(tx store.Tx) error {
		_, err := tx.Tags().GetByKey(ctx, "SCHED")
		return err
	}))
	// Not again until the next 1st; never when off.
	clock = time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC)
	if done, err := sc.RunDue(ctx); err != nil || len(done) != 0 {
		t.Fatalf("refreshed again before the next 1st: %v %v", done, err)
	}
	got.Refresh = "off"
	must(t, st.SaveSandbox(ctx, got, store.Console("test")))
	clock = time.Date(2027, 2, 28, 9, 0, 0, 0, time.UTC)
	if done, err := sc.RunDue(ctx); err != nil || len(done) != 0 {
		t.Fatalf("refreshed while off: %v %v", done, err)
	}
	// Run stops when its context ends.
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- NewScheduler(st, SchedulerOptions{Interval: 10 * time.Millisecond}).Run(rctx) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-stopped:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
}
