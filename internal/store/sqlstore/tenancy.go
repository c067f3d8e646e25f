package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// adminTx runs fn in a write transaction for changes outside one company's records
// (companies, users, memberships), recording history like every other write.
func (s *Store) adminTx(ctx context.Context, by store.Actor, fn func(q querier, record func(historyRow)) error) error {
	q, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer q.Rollback()
	var rows []historyRow
	if err := fn(q, func(r historyRow) { rows = append(rows, r) }); err != nil {
		return err
	}
	if s.d.postgres() {
		// Take the company's writer lock before the history rows get their sequence
		// numbers, as Update does, so the feed stays in commit order.
		locked := map[string]bool{}
		for _, r := range rows {
			if r.companyID != "" && !locked[r.companyID] {
				locked[r.companyID] = true
				if _, err := q.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", companyLockKey(r.companyID)); err != nil {
					return err
				}
			}
		}
	}
	ht := &tx{s: s, d: s.d, q: q, by: by, id: uuid.NewString(), now: s.now()}
	err = writeHistory(ctx, ht, rows)
	ht.closeStmts()
	if err != nil {
		return err
	}
	return q.Commit()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain types are marshaled here
	}
	return b
}

// CreateCompany implements store.Store.
func (s *Store) CreateCompany(ctx context.Context, c planning.Company, by store.Actor) (planning.Company, error) {
	c.Normalize()
	if errs := c.Validate(); len(errs) > 0 {
		return c, &planning.InvalidError{Records: []planning.InvalidRecord{{Kind: planning.KindCompany, Key: c.Slug, Errors: errs}}}
	}
	if c.SandboxOf != "" {
		if _, err := uuid.Parse(c.SandboxOf); err != nil {
			return c, &store.NotFoundError{Kind: planning.KindCompany, By: "id", Val: c.SandboxOf}
		}
	}
	c.ID = uuid.NewString()
	c.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	err := s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		var holder string
		b := s.d.build().sql("SELECT name FROM companies WHERE slug = ").arg(c.Slug)
		err := q.QueryRowContext(ctx, b.String(), b.args...).Scan(&holder)
		if err == nil {
			return &store.KeyClashError{Kind: planning.KindCompany, Field: "slug", Value: c.Slug, HeldBy: holder}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		b = s.d.build().sql("INSERT INTO companies (id, slug, name, timezone, sandbox_of, hub_managed, created_at) VALUES (").
			arg(c.ID).sql(", ").arg(c.Slug).sql(", ").arg(c.Name).sql(", ").arg(c.Timezone).sql(", ").arg(nullable(c.SandboxOf)).
			sql(", ").arg(s.d.boolean(c.HubManaged)).sql(", ").arg(s.d.ts(c.CreatedAt)).sql(")")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("create company %s: %w", c.Slug, err)
		}
		record(historyRow{companyID: c.ID, entity: planning.KindCompany, entityID: c.ID, key: c.Slug, op: store.OpCreate, version: 1, after: mustJSON(c)})
		// The company's default share, named after its slug.
		sh := store.Share{ID: uuid.NewString(), CompanyID: c.ID, Name: c.Slug, Default: true, CreatedAt: c.CreatedAt}
		if err := s.shareNameFree(ctx, q, sh.Name, ""); err != nil {
			return fmt.Errorf("company %s: its default share: %w", c.Slug, err)
		}
		return s.insertShare(ctx, q, sh, record)
	})
	return c, err
}

const companyCols = "id, slug, name, timezone, sandbox_of, hub_managed, created_at"

func scanCompany(sc interface{ Scan(...any) error }) (planning.Company, error) {
	var c planning.Company
	var sandbox sql.NullString
	err := sc.Scan(&c.ID, &c.Slug, &c.Name, &c.Timezone, &sandbox, boolScanner{&c.HubManaged}, timeScanner{&c.CreatedAt})
	c.SandboxOf = sandbox.String
	return c, err
}

