package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func testDeactivationEndsAssignments(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	loc, _ := time.LoadLocation(c.Timezone)
	today := planning.DateOf(time.Now().In(loc))
	var running, future, past planning.Assignment
	var pr planning.Project
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		people := []planning.Person{person(1)}
		if _, err := tx.People().Upsert(ctx, people); err != nil {
			return err
		}
		var err error
		if pr, err = tx.Projects().Create(ctx, project(1)); err != nil {
			return err
		}
		pct := 50
		mk := func(from, to int) (planning.Assignment, error) {
			return tx.Assignments().Create(ctx, planning.Assignment{PersonID: people[0].ID, ProjectID: pr.ID,
				StartDay: today.AddDays(from), EndDay: today.AddDays(to), PercentAllocated: &pct})
		}
		if running, err = mk(-10, 30); err != nil {
			return err
		}
		if future, err = mk(5, 40); err != nil {
			return err
		}
		past, err = mk(-30, -20)
		return err
	})
	seq := lastSeq(t, st, c)
	p := person(1)
	p.Status = planning.StatusInactive
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{p})
		return err
	})
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		ctx := context.Background()
		r, err := tx.Assignments().Get(ctx, running.ID)
		if err != nil {
			return err
		}
		if r.EndDay != today || r.StartDay != running.StartDay {
			t.Errorf("running assignment: %s..%s, want it to end %s", r.StartDay, r.EndDay, today)
		}
		if _, err := tx.Assignments().Get(ctx, future.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("future assignment still there: %v", err)
		}
		if old, err := tx.Assignments().Get(ctx, past.ID); err != nil || old.EndDay != past.EndDay {
			t.Errorf("past assignment changed: %+v %v", old, err)
		}
		return nil
	}))
	var got []string
	for _, ch := range changes(t, st, c, seq) {
		got = append(got, fmt.Sprintf("%s %s", ch.Entity, ch.Operation))
	}
	if strings.Join(got, ", ") != "person update, assignment update, assignment delete" {
		t.Fatalf("history of deactivation = %v", got)
	}
	// People and projects are never deleted.
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		return tx.Projects().Delete(context.Background(), pr.ID)
	})
	if !errors.Is(err, store.ErrNotDeletable) {
		t.Fatalf("delete project: %v", err)
	}
}

func testDeleteAndInUse(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1)})
		return err
	})
	seq := lastSeq(t, st, c)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		jt, err := tx.JobTitles().GetByKey(ctx, "FOR")
		if err != nil {
			return err
		}
		return tx.JobTitles().Delete(ctx, jt.ID)
	})
	ch := changes(t, st, c, seq)
	if len(ch) != 1 || ch[0].Operation != store.OpDelete || ch[0].After != nil || !strings.Contains(string(ch[0].Before), `"FOR"`) {
		t.Fatalf("delete history = %+v", ch)
	}
	// Group KS is now used only by the person.
	var inUse *store.InUseError
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		g, err := tx.Groups().GetByKey(context.Background(), "KS")
		if err != nil {
			return err
		}
		return tx.Groups().Delete(context.Background(), g.ID)
	})
	if !errors.As(err, &inUse) || !strings.Contains(err.Error(), "E00001") {
		t.Fatalf("delete used group: want InUseError naming E00001, got %v", err)
	}
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		jt, err := tx.JobTitles().GetByKey(context.Background(), "APP")
		if err != nil {
			return err
		}
		jt.Code = "APX"
		_, err = tx.JobTitles().Update(context.Background(), jt)
		return err
	})
	if !errors.As(err, &inUse) {
		t.Fatalf("recode used job title: want InUseError, got %v", err)
	}
	if lastSeq(t, st, c) != ch[0].Seq {
		t.Fatal("refused changes wrote history")
	}
}

func testProjectDefaults(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		p, err := tx.Projects().Create(ctx, project(1)) // first group CO
		if err != nil {
			return err
		}
		if p.Timezone != "America/Denver" || p.DailyStartTime.String() != "07:30" || p.DailyEndTime.String() != "15:30" {
			t.Errorf("defaults: tz %q, %s-%s", p.Timezone, p.DailyStartTime, p.DailyEndTime)
		}
		return nil
	})
	bad := project(2)
	bad.StartDate = planning.Date{}
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.Projects().Create(context.Background(), bad)
		return err
	})
	if f := invalidFields(t, err); f["0:start_date"] == "" {
		t.Fatalf("active project without start date: %v", f)
	}
}

