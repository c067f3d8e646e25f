package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// qcDefinition is a connection's YAML with a password in its DSN, which must
// never reach the change history.
const qcDefinition = "sources:\n  hr:\n    kind: postgres\n    dsn: postgres://sync:s3cret-pw@erp.example.com/hr\n"

func testQCConnections(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := newCompany(t, st), newCompany(t, st)
	save := func(c store.QCConnection) store.QCConnection {
		t.Helper()
		got, err := st.SaveQCConnection(ctx, c, by)
		must(t, err)
		return got
	}
	get := func(c planning.Company, name string) store.QCConnection {
		t.Helper()
		got, err := st.QCConnection(ctx, c.ID, name)
		must(t, err)
		return got
	}

	// Created by company slug; the name is trimmed and kept as written.
	hr := save(store.QCConnection{CompanyID: a.Slug, Name: " HR-db ", Definition: qcDefinition, Enabled: true})
	if !isUUIDString(hr.ID) || hr.CompanyID != a.ID || hr.Name != "HR-db" || hr.Definition != qcDefinition || !hr.Enabled ||
		time.Since(hr.CreatedAt) > time.Minute || !hr.UpdatedAt.Equal(hr.CreatedAt) {
		t.Fatalf("created = %+v", hr)
	}
	for _, name := range []string{"HR-db", "hr-db", "HR-DB"} {
		if got := get(a, name); got != hr {
			t.Fatalf("QCConnection(%q) = %+v, want %+v", name, got, hr)
		}
	}
	// Saving it unchanged changes nothing.
	if got := save(store.QCConnection{CompanyID: a.ID, Name: "HR-db", Definition: qcDefinition, Enabled: true}); got != hr {
		t.Fatalf("saved unchanged = %+v, want %+v", got, hr)
	}
	// Saving by the same name in another case updates it.
	def2 := qcDefinition + "schedule: \"06:00, 18:00 America/Chicago\"\n"
	upd := save(store.QCConnection{CompanyID: a.ID, Name: "hr-db", Definition: def2, Enabled: false})
	if upd.ID != hr.ID || upd.Name != "hr-db" || upd.Definition != def2 || upd.Enabled || !upd.CreatedAt.Equal(hr.CreatedAt) ||
		upd.UpdatedAt.Before(hr.UpdatedAt) {
		t.Fatalf("updated = %+v (was %+v)", upd, hr)
	}
	if got := get(a, "HR-DB"); got != upd {
		t.Fatalf("after the update QCConnection = %+v, want %+v", got, upd)
	}
	payroll := save(store.QCConnection{CompanyID: a.ID, Name: "payroll", Definition: "sources: {}", Enabled: true})
	theirs := save(store.QCConnection{CompanyID: b.ID, Name: "hr-db", Definition: "sources: {}"})
	if theirs.ID == upd.ID || theirs.CompanyID != b.ID {
		t.Fatalf("another company's connection of the same name = %+v", theirs)
	}

	// Listing.
	list, err := st.QCConnections(ctx, a.ID)
	must(t, err)
	if !reflect.DeepEqual(list, []store.QCConnection{upd, payroll}) {
		t.Fatalf("QCConnections(a) = %+v", list)
	}
	if list, err := st.QCConnections(ctx, "not-a-company"); err != nil || len(list) != 0 {
		t.Errorf("QCConnections(unknown) = %+v, %v", list, err)
	}
	all, err := st.AllQCConnections(ctx)
	must(t, err)
	var ours []store.QCConnection
	for _, c := range all {
		if c.CompanyID == a.ID || c.CompanyID == b.ID {
			ours = append(ours, c)
		}
	}
	want := []store.QCConnection{upd, payroll, theirs}
	if a.Slug > b.Slug {
		want = []store.QCConnection{theirs, upd, payroll}
	}
	if !reflect.DeepEqual(ours, want) {
		t.Fatalf("AllQCConnections = %+v, want %+v", ours, want)
	}

	// Refusals and misses.
	for _, tc := range []struct {
		c    store.QCConnection
		want string
	}{
		{store.QCConnection{Definition: "x"}, "name: is required"},
		{store.QCConnection{Name: "two words", Definition: "x"}, `"two words" is not a valid connection name; use 1 to 64 letters`},
		{store.QCConnection{Name: strings.Repeat("x", 65), Definition: "x"}, "is not a valid connection name"},
		{store.QCConnection{Name: "blank", Definition: " \n "}, "definition: is required"},
	} {
		tc.c.CompanyID = a.ID
		if _, err := st.SaveQCConnection(ctx, tc.c, by); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SaveQCConnection(%q) = %v, want an error saying %q", tc.c.Name, err, tc.want)
		}
	}
	if _, err := st.SaveQCConnection(ctx, store.QCConnection{CompanyID: "no-such-company", Name: "x", Definition: "x"}, by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown company: %v", err)
	}
	for _, tc := range []struct{ company, name string }{{a.ID, "nope"}, {a.ID, "not a name"}, {"not-a-company", "hr-db"}, {uuid.NewString(), "hr-db"}} {
		if _, err := st.QCConnection(ctx, tc.company, tc.name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("QCConnection(%s, %q): %v", tc.company, tc.name, err)
		}
	}

	// Deleting, in any case, twice.
	must(t, st.DeleteQCConnection(ctx, a.ID, "HR-DB", by))
	if _, err := st.QCConnection(ctx, a.ID, "hr-db"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted connection still found: %v", err)
	}
	if err := st.DeleteQCConnection(ctx, a.ID, "hr-db", by); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), `no QuickConnect connection with name "hr-db"`) {
		t.Errorf("delete twice: %v", err)
	}
	if got := get(b, "hr-db"); got != theirs {
		t.Errorf("deleting a's connection touched b's: %+v", got)
	}

	// The history names connections by name and company, never their definition.
	h := historyOf(t, st, a, store.KindQCConnection)
	if got, want := ops(h), "quickconnect_connection:create:HR-db,quickconnect_connection:update:hr-db,"+
		"quickconnect_connection:create:payroll,quickconnect_connection:delete:hr-db"; got != want {
		t.Errorf("history of a:\n got %s\nwant %s", got, want)
	}
	for _, ch := range h {
		doc := string(ch.Before) + string(ch.After)
		if !strings.Contains(doc, a.ID) || ch.Source != by.Source || ch.Actor != by.Actor {
			t.Errorf("history entry %+v", ch)
		}
		for _, leak := range []string{"s3cret", "postgres://", "sources", "definition"} {
			if strings.Contains(doc, leak) {
				t.Errorf("history holds %q: %s", leak, doc)
			}
		}
	}
	var was, is struct{ Enabled bool }
	if u := h[1]; json.Unmarshal(u.Before, &was) != nil || json.Unmarshal(u.After, &is) != nil || !was.Enabled || is.Enabled {
		t.Errorf("the update's history does not show it being disabled: %s -> %s", u.Before, u.After)
	}
}

