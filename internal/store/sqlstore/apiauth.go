package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// The REST API's OAuth clients and bearer tokens. Only hashes of secrets are
// stored; the hashes are never marshaled (json:"-"), so the change history, which
// records every client and token like other admin changes, never holds them.

// The change history's entities for API clients and tokens. The history's
// entity_id is a UUID, and client and token ids are not, so (like share tokens)
// a client and an access token are recorded under their company and a personal
// token under its user, with the client's or token's id as the entity key.
const (
	kindAPIClient planning.Kind = "api_client"
	kindAPIToken  planning.Kind = "api_token"
)

// apiNotFoundError says that no API client or token has an id. It matches
// store.ErrNotFound.
type apiNotFoundError struct {
	what string // "API client", "API token"
	id   string
}

func (e *apiNotFoundError) Error() string { return fmt.Sprintf("no %s with id %q", e.what, e.id) }

// Is makes errors.Is(err, store.ErrNotFound) true.
func (e *apiNotFoundError) Is(target error) bool { return target == store.ErrNotFound }

// maxAPIName is the longest name a client or token may have, in characters.
const maxAPIName = 200

// normalizeScopes checks scopes (at least one, each read or write) and returns
// them without repeats, read before write.
func normalizeScopes(errs *planning.Errors, scopes []store.Scope) []store.Scope {
	var out []store.Scope
	for i, s := range scopes {
		if s != store.ScopeRead && s != store.ScopeWrite {
			errs.Add(fmt.Sprintf("scopes[%d]", i), "%q is not a scope; use %s or %s", s, store.ScopeRead, store.ScopeWrite)
		}
	}
	for _, s := range []store.Scope{store.ScopeRead, store.ScopeWrite} {
		if slices.Contains(scopes, s) {
			out = append(out, s)
		}
	}
	if len(scopes) == 0 {
		errs.Add("scopes", "is required; give %s, %s or both", store.ScopeRead, store.ScopeWrite)
	}
	return out
}

