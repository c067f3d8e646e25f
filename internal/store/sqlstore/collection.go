package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// collection is store.Collection for one record kind in one transaction.
type collection[T any, P recordPtr[T]] struct {
	t *tx
	d *desc[T, P]
}

func newCollection[T any, P recordPtr[T]](t *tx, d *desc[T, P]) *collection[T, P] {
	return &collection[T, P]{t: t, d: d}
}

// stored is a record as it is in the database.
type stored struct {
	id               string
	version          int64
	created, updated time.Time
	status           planning.Status // for statusful kinds
	doc              []byte          // the JSON document exactly as written
}

const rowCols = "id, version, created_at, updated_at, doc"

func (c *collection[T, P]) selectWhere() *sqlBuilder {
	return c.t.d.build().sql("SELECT " + rowCols + " FROM " + quote(c.d.table) + " WHERE company_id = ").arg(c.t.company.ID)
}

// scan reads one row into a record and its stored form.
func (c *collection[T, P]) scan(rows interface{ Scan(...any) error }) (T, stored, error) {
	var v T
	var s stored
	var m planning.Meta
	if err := rows.Scan(&s.id, &s.version, timeScanner{&m.CreatedAt}, timeScanner{&m.UpdatedAt}, &s.doc); err != nil {
		return v, s, err
	}
	if err := json.Unmarshal(s.doc, &v); err != nil {
		return v, s, fmt.Errorf("read %s %s: %w", c.d.kind.Label(), s.id, err)
	}
	m.ID, m.Version = s.id, s.version
	*P(&v).GetMeta() = m
	s.created, s.updated = m.CreatedAt, m.UpdatedAt
	if c.d.statusful {
		s.status = c.d.status(P(&v))
	}
	return v, s, nil
}

func (c *collection[T, P]) one(ctx context.Context, b *sqlBuilder, by, val string) (T, stored, error) {
	v, s, err := c.scan(c.t.q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		err = &store.NotFoundError{Kind: c.d.kind, By: by, Val: val}
	}
	return v, s, err
}

// Get implements store.Collection.
func (c *collection[T, P]) Get(ctx context.Context, id string) (T, error) {
	if _, err := uuid.Parse(id); err != nil {
		var zero T
		return zero, &store.NotFoundError{Kind: c.d.kind, By: "id", Val: id}
	}
	v, _, err := c.one(ctx, c.selectWhere().sql(" AND id = ").arg(id), "id", id)
	return v, err
}

// GetByKey implements store.Collection.
func (c *collection[T, P]) GetByKey(ctx context.Context, key string) (T, error) {
	if c.d.keyCol == "" {
		var zero T
		return zero, fmt.Errorf("%s records have no external key", c.d.kind.Label())
	}
	v, _, err := c.one(ctx, c.selectWhere().sql(" AND "+c.d.keyCol+" = ").arg(key), c.d.keyCol, key)
	if err == nil {
		c.seen(P(&v))
	}
	return v, err
}

// seen notes, in a write transaction, that a group, job title or tag read
// exists, so that the reference checks of the records written next in the
// same transaction need not look it up again (the company's write lock keeps
// it there; Delete forgets it).
func (c *collection[T, P]) seen(p P) {
	if c.t.write && c.d.keyCol == "code" {
		c.t.remember(c.d.kind, p.Key())
	}
}

// where appends q's filters.
func (c *collection[T, P]) where(b *sqlBuilder, q store.Query) error {
	d := c.t.d
	if q.After != "" {
		b.sql(" AND id > ").arg(q.After)
	}
	if !q.UpdatedAfter.IsZero() {
		b.sql(" AND updated_at > ").arg(d.ts(q.UpdatedAfter))
	}
	if !q.UpdatedBefore.IsZero() {
		b.sql(" AND updated_at < ").arg(d.ts(q.UpdatedBefore))
	}
	if !q.CreatedAfter.IsZero() {
		b.sql(" AND created_at > ").arg(d.ts(q.CreatedAfter))
	}
	has := func(col string) bool {
		for _, cl := range c.d.cols {
			if cl.name == col {
				return true
			}
		}
		return false
	}
	filter := func(col, val string) error {
		if val == "" {
			return nil
		}
		if !has(col) {
			return fmt.Errorf("%s records cannot be filtered by %s", c.d.kind.Label(), col)
		}
		b.sql(" AND " + col + " = ").arg(val)
		return nil
	}
	if len(q.Keys) > 0 {
		if c.d.keyCol == "" {
			return fmt.Errorf("%s records have no external key", c.d.kind.Label())
		}
		b.sql(" AND " + c.d.keyCol + " IN ").in(q.Keys)
	}
	oneOf := func(col string, vals []string) error {
		if len(vals) == 0 {
			return nil
		}
		if !has(col) {
			return fmt.Errorf("%s records cannot be filtered by %s", c.d.kind.Label(), col)
		}
		b.sql(" AND " + col + " IN ").in(vals)
		return nil
	}
	emails := make([]string, len(q.Emails))
	for i, e := range q.Emails {
		emails[i] = planning.NormalizeEmail(e)
	}
	return errors.Join(filter("status", string(q.Status)), filter("email", planning.NormalizeEmail(q.Email)),
		filter("person_id", q.PersonID), filter("project_id", q.ProjectID),
		oneOf("email", emails), oneOf("mobile_phone", q.MobilePhones))
}

