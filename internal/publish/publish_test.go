package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

var editor = store.Console("tester")

// edits counts editDemo calls, to make its new records unique.
var edits int

func first[T any](t *testing.T, seq func(yield func(T, error) bool), n int) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		must(t, err)
		out = append(out, v)
		if len(out) == n {
			break
		}
	}
	if len(out) < n {
		t.Fatalf("wanted %d records, found %d", n, len(out))
	}
	return out
}

// editDemo makes a mix of changes to the demo company, in several transactions:
// renames, tags added, removed and changed, a deactivation (which ends
// assignments), creates, deletes, and one person changed twice.
func editDemo(t *testing.T, st store.Store, companyID string) {
	t.Helper()
	edits++
	ctx := context.Background()
	must(t, st.Update(ctx, companyID, editor, func(tx store.Tx) error {
		people := first(t, tx.People().List(ctx, store.Query{Status: planning.StatusActive, Limit: 5}), 5)
		tags := first(t, tx.Tags().List(ctx, store.Query{Limit: 3}), 3)
		for i := range people {
			people[i].LastName += "-edited"
		}
		for _, tag := range tags {
			if !slices.ContainsFunc(people[0].Tags, func(pt planning.PersonTag) bool { return pt.Code == tag.Code }) {
				people[0].Tags = append(people[0].Tags, planning.PersonTag{Code: tag.Code, Expires: planning.NewDate(2027, 3, 1)})
				break
			}
		}
		people[1].Tags = nil
		people[2].Tags = []planning.PersonTag{{Code: tags[0].Code, Expires: planning.NewDate(2028, 1, 31)}}
		people[3].Status = planning.StatusInactive
		for _, p := range people {
			p.Version = 0
			if _, err := tx.People().Update(ctx, p); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, st.Update(ctx, companyID, editor, func(tx store.Tx) error {
		p := first(t, tx.People().List(ctx, store.Query{Status: planning.StatusActive, Limit: 1}), 1)[0]
		p.FirstName = "Twice"
		p.Custom = planning.CustomFields{"shirt_size": "XL"}
		if _, err := tx.People().Update(ctx, p); err != nil {
			return err
		}
		proj := first(t, tx.Projects().List(ctx, store.Query{Status: planning.StatusActive, Limit: 1}), 1)[0]
		if _, err := tx.Projects().Create(ctx, planning.Project{Name: "New Hospital Wing", ProjectNumber: fmt.Sprintf("P-NEW-%d", edits),
			GroupCodes: proj.GroupCodes, StartDate: planning.NewDate(2026, 12, 1), BidRate: planning.DecimalPtr("1234.5678"),
			Roles: []planning.ProjectRole{{PersonID: p.ID, JobTitle: p.JobTitle}}}); err != nil && p.JobTitle != "" {
			return err
		}
		as := first(t, tx.Assignments().List(ctx, store.Query{Limit: 1}), 1)
		if err := tx.Assignments().Delete(ctx, as[0].ID); err != nil {
			return err
		}
		to := first(t, tx.TimeOff().List(ctx, store.Query{Limit: 1}), 1)
		if err := tx.TimeOff().Delete(ctx, to[0].ID); err != nil {
			return err
		}
		jt := first(t, tx.JobTitles().List(ctx, store.Query{Limit: 1}), 1)[0]
		jt.HourlyRate = planning.DecimalPtr("51.25")
		if _, err := tx.JobTitles().Update(ctx, jt); err != nil {
			return err
		}
		_, err := tx.ResourceRequests().Create(ctx, planning.ResourceRequest{ProjectID: proj.ID, JobTitle: jt.Code,
			Quantity: 3, StartDay: planning.NewDate(2026, 12, 7), EndDay: planning.NewDate(2026, 12, 18)})
		return err
	}))
	must(t, st.Update(ctx, companyID, editor, func(tx store.Tx) error {
		p := first(t, tx.People().List(ctx, store.Query{Status: planning.StatusActive, Limit: 1}), 1)[0]
		p.FirstName = "Thrice"
		_, err := tx.People().Update(ctx, p)
		return err
	}))
}

// TestSyncFollowsTheStore publishes the demo company, edits it, publishes the
// changes as merges, and checks after each step that every table holds exactly
// what the store holds; then that the change feed, time travel, the change
// history table and a restarted publisher agree.
func TestSyncFollowsTheStore(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := b.open(t)
			company := loadDemo(t, st)
			blobs := localBlobs(t)
			p := New(st, blobs, Options{})

			res, err := p.Sync(ctx, company.Slug)
			must(t, err)
			if len(res.Tables) != len(sharedTables) {
				t.Fatalf("first sync wrote %d tables, want %d: %+v", len(res.Tables), len(sharedTables), res.Tables)
			}
			if res.Tables["people"].Rows == 0 || res.Tables["assignments"].Rows == 0 || res.Tables["person_tags"].Rows == 0 {
				t.Fatalf("first sync wrote empty tables: %+v", res.Tables)
			}
			checkTablesMatch(t, st, p, company.ID)
			before := map[string][]string{}
			versions := map[string]int64{}
			for _, s := range sharedTables {
				rows, snap := published(t, p, company.ID, s.name())
				before[s.name()], versions[s.name()] = rows, snap.Version
			}

			editDemo(t, st, company.ID)
			res, err = p.Sync(ctx, company.ID)
			must(t, err)
			checkTablesMatch(t, st, p, company.ID)
			for _, name := range []string{"people", "person_tags", "projects", "assignments", "time_off", "job_titles", "resource_requests", "change_history"} {
				if res.Tables[name].Commits != 1 {
					t.Errorf("table %s: %d commits for one round of changes, want 1 (%+v)", name, res.Tables[name].Commits, res.Tables)
				}
			}
			for _, name := range []string{"groups", "tags"} {
				if _, ok := res.Tables[name]; ok {
					t.Errorf("table %s was written although none of its records changed", name)
				}
			}
			if r := res.Tables["assignments"]; r.Deleted == 0 || r.Updated == 0 {
				t.Errorf("assignments: %+v; want one deleted, and the deactivated person's assignments ended or removed", r)
			}
			if r := res.Tables["person_tags"]; r.Deleted == 0 || r.Inserted == 0 {
				t.Errorf("person_tags: %+v; want tags deleted and inserted", r)
			}

			// Time travel: the versions of the first sync still read as they were.
			for _, s := range sharedTables {
				tbl := p.Open(company.ID, s.name())
				snap, err := tbl.SnapshotAt(ctx, versions[s.name()])
				must(t, err)
				if got := formatRows(t, tbl.Scan(ctx, snap)); !slices.Equal(got, before[s.name()]) {
					t.Errorf("table %s at version %d changed: %s", s.name(), versions[s.name()], diffRows(got, before[s.name()]))
				}
			}

			checkChangeFeed(t, p, company.ID, versions["people"])
			checkHistoryTable(t, st, p, company.ID)

			// Nothing new: nothing written, also by a restarted publisher.
			for _, pub := range []*Publisher{p, New(st, blobs, Options{})} {
				res, err = pub.Sync(ctx, company.ID)
				must(t, err)
				if res.Changes != 0 || len(res.Tables) != 0 {
					t.Errorf("sync with nothing new read %d changes and wrote %+v", res.Changes, res.Tables)
				}
			}
		})
	}
}