func testHistoryIsComplete(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	seq := lastSeq(t, st, c)
	var p planning.Person
	var txIDs []string
	ctx := context.Background()
	must(t, st.Update(ctx, c.ID, store.Actor{Source: planning.SourceSFTP, Actor: "people.csv"}, func(tx store.Tx) error {
		var err error
		if p, err = tx.People().Create(ctx, person(1)); err != nil {
			return err
		}
		_, err = tx.People().Upsert(ctx, []planning.Person{person(2), person(3)})
		return err
	}))
	p.LastName = "Renamed"
	must(t, st.Update(ctx, c.ID, store.Actor{Source: planning.SourceAPI, Actor: "client-1"}, func(tx store.Tx) error {
		_, err := tx.People().Update(ctx, p)
		return err
	}))
	ch := changes(t, st, c, seq)
	if len(ch) != 4 {
		t.Fatalf("want 4 changes, got %d: %+v", len(ch), ch)
	}
	for i, x := range ch {
		if i > 0 && x.Seq <= ch[i-1].Seq {
			t.Errorf("sequence not increasing: %d then %d", ch[i-1].Seq, x.Seq)
		}
		if x.At.IsZero() || x.EntityID == "" || x.Entity != planning.KindPerson {
			t.Errorf("change %d incomplete: %+v", i, x)
		}
		txIDs = append(txIDs, x.TxID)
	}
	if txIDs[0] != txIDs[2] || txIDs[0] == txIDs[3] {
		t.Errorf("tx ids do not group transactions: %v", txIDs)
	}
	if ch[0].Source != planning.SourceSFTP || ch[0].Actor != "people.csv" || ch[0].Operation != store.OpCreate || ch[0].Before != nil {
		t.Errorf("create change: %+v", ch[0])
	}
	last := ch[3]
	if last.Source != planning.SourceAPI || last.Operation != store.OpUpdate || last.Version != 2 || last.EntityKey != "E00001" {
		t.Errorf("update change: %+v", last)
	}
	var before, after planning.Person
	must(t, json.Unmarshal(last.Before, &before))
	must(t, json.Unmarshal(last.After, &after))
	if before.LastName != "Worker1" || after.LastName != "Renamed" || after.Version != 2 || after.ID != p.ID {
		t.Errorf("before/after: %+v / %+v", before, after)
	}
	// Paging through the feed.
	var paged []store.Change
	for x, err := range st.Changes(ctx, c.ID, seq, 2) {
		must(t, err)
		paged = append(paged, x)
	}
	if len(paged) != 2 || paged[1].Seq != ch[1].Seq {
		t.Errorf("limit 2: %d changes", len(paged))
	}
}