// Company implements store.Store.
func (s *Store) Company(ctx context.Context, idOrSlug string) (planning.Company, error) {
	b := s.d.build().sql("SELECT " + companyCols + " FROM companies WHERE slug = ").arg(idOrSlug)
	if _, err := uuid.Parse(idOrSlug); err == nil {
		b.sql(" OR id = ").arg(idOrSlug)
	}
	c, err := scanCompany(s.rc.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, &store.NotFoundError{Kind: planning.KindCompany, By: "id or slug", Val: idOrSlug}
	}
	return c, err
}

// txCompany finds the company a transaction works on. A company's id, slug,
// time zone and sandbox_of never change once it exists, and those are all a
// transaction uses, so they are remembered (by id and by slug) instead of
// read for every transaction; HubManaged in the result may be stale, and
// callers that need it use Company.
func (s *Store) txCompany(ctx context.Context, idOrSlug string) (planning.Company, error) {
	if c, ok := s.companies.Load(idOrSlug); ok {
		return c.(planning.Company), nil
	}
	c, err := s.Company(ctx, idOrSlug)
	if err != nil {
		return c, err
	}
	s.companies.Store(c.ID, c)
	s.companies.Store(c.Slug, c)
	return c, nil
}

// Companies implements store.Store.
func (s *Store) Companies(ctx context.Context) ([]planning.Company, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+companyCols+" FROM companies ORDER BY slug")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []planning.Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetHubManaged implements store.Store.
func (s *Store) SetHubManaged(ctx context.Context, companyID string, managed bool, by store.Actor) error {
	before, err := s.Company(ctx, companyID)
	if err != nil {
		return err
	}
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		b := s.d.build().sql("UPDATE companies SET hub_managed = ").arg(s.d.boolean(managed)).sql(" WHERE id = ").arg(before.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return err
		}
		after := before
		after.HubManaged = managed
		record(historyRow{companyID: before.ID, entity: planning.KindCompany, entityID: before.ID, key: before.Slug, op: store.OpUpdate,
			version: 1, before: mustJSON(before), after: mustJSON(after)})
		return nil
	})
}

// CreateUser implements store.Store.
func (s *Store) CreateUser(ctx context.Context, u planning.User, by store.Actor) (planning.User, error) {
	u.Normalize()
	if errs := u.Validate(); len(errs) > 0 {
		return u, &planning.InvalidError{Records: []planning.InvalidRecord{{Kind: planning.KindUser, Key: u.Email, Errors: errs}}}
	}
	u.ID = uuid.NewString()
	u.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	err := s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		var holder string
		b := s.d.build().sql("SELECT name FROM users WHERE email = ").arg(u.Email)
		err := q.QueryRowContext(ctx, b.String(), b.args...).Scan(&holder)
		if err == nil {
			return &store.KeyClashError{Kind: planning.KindUser, Field: "email", Value: u.Email, HeldBy: holder}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		b = s.d.build().sql("INSERT INTO users (id, email, name, created_at) VALUES (").arg(u.ID).sql(", ").arg(u.Email).sql(", ").
			arg(u.Name).sql(", ").arg(s.d.ts(u.CreatedAt)).sql(")")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("create user %s: %w", u.Email, err)
		}
		record(historyRow{entity: planning.KindUser, entityID: u.ID, key: u.Email, op: store.OpCreate, version: 1, after: mustJSON(u)})
		return nil
	})
	return u, err
}

const userCols = "id, email, name, created_at"

func scanUser(sc interface{ Scan(...any) error }) (planning.User, error) {
	var u planning.User
	err := sc.Scan(&u.ID, &u.Email, &u.Name, timeScanner{&u.CreatedAt})
	return u, err
}

// User implements store.Store.
func (s *Store) User(ctx context.Context, idOrEmail string) (planning.User, error) {
	b := s.d.build().sql("SELECT " + userCols + " FROM users WHERE ")
	if _, err := uuid.Parse(idOrEmail); err == nil {
		b.sql("id = ").arg(idOrEmail)
	} else {
		b.sql("email = ").arg(planning.NormalizeEmail(idOrEmail))
	}
	u, err := scanUser(s.r.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return u, &store.NotFoundError{Kind: planning.KindUser, By: "id or email", Val: idOrEmail}
	}
	return u, err
}

