package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// chunk is how many records one lookup or write statement handles.
const chunk = 1000

// pending is a record about to be written, with what is stored for it now.
type pending[P any] struct {
	rec P
	old *stored // nil for a new record
}

// Create implements store.Collection.
func (c *collection[T, P]) Create(ctx context.Context, v T) (T, error) {
	p := P(&v)
	*p.GetMeta() = planning.Meta{}
	if !c.t.write {
		return v, store.ErrReadOnly
	}
	p.Normalize()
	if c.d.keyCol != "" && p.Key() != "" {
		if held, s, err := c.one(ctx, c.selectWhere().sql(" AND "+c.d.keyCol+" = ").arg(p.Key()), c.d.keyCol, p.Key()); err == nil {
			return v, &store.KeyClashError{Kind: c.d.kind, Field: c.d.keyCol, Value: p.Key(), Record: p.Label(), HeldByID: s.id, HeldBy: P(&held).Label()}
		} else if !isNotFound(err) {
			return v, err
		}
	}
	if err := c.checkOne(ctx, p, nil); err != nil {
		return v, err
	}
	_, err := c.apply(ctx, []pending[P]{{rec: p}})
	return v, err
}

// Update implements store.Collection.
func (c *collection[T, P]) Update(ctx context.Context, v T) (T, error) {
	p := P(&v)
	id, want := p.GetMeta().ID, p.GetMeta().Version
	cur, old, err := c.one(ctx, c.selectWhere().sql(" AND id = ").arg(id), "id", id)
	if _, perr := uuid.Parse(id); perr != nil {
		err = &store.NotFoundError{Kind: c.d.kind, By: "id", Val: id}
	}
	if err != nil {
		return v, err
	}
	if want != 0 && want != old.version {
		return v, &store.ConflictError{Kind: c.d.kind, ID: id, Label: P(&cur).Label(), Want: want, Have: old.version}
	}
	if err := c.checkOne(ctx, p, &old); err != nil {
		return v, err
	}
	if oldKey := P(&cur).Key(); c.d.keyCol != "" && oldKey != p.Key() {
		if held, s, err := c.one(ctx, c.selectWhere().sql(" AND "+c.d.keyCol+" = ").arg(p.Key()), c.d.keyCol, p.Key()); err == nil {
			return v, &store.KeyClashError{Kind: c.d.kind, Field: c.d.keyCol, Value: p.Key(), Record: p.Label(), HeldByID: s.id, HeldBy: P(&held).Label()}
		} else if !isNotFound(err) {
			return v, err
		}
		if c.d.keyCol == "code" {
			if err := c.t.refuseIfReferenced(ctx, c.d.kind, oldKey, "change the code of"); err != nil {
				return v, err
			}
		}
	}
	_, err = c.apply(ctx, []pending[P]{{rec: p, old: &old}})
	return v, err
}

// Upsert implements store.Collection.
func (c *collection[T, P]) Upsert(ctx context.Context, items []T) (store.UpsertResult, error) {
	if c.d.keyCol == "" {
		return store.UpsertResult{}, fmt.Errorf("%s records have no external key to upsert by; create them instead", c.d.kind.Label())
	}
	if !c.t.write {
		return store.UpsertResult{}, store.ErrReadOnly
	}
	recs := make([]P, len(items))
	for i := range items {
		recs[i] = P(&items[i])
	}
	invalid, err := c.check(ctx, recs)
	if err != nil {
		return store.UpsertResult{}, err
	}
	// Same key twice in one batch: the later would silently win.
	first := make(map[string]int, len(recs))
	for i, p := range recs {
		if j, dup := first[p.Key()]; dup && p.Key() != "" {
			invalid = addProblem(invalid, c.d.kind, i, p.Key(), c.d.keyCol, fmt.Sprintf("%q is also used by record #%d of this batch", p.Key(), j+1))
		} else {
			first[p.Key()] = i
		}
	}
	work := make([]pending[P], len(recs))
	for start := 0; start < len(recs); start += chunk {
		part := recs[start:min(start+chunk, len(recs))]
		keys := make([]string, len(part))
		for i, p := range part {
			keys[i] = p.Key()
		}
		olds, err := c.storedBy(ctx, c.d.keyCol, keys)
		if err != nil {
			return store.UpsertResult{}, err
		}
		for i, p := range part {
			w := &work[start+i]
			w.rec = p
			if o, ok := olds[p.Key()]; ok {
				w.old = o
				if want := p.GetMeta().Version; want != 0 && want != o.version {
					return store.UpsertResult{}, &store.ConflictError{Kind: c.d.kind, ID: o.id, Label: p.Label(), Want: want, Have: o.version}
				}
				p.GetMeta().ID = o.id
			} else {
				p.GetMeta().ID = ""
			}
		}
	}
	clashes, vacate, err := c.clashes(ctx, recs)
	if err != nil {
		return store.UpsertResult{}, err
	}
	for _, cl := range clashes {
		invalid = addProblem(invalid, c.d.kind, cl.index, recs[cl.index].Key(), cl.err.Field, clashMessage(cl.err))
	}
	if len(invalid) > 0 {
		slices.SortStableFunc(invalid, func(a, b planning.InvalidRecord) int { return a.Index - b.Index })
		return store.UpsertResult{}, &planning.InvalidError{Records: invalid}
	}
	if err := c.vacate(ctx, vacate); err != nil {
		return store.UpsertResult{}, err
	}
	return c.apply(ctx, work)
}