func testRollback(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	seq := lastSeq(t, st, c)
	boom := errors.New("boom")
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		if _, err := tx.People().Upsert(context.Background(), []planning.Person{person(1), person(2)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v", err)
	}
	if n := countPeople(t, st, c); n != 0 {
		t.Fatalf("rolled back transaction left %d people", n)
	}
	if lastSeq(t, st, c) != seq {
		t.Fatal("rolled back transaction left history")
	}
}

func testListFilters(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	var people []planning.Person
	for i := range 10 {
		p := person(i)
		if i%3 == 0 {
			p.Status = planning.StatusInactive
		}
		people = append(people, p)
	}
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, people)
		return err
	})
	mark := time.Now()
	time.Sleep(5 * time.Millisecond)
	p5 := person(5)
	p5.Union = "Local 101"
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{p5})
		return err
	})
	keys := func(q store.Query) []string {
		var out []string
		must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
			for p, err := range tx.People().List(context.Background(), q) {
				if err != nil {
					return err
				}
				out = append(out, p.EmployeeID)
			}
			return nil
		}))
		return out
	}
	if got := keys(store.Query{UpdatedAfter: mark}); strings.Join(got, ",") != "E00005" {
		t.Errorf("updated_after: %v", got)
	}
	if got := keys(store.Query{Status: planning.StatusInactive}); len(got) != 4 {
		t.Errorf("status inactive: %v", got)
	}
	if got := keys(store.Query{Keys: []string{"E00001", "E00002", "E99999"}}); len(got) != 2 {
		t.Errorf("keys: %v", got)
	}
	if got := keys(store.Query{Email: "PAT7@example.com"}); strings.Join(got, ",") != "E00007" {
		t.Errorf("email: %v", got)
	}
	if got := keys(store.Query{Emails: []string{" PAT7@example.com", "pat8@example.com", "nobody@example.com"}}); strings.Join(got, ",") != "E00007,E00008" && strings.Join(got, ",") != "E00008,E00007" {
		t.Errorf("emails: %v", got)
	}
	if got := keys(store.Query{MobilePhones: []string{person(2).MobilePhone, person(3).MobilePhone, "+15550000000"}, Status: planning.StatusActive}); strings.Join(got, ",") != "E00002" {
		t.Errorf("mobile phones of active people: %v", got)
	}
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		for _, err := range tx.Projects().List(context.Background(), store.Query{Emails: []string{"pat1@example.com"}}) {
			if err == nil || !strings.Contains(err.Error(), "cannot be filtered by email") {
				t.Errorf("projects by email: %v", err)
			}
		}
		return nil
	}))
	all := keys(store.Query{})
	page2 := keys(store.Query{Limit: 4, Offset: 4})
	if len(all) != 10 || strings.Join(page2, ",") != strings.Join(all[4:8], ",") {
		t.Errorf("paging: all %v, page 2 %v", all, page2)
	}
	if got := keys(store.Query{Offset: 8}); len(got) != 2 {
		t.Errorf("offset without limit: %v", got)
	}
	// Cursor paging by id.
	var ids []string
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		for p, err := range tx.People().List(context.Background(), store.Query{Limit: 3}) {
			if err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		n, err := tx.People().Count(context.Background(), store.Query{After: ids[2]})
		if n != 7 {
			t.Errorf("count after cursor = %d", n)
		}
		return err
	}))
}

func testViewIsReadOnly(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	err := st.View(context.Background(), c.ID, func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{person(1)})
		return err
	})
	if !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("write in View: %v", err)
	}
}

func testIsolation(t *testing.T, st store.Store) {
	a, b := newCompany(t, st), newCompany(t, st)
	update(t, st, a, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1)})
		return err
	})
	// The same employee id and email in another company is a different person.
	update(t, st, b, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, []planning.Person{person(1)})
		if err == nil && res.Created != 1 {
			t.Errorf("company b: %+v", res)
		}
		return err
	})
	pa, _ := getPerson(t, st, a, "E00001")
	must(t, st.View(context.Background(), b.ID, func(tx store.Tx) error {
		if _, err := tx.People().Get(context.Background(), pa.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("company b sees company a's person: %v", err)
		}
		return nil
	}))
}

// testFeedMissesNothing has several writers change one company at once while a
// reader follows the change feed by sequence number, as the publisher will: the
// reader must see every change, none skipped because it committed after a later
// sequence number was read.
func testFeedMissesNothing(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	ctx := context.Background()
	start := lastSeq(t, st, c)
	const writers, perWriter = 6, 8
	done := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range perWriter {
				err := st.Update(ctx, c.ID, store.Console("writer"), func(tx store.Tx) error {
					_, err := tx.People().Create(ctx, person(1000+w*perWriter+i))
					return err
				})
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	seen := map[int64]bool{}
	after := start
	finished := 0
	for finished < writers {
		select {
		case err := <-done:
			must(t, err)
			finished++
		default:
		}
		for ch, err := range st.Changes(ctx, c.ID, after, 0) {
			must(t, err)
			seen[ch.Seq] = true
			after = ch.Seq
		}
	}
	for ch, err := range st.Changes(ctx, c.ID, after, 0) {
		must(t, err)
		seen[ch.Seq] = true
	}
	all := changes(t, st, c, start)
	if len(all) != writers*perWriter {
		t.Fatalf("history has %d changes, want %d", len(all), writers*perWriter)
	}
	for _, ch := range all {
		if !seen[ch.Seq] {
			t.Errorf("the feed reader skipped change %d (%s %s)", ch.Seq, ch.Entity, ch.EntityKey)
		}
	}
}