func testQCRuns(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := newCompany(t, st), newCompany(t, st)
	conn := func(c planning.Company, name string) store.QCConnection {
		t.Helper()
		got, err := st.SaveQCConnection(ctx, store.QCConnection{CompanyID: c.ID, Name: name, Definition: qcDefinition, Enabled: true}, by)
		must(t, err)
		return got
	}
	hr, payroll, theirs := conn(a, "hr"), conn(a, "payroll"), conn(b, "hr")
	record := func(r store.QCRun) store.QCRun {
		t.Helper()
		got, err := st.RecordQCRun(ctx, r)
		must(t, err)
		return got
	}
	runs := func(c planning.Company, connectionID string, limit int) []store.QCRun {
		t.Helper()
		got, err := st.QCRuns(ctx, c.ID, connectionID, limit)
		must(t, err)
		return got
	}
	last := func(connectionID string, status ...string) (store.QCRun, error) {
		return st.LastQCRun(ctx, connectionID, status...)
	}

	// A new run gets an id and its start.
	before := time.Now().Add(-time.Second)
	run := record(store.QCRun{CompanyID: a.Slug, ConnectionID: hr.ID, Trigger: store.QCTriggerSchedule, Status: store.QCRunning})
	if !isUUIDString(run.ID) || run.CompanyID != a.ID || run.StartedAt.Before(before) || time.Since(run.StartedAt) > time.Minute ||
		!run.FinishedAt.IsZero() || run.Counts != nil || run.Errors != nil || run.Fingerprints != nil || run.ErrorsTotal != 0 {
		t.Fatalf("recorded run = %+v", run)
	}
	if got := runs(a, hr.ID, 0); len(got) != 1 || !reflect.DeepEqual(got[0], run) {
		t.Fatalf("QCRuns = %+v, want %+v", got, run)
	}
	// Recording it again updates it; a zero StartedAt keeps the stored one.
	run.Status, run.FinishedAt, run.Message = store.QCInvalid, run.StartedAt.Add(2500*time.Millisecond), "2 rows with errors; nothing was changed"
	run.Counts = map[string]store.QCCounts{"people": {Read: 10, Created: 1, Updated: 2, Deactivated: 3, Unchanged: 4, Skipped: 5, Invalid: 2}, "projects": {Read: 3, Unchanged: 3}}
	run.Errors = []store.QCRowError{
		{Entity: "people", Source: "hr", Row: 7, Field: "hourly_wage", Column: "pay_rate", Message: `"abc" is not a number`,
			Values: map[string]string{"emp_no": "E7", "pay_rate": "abc", "dsn": "xxxxx"}},
		{Entity: "people", Source: "hr", Row: 9, Message: "employee_id is required"},
	}
	run.ErrorsTotal = 5
	run.Fingerprints = map[string]string{"hr": `"etag-1"`, "jobs.csv": "Wed, 21 Oct 2026 07:28:00 GMT"}
	started := run.StartedAt
	run.StartedAt = time.Time{}
	run = record(run)
	if !run.StartedAt.Equal(started) {
		t.Errorf("update moved the start: %v -> %v", started, run.StartedAt)
	}
	if got := runs(a, hr.ID, 0); len(got) != 1 || !reflect.DeepEqual(got[0], run) {
		t.Fatalf("after the update QCRuns = %+v,\nwant %+v", got, run)
	}
	// More runs, at given times and with a chosen id, newest first.
	older := record(store.QCRun{CompanyID: a.ID, ConnectionID: hr.ID, Trigger: store.QCTriggerManual, Status: store.QCOK,
		StartedAt: started.Add(-2 * time.Hour), FinishedAt: started.Add(-2*time.Hour + time.Second)})
	chosen := uuid.NewString()
	middle := record(store.QCRun{ID: chosen, CompanyID: a.ID, ConnectionID: hr.ID, Trigger: store.QCTriggerSchedule, Status: store.QCUnchanged,
		StartedAt: started.Add(-time.Hour)})
	other := record(store.QCRun{CompanyID: a.ID, ConnectionID: payroll.ID, Trigger: store.QCTriggerDryRun, Status: store.QCFailed,
		StartedAt: started.Add(-90 * time.Minute), Message: "cannot reach erp.example.com:5432"})
	if middle.ID != chosen {
		t.Fatalf("chosen id = %s", middle.ID)
	}
	if got := runIDsQC(runs(a, hr.ID, 0)); !sameIDs(got, run.ID, middle.ID, older.ID) {
		t.Fatalf("QCRuns order = %v, want newest first", got)
	}
	if got := runIDsQC(runs(a, hr.ID, 2)); !sameIDs(got, run.ID, middle.ID) {
		t.Errorf("QCRuns limit 2 = %v", got)
	}
	if got := runIDsQC(runs(a, "", 0)); !sameIDs(got, run.ID, middle.ID, other.ID, older.ID) {
		t.Errorf("QCRuns of every connection = %v", got)
	}
	if got := runs(b, hr.ID, 0); len(got) != 0 {
		t.Errorf("QCRuns(b, a's connection) = %v", runIDsQC(got))
	}
	for _, id := range []string{"not-a-company", uuid.NewString()} {
		if got, err := st.QCRuns(ctx, id, "", 0); err != nil || len(got) != 0 {
			t.Errorf("QCRuns(unknown company) = %v, %v", got, err)
		}
	}
	// The last run, by status.
	for _, tc := range []struct {
		status []string
		want   string
	}{
		{nil, run.ID}, {[]string{store.QCOK, store.QCUnchanged}, middle.ID}, {[]string{store.QCOK}, older.ID},
	} {
		if got, err := last(hr.ID, tc.status...); err != nil || got.ID != tc.want {
			t.Errorf("LastQCRun(%v) = %s, %v; want %s", tc.status, got.ID, err, tc.want)
		}
	}
	if got, err := last(hr.ID); err != nil || !reflect.DeepEqual(got, run) {
		t.Errorf("LastQCRun = %+v, %v", got, err)
	}
	if _, err := last(hr.ID, store.QCHeld); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "has no run with status held") {
		t.Errorf("LastQCRun(held): %v", err)
	}
	if _, err := last(theirs.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastQCRun(a connection without runs): %v", err)
	}
	if _, err := last(hr.ID, "done"); err == nil || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), `"done" is not a status`) {
		t.Errorf("LastQCRun(done): %v", err)
	}

	// Only the first row errors are kept; the total counts them all.
	many := make([]store.QCRowError, store.QCMaxRowErrors+5)
	for i := range many {
		many[i] = store.QCRowError{Entity: "people", Source: "hr", Row: i + 2, Message: fmt.Sprintf("problem %d", i)}
	}
	capped := record(store.QCRun{CompanyID: a.ID, ConnectionID: payroll.ID, Trigger: store.QCTriggerManual, Status: store.QCInvalid, Errors: many})
	if len(capped.Errors) != store.QCMaxRowErrors || capped.ErrorsTotal != store.QCMaxRowErrors+5 || len(many) != store.QCMaxRowErrors+5 {
		t.Fatalf("capped run: %d errors of %d", len(capped.Errors), capped.ErrorsTotal)
	}
	if got, err := last(payroll.ID, store.QCInvalid); err != nil || !reflect.DeepEqual(got, capped) {
		t.Fatalf("capped run read back: %d errors of %d, %v", len(got.Errors), got.ErrorsTotal, err)
	}

	// Refusals.
	ok := store.QCRun{CompanyID: a.ID, ConnectionID: hr.ID, Trigger: store.QCTriggerManual, Status: store.QCOK}
	bad := []struct {
		edit func(r *store.QCRun)
		want string
	}{
		{func(r *store.QCRun) { r.Status = "done" }, `status: "done" is not a status`},
		{func(r *store.QCRun) { r.Status = "" }, "status: is required"},
		{func(r *store.QCRun) { r.Trigger = "cron" }, `trigger: "cron" is not a trigger`},
		{func(r *store.QCRun) { r.ConnectionID = "" }, "connection_id: is required"},
		{func(r *store.QCRun) { r.ID = "run-1" }, `id: "run-1" is not a run id`},
		{func(r *store.QCRun) { r.Counts = map[string]store.QCCounts{"people": {Read: -1}} }, "the counts of people cannot be negative"},
		{func(r *store.QCRun) { r.Fingerprints = map[string]string{"": "x"} }, "a fingerprint has no source"},
		{func(r *store.QCRun) { r.ConnectionID = theirs.ID }, "belongs to another company"},
		{func(r *store.QCRun) { r.ConnectionID = uuid.NewString() }, "no QuickConnect connection with id"},
		{func(r *store.QCRun) { r.ID = other.ID }, "belongs to another connection"},
	}
	for _, tc := range bad {
		r := ok
		tc.edit(&r)
		if _, err := st.RecordQCRun(ctx, r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RecordQCRun(%+v) = %v, want an error saying %q", r, err, tc.want)
		}
	}
	if _, err := st.RecordQCRun(ctx, store.QCRun{CompanyID: "no-such-company", ConnectionID: hr.ID, Trigger: store.QCTriggerManual, Status: store.QCOK}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown company: %v", err)
	}
	if got, err := last(payroll.ID, store.QCFailed); err != nil || !reflect.DeepEqual(got, other) {
		t.Errorf("a refused update changed the run: %+v, %v", got, err)
	}
	// Runs are not change history; deleting a connection deletes its runs.
	for _, ch := range changes(t, st, a, 0) {
		if !slices.Contains([]planning.Kind{planning.KindGroup, planning.KindJobTitle, planning.KindTag, planning.KindCompany, planning.KindShare, store.KindQCConnection}, ch.Entity) {
			t.Errorf("unexpected history entry %s:%s", ch.Entity, ch.Operation)
		}
	}
	must(t, st.DeleteQCConnection(ctx, a.ID, "hr", by))
	if got := runIDsQC(runs(a, "", 0)); !sameIDs(got, capped.ID, other.ID) {
		t.Errorf("after deleting hr, QCRuns(a) = %v", got)
	}
	if _, err := last(hr.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastQCRun of a deleted connection: %v", err)
	}
}

