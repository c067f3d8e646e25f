package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// badRef is a reference to a record that does not exist.
type badRef struct {
	index int
	ref   planning.Ref
}

func (b badRef) message() string {
	if b.ref.ID != "" {
		return fmt.Sprintf("no %s with id %q in this company", b.ref.Kind.Label(), b.ref.ID)
	}
	return fmt.Sprintf("no %s with code %q in this company", b.ref.Kind.Label(), b.ref.Code)
}

// missingRefs returns the references of recs to records that do not exist. Each
// distinct value is looked up once per transaction.
func missingRefs[P planning.Record](ctx context.Context, t *tx, recs []P) ([]badRef, error) {
	type item struct {
		index int
		ref   planning.Ref
	}
	var items []item
	for i, r := range recs {
		for _, ref := range r.Refs() {
			items = append(items, item{i, ref})
		}
	}
	// Gather the values not yet known, by kind, and look them up in chunks.
	want := map[planning.Kind][]string{}
	seen := map[planning.Kind]map[string]bool{}
	for _, it := range items {
		v := it.ref.Code + it.ref.ID
		if v == "" || t.known[it.ref.Kind][v] {
			continue
		}
		if it.ref.ID != "" {
			if _, err := uuid.Parse(v); err != nil {
				continue // reported below as missing; never sent to the database
			}
		}
		if seen[it.ref.Kind] == nil {
			seen[it.ref.Kind] = map[string]bool{}
		}
		if !seen[it.ref.Kind][v] {
			seen[it.ref.Kind][v] = true
			want[it.ref.Kind] = append(want[it.ref.Kind], v)
		}
	}
	for kind, vals := range want {
		table, col := tableOf(kind)
		for start := 0; start < len(vals); start += chunk {
			part := vals[start:min(start+chunk, len(vals))]
			b := t.d.lookup([]string{col}, table, col, t.company.ID, part)
			rows, err := t.q.QueryContext(ctx, b.String(), b.args...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return nil, err
				}
				t.remember(kind, v)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	var bad []badRef
	for _, it := range items {
		v := it.ref.Code + it.ref.ID
		if v != "" && !t.known[it.ref.Kind][v] {
			bad = append(bad, badRef{it.index, it.ref})
		}
	}
	return bad, nil
}

// clash is a unique value of record index already held by another record.
type clash struct {
	index int
	err   *store.KeyClashError
}

func clashMessage(e *store.KeyClashError) string {
	return fmt.Sprintf("%q is already used by %s %s", e.Value, e.Kind.Label(), e.HeldBy)
}

// clashes finds unique values (email, phone) that recs would take from other
// records, in the database or earlier in the batch. recs' ids must be set for
// records that exist. A value moving between two records of the same batch is
// allowed: the ids of the records giving one up are returned in vacate, and their
// unique values must be cleared before the batch is written, so that the database's
// row-by-row unique checks do not see a moment where both hold it.
func (c *collection[T, P]) clashes(ctx context.Context, recs []P) (out []clash, vacate []string, err error) {
	for _, col := range c.d.cols {
		if !contains(c.d.unique, col.name) {
			continue
		}
		val := func(p P) string {
			s, _ := col.val(c.t.d, p).(string)
			return s
		}
		byID := map[string]string{} // id -> new value, for records in the batch
		first := map[string]int{}   // value -> first index in the batch
		var vals []string
		for i, p := range recs {
			v := val(p)
			if id := p.GetMeta().ID; id != "" {
				byID[id] = v
			}
			if v == "" {
				continue
			}
			if j, dup := first[v]; dup {
				out = append(out, clash{i, &store.KeyClashError{Kind: c.d.kind, Field: col.name, Value: v, Record: p.Label(),
					HeldBy: recs[j].Label() + fmt.Sprintf(" (record #%d of this batch)", j+1)}})
				continue
			}
			first[v] = i
			vals = append(vals, v)
		}
		for start := 0; start < len(vals); start += chunk {
			part := vals[start:min(start+chunk, len(vals))]
			holders, err := c.storedBy(ctx, col.name, part)
			if err != nil {
				return nil, nil, err
			}
			for v, h := range holders {
				i := first[v]
				p := recs[i]
				if h.id == p.GetMeta().ID {
					continue
				}
				if nv, moving := byID[h.id]; moving && nv != v {
					vacate = append(vacate, h.id)
					continue
				}
				var holder T
				label := h.id
				if json.Unmarshal(h.doc, &holder) == nil {
					label = P(&holder).Label()
				}
				out = append(out, clash{i, &store.KeyClashError{Kind: c.d.kind, Field: col.name, Value: v, Record: p.Label(), HeldByID: h.id, HeldBy: label}})
			}
		}
	}
	return out, vacate, nil
}

// vacate clears the unique columns of the records with ids.
func (c *collection[T, P]) vacate(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	set := ""
	for _, u := range c.d.unique {
		if set != "" {
			set += ", "
		}
		set += u + " = NULL"
	}
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		b := c.t.d.build().sql("UPDATE " + quote(c.d.table) + " SET " + set + " WHERE company_id = ").arg(c.t.company.ID).sql(" AND id IN ").in(part)
		if _, err := c.t.q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// refuseIfReferenced fails when any record of the company refers to the record of
// kind with code; what names the action refused ("delete").
func (t *tx) refuseIfReferenced(ctx context.Context, kind planning.Kind, code, what string) error {
	for _, from := range referrers[kind] {
		table, _ := tableOf(from)
		docCol := "doc"
		if t.d.postgres() {
			docCol = "doc::text"
		}
		// The text search narrows the rows; Refs decides.
		b := t.d.build().sql("SELECT doc FROM " + quote(table) + " WHERE company_id = ").arg(t.company.ID).
			sql(" AND " + docCol + " LIKE ").arg("%" + likeEscape(mustJSONString(code)) + "%").sql(` ESCAPE '\'`)
		rows, err := t.q.QueryContext(ctx, b.String(), b.args...)
		if err != nil {
			return err
		}
		n, label := 0, ""
		for rows.Next() {
			var doc []byte
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return err
			}
			r, err := decodeRecord(from, doc)
			if err != nil {
				rows.Close()
				return err
			}
			for _, ref := range r.Refs() {
				if ref.Kind == kind && ref.Code == code {
					if n == 0 {
						label = r.Label()
					}
					n++
					break
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n > 0 {
			more := ""
			if n > 1 {
				more = fmt.Sprintf(" and %d more", n-1)
			}
			return &store.InUseError{Kind: kind, Code: code, Action: what, By: from, Example: label + more, Count: n}
		}
	}
	return nil
}

func mustJSONString(s string) string { return string(mustJSON(s)) }

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func decodeRecord(kind planning.Kind, doc []byte) (planning.Record, error) {
	var r planning.Record
	switch kind {
	case planning.KindJobTitle:
		r = &planning.JobTitle{}
	case planning.KindTag:
		r = &planning.Tag{}
	case planning.KindPerson:
		r = &planning.Person{}
	case planning.KindProject:
		r = &planning.Project{}
	case planning.KindResourceRequest:
		r = &planning.ResourceRequest{}
	default:
		return nil, fmt.Errorf("decode %s: not a referring kind", kind)
	}
	return r, json.Unmarshal(doc, r)
}

// endAssignments ends the assignments of deactivated people or projects (col is
// person_id or project_id) on the company's today: those running past today end
// today, those that would start later are removed.
func (t *tx) endAssignments(ctx context.Context, col string, ids []string) error {
	today := t.today()
	a := t.assignments
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		b := a.selectWhere().sql(" AND " + col + " IN ").in(part).sql(" AND end_day > ").arg(t.d.day(today))
		rows, err := t.q.QueryContext(ctx, b.String(), b.args...)
		if err != nil {
			return err
		}
		var ends, drops []pending[*planning.Assignment]
		for rows.Next() {
			v, s, err := a.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			v.GetMeta().Version = 0
			if v.StartDay.After(today) {
				drops = append(drops, pending[*planning.Assignment]{rec: &v, old: &s})
			} else {
				v.EndDay = today
				ends = append(ends, pending[*planning.Assignment]{rec: &v, old: &s})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := a.apply(ctx, ends); err != nil {
			return fmt.Errorf("end assignments: %w", err)
		}
		if err := a.remove(ctx, drops); err != nil {
			return fmt.Errorf("remove future assignments: %w", err)
		}
	}
	return nil
}

// explainWriteError turns a unique-constraint failure into a plain message. The
// store checks keys before writing, so this is the backstop for races and for
// values swapped between records within one statement.
func (t *tx) explainWriteError(err error, kind planning.Kind) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%s: a unique value is already used by another record (%s); %w", kind.Label(), pgErr.ConstraintName, err)
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("%s: a unique value is already used by another record; %w", kind.Label(), err)
	}
	return err
}
