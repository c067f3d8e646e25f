package ingest

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// lookupChunk is how many keys (or emails, ...) one keyed lookup asks for.
const lookupChunk = 500

// keyed plans one kind of record matched by external key: groups, job titles and
// tags by code, people by employee_id, projects by project_number.
type keyed[T any, P record[T]] struct {
	kind   planning.Kind
	keyCol string
	items  []Item[T]
	rep    reporter
	plan   *KindPlan
	// index maps each key of the set to the first record with it.
	index map[string]int
	// ids holds the stored id of the set's records that exist in the hub.
	ids []string
	// want holds keys that other records refer to and the set does not have;
	// refs, the hub records found for them (deactivated, when Replace does).
	want map[string]bool
	refs map[string]*T
	// status reads the status of people and projects; nil for other kinds.
	status func(P) planning.Status
	// replace deactivates the stored records missing from the set. It needs a
	// scan of the whole kind.
	replace bool
	// comparable returns record i as the store would hold it (for comparing
	// with the stored one); nil means its value.
	comparable func(i int) T
	// owned is the fields an update takes from the set; nil means all of them.
	owned *owned
	// after holds, when fields are owned, the records of the set found in the
	// hub as they will be after the plan: the hub's record with the set's owned
	// fields.
	after []*T
	// flawed marks the records with problems of their own (or marked Invalid).
	flawed []bool
	// onStored sees every stored record read.
	onStored func(P)
	// writes are the records to upsert: creates, updates and deactivations.
	writes []T
	// scanned says the whole kind was read (so Active is a full count).
	scanned bool
}

// newKeyed normalizes and validates the set's records of a kind, and reports
// keys used twice.
func newKeyed[T any, P record[T]](kind planning.Kind, keyCol string, items []Item[T], ps *problems, plan *KindPlan) *keyed[T, P] {
	k := &keyed[T, P]{kind: kind, keyCol: keyCol, items: items, rep: reporter{ps, kind}, plan: plan,
		index: make(map[string]int, len(items)), ids: make([]string, len(items)), flawed: make([]bool, len(items)),
		want: map[string]bool{}, refs: map[string]*T{}}
	for i := range items {
		it := &items[i]
		p := P(&it.Value)
		*p.GetMeta() = planning.Meta{}
		p.Normalize()
		key := p.Key()
		if it.Invalid {
			ps.flagged++
			k.flawed[i] = true
		} else if errs := p.Validate(); len(errs) > 0 {
			k.rep.addErrors(i, it.Origin, key, errs)
			k.flawed[i] = true
		}
		if key == "" {
			continue
		}
		if j, dup := k.index[key]; dup {
			if it.Invalid {
				continue
			}
			k.rep.add(i, it.Origin, key, keyCol, "%q is also used by %s; each %s may appear only once",
				key, describe(items[j].Origin, kind, j), kind.Label())
			continue
		}
		k.index[key] = i
	}
	return k
}

// describe names a record of the set: its origin, or its position.
func describe(o Origin, kind planning.Kind, index int) string {
	if s := o.String(); s != "" {
		return s
	}
	return fmt.Sprintf("%s #%d of this import", kind.Label(), index+1)
}

// refer notes that another record refers to key.
func (k *keyed[T, P]) refer(key string) {
	if key == "" {
		return
	}
	if _, ok := k.index[key]; !ok {
		k.want[key] = true
	}
}

// has reports whether a record with key is in the set or, found by load, in the
// hub.
func (k *keyed[T, P]) has(key string) bool {
	if _, ok := k.index[key]; ok {
		return true
	}
	_, ok := k.refs[key]
	return ok
}

// value returns the record with key as it will be after the plan: the set's (or,
// with owned fields, the merged one), or the hub's; nil when there is none.
func (k *keyed[T, P]) value(key string) *T {
	if i, ok := k.index[key]; ok {
		return k.current(i)
	}
	return k.refs[key]
}

// current returns record i of the set as it will be after the plan.
func (k *keyed[T, P]) current(i int) *T {
	if k.after != nil && k.after[i] != nil {
		return k.after[i]
	}
	return &k.items[i].Value
}

// writesField reports whether the plan writes field of record i of the set: always
// for a new record, only an owned field for an update. field is a problem's
// field ("email", "tags[0].expires").
func (k *keyed[T, P]) writesField(i int, field string) bool {
	return k.owned == nil || k.ids[i] == "" || k.owned.covers(field)
}

// written keeps the references of record i that the plan writes (see
// writesField).
func (k *keyed[T, P]) written(i int, refs []planning.Ref) []planning.Ref {
	if k.owned == nil || k.ids[i] == "" {
		return refs
	}
	return slices.DeleteFunc(refs, func(r planning.Ref) bool { return !k.owned.covers(r.Field) })
}

// id returns the stored id of the record with key, or "" when it is new or
// missing.
func (k *keyed[T, P]) id(key string) string {
	if i, ok := k.index[key]; ok {
		return k.ids[i]
	}
	if r := k.refs[key]; r != nil {
		return P(r).GetMeta().ID
	}
	return ""
}