// scopesText is how scopes are stored: space-separated, as OAuth writes them.
func scopesText(scopes []store.Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

func parseScopes(text string) []store.Scope {
	var out []store.Scope
	for _, f := range strings.Fields(text) {
		out = append(out, store.Scope(f))
	}
	return out
}

// scopesScanner reads a scopes column.
type scopesScanner struct{ s *[]store.Scope }

func (sc scopesScanner) Scan(v any) error {
	switch x := v.(type) {
	case string:
		*sc.s = parseScopes(x)
	case []byte:
		*sc.s = parseScopes(string(x))
	default:
		return fmt.Errorf("cannot read %T as scopes", v)
	}
	return nil
}

// checkName checks a client's or token's name (already trimmed).
func checkName(errs *planning.Errors, name string) {
	if n := utf8.RuneCountInString(name); n > maxAPIName {
		errs.Add("name", "is too long (%d characters; at most %d)", n, maxAPIName)
	}
}

// checkTokenID checks the id and hash every client and token has.
func checkTokenID(errs *planning.Errors, id string, hash []byte) {
	if !validTokenID(id) {
		errs.Add("id", "%q is not a token id; use up to 64 letters, digits, '-' or '_'", id)
	}
	if len(hash) == 0 {
		errs.Add("hash", "is required (the hash of the secret)")
	}
}

func invalidAPI(kind planning.Kind, key string, errs planning.Errors) error {
	return &planning.InvalidError{Records: []planning.InvalidRecord{{Kind: kind, Key: key, Errors: errs}}}
}

const apiClientCols = "id, company_id, name, scopes, permission, secret_hash, created_by, created_at, revoked_at, last_used_at"

func scanAPIClient(sc interface{ Scan(...any) error }) (store.APIClient, error) {
	var c store.APIClient
	err := sc.Scan(&c.ID, &c.CompanyID, &c.Name, scopesScanner{&c.Scopes}, &c.Permission, &c.Hash, &c.CreatedBy,
		timeScanner{&c.CreatedAt}, timeScanner{&c.RevokedAt}, timeScanner{&c.LastUsedAt})
	return c, err
}

// apiClient reads a client in q (ErrNotFound). lock locks its row until the
// transaction ends (PostgreSQL; SQLite has one writer at a time), so it cannot be
// revoked in between. The lock is exclusive (FOR NO KEY UPDATE), not shared:
// with shared locks, tokens issued back to back would hold the row without a
// break and starve a revocation waiting for it; exclusive lockers queue.
func (s *Store) apiClient(ctx context.Context, q querier, id string, lock bool) (store.APIClient, error) {
	notFound := &apiNotFoundError{what: "API client", id: id}
	if !validTokenID(id) {
		return store.APIClient{}, notFound
	}
	b := s.d.build().sql("SELECT " + apiClientCols + " FROM api_clients WHERE id = ").arg(id)
	if lock && s.d.postgres() {
		b.sql(" FOR NO KEY UPDATE")
	}
	c, err := scanAPIClient(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound
	}
	if err != nil {
		return c, fmt.Errorf("read API client %s: %w", id, err)
	}
	return c, nil
}

// clientHistory is the change history's row for a client.
func clientHistory(op store.Operation, before, after *store.APIClient) historyRow {
	c := after
	if c == nil {
		c = before
	}
	r := historyRow{companyID: c.CompanyID, entity: kindAPIClient, entityID: c.CompanyID, key: c.ID, op: op, version: 1}
	if before != nil {
		r.before = mustJSON(before)
	}
	if after != nil {
		r.after = mustJSON(after)
	}
	return r
}

// CreateAPIClient implements store.Store.
func (s *Store) CreateAPIClient(ctx context.Context, c store.APIClient, by store.Actor) (store.APIClient, error) {
	var errs planning.Errors
	checkTokenID(&errs, c.ID, c.Hash)
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		errs.Add("name", "is required; name the integration (for example \"Payroll sync\")")
	}
	checkName(&errs, c.Name)
	c.Scopes = normalizeScopes(&errs, c.Scopes)
	if c.Permission == "" {
		c.Permission = planning.PermissionEditor
	}
	if !c.Permission.Valid() {
		errs.Add("permission", "%q is not a permission; use admin, editor or viewer", c.Permission)
	}
	if strings.TrimSpace(c.CompanyID) == "" {
		errs.Add("company_id", "is required")
	}
	if len(errs) > 0 {
		return c, invalidAPI(kindAPIClient, c.ID, errs)
	}
	co, err := s.Company(ctx, c.CompanyID)
	if err != nil {
		return c, fmt.Errorf("create API client %s: %w", c.ID, err)
	}
	c.CompanyID = co.ID
	if c.CreatedBy == "" {
		c.CreatedBy = by.Actor
	}
	c.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	c.RevokedAt, c.LastUsedAt = time.Time{}, time.Time{}
	err = s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		b := s.d.build().sql("INSERT INTO api_clients (id, company_id, name, scopes, permission, secret_hash, created_by, created_at) VALUES (").
			arg(c.ID).sql(", ").arg(c.CompanyID).sql(", ").arg(c.Name).sql(", ").arg(scopesText(c.Scopes)).sql(", ").
			arg(string(c.Permission)).sql(", ").arg(c.Hash).sql(", ").arg(c.CreatedBy).sql(", ").arg(s.d.ts(c.CreatedAt)).sql(")")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("create API client %s (%s) in company %s: %w", c.ID, c.Name, co.Slug, err)
		}
		record(clientHistory(store.OpCreate, nil, &c))
		return nil
	})
	return c, err
}

// APIClient implements store.Store.
func (s *Store) APIClient(ctx context.Context, id string) (store.APIClient, error) {
	return s.apiClient(ctx, s.rc, id, false)
}

// APIClients implements store.Store.
func (s *Store) APIClients(ctx context.Context, companyID string) ([]store.APIClient, error) {
	if !isUUID(companyID) {
		return nil, nil
	}
	b := s.d.build().sql("SELECT " + apiClientCols + " FROM api_clients WHERE company_id = ").arg(companyID).sql(" ORDER BY created_at, id")
	rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("list API clients of company %s: %w", companyID, err)
	}
	defer rows.Close()
	var out []store.APIClient
	for rows.Next() {
		c, err := scanAPIClient(rows)
		if err != nil {
			return nil, fmt.Errorf("list API clients of company %s: %w", companyID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeAPIClient implements store.Store.
func (s *Store) RevokeAPIClient(ctx context.Context, id string, by store.Actor) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		before, err := s.apiClient(ctx, q, id, false)
		if err != nil || !before.RevokedAt.IsZero() {
			return err
		}
		// The client's row first: on PostgreSQL this waits for a CreateAPIToken
		// holding it, so the tokens read below include that one, and a later
		// CreateAPIToken sees the client revoked.
		b := s.d.build().sql("UPDATE api_clients SET revoked_at = ").arg(s.d.ts(now)).sql(" WHERE id = ").arg(id).sql(" AND revoked_at IS NULL")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("revoke API client %s: %w", id, err)
		}
		after := before
		after.RevokedAt = now
		record(clientHistory(store.OpUpdate, &before, &after))
		b = s.d.build().sql("SELECT " + apiTokenCols + " FROM api_tokens WHERE client_id = ").arg(id).sql(" AND revoked_at IS NULL ORDER BY created_at, id")
		tokens, err := queryAPITokens(ctx, q, b)
		if err != nil {
			return fmt.Errorf("revoke the tokens of API client %s: %w", id, err)
		}
		for _, t := range tokens {
			revoked := t
			revoked.RevokedAt = now
			record(tokenHistory(store.OpUpdate, &t, &revoked))
		}
		b = s.d.build().sql("UPDATE api_tokens SET revoked_at = ").arg(s.d.ts(now)).sql(" WHERE client_id = ").arg(id).sql(" AND revoked_at IS NULL")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("revoke the tokens of API client %s: %w", id, err)
		}
		return nil
	})
}