// checkChangeFeed: the people table's change feed since the first sync has an
// update pre- and post-image for the person renamed twice, with the final name.
func checkChangeFeed(t *testing.T, p *Publisher, companyID string, since int64) {
	t.Helper()
	types := map[string]int{}
	var names []string
	for rec, err := range p.Open(companyID, "people").ReadChanges(context.Background(), since+1, -1) {
		must(t, err)
		ct := rec.Column(rec.Schema().FieldIndices(delta.ChangeTypeColumn)[0]).(*array.String)
		fn := rec.Column(rec.Schema().FieldIndices("first_name")[0]).(*array.String)
		for i := range int(rec.NumRows()) {
			types[ct.Value(i)]++
			if ct.Value(i) == delta.ChangeUpdatePostimage {
				names = append(names, fn.Value(i))
			}
		}
	}
	if types[delta.ChangeUpdatePreimage] < 5 || types[delta.ChangeUpdatePreimage] != types[delta.ChangeUpdatePostimage] {
		t.Errorf("people change feed: %v; want at least 5 updates with pre- and post-images", types)
	}
	if !slices.Contains(names, "Thrice") {
		t.Errorf("people change feed post-images %v do not hold the last rename", names)
	}
}

// checkHistoryTable: change_history holds each change of the shared kinds once,
// in sequence order.
func checkHistoryTable(t *testing.T, st store.Store, p *Publisher, companyID string) {
	t.Helper()
	ctx := context.Background()
	var want []int64
	for c, err := range st.Changes(ctx, companyID, 0, 0) {
		must(t, err)
		if sharedKinds[c.Entity] {
			want = append(want, c.Seq)
		}
	}
	var got []int64
	tbl := p.Open(companyID, "change_history")
	snap, err := tbl.Snapshot(ctx)
	must(t, err)
	for rec, err := range tbl.Scan(ctx, snap) {
		must(t, err)
		seqs := rec.Column(0).(*array.Int64)
		got = append(got, seqs.Int64Values()...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("change_history holds %d entries, want %d (each shared change once)", len(got), len(want))
	}
}

// TestSyncRecoversFromAFailedCommit: a sync that fails half-way (one table's
// commit refused) leaves every table readable, and the next sync completes the
// work without applying any change twice.
func TestSyncRecoversFromAFailedCommit(t *testing.T) {
	ctx := context.Background()
	st := backends[0].open(t)
	company := loadDemo(t, st)
	base := localBlobs(t)
	p := New(st, base, Options{})
	_, err := p.Sync(ctx, company.ID)
	must(t, err)
	editDemo(t, st, company.ID)

	broken := &commitFailer{Store: base, failOn: TablePath(company.ID, "projects") + "/_delta_log/"}
	_, err = New(st, broken, Options{}).Sync(ctx, company.ID)
	if err == nil || !strings.Contains(err.Error(), "projects") {
		t.Fatalf("sync with a failing commit: err = %v, want an error naming the projects table", err)
	}
	people, _ := published(t, p, company.ID, "people")
	if len(people) == 0 {
		t.Fatal("people table unreadable after the failed sync")
	}
	res, err := New(st, base, Options{}).Sync(ctx, company.ID)
	must(t, err)
	if _, ok := res.Tables["people"]; ok {
		t.Errorf("people table written again after it had committed: %+v", res.Tables["people"])
	}
	if res.Tables["projects"].Commits != 1 {
		t.Errorf("projects: %+v, want the missed commit", res.Tables["projects"])
	}
	checkTablesMatch(t, st, p, company.ID)
	checkHistoryTable(t, st, p, company.ID)
}

// commitFailer refuses commits (log entries) under one prefix.
type commitFailer struct {
	blob.Store
	failOn string
}

var errInjected = errors.New("injected failure: the disk is full")

func (c *commitFailer) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	if strings.HasPrefix(key, c.failOn) && strings.HasSuffix(key, ".json") {
		return errInjected
	}
	return c.Store.PutIfAbsent(ctx, key, r)
}