func runIDsQC(runs []store.QCRun) []string {
	var out []string
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

func testLocks(t *testing.T, st store.Store) {
	ctx := context.Background()
	name := uniqueName("quickconnect:hr")
	release, ok, err := st.TryLock(ctx, name)
	must(t, err)
	if !ok || release == nil {
		t.Fatal("a free lock was not taken")
	}
	if r, ok, err := st.TryLock(ctx, name); err != nil || ok || r != nil {
		t.Fatalf("a held lock was taken again: %v, %v", ok, err)
	}
	other, ok, err := st.TryLock(ctx, name+"-other")
	if err != nil || !ok {
		t.Fatalf("another name's lock: %v, %v", ok, err)
	}
	other()
	release()
	release() // twice is harmless
	again, ok, err := st.TryLock(ctx, name)
	if err != nil || !ok {
		t.Fatalf("a released lock: %v, %v", ok, err)
	}
	again()
	if _, _, err := st.TryLock(ctx, " "); err == nil || !strings.Contains(err.Error(), "a lock needs a name") {
		t.Errorf("a lock without a name: %v", err)
	}
}

// RunShared runs the tests that need two stores on one database (two hub
// processes sharing it): a and b must be open on the same database.
func RunShared(t *testing.T, a, b store.Store) {
	t.Run("LocksAcrossStores", func(t *testing.T) {
		ctx := context.Background()
		name := uniqueName("scheduler:hr")
		releaseA, ok, err := a.TryLock(ctx, name)
		must(t, err)
		if !ok {
			t.Fatal("the first store did not get a free lock")
		}
		if _, ok, err := b.TryLock(ctx, name); err != nil || ok {
			t.Fatalf("the second store took a lock the first holds: %v, %v", ok, err)
		}
		releaseA()
		releaseB, ok, err := b.TryLock(ctx, name)
		if err != nil || !ok {
			t.Fatalf("the second store did not get the released lock: %v, %v", ok, err)
		}
		if _, ok, err := a.TryLock(ctx, name); err != nil || ok {
			t.Fatalf("the first store took a lock the second holds: %v, %v", ok, err)
		}
		releaseB()
		releaseA, ok, err = a.TryLock(ctx, name)
		if err != nil || !ok {
			t.Fatalf("the first store did not get the lock back: %v, %v", ok, err)
		}
		releaseA()
	})
}