const apiTokenCols = "id, kind, client_id, company_id, user_id, name, scopes, secret_hash, created_at, expires_at, revoked_at, last_used_at"

func scanAPIToken(sc interface{ Scan(...any) error }) (store.APIToken, error) {
	var t store.APIToken
	var client, company, user sql.NullString
	err := sc.Scan(&t.ID, &t.Kind, &client, &company, &user, &t.Name, scopesScanner{&t.Scopes}, &t.Hash,
		timeScanner{&t.CreatedAt}, timeScanner{&t.ExpiresAt}, timeScanner{&t.RevokedAt}, timeScanner{&t.LastUsedAt})
	t.ClientID, t.CompanyID, t.UserID = client.String, company.String, user.String
	return t, err
}

func queryAPITokens(ctx context.Context, q querier, b *sqlBuilder) ([]store.APIToken, error) {
	rows, err := q.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// tokenHistory is the change history's row for a token: an access token under
// its company, a personal token under its user.
func tokenHistory(op store.Operation, before, after *store.APIToken) historyRow {
	t := after
	if t == nil {
		t = before
	}
	r := historyRow{companyID: t.CompanyID, entity: kindAPIToken, entityID: t.CompanyID, key: t.ID, op: op, version: 1}
	if t.Kind == store.APITokenPersonal {
		r.companyID, r.entityID = "", t.UserID
	}
	if before != nil {
		r.before = mustJSON(before)
	}
	if after != nil {
		r.after = mustJSON(after)
	}
	return r
}

// allowedBy reports whether a client with scopes may issue a token with scope s
// (write implies read, as in APIToken.Has).
func allowedBy(scopes []store.Scope, s store.Scope) bool {
	return store.APIToken{Scopes: scopes}.Has(s)
}

// CreateAPIToken implements store.Store.
func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken, by store.Actor) (store.APIToken, error) {
	var errs planning.Errors
	checkTokenID(&errs, t.ID, t.Hash)
	t.Name = strings.TrimSpace(t.Name)
	checkName(&errs, t.Name)
	t.Scopes = normalizeScopes(&errs, t.Scopes)
	switch t.Kind {
	case store.APITokenAccess:
		if t.ClientID == "" {
			errs.Add("client_id", "is required for an access token")
		}
		if t.UserID != "" {
			errs.Add("user_id", "must be empty for an access token (it acts as its client)")
		}
	case store.APITokenPersonal:
		if t.UserID == "" {
			errs.Add("user_id", "is required for a personal access token")
		}
		if t.ClientID != "" {
			errs.Add("client_id", "must be empty for a personal access token (it acts as its user)")
		}
		if t.CompanyID != "" {
			errs.Add("company_id", "must be empty for a personal access token (it reaches its user's companies)")
		}
	default:
		errs.Add("kind", "%q is not a token kind; use %s or %s", t.Kind, store.APITokenAccess, store.APITokenPersonal)
	}
	if len(errs) > 0 {
		return t, invalidAPI(kindAPIToken, t.ID, errs)
	}
	if t.Kind == store.APITokenPersonal {
		u, err := s.User(ctx, t.UserID)
		if err != nil {
			return t, fmt.Errorf("create API token %s: %w", t.ID, err)
		}
		t.UserID = u.ID
	}
	t.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	t.ExpiresAt = truncUTC(t.ExpiresAt)
	t.RevokedAt, t.LastUsedAt = time.Time{}, time.Time{}
	err := s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		if t.Kind == store.APITokenAccess {
			// Held until commit, so the client cannot be revoked in between and
			// leave this token active.
			c, err := s.apiClient(ctx, q, t.ClientID, true)
			if err != nil {
				return fmt.Errorf("create API token %s: %w", t.ID, err)
			}
			if !c.Active() {
				return fmt.Errorf("create API token %s: API client %s (%s) was revoked on %s; it gets no new tokens",
					t.ID, c.ID, c.Name, c.RevokedAt.Format(time.RFC3339))
			}
			if t.CompanyID != "" && t.CompanyID != c.CompanyID {
				errs.Add("company_id", "is %s, but API client %s belongs to company %s; leave it empty", t.CompanyID, c.ID, c.CompanyID)
			}
			for _, sc := range t.Scopes {
				if !allowedBy(c.Scopes, sc) {
					errs.Add("scopes", "API client %s may not have %s tokens (its scopes: %s)", c.ID, sc, scopesText(c.Scopes))
				}
			}
			if len(errs) > 0 {
				return invalidAPI(kindAPIToken, t.ID, errs)
			}
			t.CompanyID = c.CompanyID
		}
		b := s.d.build().sql("INSERT INTO api_tokens (id, kind, client_id, company_id, user_id, name, scopes, secret_hash, created_at, expires_at) VALUES (").
			arg(t.ID).sql(", ").arg(t.Kind).sql(", ").arg(nullable(t.ClientID)).sql(", ").arg(nullable(t.CompanyID)).sql(", ").
			arg(nullable(t.UserID)).sql(", ").arg(t.Name).sql(", ").arg(scopesText(t.Scopes)).sql(", ").arg(t.Hash).sql(", ").
			arg(s.d.ts(t.CreatedAt)).sql(", ").arg(s.d.tsOrNull(t.ExpiresAt)).sql(")")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("create API token %s: %w", t.ID, err)
		}
		record(tokenHistory(store.OpCreate, nil, &t))
		return nil
	})
	return t, err
}

