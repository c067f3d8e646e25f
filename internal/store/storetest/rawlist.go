package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// testListRaw checks the optional RawLister ability: each document is the
// JSON object json.Marshal writes for the record List yields at the same
// place (keys in any order), after creates, updates and a deactivation.
func testListRaw(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	var people []planning.Person
	for i := range 7 {
		people = append(people, person(i))
	}
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, people)
		return err
	})
	people[2].Union, people[4].Status = "Local 7", planning.StatusInactive
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, people)
		return err
	})
	ctx := context.Background()
	must(t, st.View(ctx, c.ID, func(tx store.Tx) error {
		rl, ok := tx.People().(store.RawLister)
		if !ok {
			t.Skip("this backend's collections do not implement store.RawLister")
		}
		for _, q := range []store.Query{{}, {Limit: 3, Offset: 2}, {Status: planning.StatusInactive}} {
			var want [][]byte
			for p, err := range tx.People().List(ctx, q) {
				if err != nil {
					return err
				}
				b, err := json.Marshal(p)
				if err != nil {
					return err
				}
				want = append(want, b)
			}
			i := 0
			for doc, err := range rl.ListRaw(ctx, q) {
				if err != nil {
					return err
				}
				if i >= len(want) || !sameJSON(doc, want[i]) { // compared before the next iteration reuses doc
					t.Fatalf("query %+v: document %d\n got %s\nwant %s", q, i, doc, want[min(i, len(want)-1)])
				}
				i++
			}
			if i != len(want) || i == 0 {
				t.Fatalf("query %+v: %d documents, List gave %d", q, i, len(want))
			}
		}
		return nil
	}))
	pg, ok := st.(store.Pager)
	if !ok {
		return
	}
	for _, q := range []store.Query{{}, {Limit: 3, Offset: 2}, {Limit: 3, Offset: 6}, {Limit: 3, Offset: 50}, {Status: planning.StatusInactive, Limit: 10}} {
		var want []planning.Person
		must(t, st.View(ctx, c.ID, func(tx store.Tx) error {
			for p, err := range tx.People().List(ctx, q) {
				if err != nil {
					return err
				}
				want = append(want, p)
			}
			return nil
		}))
		i := 0
		total, err := pg.PageRaw(ctx, c.ID, planning.KindPerson, q, func(doc json.RawMessage) error {
			b, _ := json.Marshal(want[min(i, len(want)-1)])
			if i >= len(want) || !sameJSON(doc, b) {
				t.Errorf("PageRaw %+v: document %d is %s", q, i, doc)
			}
			i++
			return nil
		})
		must(t, err)
		wantTotal := 0
		must(t, st.View(ctx, c.ID, func(tx store.Tx) (err error) {
			cq := q
			cq.Limit, cq.Offset = 0, 0
			wantTotal, err = tx.People().Count(ctx, cq)
			return err
		}))
		if i != len(want) || total != wantTotal {
			t.Errorf("PageRaw %+v: %d documents and total %d; List has %d and Count %d", q, i, total, len(want), wantTotal)
		}
	}
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// testUpsertAfterLookup checks an Upsert right after a lookup by keys in the
// same transaction (how ingest plans and writes): found records are updated
// with the right version and history, missing ones created, and a second
// Upsert sees the first one's writes.
func testUpsertAfterLookup(t *testing.T, st store.Store) {
	c := newCompany(t, st)
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.People().Upsert(ctx, []planning.Person{person(1)})
		return err
	})
	ctx := context.Background()
	update(t, st, c, func(ctx context.Context, tx store.Tx) error {
		var seen []planning.Person
		for p, err := range tx.People().List(ctx, store.Query{Keys: []string{person(1).EmployeeID, person(2).EmployeeID}}) {
			if err != nil {
				return err
			}
			seen = append(seen, p)
		}
		if len(seen) != 1 || seen[0].Version != 1 {
			t.Fatalf("lookup found %+v", seen)
		}
		p1, p2 := person(1), person(2)
		p1.Union = "Local 9"
		res, err := tx.People().Upsert(ctx, []planning.Person{p1, p2})
		if err != nil {
			return err
		}
		if res.Created != 1 || res.Updated != 1 {
			t.Fatalf("upsert after lookup: %+v", res)
		}
		got, err := tx.People().GetByKey(ctx, p1.EmployeeID)
		if err != nil || got.Version != 2 || got.Union != "Local 9" {
			t.Fatalf("after the upsert: %+v, %v", got, err)
		}
		res, err = tx.People().Upsert(ctx, []planning.Person{p1, p2})
		if err != nil {
			return err
		}
		if res.Unchanged != 2 {
			t.Fatalf("second upsert in the same transaction: %+v", res)
		}
		return nil
	})
	var before string
	for ch, err := range st.Changes(ctx, c.ID, 0, 0) {
		must(t, err)
		if ch.EntityKey == person(1).EmployeeID && ch.Version == 2 {
			before = string(ch.Before)
		}
	}
	var b struct {
		Version int64  `json:"version"`
		Union   string `json:"union"`
	}
	if err := json.Unmarshal([]byte(before), &b); err != nil || b.Version != 1 || b.Union != "" {
		t.Fatalf("history of the update: before = %s", before)
	}
}
