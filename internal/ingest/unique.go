package ingest

import (
	"context"
	"fmt"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// uniqueness checks that emails and mobile phones stay unique in the company once
// the set is applied. A value may move between two people of the set (a swap),
// since the store frees the values given up before it writes the new ones. With
// owned fields, an update that does not own a field neither writes the set's
// value nor gives up the hub's.
type uniqueness struct {
	people *keyed[planning.Person, *planning.Person]
	fields []uniqueField
}

// uniqueField is one unique field of people.
type uniqueField struct {
	name string
	get  func(*planning.Person) string
	// set holds the values of the set; held maps them to the person of the hub
	// holding them now.
	set  map[string]bool
	held map[string]holder
}

// holder is a stored person holding a unique value.
type holder struct{ key, label string }

func newUniqueness(people *keyed[planning.Person, *planning.Person]) *uniqueness {
	u := &uniqueness{people: people, fields: []uniqueField{
		{name: "email", get: func(p *planning.Person) string { return p.Email }},
		{name: "mobile_phone", get: func(p *planning.Person) string { return p.MobilePhone }},
	}}
	for f := range u.fields {
		uf := &u.fields[f]
		uf.set, uf.held = map[string]bool{}, map[string]holder{}
		for i := range people.items {
			if val := uf.get(&people.items[i].Value); val != "" {
				uf.set[val] = true
			}
		}
	}
	return u
}

// see notes a stored person holding a value the set uses.
func (u *uniqueness) see(p *planning.Person) {
	for f := range u.fields {
		uf := &u.fields[f]
		if val := uf.get(p); val != "" {
			if _, ok := uf.set[val]; ok {
				uf.held[val] = holder{key: p.EmployeeID, label: p.Label()}
			}
		}
	}
}

// lookup finds the stored holders of the set's values by value, for when the
// people were not all read.
func (u *uniqueness) lookup(ctx context.Context, c store.Collection[planning.Person]) error {
	for f := range u.fields {
		uf := &u.fields[f]
		vals := make([]string, 0, len(uf.set))
		for v := range uf.set {
			vals = append(vals, v)
		}
		for start := 0; start < len(vals); start += lookupChunk {
			part := vals[start:min(start+lookupChunk, len(vals))]
			q := store.Query{Emails: part}
			if uf.name == "mobile_phone" {
				q = store.Query{MobilePhones: part}
			}
			for p, err := range c.List(ctx, q) {
				if err != nil {
					return fmt.Errorf("look up people by %s: %w", uf.name, err)
				}
				u.see(&p)
			}
		}
	}
	return nil
}

// check reports values the set gives two people, and values held in the hub by
// a person who keeps them: one who is not in the set (people missing from a
// replace keep theirs, too), or whose update does not own the field.
func (u *uniqueness) check() {
	people, items := u.people, u.people.items
	for f := range u.fields {
		uf := &u.fields[f]
		// writer maps each value the plan writes to the person of the set
		// writing it.
		writer := map[string]int{}
		for i := range items {
			v := &items[i].Value
			val := uf.get(v)
			if val == "" {
				continue
			}
			if j, ok := people.index[v.EmployeeID]; !ok || j != i || !people.writesField(i, uf.name) {
				continue // a repeated or missing key (reported already), or a value not written
			}
			if j, dup := writer[val]; dup {
				people.rep.add(i, items[i].Origin, v.EmployeeID, uf.name, "%q is also used by %s (%s); each person needs their own",
					val, describe(items[j].Origin, planning.KindPerson, j), items[j].Value.Label())
				continue
			}
			writer[val] = i
		}
		for val, h := range uf.held {
			i, written := writer[val]
			if !written {
				continue
			}
			v := &items[i].Value
			if h.key == v.EmployeeID {
				continue
			}
			if j, inSet := people.index[h.key]; inSet {
				if people.writesField(j, uf.name) {
					continue // the holder is in the set with another value
				}
				people.rep.add(i, items[i].Origin, v.EmployeeID, uf.name,
					"%q is already used by %s in the hub, who keeps it (this import does not own their %s); use another", val, h.label, uf.name)
				continue
			}
			if people.replace {
				people.rep.add(i, items[i].Origin, v.EmployeeID, uf.name,
					"%q is already used by %s in the hub, who is not in this import and keeps it (people missing from a replace are made inactive, not removed); use another", val, h.label)
				continue
			}
			people.rep.add(i, items[i].Origin, v.EmployeeID, uf.name,
				"%q is already used by %s in the hub; change theirs in the same import, or use another", val, h.label)
		}
	}
}