func (s *Store) apiToken(ctx context.Context, q querier, id string) (store.APIToken, error) {
	notFound := &apiNotFoundError{what: "API token", id: id}
	if !validTokenID(id) {
		return store.APIToken{}, notFound
	}
	b := s.d.build().sql("SELECT " + apiTokenCols + " FROM api_tokens WHERE id = ").arg(id)
	t, err := scanAPIToken(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound
	}
	if err != nil {
		return t, fmt.Errorf("read API token %s: %w", id, err)
	}
	return t, nil
}

// APIToken implements store.Store. It runs on every API request: one query by
// primary key, through a prepared statement.
func (s *Store) APIToken(ctx context.Context, id string) (store.APIToken, error) {
	return s.apiToken(ctx, s.rc, id)
}

// APITokenGrant implements store.Store: the token, its client and the user's
// membership in the company in one query by primary keys.
func (s *Store) APITokenGrant(ctx context.Context, tokenID, companyID string) (store.APIGrant, error) {
	notFound := &apiNotFoundError{what: "API token", id: tokenID}
	if !validTokenID(tokenID) || !isUUID(companyID) {
		return store.APIGrant{}, notFound
	}
	cols := "t." + strings.ReplaceAll(apiTokenCols, ", ", ", t.")
	b := s.d.build().sql("SELECT " + cols + ", c.revoked_at IS NULL AND c.id IS NOT NULL, " +
		"CASE WHEN t.kind = 'access' THEN CASE WHEN c.revoked_at IS NULL AND c.company_id = ").arg(companyID).
		sql(" THEN c.permission END ELSE m.permission END" +
			" FROM api_tokens t LEFT JOIN api_clients c ON c.id = t.client_id" +
			" LEFT JOIN memberships m ON m.user_id = t.user_id AND m.company_id = ").arg(companyID).
		sql(" WHERE t.id = ").arg(tokenID)
	var g store.APIGrant
	var client, company, user, perm sql.NullString
	var active bool
	err := s.rc.QueryRowContext(ctx, b.String(), b.args...).Scan(&g.Token.ID, &g.Token.Kind, &client, &company, &user, &g.Token.Name,
		scopesScanner{&g.Token.Scopes}, &g.Token.Hash, timeScanner{&g.Token.CreatedAt}, timeScanner{&g.Token.ExpiresAt},
		timeScanner{&g.Token.RevokedAt}, timeScanner{&g.Token.LastUsedAt}, boolScanner{&active}, &perm)
	if errors.Is(err, sql.ErrNoRows) {
		return g, notFound
	}
	if err != nil {
		return g, fmt.Errorf("read API token %s: %w", tokenID, err)
	}
	g.Token.ClientID, g.Token.CompanyID, g.Token.UserID = client.String, company.String, user.String
	g.ClientActive = active
	g.Permission = planning.Permission(perm.String)
	return g, nil
}