// List implements store.Collection. Rows stream from the database; nothing is
// collected in memory.
func (c *collection[T, P]) List(ctx context.Context, q store.Query) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := c.listRows(ctx, rowCols, q)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			v, _, err := c.scan(rows)
			if err == nil {
				c.seen(P(&v))
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, err)
		}
	}
}

// ListRaw implements store.RawLister: the stored documents are the records'
// JSON, Meta included (see withMeta). Only the document column is read, into
// one reused buffer.
func (c *collection[T, P]) ListRaw(ctx context.Context, q store.Query) iter.Seq2[json.RawMessage, error] {
	return func(yield func(json.RawMessage, error) bool) {
		rows, err := c.listRows(ctx, "doc", q)
		if err != nil {
			yield(nil, err)
			return
		}
		defer rows.Close()
		var doc sql.RawBytes
		for rows.Next() {
			err := rows.Scan(&doc)
			if !yield(json.RawMessage(doc), err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// pageRaw is Store.PageRaw for this kind: the page's documents and, in the
// same statement, the count of every match (a scalar subquery, computed
// once). A page past the end has no row to carry the count: it is counted
// apart then.
func (c *collection[T, P]) pageRaw(ctx context.Context, q store.Query, fn func(json.RawMessage) error) (int, error) {
	table := quote(c.d.table)
	b := c.t.d.build().sql("SELECT doc, (SELECT count(*) FROM " + table + " WHERE company_id = ").arg(c.t.company.ID)
	if err := c.where(b, q); err != nil {
		return 0, err
	}
	b.sql(") FROM " + table + " WHERE company_id = ").arg(c.t.company.ID)
	if err := c.where(b, q); err != nil {
		return 0, err
	}
	b.sql(" ORDER BY id")
	if q.Limit > 0 {
		b.sql(" LIMIT ").arg(q.Limit)
	}
	if q.Offset > 0 {
		if q.Limit <= 0 && !c.t.d.postgres() {
			b.sql(" LIMIT -1")
		}
		b.sql(" OFFSET ").arg(q.Offset)
	}
	rows, err := c.t.s.rc.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	total, n := 0, 0
	var doc sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&doc, &total); err != nil {
			return 0, err
		}
		n++
		if err := fn(json.RawMessage(doc)); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if n > 0 {
		return total, nil
	}
	cb := c.t.d.build().sql("SELECT count(*) FROM " + table + " WHERE company_id = ").arg(c.t.company.ID)
	if err := c.where(cb, q); err != nil {
		return 0, err
	}
	err = c.t.s.rc.QueryRowContext(ctx, cb.String(), cb.args...).Scan(&total)
	return total, err
}

// listRows runs List's query for the columns cols. A page past the first
// (Offset) is found in an inner query that reads only the index on
// (company_id, id) when no other filter applies, and only its rows are read
// whole: skipping rows costs no table reads.
func (c *collection[T, P]) listRows(ctx context.Context, cols string, q store.Query) (*sql.Rows, error) {
	table := quote(c.d.table)
	b := c.t.d.build().sql("SELECT " + cols + " FROM " + table + " WHERE company_id = ").arg(c.t.company.ID)
	if q.Offset > 0 {
		b.sql(" AND id IN (SELECT id FROM " + table + " WHERE company_id = ").arg(c.t.company.ID)
	}
	if err := c.where(b, q); err != nil {
		return nil, err
	}
	b.sql(" ORDER BY id")
	if q.Limit > 0 {
		b.sql(" LIMIT ").arg(q.Limit)
	}
	if q.Offset > 0 {
		if q.Limit <= 0 && !c.t.d.postgres() {
			b.sql(" LIMIT -1") // SQLite needs a LIMIT before OFFSET
		}
		b.sql(" OFFSET ").arg(q.Offset).sql(") ORDER BY id")
	}
	return c.t.query(ctx, b.String(), b.args...)
}

// Count implements store.Collection.
func (c *collection[T, P]) Count(ctx context.Context, q store.Query) (int, error) {
	b := c.t.d.build().sql("SELECT count(*) FROM " + quote(c.d.table) + " WHERE company_id = ").arg(c.t.company.ID)
	if err := c.where(b, q); err != nil {
		return 0, err
	}
	rows, err := c.t.query(ctx, b.String(), b.args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err == nil {
		err = rows.Err()
	}
	return n, err
}
