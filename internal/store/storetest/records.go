package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func testUpsertPeople(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	var people []planning.Person
	for i := range 25 {
		people = append(people, person(i))
	}
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, people)
		if err != nil {
			return err
		}
		if res != (store.UpsertResult{Created: 25}) {
			t.Errorf("first upsert: %+v", res)
		}
		return nil
	})
	if people[0].ID == "" || people[0].Version != 1 || people[0].CreatedAt.IsZero() {
		t.Fatalf("Upsert did not fill Meta: %+v", people[0].Meta)
	}
	firstID := people[0].ID
	// Same data again (fresh values, no ids): nothing changes.
	again := make([]planning.Person, 25)
	for i := range again {
		again[i] = person(i)
	}
	again[3].HourlyWage = planning.DecimalPtr("33")
	again[4].Tags = nil
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, again)
		if err != nil {
			return err
		}
		if res != (store.UpsertResult{Updated: 2, Unchanged: 23}) {
			t.Errorf("second upsert: %+v", res)
		}
		return nil
	})
	if again[0].ID != firstID || again[0].Version != 1 {
		t.Fatalf("unchanged record got new meta: %+v", again[0].Meta)
	}
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		p, err := tx.People().GetByKey(context.Background(), "E00003")
		if err != nil {
			return err
		}
		if p.Version != 2 || p.HourlyWage.String() != "33" || !p.UpdatedAt.After(p.CreatedAt) && !p.UpdatedAt.Equal(p.CreatedAt) {
			t.Errorf("updated person: version %d wage %s", p.Version, p.HourlyWage)
		}
		if p.Tags[0].Expires.String() != "2027-01-31" || p.HiredDate.String() != "2020-03-01" {
			t.Errorf("round trip lost dates: %+v", p)
		}
		return nil
	}))
	if n := countPeople(t, st, c); n != 25 {
		t.Fatalf("count = %d", n)
	}
}

func testInvalidBatchWritesNothing(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	before := lastSeq(t, st, c)
	good, bad1, bad2 := person(1), person(2), person(3)
	bad1.FirstName = ""
	bad1.MobilePhone = "555-1234"
	bad2.IsUser, bad2.Email = true, ""
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{good, bad1, bad2})
		return err
	})
	f := invalidFields(t, err)
	for _, want := range []string{"1:first_name", "1:mobile_phone", "2:email"} {
		if f[want] == "" {
			t.Errorf("missing error %s; got %v", want, f)
		}
	}
	if len(f) != 3 {
		t.Errorf("want exactly 3 problems, got %v", f)
	}
	if !strings.Contains(err.Error(), `"E00002"`) {
		t.Errorf("error does not name the record: %v", err)
	}
	if n := countPeople(t, st, c); n != 0 {
		t.Fatalf("invalid batch wrote %d people", n)
	}
	if after := lastSeq(t, st, c); after != before {
		t.Fatalf("invalid batch wrote history (%d -> %d)", before, after)
	}
}

func testReferences(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	p := person(1)
	p.JobTitle = "NOPE"
	p.GroupCodes = []string{"KS", "TX"}
	p.Tags = []planning.PersonTag{{Code: "FORKLIFT"}}
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{p})
		return err
	})
	f := invalidFields(t, err)
	if !strings.Contains(f["0:job_title"], `no job title with code "NOPE"`) || !strings.Contains(f["0:group_codes[1]"], `"TX"`) ||
		!strings.Contains(f["0:tags[0]"], "FORKLIFT") {
		t.Fatalf("reference errors = %v", f)
	}
	// An assignment to a person who does not exist.
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		pct := 100
		_, err := tx.Assignments().Create(context.Background(), planning.Assignment{
			PersonID: "0190c1a2-0000-7000-8000-000000000000", ProjectID: "not-a-uuid",
			StartDay: planning.MustParseDate("2026-01-01"), EndDay: planning.MustParseDate("2026-01-02"), PercentAllocated: &pct})
		return err
	})
	f = invalidFields(t, err)
	if f["0:person_id"] == "" || f["0:project_id"] == "" {
		t.Fatalf("assignment reference errors = %v", f)
	}
}

func testUniqueEmailAndPhone(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1), person(2)})
		return err
	})
	// Create with another's email: a KeyClashError naming the holder.
	p := person(3)
	p.Email = "PAT1@example.com"
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Create(context.Background(), p)
		return err
	})
	var clash *store.KeyClashError
	if !errors.As(err, &clash) || clash.Field != "email" || !strings.Contains(err.Error(), "Pat Worker1 (E00001)") {
		t.Fatalf("email clash: want KeyClashError naming Pat Worker1 (E00001), got %v", err)
	}
	// Create with an existing employee id.
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Create(context.Background(), person(2))
		return err
	})
	if !errors.As(err, &clash) || clash.Field != "employee_id" {
		t.Fatalf("employee id clash: got %v", err)
	}
	// In a batch: all clashes at once, against the store and within the batch.
	q, r := person(4), person(5)
	q.MobilePhone = person(2).MobilePhone
	r.Email = q.Email
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Upsert(context.Background(), []planning.Person{q, r})
		return err
	})
	f := invalidFields(t, err)
	if !strings.Contains(f["0:mobile_phone"], "E00002") || !strings.Contains(f["1:email"], "record #1 of this batch") {
		t.Fatalf("batch clashes = %v", f)
	}
}

func testUniqueValueMoves(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1), person(2)})
		return err
	})
	// Swap the two people's emails in one batch: allowed, the end state is unique.
	a, b := person(1), person(2)
	a.Email, b.Email = b.Email, a.Email
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.People().Upsert(ctx, []planning.Person{a, b})
		if err == nil && res.Updated != 2 {
			t.Errorf("swap: %+v", res)
		}
		return err
	})
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		p, err := tx.People().GetByKey(context.Background(), "E00001")
		if err == nil && p.Email != "pat2@example.com" {
			t.Errorf("after swap E00001 has %q", p.Email)
		}
		return err
	}))
}

func testOptimisticConcurrency(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	var p planning.Person
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		var err error
		p, err = tx.People().Create(ctx, person(1))
		return err
	})
	first := p
	first.LastName = "Changed"
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		got, err := tx.People().Update(ctx, first)
		if err == nil && got.Version != 2 {
			t.Errorf("version after update = %d", got.Version)
		}
		return err
	})
	stale := p // still version 1
	stale.FirstName = "Stale"
	err := st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		_, err := tx.People().Update(context.Background(), stale)
		return err
	})
	var conflict *store.ConflictError
	if !errors.As(err, &conflict) || conflict.Have != 2 || conflict.Want != 1 {
		t.Fatalf("stale update: want ConflictError(have 2, want 1), got %v", err)
	}
	// Version 0 means "whatever is stored": last writer wins.
	stale.Version = 0
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Update(ctx, stale)
		return err
	})
	if _, err := getPerson(t, st, c, "E00001"); err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), c.ID, store.Console("test"), func(tx store.Tx) error {
		ghost := person(9)
		ghost.ID = "0190c1a2-0000-7000-8000-000000000009"
		_, err := tx.People().Update(context.Background(), ghost)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of missing record: %v", err)
	}
}

func getPerson(t *testing.T, st store.Store, c planning.Company, key string) (planning.Person, error) {
	var p planning.Person
	err := st.View(context.Background(), c.ID, func(tx store.Tx) error {
		var err error
		p, err = tx.People().GetByKey(context.Background(), key)
		return err
	})
	return p, err
}