// APITokens implements store.Store.
func (s *Store) APITokens(ctx context.Context, q store.APITokenQuery) ([]store.APIToken, error) {
	b := s.d.build().sql("SELECT " + apiTokenCols + " FROM api_tokens WHERE ")
	switch {
	case q.UserID != "" && q.ClientID != "":
		return nil, errors.New("list API tokens: give a user or a client, not both")
	case q.UserID != "":
		if !isUUID(q.UserID) {
			return nil, nil
		}
		b.sql("user_id = ").arg(q.UserID).sql(" AND kind = 'personal'")
	case q.ClientID != "":
		if !validTokenID(q.ClientID) {
			return nil, nil
		}
		b.sql("client_id = ").arg(q.ClientID)
	default:
		return nil, errors.New("list API tokens: give a user (personal tokens) or a client (access tokens)")
	}
	b.sql(" ORDER BY created_at, id")
	out, err := queryAPITokens(ctx, s.r, b)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken implements store.Store. Revoking a revoked token does nothing.
func (s *Store) RevokeAPIToken(ctx context.Context, id string, by store.Actor) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		before, err := s.apiToken(ctx, q, id)
		if err != nil || !before.RevokedAt.IsZero() {
			return err
		}
		b := s.d.build().sql("UPDATE api_tokens SET revoked_at = ").arg(s.d.ts(now)).sql(" WHERE id = ").arg(id).sql(" AND revoked_at IS NULL")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("revoke API token %s: %w", id, err)
		}
		after := before
		after.RevokedAt = now
		record(tokenHistory(store.OpUpdate, &before, &after))
		return nil
	})
}

// touchKey is an API token's key in Store.touched, which it shares with share
// tokens; ':' is never part of a token id, so the keys cannot meet.
func touchKey(id string) string { return "api:" + id }

// TouchAPIToken implements store.Store. Like TouchShareToken, it writes at most
// once a minute per token (touchEvery) and never moves a last use back.
func (s *Store) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	key := touchKey(id)
	if prev, ok := s.touched.Load(key); ok && at.Sub(prev.(time.Time)) < touchEvery {
		return nil // written less than a minute before at (or after it)
	}
	if !validTokenID(id) {
		return nil // no such token
	}
	q, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record use of API token %s: %w", id, err)
	}
	defer q.Rollback()
	b := s.d.build().sql("UPDATE api_tokens SET last_used_at = ").arg(s.d.ts(at)).sql(" WHERE id = ").arg(id).
		sql(" AND (last_used_at IS NULL OR last_used_at < ").arg(s.d.ts(at)).sql(")")
	if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
		return fmt.Errorf("record use of API token %s: %w", id, err)
	}
	// The client of an access token (personal tokens have none).
	b = s.d.build().sql("UPDATE api_clients SET last_used_at = ").arg(s.d.ts(at)).
		sql(" WHERE id = (SELECT client_id FROM api_tokens WHERE id = ").arg(id).
		sql(") AND (last_used_at IS NULL OR last_used_at < ").arg(s.d.ts(at)).sql(")")
	if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
		return fmt.Errorf("record use of the client of API token %s: %w", id, err)
	}
	if err := q.Commit(); err != nil {
		return fmt.Errorf("record use of API token %s: %w", id, err)
	}
	s.touched.Store(key, at)
	return nil
}

// deleteExpiredBatch is how many expired tokens one statement deletes, so a
// large clean-up never holds SQLite's single writer for long.
const deleteExpiredBatch = 1000

// DeleteExpiredAPITokens implements store.Store. Expired access tokens are
// removed without history entries: their creation is recorded, and expiry is
// not a change anyone made.
func (s *Store) DeleteExpiredAPITokens(ctx context.Context, before time.Time) (int, error) {
	// kind is written into the text, not bound, so both databases use the partial
	// index api_tokens_expires.
	b := s.d.build().sql("DELETE FROM api_tokens WHERE id IN (SELECT id FROM api_tokens WHERE kind = 'access' AND expires_at < ").
		arg(s.d.ts(before)).sql(" LIMIT ").arg(deleteExpiredBatch).sql(")")
	total := 0
	for {
		res, err := s.w.ExecContext(ctx, b.String(), b.args...)
		if err != nil {
			return total, fmt.Errorf("delete expired API tokens: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("delete expired API tokens: %w", err)
		}
		total += int(n)
		if n < deleteExpiredBatch {
			return total, nil
		}
	}
}