// Delete implements store.Collection.
func (c *collection[T, P]) Delete(ctx context.Context, id string) error {
	if c.d.statusful {
		return store.ErrNotDeletable
	}
	if !c.t.write {
		return store.ErrReadOnly
	}
	if _, err := uuid.Parse(id); err != nil {
		return &store.NotFoundError{Kind: c.d.kind, By: "id", Val: id}
	}
	cur, old, err := c.one(ctx, c.selectWhere().sql(" AND id = ").arg(id), "id", id)
	if err != nil {
		return err
	}
	if c.d.keyCol == "code" {
		if err := c.t.refuseIfReferenced(ctx, c.d.kind, P(&cur).Key(), "delete"); err != nil {
			return err
		}
		delete(c.t.known[c.d.kind], P(&cur).Key())
		c.t.groupTZ = nil
	}
	return c.remove(ctx, []pending[P]{{rec: P(&cur), old: &old}})
}

// checkOne runs the batch checks on one record and turns a lone key clash into a
// *store.KeyClashError.
func (c *collection[T, P]) checkOne(ctx context.Context, p P, old *stored) error {
	if !c.t.write {
		return store.ErrReadOnly
	}
	invalid, err := c.check(ctx, []P{p})
	if err != nil {
		return err
	}
	if old != nil {
		p.GetMeta().ID = old.id
	}
	clashes, _, err := c.clashes(ctx, []P{p})
	if err != nil {
		return err
	}
	if len(invalid) == 0 && len(clashes) > 0 {
		return clashes[0].err
	}
	for _, cl := range clashes {
		invalid = addProblem(invalid, c.d.kind, 0, p.Key(), cl.err.Field, clashMessage(cl.err))
	}
	if len(invalid) > 0 {
		return &planning.InvalidError{Records: invalid}
	}
	return nil
}

// check normalizes and validates records and checks their references, returning
// every problem found.
func (c *collection[T, P]) check(ctx context.Context, recs []P) ([]planning.InvalidRecord, error) {
	var invalid []planning.InvalidRecord
	for i, p := range recs {
		p.Normalize()
		if c.d.prepare != nil {
			if err := c.d.prepare(ctx, c.t, p); err != nil {
				return nil, err
			}
		}
		if errs := p.Validate(); len(errs) > 0 {
			invalid = append(invalid, planning.InvalidRecord{Kind: c.d.kind, Index: i, Key: p.Key(), Errors: errs})
		}
	}
	bad, err := missingRefs(ctx, c.t, recs)
	if err != nil {
		return nil, err
	}
	for _, b := range bad {
		invalid = addProblem(invalid, c.d.kind, b.index, recs[b.index].Key(), b.ref.Field, b.message())
	}
	return invalid, nil
}

// addProblem adds a field error to the record at index, creating its entry if needed.
func addProblem(invalid []planning.InvalidRecord, kind planning.Kind, index int, key, field, msg string) []planning.InvalidRecord {
	for i := range invalid {
		if invalid[i].Index == index {
			invalid[i].Errors.Add(field, "%s", msg)
			return invalid
		}
	}
	r := planning.InvalidRecord{Kind: kind, Index: index, Key: key}
	r.Errors.Add(field, "%s", msg)
	return append(invalid, r)
}