// TestConcurrentPublishers: two publishers (two hub instances) syncing the
// same company at once produce the same tables as one, with no change applied
// twice.
func TestConcurrentPublishers(t *testing.T) {
	ctx := context.Background()
	st := backends[0].open(t)
	company := loadDemo(t, st)
	blobs := localBlobs(t)
	_, err := New(st, blobs, Options{}).Sync(ctx, company.ID)
	must(t, err)
	for round := range 3 {
		editDemo(t, st, company.ID)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = New(st, blobs, Options{}).Sync(ctx, company.ID)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d publisher %d: %v", round, i, err)
			}
		}
	}
	p := New(st, blobs, Options{})
	checkTablesMatch(t, st, p, company.ID)
	checkHistoryTable(t, st, p, company.ID)
}

// TestRebuild: a rebuild rewrites every table from the store in one commit each,
// and following changes merge on top of it.
func TestRebuild(t *testing.T) {
	ctx := context.Background()
	st := backends[0].open(t)
	company := loadDemo(t, st)
	p := New(st, localBlobs(t), Options{})
	_, err := p.Sync(ctx, company.ID)
	must(t, err)
	editDemo(t, st, company.ID)
	res, err := p.Rebuild(ctx, company.Slug)
	must(t, err)
	if len(res.Tables) != len(sharedTables) {
		t.Fatalf("rebuild wrote %d tables, want %d", len(res.Tables), len(sharedTables))
	}
	checkTablesMatch(t, st, p, company.ID)
	res, err = p.Sync(ctx, company.ID)
	must(t, err)
	if len(res.Tables) != 0 {
		t.Errorf("sync right after a rebuild wrote %+v", res.Tables)
	}
	editDemo(t, st, company.ID)
	_, err = p.Sync(ctx, company.ID)
	must(t, err)
	checkTablesMatch(t, st, p, company.ID)
}

// TestSyncToS3 publishes and follows the demo company on a real S3-compatible
// server.
func TestSyncToS3(t *testing.T) {
	ctx := context.Background()
	st := backends[0].open(t)
	company := loadDemo(t, st)
	p := New(st, s3Blobs(t), Options{})
	_, err := p.Sync(ctx, company.ID)
	must(t, err)
	editDemo(t, st, company.ID)
	_, err = p.Sync(ctx, company.ID)
	must(t, err)
	checkTablesMatch(t, st, p, company.ID)
}

