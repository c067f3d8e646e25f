package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"
	"unicode/utf8"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Recipients' tokens, what they may read, and the access log.

const tokenCols = "id, user_id, name, kind, hash, created_at, expires_at, revoked_at, last_used_at"

func scanToken(sc interface{ Scan(...any) error }) (store.ShareToken, error) {
	var t store.ShareToken
	err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Kind, &t.Hash, timeScanner{&t.CreatedAt}, timeScanner{&t.ExpiresAt},
		timeScanner{&t.RevokedAt}, timeScanner{&t.LastUsedAt})
	return t, err
}

// tsOrNull binds an instant, or NULL for the zero time.
func (d *dialect) tsOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.ts(t)
}

func validTokenID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CreateShareToken implements store.Store.
func (s *Store) CreateShareToken(ctx context.Context, t store.ShareToken, by store.Actor) (store.ShareToken, error) {
	var errs planning.Errors
	if !validTokenID(t.ID) {
		errs.Add("id", "%q is not a token id; use up to 64 letters, digits, '-' or '_'", t.ID)
	}
	if len(t.Hash) == 0 {
		errs.Add("hash", "is required")
	}
	if t.Kind == "" {
		t.Kind = store.TokenBearer
	}
	if t.Kind != store.TokenBearer && t.Kind != store.TokenClient {
		errs.Add("kind", "%q is not a token kind; use %s or %s", t.Kind, store.TokenBearer, store.TokenClient)
	}
	if n := utf8.RuneCountInString(t.Name); n > 200 {
		errs.Add("name", "is too long (%d characters; at most 200)", n)
	}
	if len(errs) > 0 {
		return t, &planning.InvalidError{Records: []planning.InvalidRecord{{Kind: planning.KindShareToken, Key: t.ID, Errors: errs}}}
	}
	u, err := s.User(ctx, t.UserID)
	if err != nil {
		return t, err
	}
	t.UserID = u.ID
	t.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	t.ExpiresAt = truncUTC(t.ExpiresAt)
	t.RevokedAt, t.LastUsedAt = time.Time{}, time.Time{}
	err = s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		b := s.d.build().sql("INSERT INTO share_tokens (id, user_id, name, kind, hash, created_at, expires_at) VALUES (").
			arg(t.ID).sql(", ").arg(t.UserID).sql(", ").arg(t.Name).sql(", ").arg(t.Kind).sql(", ").arg(t.Hash).sql(", ").
			arg(s.d.ts(t.CreatedAt)).sql(", ").arg(s.d.tsOrNull(t.ExpiresAt)).sql(")")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("create share token %s: %w", t.ID, err)
		}
		// The history names the token by id under its user; the hash is not
		// marshaled (json:"-").
		record(historyRow{entity: planning.KindShareToken, entityID: t.UserID, key: t.ID, op: store.OpCreate, version: 1, after: mustJSON(t)})
		return nil
	})
	return t, err
}

func truncUTC(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (s *Store) shareToken(ctx context.Context, q querier, id string) (store.ShareToken, error) {
	b := s.d.build().sql("SELECT " + tokenCols + " FROM share_tokens WHERE id = ").arg(id)
	t, err := scanToken(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return t, &store.NotFoundError{Kind: planning.KindShareToken, By: "id", Val: id}
	}
	return t, err
}

// ShareToken implements store.Store.
func (s *Store) ShareToken(ctx context.Context, id string) (store.ShareToken, error) {
	return s.shareToken(ctx, s.rc, id)
}

// ShareTokens implements store.Store.
func (s *Store) ShareTokens(ctx context.Context, userID string) ([]store.ShareToken, error) {
	if !isUUID(userID) {
		return nil, nil
	}
	b := s.d.build().sql("SELECT " + tokenCols + " FROM share_tokens WHERE user_id = ").arg(userID).sql(" ORDER BY created_at, id")
	rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ShareToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeShareToken implements store.Store.
func (s *Store) RevokeShareToken(ctx context.Context, id string, by store.Actor) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		before, err := s.shareToken(ctx, q, id)
		if err != nil || !before.RevokedAt.IsZero() {
			return err
		}
		b := s.d.build().sql("UPDATE share_tokens SET revoked_at = ").arg(s.d.ts(now)).sql(" WHERE id = ").arg(id)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("revoke share token %s: %w", id, err)
		}
		after := before
		after.RevokedAt = now
		record(historyRow{entity: planning.KindShareToken, entityID: before.UserID, key: id, op: store.OpUpdate, version: 1,
			before: mustJSON(before), after: mustJSON(after)})
		return nil
	})
}

// touchEvery is how often a token's last use is written at most.
const touchEvery = time.Minute

