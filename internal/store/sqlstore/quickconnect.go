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

// QuickConnect's connections. Names are compared through a lower-cased key
// column, computed here in Go so both databases fold case alike, as for SFTP
// usernames. A definition is YAML text that may hold credentials: the change
// history names a connection by id, name and company (and whether it is
// enabled), never its definition. The runs are in qc_runs.go.

const qcConnectionCols = "q.id, q.company_id, q.name, q.definition, q.enabled, q.created_at, q.updated_at"

func scanQCConnection(sc interface{ Scan(...any) error }) (store.QCConnection, error) {
	var c store.QCConnection
	err := sc.Scan(&c.ID, &c.CompanyID, &c.Name, &c.Definition, boolScanner{&c.Enabled}, timeScanner{&c.CreatedAt}, timeScanner{&c.UpdatedAt})
	return c, err
}

// lookupKey is how names looked up case-insensitively (QuickConnect
// connections, SFTP usernames) are compared: trimmed, then store.NameKey.
func lookupKey(name string) string { return store.NameKey(strings.TrimSpace(name)) }

// missingError says which record was not found ("no SFTP account with
// username \"bob\""). It matches store.ErrNotFound.
type missingError struct{ what, by, val string }

// Error says what was not found.
func (e *missingError) Error() string { return fmt.Sprintf("no %s with %s %q", e.what, e.by, e.val) }

// Is makes errors.Is(err, store.ErrNotFound) true.
func (e *missingError) Is(target error) bool { return target == store.ErrNotFound }

// qcMissing and sftpMissing name the records of this file and sftp_accounts.go.
func qcMissing(by, val string) *missingError {
	return &missingError{"QuickConnect connection", by, val}
}
func sftpMissing(by, val string) *missingError { return &missingError{"SFTP account", by, val} }

// qcHistoryDoc is what the change history keeps of a connection: no
// definition.
type qcHistoryDoc struct {
	ID        string `json:"id"`
	CompanyID string `json:"company_id"`
	Name      string `json:"name"`
	Enabled   bool   `json:"enabled"`
}

func qcDoc(c store.QCConnection) []byte {
	return mustJSON(qcHistoryDoc{ID: c.ID, CompanyID: c.CompanyID, Name: c.Name, Enabled: c.Enabled})
}

// qcHistory is the history row of a change to a connection; before is the
// connection before an update.
func qcHistory(c store.QCConnection, op store.Operation, before store.QCConnection) historyRow {
	r := historyRow{companyID: c.CompanyID, entity: store.KindQCConnection, entityID: c.ID, key: c.Name, op: op, version: 1}
	switch op {
	case store.OpCreate:
		r.after = qcDoc(c)
	case store.OpDelete:
		r.before = qcDoc(c)
	default:
		r.before, r.after = qcDoc(before), qcDoc(c)
	}
	return r
}

// qcConnectionByName reads a company's connection by name in q (ErrNotFound).
func (s *Store) qcConnectionByName(ctx context.Context, q querier, companyID, name string) (store.QCConnection, error) {
	key := lookupKey(name)
	if !isUUID(companyID) || !store.ValidQCName(key) {
		return store.QCConnection{}, qcMissing("name", name)
	}
	b := s.d.build().sql("SELECT " + qcConnectionCols + " FROM qc_connections q WHERE q.company_id = ").arg(companyID).
		sql(" AND q.name_key = ").arg(key)
	c, err := scanQCConnection(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, qcMissing("name", name)
	}
	return c, err
}

