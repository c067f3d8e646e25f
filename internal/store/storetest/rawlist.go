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
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