// TestRunPublishesWithinSeconds: with Run following the store, a change shows
// up in the shared table a moment later, without anyone calling Sync.
func TestRunPublishesWithinSeconds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := backends[0].open(t)
	company := loadDemo(t, st)
	p := New(st, localBlobs(t), Options{})
	_, err := p.Sync(ctx, company.ID)
	must(t, err)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, RunOptions{Poll: 50 * time.Millisecond, Debounce: 200 * time.Millisecond}) }()

	waitFor := func(what string, ok func() bool) time.Duration {
		start := time.Now()
		for time.Since(start) < 20*time.Second {
			if ok() {
				return time.Since(start)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: not published after 20s", what)
		return 0
	}
	time.Sleep(300 * time.Millisecond) // Run's first round: a sync with nothing new
	var id string
	must(t, st.Update(ctx, company.ID, editor, func(tx store.Tx) error {
		p := first(t, tx.People().List(ctx, store.Query{Limit: 1}), 1)[0]
		p.FirstName, id = "Published", p.ID
		_, err := tx.People().Update(ctx, p)
		return err
	}))
	took := waitFor("the rename", func() bool {
		rows, _ := published(t, p, company.ID, "people")
		return slices.ContainsFunc(rows, func(r string) bool {
			return strings.HasPrefix(r, id+" |") && strings.Contains(r, "| Published |")
		})
	})
	t.Logf("a change was published %v after it was committed (poll 50ms, debounce 200ms)", took)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestTimeTravelEveryVersion: after rounds of edits, each published, every
// version of every table reads back exactly the rows the store held when that
// version was written (version 0, the empty table, included).
func TestTimeTravelEveryVersion(t *testing.T) {
	ctx := context.Background()
	st := backends[0].open(t)
	company := loadDemo(t, st)
	p := New(st, localBlobs(t), Options{})
	want := map[string]map[int64][]string{}
	record := func() {
		exp := expected(t, st, company.ID)
		for _, s := range sharedTables {
			snap, err := p.Open(company.ID, s.name()).Snapshot(ctx)
			must(t, err)
			if want[s.name()] == nil {
				want[s.name()] = map[int64][]string{0: nil}
			}
			want[s.name()][snap.Version] = exp[s.name()]
		}
	}
	_, err := p.Sync(ctx, company.ID)
	must(t, err)
	record()
	for range 4 {
		editDemo(t, st, company.ID)
		_, err := p.Sync(ctx, company.ID)
		must(t, err)
		record()
	}
	_, err = p.Rebuild(ctx, company.ID)
	must(t, err)
	record()
	for _, s := range sharedTables {
		tbl := p.Open(company.ID, s.name())
		latest, err := tbl.LatestVersion(ctx)
		must(t, err)
		for v := int64(0); v <= latest; v++ {
			rows, ok := want[s.name()][v]
			if !ok {
				t.Errorf("table %s: version %d was written without a publish round recording it", s.name(), v)
				continue
			}
			snap, err := tbl.SnapshotAt(ctx, v)
			must(t, err)
			if got := formatRows(t, tbl.Scan(ctx, snap)); !slices.Equal(got, rows) {
				t.Errorf("table %s at version %d: %s", s.name(), v, diffRows(got, rows))
			}
		}
	}
}

// TestSchemaUpgrade: a table written by an older Trestle with another schema
// (here: without the custom column) is rewritten with today's schema by the
// next sync, keeping its history.
func TestSchemaUpgrade(t *testing.T) {
	ctx := context.Background()
	st := backends[0].open(t)
	company := loadDemo(t, st)
	p := New(st, localBlobs(t), Options{})
	_, err := p.Sync(ctx, company.ID)
	must(t, err)
	tbl := p.Open(company.ID, "people")
	old := peopleTable.deltaSchema()
	old.Fields = slices.DeleteFunc(slices.Clone(old.Fields), func(f schema.StructField) bool { return f.Name == "custom" })
	empty := func(yield func(arrow.RecordBatch, error) bool) {}
	v, err := tbl.OverwriteSchema(ctx, old, empty, delta.WriteOptions{})
	must(t, err)

	res, err := p.Sync(ctx, company.ID)
	must(t, err)
	if r, ok := res.Tables["people"]; !ok || r.Rows == 0 || r.Version != v+1 {
		t.Fatalf("people after an old schema: %+v", res.Tables)
	}
	checkTablesMatch(t, st, p, company.ID)
	if _, err := tbl.SnapshotAt(ctx, v); err != nil {
		t.Fatalf("history lost: %v", err)
	}
}