// SaveQCConnection implements store.Store.
func (s *Store) SaveQCConnection(ctx context.Context, c store.QCConnection, by store.Actor) (store.QCConnection, error) {
	c.Name = strings.TrimSpace(c.Name)
	var errs planning.Errors
	switch {
	case c.Name == "":
		errs.Add("name", "is required")
	case !store.ValidQCName(c.Name):
		errs.Add("name", "%q is not a valid connection name; use %s", c.Name, store.QCNameRule)
	}
	if strings.TrimSpace(c.Definition) == "" {
		errs.Add("definition", "is required; give the connection's sources and mappings")
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("QuickConnect connection %q: %w", c.Name, errs)
	}
	co, err := s.Company(ctx, c.CompanyID)
	if err != nil {
		return c, err
	}
	c.CompanyID = co.ID
	now := s.now().UTC().Truncate(time.Microsecond)
	saved := c
	err = s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		before, err := s.qcConnectionByName(ctx, q, c.CompanyID, c.Name)
		if errors.Is(err, store.ErrNotFound) {
			c.ID, c.CreatedAt, c.UpdatedAt = uuid.NewString(), now, now
			b := s.d.build().sql("INSERT INTO qc_connections (id, company_id, name, name_key, definition, enabled, created_at, updated_at) VALUES (").
				arg(c.ID).sql(", ").arg(c.CompanyID).sql(", ").arg(c.Name).sql(", ").arg(lookupKey(c.Name)).sql(", ").arg(c.Definition).sql(", ").
				arg(s.d.boolean(c.Enabled)).sql(", ").arg(s.d.ts(c.CreatedAt)).sql(", ").arg(s.d.ts(c.UpdatedAt)).
				sql(") ON CONFLICT (company_id, name_key) DO NOTHING")
			res, err := q.ExecContext(ctx, b.String(), b.args...)
			if err != nil {
				return fmt.Errorf("create QuickConnect connection %s: %w", c.Name, err)
			}
			if n, err := res.RowsAffected(); err == nil && n == 0 {
				return fmt.Errorf("QuickConnect connection %q of company %s was created by someone else at the same time; save it again", c.Name, co.Slug)
			}
			record(qcHistory(c, store.OpCreate, store.QCConnection{}))
			saved = c
			return nil
		} else if err != nil {
			return err
		}
		c.ID, c.CreatedAt, c.UpdatedAt = before.ID, before.CreatedAt, before.UpdatedAt
		if before.Name == c.Name && before.Definition == c.Definition && before.Enabled == c.Enabled {
			saved = c // no change, no history
			return nil
		}
		c.UpdatedAt = now
		b := s.d.build().sql("UPDATE qc_connections SET name = ").arg(c.Name).sql(", definition = ").arg(c.Definition).
			sql(", enabled = ").arg(s.d.boolean(c.Enabled)).sql(", updated_at = ").arg(s.d.ts(c.UpdatedAt)).
			sql(" WHERE id = ").arg(c.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("update QuickConnect connection %s: %w", c.Name, err)
		}
		record(qcHistory(c, store.OpUpdate, before))
		saved = c
		return nil
	})
	return saved, err
}

// QCConnection implements store.Store.
func (s *Store) QCConnection(ctx context.Context, companyID, name string) (store.QCConnection, error) {
	return s.qcConnectionByName(ctx, s.r, companyID, name)
}

// queryQCConnections runs a SELECT of connections.
func (s *Store) queryQCConnections(ctx context.Context, b *sqlBuilder) ([]store.QCConnection, error) {
	rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.QCConnection
	for rows.Next() {
		c, err := scanQCConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// QCConnections implements store.Store.
func (s *Store) QCConnections(ctx context.Context, companyID string) ([]store.QCConnection, error) {
	if !isUUID(companyID) {
		return nil, nil
	}
	b := s.d.build().sql("SELECT " + qcConnectionCols + " FROM qc_connections q WHERE q.company_id = ").arg(companyID).
		sql(" ORDER BY q.name_key")
	return s.queryQCConnections(ctx, b)
}

// AllQCConnections implements store.Store.
func (s *Store) AllQCConnections(ctx context.Context) ([]store.QCConnection, error) {
	b := s.d.build().sql("SELECT " + qcConnectionCols + " FROM qc_connections q JOIN companies c ON c.id = q.company_id ORDER BY c.slug, q.name_key")
	return s.queryQCConnections(ctx, b)
}

// DeleteQCConnection implements store.Store.
func (s *Store) DeleteQCConnection(ctx context.Context, companyID, name string, by store.Actor) error {
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		c, err := s.qcConnectionByName(ctx, q, companyID, name)
		if err != nil {
			return err
		}
		// Its runs go with it (ON DELETE CASCADE).
		b := s.d.build().sql("DELETE FROM qc_connections WHERE id = ").arg(c.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("delete QuickConnect connection %s: %w", c.Name, err)
		}
		record(qcHistory(c, store.OpDelete, store.QCConnection{}))
		return nil
	})
}