// storedBy loads the stored rows whose column col has one of vals, keyed by value.
func (c *collection[T, P]) storedBy(ctx context.Context, col string, vals []string) (map[string]*stored, error) {
	out := make(map[string]*stored, len(vals))
	if len(vals) == 0 {
		return out, nil
	}
	sel := []string{col, "id", "version", "created_at", "updated_at", "doc"}
	if c.d.statusful {
		sel = append(sel, "status")
	}
	b := c.t.d.lookup(sel, c.d.table, col, c.t.company.ID, vals)
	rows, err := c.t.q.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		s := &stored{}
		dest := []any{&k, &s.id, &s.version, timeScanner{&s.created}, timeScanner{&s.updated}, &s.doc}
		if c.d.statusful {
			dest = append(dest, &s.status)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, rows.Err()
}

// content is a record's JSON without its Meta, for telling whether it changed.
func content[P planning.Record](p P) []byte {
	m := *p.GetMeta()
	*p.GetMeta() = planning.Meta{}
	b, err := json.Marshal(p)
	*p.GetMeta() = m
	if err != nil {
		panic(fmt.Sprintf("encode %s: %v", p.Kind(), err)) // records are plain data
	}
	return b
}

// sameContent reports whether a stored document holds body, a record encoded
// without Meta. Documents are stored exactly as withMeta wrote them (JSON text, not
// a binary form that reorders keys), so comparing the bytes after the Meta fields is
// enough; a document written otherwise is decoded and re-encoded.
func (c *collection[T, P]) sameContent(doc, body []byte) (bool, error) {
	if rest, ok := afterMeta(doc); ok {
		if rest[0] == '}' {
			return string(body) == "{}", nil
		}
		return len(body) > 1 && body[0] == '{' && bytes.Equal(rest[1:], body[1:]), nil
	}
	var prev T
	if err := json.Unmarshal(doc, &prev); err != nil {
		return false, fmt.Errorf("read %s document: %w", c.d.kind.Label(), err)
	}
	return bytes.Equal(content(P(&prev)), body), nil
}

// afterMeta returns what follows the Meta fields of a document written by withMeta:
// "}" or "," and the record's other fields. ok is false when doc does not start the
// way withMeta writes.
func afterMeta(doc []byte) (rest []byte, ok bool) {
	const lead = `"updated_at":"`
	if !bytes.HasPrefix(doc, []byte(`{"id":"`)) {
		return nil, false
	}
	i := bytes.Index(doc, []byte(lead))
	if i < 0 {
		return nil, false
	}
	j := bytes.IndexByte(doc[i+len(lead):], '"')
	if j < 0 {
		return nil, false
	}
	rest = doc[i+len(lead)+j+1:]
	if len(rest) == 0 || (rest[0] != '}' && rest[0] != ',') {
		return nil, false
	}
	return rest, true
}

// withMeta is a record's JSON document: its Meta's fields followed by body, the
// record encoded without Meta (see content). It equals json.Marshal of the record,
// whose embedded Meta comes first, and saves encoding the record twice.
func withMeta(m planning.Meta, body []byte) []byte {
	mj, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("encode meta: %v", err)) // plain data
	}
	if len(body) <= 2 || len(mj) <= 2 { // "{}": nothing to join
		if len(mj) <= 2 {
			return body
		}
		return mj
	}
	out := make([]byte, 0, len(mj)+len(body))
	out = append(out, mj[:len(mj)-1]...)
	out = append(out, ',')
	return append(out, body[1:]...)
}