// Users implements store.Store.
func (s *Store) Users(ctx context.Context) ([]planning.User, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+userCols+" FROM users ORDER BY email")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []planning.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetMembership implements store.Store.
func (s *Store) SetMembership(ctx context.Context, m planning.Membership, by store.Actor) error {
	if errs := m.Validate(); len(errs) > 0 {
		return &planning.InvalidError{Records: []planning.InvalidRecord{{Kind: planning.KindMembership, Errors: errs}}}
	}
	if _, err := s.User(ctx, m.UserID); err != nil {
		return err
	}
	if _, err := s.Company(ctx, m.CompanyID); err != nil {
		return err
	}
	now := s.d.ts(s.now())
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		old, err := membership(ctx, s.d, q, m.UserID, m.CompanyID)
		if err != nil {
			return err
		}
		var b *sqlBuilder
		op := store.OpCreate
		if old == nil {
			b = s.d.build().sql("INSERT INTO memberships (user_id, company_id, permission, analytics, created_at, updated_at) VALUES (").
				arg(m.UserID).sql(", ").arg(m.CompanyID).sql(", ").arg(string(m.Permission)).sql(", ").arg(s.d.boolean(m.Analytics)).
				sql(", ").arg(now).sql(", ").arg(now).sql(")")
		} else if *old == m {
			return nil
		} else {
			op = store.OpUpdate
			b = s.d.build().sql("UPDATE memberships SET permission = ").arg(string(m.Permission)).sql(", analytics = ").arg(s.d.boolean(m.Analytics)).
				sql(", updated_at = ").arg(now).sql(" WHERE user_id = ").arg(m.UserID).sql(" AND company_id = ").arg(m.CompanyID)
		}
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return err
		}
		var before []byte
		if old != nil {
			before = mustJSON(old)
		}
		record(historyRow{companyID: m.CompanyID, entity: planning.KindMembership, entityID: m.UserID, op: op, version: 1, before: before, after: mustJSON(m)})
		return nil
	})
}

func membership(ctx context.Context, d *dialect, q querier, userID, companyID string) (*planning.Membership, error) {
	m := planning.Membership{UserID: userID, CompanyID: companyID}
	b := d.build().sql("SELECT permission, analytics FROM memberships WHERE user_id = ").arg(userID).sql(" AND company_id = ").arg(companyID)
	err := q.QueryRowContext(ctx, b.String(), b.args...).Scan(&m.Permission, boolScanner{&m.Analytics})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &m, err
}

// RemoveMembership implements store.Store.
func (s *Store) RemoveMembership(ctx context.Context, userID, companyID string, by store.Actor) error {
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		old, err := membership(ctx, s.d, q, userID, companyID)
		if err != nil {
			return err
		}
		if old == nil {
			return &store.NotFoundError{Kind: planning.KindMembership, By: "user and company", Val: userID + " in " + companyID}
		}
		b := s.d.build().sql("DELETE FROM memberships WHERE user_id = ").arg(userID).sql(" AND company_id = ").arg(companyID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return err
		}
		record(historyRow{companyID: companyID, entity: planning.KindMembership, entityID: userID, op: store.OpDelete, version: 1, before: mustJSON(old)})
		return nil
	})
}

// Memberships implements store.Store.
func (s *Store) Memberships(ctx context.Context, userID string) ([]planning.Membership, error) {
	b := s.d.build().sql("SELECT m.user_id, m.company_id, m.permission, m.analytics FROM memberships m JOIN companies c ON c.id = m.company_id WHERE m.user_id = ").
		arg(userID).sql(" ORDER BY c.slug")
	rows, err := s.rc.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []planning.Membership
	for rows.Next() {
		var m planning.Membership
		if err := rows.Scan(&m.UserID, &m.CompanyID, &m.Permission, boolScanner{&m.Analytics}); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
