package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Shares and the tables they list. Names are compared through a lower-cased key
// column (store.NameKey), computed here in Go so both databases fold case alike.

const shareCols = "s.id, s.company_id, s.name, s.kind, s.comment, s.created_at"

func scanShare(sc interface{ Scan(...any) error }) (store.Share, error) {
	var sh store.Share
	var kind string
	err := sc.Scan(&sh.ID, &sh.CompanyID, &sh.Name, &kind, &sh.Comment, timeScanner{&sh.CreatedAt})
	sh.Default = kind == "company"
	return sh, err
}

func (s *Store) queryShares(ctx context.Context, q querier, b *sqlBuilder) ([]store.Share, error) {
	rows, err := q.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Share
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// Shares implements store.Store.
func (s *Store) Shares(ctx context.Context, companyID string) ([]store.Share, error) {
	if !isUUID(companyID) {
		return nil, nil
	}
	return s.queryShares(ctx, s.rc, s.d.build().sql("SELECT "+shareCols+" FROM shares s WHERE s.company_id = ").arg(companyID).
		sql(" ORDER BY s.name_key"))
}

// AllShares implements store.Store.
func (s *Store) AllShares(ctx context.Context) ([]store.Share, error) {
	return s.queryShares(ctx, s.r, s.d.build().sql("SELECT "+shareCols+" FROM shares s ORDER BY s.name_key"))
}

// ShareByName implements store.Store.
func (s *Store) ShareByName(ctx context.Context, name string) (store.Share, error) {
	b := s.d.build().sql("SELECT " + shareCols + " FROM shares s WHERE s.name_key = ").arg(store.NameKey(strings.TrimSpace(name)))
	sh, err := scanShare(s.rc.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return sh, &store.NotFoundError{Kind: planning.KindShare, By: "name", Val: name}
	}
	return sh, err
}

// shareByID reads a share in q (ErrNotFound).
func (s *Store) shareByID(ctx context.Context, q querier, id string) (store.Share, error) {
	notFound := &store.NotFoundError{Kind: planning.KindShare, By: "id", Val: id}
	if !isUUID(id) {
		return store.Share{}, notFound
	}
	b := s.d.build().sql("SELECT " + shareCols + " FROM shares s WHERE s.id = ").arg(id)
	sh, err := scanShare(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return sh, notFound
	}
	return sh, err
}

// shareNameFree fails with a *store.KeyClashError naming the holder when another
// share than exceptID has name, case-insensitively.
func (s *Store) shareNameFree(ctx context.Context, q querier, name, exceptID string) error {
	b := s.d.build().sql("SELECT s.id, s.name, c.slug FROM shares s JOIN companies c ON c.id = s.company_id WHERE s.name_key = ").
		arg(store.NameKey(name))
	var id, held, slug string
	err := q.QueryRowContext(ctx, b.String(), b.args...).Scan(&id, &held, &slug)
	if errors.Is(err, sql.ErrNoRows) || err == nil && id == exceptID {
		return nil
	} else if err != nil {
		return err
	}
	return &store.KeyClashError{Kind: planning.KindShare, Field: "name", Value: name, HeldByID: id, HeldBy: held + " of company " + slug}
}

func (s *Store) insertShare(ctx context.Context, q querier, sh store.Share, record func(historyRow)) error {
	kind := "custom"
	if sh.Default {
		kind = "company"
	}
	b := s.d.build().sql("INSERT INTO shares (id, company_id, name, name_key, kind, comment, created_at) VALUES (").
		arg(sh.ID).sql(", ").arg(sh.CompanyID).sql(", ").arg(sh.Name).sql(", ").arg(store.NameKey(sh.Name)).sql(", ").
		arg(kind).sql(", ").arg(sh.Comment).sql(", ").arg(s.d.ts(sh.CreatedAt)).sql(")")
	if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
		return fmt.Errorf("create share %s: %w", sh.Name, err)
	}
	record(historyRow{companyID: sh.CompanyID, entity: planning.KindShare, entityID: sh.ID, key: sh.Name, op: store.OpCreate, version: 1, after: mustJSON(sh)})
	return nil
}

func invalidShare(key string, errs planning.Errors) error {
	return &planning.InvalidError{Records: []planning.InvalidRecord{{Kind: planning.KindShare, Key: key, Errors: errs}}}
}

