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

// The SFTP server's accounts. Usernames are compared through a lower-cased key
// column, computed here in Go so both databases fold case alike. The change
// history names an account by id, username and company, never its password hash
// or keys.

const sftpAccountCols = "a.id, a.company_id, a.username, a.password_hash, a.authorized_keys, a.created_at"

func scanSFTPAccount(sc interface{ Scan(...any) error }) (store.SFTPAccount, error) {
	var a store.SFTPAccount
	var hash sql.NullString
	err := sc.Scan(&a.ID, &a.CompanyID, &a.Username, &hash, &a.AuthorizedKeys, timeScanner{&a.CreatedAt})
	a.PasswordHash = hash.String
	return a, err
}

// sftpHistoryDoc is what the change history keeps of an account: no password
// hash, no keys.
type sftpHistoryDoc struct {
	ID        string `json:"id"`
	CompanyID string `json:"company_id"`
	Username  string `json:"username"`
}

func sftpHistory(a store.SFTPAccount, op store.Operation) historyRow {
	doc := mustJSON(sftpHistoryDoc{ID: a.ID, CompanyID: a.CompanyID, Username: a.Username})
	r := historyRow{companyID: a.CompanyID, entity: store.KindSFTPAccount, entityID: a.ID, key: a.Username, op: op, version: 1}
	switch op {
	case store.OpCreate:
		r.after = doc
	case store.OpDelete:
		r.before = doc
	default:
		r.before, r.after = doc, doc
	}
	return r
}

// sftpCredentials trims an account's password hash and keys and checks that it
// has at least one.
func sftpCredentials(a *store.SFTPAccount, errs *planning.Errors) {
	a.PasswordHash = strings.TrimSpace(a.PasswordHash)
	a.AuthorizedKeys = strings.TrimSpace(a.AuthorizedKeys)
	if a.PasswordHash == "" && a.AuthorizedKeys == "" {
		errs.Add("password_hash", "an account needs a password hash, authorized keys, or both")
	}
}

// sftpAccountByKey reads an account by username in q (ErrNotFound).
func (s *Store) sftpAccountByKey(ctx context.Context, q querier, username string) (store.SFTPAccount, error) {
	key := lookupKey(username)
	if !store.ValidSFTPUsername(key) {
		return store.SFTPAccount{}, sftpMissing("username", username)
	}
	b := s.d.build().sql("SELECT " + sftpAccountCols + " FROM sftp_accounts a WHERE a.username_key = ").arg(key)
	a, err := scanSFTPAccount(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, sftpMissing("username", username)
	}
	return a, err
}

// CreateSFTPAccount implements store.Store.
func (s *Store) CreateSFTPAccount(ctx context.Context, a store.SFTPAccount, by store.Actor) (store.SFTPAccount, error) {
	a.Username = strings.TrimSpace(a.Username)
	var errs planning.Errors
	switch {
	case a.Username == "":
		errs.Add("username", "is required")
	case !store.ValidSFTPUsername(a.Username):
		errs.Add("username", "%q is not a valid username; use %s", a.Username, store.SFTPUsernameRule)
	}
	sftpCredentials(&a, &errs)
	if len(errs) > 0 {
		return a, fmt.Errorf("SFTP account %q: %w", a.Username, errs)
	}
	c, err := s.Company(ctx, a.CompanyID)
	if err != nil {
		return a, err
	}
	a.CompanyID = c.ID
	a.ID = uuid.NewString()
	a.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	err = s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		b := s.d.build().sql("SELECT a.username, c.slug FROM sftp_accounts a JOIN companies c ON c.id = a.company_id WHERE a.username_key = ").
			arg(lookupKey(a.Username))
		var held, slug string
		err := q.QueryRowContext(ctx, b.String(), b.args...).Scan(&held, &slug)
		if err == nil {
			return fmt.Errorf("SFTP username %q is already used by the account %s of company %s; choose another", a.Username, held, slug)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		b = s.d.build().sql("INSERT INTO sftp_accounts (id, company_id, username, username_key, password_hash, authorized_keys, created_at) VALUES (").
			arg(a.ID).sql(", ").arg(a.CompanyID).sql(", ").arg(a.Username).sql(", ").arg(lookupKey(a.Username)).sql(", ").
			arg(nullable(a.PasswordHash)).sql(", ").arg(a.AuthorizedKeys).sql(", ").arg(s.d.ts(a.CreatedAt)).sql(")")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("create SFTP account %s: %w", a.Username, err)
		}
		record(sftpHistory(a, store.OpCreate))
		return nil
	})
	return a, err
}

// SFTPAccount implements store.Store.
func (s *Store) SFTPAccount(ctx context.Context, username string) (store.SFTPAccount, error) {
	return s.sftpAccountByKey(ctx, s.rc, username)
}

// SFTPAccountsOf implements store.Store.
func (s *Store) SFTPAccountsOf(ctx context.Context, companyID string) ([]store.SFTPAccount, error) {
	if !isUUID(companyID) {
		return nil, nil
	}
	b := s.d.build().sql("SELECT " + sftpAccountCols + " FROM sftp_accounts a WHERE a.company_id = ").arg(companyID).
		sql(" ORDER BY a.username_key")
	rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.SFTPAccount
	for rows.Next() {
		a, err := scanSFTPAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UpdateSFTPAccount implements store.Store.
func (s *Store) UpdateSFTPAccount(ctx context.Context, a store.SFTPAccount, by store.Actor) error {
	var errs planning.Errors
	sftpCredentials(&a, &errs)
	if len(errs) > 0 {
		return fmt.Errorf("SFTP account %q: %w", a.Username, errs)
	}
	notFound := sftpMissing("id", a.ID)
	if !isUUID(a.ID) {
		return notFound
	}
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		b := s.d.build().sql("SELECT " + sftpAccountCols + " FROM sftp_accounts a WHERE a.id = ").arg(a.ID)
		before, err := scanSFTPAccount(q.QueryRowContext(ctx, b.String(), b.args...))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		} else if err != nil {
			return err
		}
		if before.PasswordHash == a.PasswordHash && before.AuthorizedKeys == a.AuthorizedKeys {
			return nil
		}
		b = s.d.build().sql("UPDATE sftp_accounts SET password_hash = ").arg(nullable(a.PasswordHash)).
			sql(", authorized_keys = ").arg(a.AuthorizedKeys).sql(" WHERE id = ").arg(before.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("update SFTP account %s: %w", before.Username, err)
		}
		record(sftpHistory(before, store.OpUpdate))
		return nil
	})
}

// DeleteSFTPAccount implements store.Store.
func (s *Store) DeleteSFTPAccount(ctx context.Context, username string, by store.Actor) error {
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		a, err := s.sftpAccountByKey(ctx, q, username)
		if err != nil {
			return err
		}
		b := s.d.build().sql("DELETE FROM sftp_accounts WHERE id = ").arg(a.ID)
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("delete SFTP account %s: %w", a.Username, err)
		}
		record(sftpHistory(a, store.OpDelete))
		return nil
	})
}