// TouchShareToken implements store.Store.
func (s *Store) TouchShareToken(ctx context.Context, id string, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	if prev, ok := s.touched.Load(id); ok && at.Sub(prev.(time.Time)) < touchEvery {
		return nil // written less than a minute before at (or after it)
	}
	b := s.d.build().sql("UPDATE share_tokens SET last_used_at = ").arg(s.d.ts(at)).sql(" WHERE id = ").arg(id).
		sql(" AND (last_used_at IS NULL OR last_used_at < ").arg(s.d.ts(at)).sql(")")
	if _, err := s.w.ExecContext(ctx, b.String(), b.args...); err != nil {
		return fmt.Errorf("record use of share token %s: %w", id, err)
	}
	s.touched.Store(id, at)
	return nil
}

// RecipientAccess implements store.Store.
func (s *Store) RecipientAccess(ctx context.Context, userID string) ([]store.CompanyAccess, error) {
	if !isUUID(userID) {
		return nil, nil
	}
	// The membership by its primary key (user_id first), the companies by theirs,
	// and the person by people_email (company_id, email).
	b := s.d.build().sql(`SELECT c.id, c.slug, c.name, c.timezone, c.sandbox_of, c.hub_managed, c.created_at, m.permission
FROM memberships m
JOIN users u ON u.id = m.user_id
JOIN companies c ON c.id = m.company_id
WHERE m.user_id = `).arg(userID).sql(" AND m.analytics = ").arg(s.d.boolean(true)).sql(`
AND NOT EXISTS (SELECT 1 FROM people p WHERE p.company_id = m.company_id AND p.email = u.email AND p.status = `).
		arg(string(planning.StatusInactive)).sql(`)
ORDER BY c.slug`)
	rows, err := s.rc.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CompanyAccess
	for rows.Next() {
		var a store.CompanyAccess
		var sandbox sql.NullString
		if err := rows.Scan(&a.Company.ID, &a.Company.Slug, &a.Company.Name, &a.Company.Timezone, &sandbox,
			boolScanner{&a.Company.HubManaged}, timeScanner{&a.Company.CreatedAt}, &a.Permission); err != nil {
			return nil, err
		}
		a.Company.SandboxOf = sandbox.String
		out = append(out, a)
	}
	return out, rows.Err()
}

// LogSharingAccess implements store.Store.
func (s *Store) LogSharingAccess(ctx context.Context, e store.SharingAccess) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	b := s.d.build().sql(`INSERT INTO sharing_access_log (at, user_id, token_id, method, path, share, share_key, schema_name, table_name,
status, files, bytes, duration_ns, remote) VALUES (`).arg(s.d.ts(e.At)).sql(", ").arg(nullable(e.UserID)).sql(", ").
		arg(nullable(e.TokenID)).sql(", ").arg(e.Method).sql(", ").arg(e.Path).sql(", ").arg(nullable(e.Share)).sql(", ").
		arg(nullable(store.NameKey(e.Share))).sql(", ").arg(nullable(e.Schema)).sql(", ").arg(nullable(e.Table)).sql(", ").
		arg(e.Status).sql(", ").arg(e.Files).sql(", ").arg(e.Bytes).sql(", ").arg(int64(e.Duration)).sql(", ").arg(nullable(e.Remote)).sql(")")
	if _, err := s.w.ExecContext(ctx, b.String(), b.args...); err != nil {
		return fmt.Errorf("write the sharing access log: %w", err)
	}
	return nil
}

// SharingAccessLog implements store.Store.
func (s *Store) SharingAccessLog(ctx context.Context, q store.SharingAccessQuery) iter.Seq2[store.SharingAccess, error] {
	return func(yield func(store.SharingAccess, error) bool) {
		b := s.d.build().sql(`SELECT at, user_id, token_id, method, path, share, schema_name, table_name, status, files, bytes, duration_ns, remote
FROM sharing_access_log WHERE 1 = 1`)
		if q.UserID != "" {
			b.sql(" AND user_id = ").arg(q.UserID)
		}
		if q.Share != "" {
			b.sql(" AND share_key = ").arg(store.NameKey(q.Share))
		}
		if !q.Since.IsZero() {
			b.sql(" AND at >= ").arg(s.d.ts(q.Since))
		}
		b.sql(" ORDER BY at DESC, id DESC")
		if q.Limit > 0 {
			b.sql(" LIMIT ").arg(q.Limit)
		}
		rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
		if err != nil {
			yield(store.SharingAccess{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var e store.SharingAccess
			var user, token, share, schema, table, remote sql.NullString
			var dur int64
			if err := rows.Scan(timeScanner{&e.At}, &user, &token, &e.Method, &e.Path, &share, &schema, &table, &e.Status,
				&e.Files, &e.Bytes, &dur, &remote); err != nil {
				yield(store.SharingAccess{}, err)
				return
			}
			e.UserID, e.TokenID, e.Share, e.Schema, e.Table, e.Remote = user.String, token.String, share.String, schema.String, table.String, remote.String
			e.Duration = time.Duration(dur)
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(store.SharingAccess{}, err)
		}
	}
}