// CreateShare implements store.Store.
func (s *Store) CreateShare(ctx context.Context, sh store.Share, by store.Actor) (store.Share, error) {
	sh.Normalize()
	errs := sh.Validate()
	if sh.Default {
		errs.Add("default", "a company has one default share, made with the company; create a custom share")
	}
	if len(errs) > 0 {
		return sh, invalidShare(sh.Name, errs)
	}
	c, err := s.Company(ctx, sh.CompanyID)
	if err != nil {
		return sh, err
	}
	sh.CompanyID = c.ID
	sh.ID = uuid.NewString()
	sh.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	err = s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		if err := s.shareNameFree(ctx, q, sh.Name, ""); err != nil {
			return err
		}
		return s.insertShare(ctx, q, sh, record)
	})
	return sh, err
}

// RenameShare implements store.Store.
func (s *Store) RenameShare(ctx context.Context, id, newName string, by store.Actor) error {
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		before, err := s.shareByID(ctx, q, id)
		if err != nil {
			return err
		}
		after := before
		after.Name = newName
		after.Normalize()
		if errs := after.Validate(); len(errs) > 0 {
			return invalidShare(before.Name, errs)
		}
		if after.Name == before.Name {
			return nil
		}
		if err := s.shareNameFree(ctx, q, after.Name, before.ID); err != nil {
			return err
		}
		b := s.d.build().sql("UPDATE shares SET name = ").arg(after.Name).sql(", name_key = ").arg(store.NameKey(after.Name)).
			sql(" WHERE id = ").arg(before.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("rename share %s: %w", before.Name, err)
		}
		record(historyRow{companyID: before.CompanyID, entity: planning.KindShare, entityID: before.ID, key: after.Name, op: store.OpUpdate,
			version: 1, before: mustJSON(before), after: mustJSON(after)})
		return nil
	})
}

// DeleteShare implements store.Store.
func (s *Store) DeleteShare(ctx context.Context, id string, by store.Actor) error {
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		sh, err := s.shareByID(ctx, q, id)
		if err != nil {
			return err
		}
		if sh.Default {
			return fmt.Errorf("share %s: %w", sh.Name, store.ErrDefaultShare)
		}
		tables, err := s.sharedTables(ctx, q, sh.ID)
		if err != nil {
			return err
		}
		for _, t := range tables {
			record(historyRow{companyID: sh.CompanyID, entity: planning.KindSharedTable, entityID: t.ID, key: tableKey(sh, t.Schema, t.Name),
				op: store.OpDelete, version: 1, before: mustJSON(t)})
		}
		for _, stmt := range []string{"DELETE FROM shared_tables WHERE share_id = ", "DELETE FROM shares WHERE id = "} {
			b := s.d.build().sql(stmt).arg(sh.ID)
			if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
				return fmt.Errorf("delete share %s: %w", sh.Name, err)
			}
		}
		record(historyRow{companyID: sh.CompanyID, entity: planning.KindShare, entityID: sh.ID, key: sh.Name, op: store.OpDelete, version: 1, before: mustJSON(sh)})
		return nil
	})
}

func tableKey(sh store.Share, schema, name string) string { return sh.Name + "." + schema + "." + name }

const sharedTableCols = "id, share_id, schema_name, name, hub_table, location, history, created_at"

func scanSharedTable(sc interface{ Scan(...any) error }) (store.SharedTable, error) {
	var t store.SharedTable
	var hub, loc sql.NullString
	err := sc.Scan(&t.ID, &t.ShareID, &t.Schema, &t.Name, &hub, &loc, boolScanner{&t.History}, timeScanner{&t.CreatedAt})
	t.HubTable, t.Location = hub.String, loc.String
	return t, err
}