// load reads the stored records the plan needs: all of them when scan is set
// (Replace needs to see what is missing), or those with the set's keys and the
// wanted keys.
func (k *keyed[T, P]) load(ctx context.Context, c store.Collection[T], scan bool) error {
	if scan {
		k.scanned = true
		if err := pipeline(ctx, c.List(ctx, store.Query{}), k.see); err != nil {
			return fmt.Errorf("read %s: %w", kindPlural(k.kind), err)
		}
		return nil
	}
	keys := make([]string, 0, len(k.index)+len(k.want))
	for key := range k.index {
		keys = append(keys, key)
	}
	for key := range k.want {
		keys = append(keys, key)
	}
	for start := 0; start < len(keys); start += lookupChunk {
		part := keys[start:min(start+lookupChunk, len(keys))]
		for v, err := range c.List(ctx, store.Query{Keys: part}) {
			if err != nil {
				return fmt.Errorf("read %s: %w", kindPlural(k.kind), err)
			}
			k.see(v)
		}
	}
	return nil
}

// see plans against one stored record.
func (k *keyed[T, P]) see(v T) {
	p := P(&v)
	if k.onStored != nil {
		k.onStored(p)
	}
	active := k.status != nil && k.status(p) != planning.StatusInactive
	if active && k.scanned {
		k.plan.Active++
	}
	key := p.Key()
	if i, ok := k.index[key]; ok {
		k.match(i, v)
		return
	}
	if k.replace && k.scanned && active {
		v = k.deactivate(v)
	}
	if k.want[key] {
		k.refs[key] = &v
	}
}

// match compares record i of the set with its stored form.
func (k *keyed[T, P]) match(i int, stored T) {
	m := *P(&stored).GetMeta()
	k.ids[i] = m.ID
	old := content[T, P](stored)
	v := k.items[i].Value
	if k.owned != nil {
		v = merge(k.owned, &stored, &v)
	}
	cmp := v
	if k.comparable != nil {
		if cmp = k.comparable(i); k.owned != nil {
			cmp = merge(k.owned, &stored, &cmp)
		}
	}
	if k.owned != nil {
		if k.after == nil {
			k.after = make([]*T, len(k.items))
		}
		after := v
		k.after[i] = &after
		if !k.flawed[i] {
			// The hub's values may not go with the set's (a user without the
			// email the set does not own).
			for _, fe := range P(&after).Validate() {
				k.rep.add(i, k.items[i].Origin, P(&after).Key(), fe.Field, "%s (with the hub's values of the fields this import does not own)", fe.Message)
			}
		}
	}
	now := content[T, P](cmp)
	if bytes.Equal(old, now) {
		k.plan.Unchanged++
		return
	}
	*P(&v).GetMeta() = planning.Meta{ID: m.ID, Version: m.Version}
	k.writes = append(k.writes, v)
	c := Change{Op: OpUpdate, Key: P(&v).Key(), Label: P(&v).Label(), Origin: k.items[i].Origin}
	if k.plan.wantsDetail() {
		c.Fields = fieldChanges(old, now)
	}
	k.plan.note(c)
}

// deactivate plans making a stored record inactive, and returns it inactive.
func (k *keyed[T, P]) deactivate(v T) T {
	p := P(&v)
	old := content[T, P](v)
	switch r := any(p).(type) {
	case *planning.Person:
		r.Status = planning.StatusInactive
	case *planning.Project:
		r.Status = planning.StatusInactive
	default:
		panic(fmt.Sprintf("cannot deactivate a %s", k.kind.Label()))
	}
	k.writes = append(k.writes, v)
	c := Change{Op: OpDeactivate, Key: p.Key(), Label: p.Label()}
	if k.plan.wantsDetail() {
		c.Fields = fieldChanges(old, content[T, P](v))
	}
	k.plan.note(c)
	return v
}

// finish plans the creation of the set's records not found in the hub.
func (k *keyed[T, P]) finish() {
	for i := range k.items {
		v := k.items[i].Value
		p := P(&v)
		if j, ok := k.index[p.Key()]; !ok || j != i || k.ids[i] != "" {
			continue
		}
		k.writes = append(k.writes, v)
		k.plan.note(Change{Op: OpCreate, Key: p.Key(), Label: p.Label(), Origin: k.items[i].Origin})
	}
	k.plan.sortChanges()
}

// pipelineBatch is how many records the reading goroutine of pipeline hands over
// at a time.
const pipelineBatch = 256

// pipeline reads the records of seq in a goroutine of its own and hands them, in
// order, to fn in the calling goroutine, so that reading (the database and JSON
// decoding) and planning run side by side. fn must not use the transaction seq
// reads from.
func pipeline[T any](ctx context.Context, seq iter.Seq2[T, error], fn func(T)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []T, 4)
	done := make(chan error, 1)
	go func() {
		defer close(batches)
		send := func(b []T) bool {
			select {
			case batches <- b:
				return true
			case <-ctx.Done():
				done <- ctx.Err()
				return false
			}
		}
		batch := make([]T, 0, pipelineBatch)
		for v, err := range seq {
			if err != nil {
				done <- err
				return
			}
			if batch = append(batch, v); len(batch) == pipelineBatch {
				if !send(batch) {
					return
				}
				batch = make([]T, 0, pipelineBatch)
			}
		}
		if len(batch) > 0 && !send(batch) {
			return
		}
		done <- nil
	}()
	for b := range batches {
		for _, v := range b {
			fn(v)
		}
	}
	return <-done
}