// apply writes records (creates and updates) and their history. Records equal to
// what is stored are left alone and counted as unchanged.
func (c *collection[T, P]) apply(ctx context.Context, work []pending[P]) (store.UpsertResult, error) {
	var res store.UpsertResult
	now := c.t.now
	rows := make([]P, 0, min(len(work), chunk))
	hist := make([]historyRow, 0, min(len(work), chunk))
	var deactivated []string
	for start := 0; start < len(work); start += chunk {
		rows, hist = rows[:0], hist[:0]
		for _, w := range work[start:min(start+chunk, len(work))] {
			p, m := w.rec, w.rec.GetMeta()
			body := content(p)
			h := historyRow{companyID: c.t.company.ID, entity: c.d.kind, key: p.Key()}
			if w.old == nil {
				*m = planning.Meta{ID: newID(), Version: 1, CreatedAt: now, UpdatedAt: now}
				h.op = store.OpCreate
			} else {
				o := w.old
				same, err := c.sameContent(o.doc, body)
				if err != nil {
					return res, err
				}
				if same {
					*m = planning.Meta{ID: o.id, Version: o.version, CreatedAt: o.created, UpdatedAt: o.updated}
					res.Unchanged++
					continue
				}
				*m = planning.Meta{ID: o.id, Version: o.version + 1, CreatedAt: o.created, UpdatedAt: now}
				h.op, h.before = store.OpUpdate, o.doc
				if c.d.statusful && o.status != planning.StatusInactive && c.d.status(p) == planning.StatusInactive {
					deactivated = append(deactivated, o.id)
				}
			}
			doc := withMeta(*m, body)
			h.entityID, h.version, h.after = m.ID, m.Version, doc
			rows = append(rows, p)
			hist = append(hist, h)
			if h.op == store.OpCreate {
				res.Created++
			} else {
				res.Updated++
			}
		}
		if err := c.writeRows(ctx, rows, hist); err != nil {
			return res, err
		}
		if err := writeHistory(ctx, c.t, hist); err != nil {
			return res, fmt.Errorf("record history of %s: %w", c.d.kind.Label(), err)
		}
	}
	if c.d.keyCol == "code" {
		keys := make([]string, len(work))
		for i, w := range work {
			keys[i] = w.rec.Key()
		}
		c.t.remember(c.d.kind, keys...)
		if c.d.kind == planning.KindGroup {
			c.t.groupTZ = nil
		}
	} else if c.d.statusful {
		ids := make([]string, len(work))
		for i, w := range work {
			ids[i] = w.rec.GetMeta().ID
		}
		c.t.remember(c.d.kind, ids...)
	}
	if len(deactivated) > 0 {
		if err := c.t.endAssignments(ctx, c.d.assignmentCol, deactivated); err != nil {
			return res, err
		}
	}
	return res, nil
}

// newID returns a time-ordered UUID (version 7), so new rows land at the end of
// the primary key index.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// writeRows inserts or updates rows, several per statement. History rows carry the
// JSON documents already encoded.
func (c *collection[T, P]) writeRows(ctx context.Context, recs []P, hist []historyRow) error {
	if len(recs) == 0 {
		return nil
	}
	d := c.t.d
	names := []string{"id", "company_id"}
	if c.d.keyCol != "" {
		names = append(names, c.d.keyCol)
	}
	for _, cl := range c.d.cols {
		names = append(names, cl.name)
	}
	names = append(names, "version", "created_at", "updated_at", "doc")
	types := make([]string, len(names))
	for i, n := range names {
		types[i] = pgType(n)
	}
	var tail strings.Builder
	tail.WriteString(" ON CONFLICT (id) DO UPDATE SET ")
	for i, n := range names[2:] {
		if n == "created_at" {
			continue
		}
		if i > 0 {
			tail.WriteString(", ")
		}
		tail.WriteString(n + " = excluded." + n)
	}
	company := c.t.company.ID
	row := func(idx []int) func(i int, args []any) []any {
		return func(i int, args []any) []any {
			k := idx[i]
			p, m := recs[k], recs[k].GetMeta()
			args = append(args, m.ID, company)
			if c.d.keyCol != "" {
				args = append(args, p.Key())
			}
			for _, cl := range c.d.cols {
				args = append(args, cl.val(d, p))
			}
			return append(args, m.Version, d.ts(m.CreatedAt), d.ts(m.UpdatedAt), string(hist[k].after))
		}
	}
	// New records are plain inserts: an ON CONFLICT clause makes the database take
	// its slower speculative-insertion path for every row.
	var creates, updates []int
	for i := range recs {
		if hist[i].op == store.OpCreate {
			creates = append(creates, i)
		} else {
			updates = append(updates, i)
		}
	}
	if err := c.t.insertRows(ctx, c.d.table, names, types, "", len(creates), row(creates)); err != nil {
		return c.t.explainWriteError(err, c.d.kind)
	}
	if err := c.t.insertRows(ctx, c.d.table, names, types, tail.String(), len(updates), row(updates)); err != nil {
		return c.t.explainWriteError(err, c.d.kind)
	}
	return nil
}

// remove deletes records and records their deletion.
func (c *collection[T, P]) remove(ctx context.Context, work []pending[P]) error {
	if len(work) == 0 {
		return nil
	}
	ids := make([]string, len(work))
	hist := make([]historyRow, len(work))
	for i, w := range work {
		ids[i] = w.old.id
		hist[i] = historyRow{companyID: c.t.company.ID, entity: c.d.kind, entityID: w.old.id, key: w.rec.Key(),
			op: store.OpDelete, version: w.old.version + 1, before: w.old.doc}
	}
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		b := c.t.d.build().sql("DELETE FROM " + quote(c.d.table) + " WHERE company_id = ").arg(c.t.company.ID).sql(" AND id IN ").in(part)
		if _, err := c.t.q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return err
		}
	}
	return writeHistory(ctx, c.t, hist)
}