func (s *Store) sharedTables(ctx context.Context, q querier, shareID string) ([]store.SharedTable, error) {
	if !isUUID(shareID) {
		return nil, nil
	}
	b := s.d.build().sql("SELECT " + sharedTableCols + " FROM shared_tables WHERE share_id = ").arg(shareID).sql(" ORDER BY schema_key, name_key")
	rows, err := q.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.SharedTable
	for rows.Next() {
		t, err := scanSharedTable(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SharedTables implements store.Store.
func (s *Store) SharedTables(ctx context.Context, shareID string) ([]store.SharedTable, error) {
	return s.sharedTables(ctx, s.rc, shareID)
}

// sharedTable reads one table of a share by schema and name, case-insensitively;
// found is false when there is none.
func (s *Store) sharedTable(ctx context.Context, q querier, shareID, schema, name string) (t store.SharedTable, found bool, err error) {
	b := s.d.build().sql("SELECT " + sharedTableCols + " FROM shared_tables WHERE share_id = ").arg(shareID).
		sql(" AND schema_key = ").arg(store.NameKey(schema)).sql(" AND name_key = ").arg(store.NameKey(name))
	t, err = scanSharedTable(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	return t, err == nil, err
}

// AddSharedTable implements store.Store.
func (s *Store) AddSharedTable(ctx context.Context, t store.SharedTable, by store.Actor) (store.SharedTable, error) {
	t.Normalize()
	errs := t.Validate()
	invalid := func() error {
		return &planning.InvalidError{Records: []planning.InvalidRecord{{Kind: planning.KindSharedTable, Key: t.Schema + "." + t.Name, Errors: errs}}}
	}
	if len(errs) > 0 {
		return t, invalid()
	}
	t.ID = uuid.NewString()
	t.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	err := s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		sh, err := s.shareByID(ctx, q, t.ShareID)
		if err != nil {
			return err
		}
		if sh.Default {
			if t.HubTable != "" {
				errs.Add("hub_table", "the default share %s holds every published table already; add hub tables to a custom share", sh.Name)
			}
			if store.NameKey(t.Schema) == store.DefaultSchema {
				errs.Add("schema", "%s holds the default share's published tables; use another schema", store.DefaultSchema)
			}
			if len(errs) > 0 {
				return invalid()
			}
		}
		if held, found, err := s.sharedTable(ctx, q, sh.ID, t.Schema, t.Name); err != nil {
			return err
		} else if found {
			return &store.KeyClashError{Kind: planning.KindSharedTable, Field: "name", Value: t.Schema + "." + t.Name, HeldByID: held.ID,
				HeldBy: fmt.Sprintf("%s.%s in share %s (%s)", held.Schema, held.Name, sh.Name, source(held))}
		}
		b := s.d.build().sql("INSERT INTO shared_tables (id, share_id, schema_name, name, schema_key, name_key, hub_table, location, history, created_at) VALUES (").
			arg(t.ID).sql(", ").arg(sh.ID).sql(", ").arg(t.Schema).sql(", ").arg(t.Name).sql(", ").arg(store.NameKey(t.Schema)).sql(", ").
			arg(store.NameKey(t.Name)).sql(", ").arg(nullable(t.HubTable)).sql(", ").arg(nullable(t.Location)).sql(", ").
			arg(s.d.boolean(t.History)).sql(", ").arg(s.d.ts(t.CreatedAt)).sql(")")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("add table %s to share %s: %w", t.Schema+"."+t.Name, sh.Name, err)
		}
		record(historyRow{companyID: sh.CompanyID, entity: planning.KindSharedTable, entityID: t.ID, key: tableKey(sh, t.Schema, t.Name),
			op: store.OpCreate, version: 1, after: mustJSON(t)})
		return nil
	})
	return t, err
}

// source describes where a shared table's data comes from.
func source(t store.SharedTable) string {
	if t.HubTable != "" {
		return "hub table " + t.HubTable
	}
	return "location " + t.Location
}

// RemoveSharedTable implements store.Store.
func (s *Store) RemoveSharedTable(ctx context.Context, shareID, schema, name string, by store.Actor) error {
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		sh, err := s.shareByID(ctx, q, shareID)
		if err != nil {
			return err
		}
		t, found, err := s.sharedTable(ctx, q, sh.ID, strings.TrimSpace(schema), strings.TrimSpace(name))
		if err != nil {
			return err
		}
		if !found {
			return &store.NotFoundError{Kind: planning.KindSharedTable, By: "name", Val: tableKey(sh, schema, name)}
		}
		b := s.d.build().sql("DELETE FROM shared_tables WHERE id = ").arg(t.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("remove table %s.%s from share %s: %w", t.Schema, t.Name, sh.Name, err)
		}
		record(historyRow{companyID: sh.CompanyID, entity: planning.KindSharedTable, entityID: t.ID, key: tableKey(sh, t.Schema, t.Name),
			op: store.OpDelete, version: 1, before: mustJSON(t)})
		return nil
	})
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}
