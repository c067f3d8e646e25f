package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Sandboxes (store.Sandboxes): the settings of sandbox companies in the
// sandboxes table, and ResetCompanyData, which empties a sandbox's planning
// records before it is filled again from its production company.

// kindSandbox is the change history's entity for a sandbox's settings.
const kindSandbox planning.Kind = "sandbox"

const sandboxCols = "s.sandbox_id, s.production_id, s.refresh, s.last_refresh_at, s.last_refresh_error, s.created_at"

func scanSandbox(sc interface{ Scan(...any) error }) (store.Sandbox, error) {
	var sb store.Sandbox
	err := sc.Scan(&sb.SandboxID, &sb.ProductionID, &sb.Refresh, timeScanner{&sb.LastRefreshAt}, &sb.LastRefreshError, timeScanner{&sb.CreatedAt})
	return sb, err
}

// sandboxMissing says no sandbox has an id; it matches store.ErrNotFound.
func sandboxMissing(id string) *missingError { return &missingError{"sandbox", "company id", id} }

// SaveSandbox implements store.Sandboxes. The sandbox company must exist and
// name the production company in its SandboxOf.
func (s *Store) SaveSandbox(ctx context.Context, sb store.Sandbox, by store.Actor) error {
	sb.Refresh = strings.TrimSpace(sb.Refresh)
	if sb.Refresh == "" {
		return errors.New("save sandbox: refresh is empty; use monthly, weekly, daily, \"cron: <5 fields>\" or off")
	}
	co, err := s.Company(ctx, sb.SandboxID)
	if err != nil {
		return fmt.Errorf("save sandbox: %w", err)
	}
	if co.SandboxOf == "" {
		return fmt.Errorf("save sandbox: company %s is not a sandbox (it mirrors no production company)", co.Slug)
	}
	if sb.ProductionID == "" {
		sb.ProductionID = co.SandboxOf
	}
	if sb.ProductionID != co.SandboxOf {
		return fmt.Errorf("save sandbox: company %s is a sandbox of company id %s, not of %s", co.Slug, co.SandboxOf, sb.ProductionID)
	}
	sb.SandboxID = co.ID
	return s.adminTx(ctx, by, func(q querier, record func(historyRow)) error {
		old, err := s.sandboxIn(ctx, q, co.ID)
		exists := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if exists {
			sb.CreatedAt = old.CreatedAt
		} else if sb.CreatedAt.IsZero() {
			sb.CreatedAt = s.now()
		}
		sb.CreatedAt = sb.CreatedAt.UTC().Truncate(time.Microsecond)
		sb.LastRefreshAt = sb.LastRefreshAt.UTC().Truncate(time.Microsecond)
		if exists && sameSandbox(old, sb) {
			return nil
		}
		var last any
		if !sb.LastRefreshAt.IsZero() {
			last = s.d.ts(sb.LastRefreshAt)
		}
		b := s.d.build().sql("INSERT INTO sandboxes (sandbox_id, production_id, refresh, last_refresh_at, last_refresh_error, created_at) VALUES (").
			arg(sb.SandboxID).sql(", ").arg(sb.ProductionID).sql(", ").arg(sb.Refresh).sql(", ").arg(last).sql(", ").
			arg(sb.LastRefreshError).sql(", ").arg(s.d.ts(sb.CreatedAt)).
			sql(") ON CONFLICT (sandbox_id) DO UPDATE SET production_id = excluded.production_id, refresh = excluded.refresh, " +
				"last_refresh_at = excluded.last_refresh_at, last_refresh_error = excluded.last_refresh_error")
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("save sandbox %s: %w", co.Slug, err)
		}
		h := historyRow{companyID: co.ID, entity: kindSandbox, entityID: co.ID, key: co.Slug, op: store.OpCreate, version: 1, after: mustJSON(sb)}
		if exists {
			h.op, h.before = store.OpUpdate, mustJSON(old)
		}
		record(h)
		return nil
	})
}

// sandboxIn reads a sandbox's settings in q.
func (s *Store) sandboxIn(ctx context.Context, q querier, id string) (store.Sandbox, error) {
	b := s.d.build().sql("SELECT " + sandboxCols + " FROM sandboxes s WHERE s.sandbox_id = ").arg(id)
	sb, err := scanSandbox(q.QueryRowContext(ctx, b.String(), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return sb, sandboxMissing(id)
	}
	return sb, err
}

// Sandbox implements store.Sandboxes.
func (s *Store) Sandbox(ctx context.Context, sandboxID string) (store.Sandbox, error) {
	if !isUUID(sandboxID) {
		return store.Sandbox{}, sandboxMissing(sandboxID)
	}
	return s.sandboxIn(ctx, s.r, sandboxID)
}

// Sandboxes implements store.Sandboxes.
func (s *Store) Sandboxes(ctx context.Context) ([]store.Sandbox, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+sandboxCols+" FROM sandboxes s JOIN companies c ON c.id = s.sandbox_id ORDER BY c.slug")
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	defer rows.Close()
	var out []store.Sandbox
	for rows.Next() {
		sb, err := scanSandbox(rows)
		if err != nil {
			return nil, fmt.Errorf("list sandboxes: %w", err)
		}
		out = append(out, sb)
	}
	return out, rows.Err()
}

// resetOrder is the order ResetCompanyData empties the record tables in:
// records that refer to others go first.
var resetOrder = []struct {
	kind          planning.Kind
	table, keyCol string
}{
	{planning.KindAssignment, "assignments", ""},
	{planning.KindTimeOff, "time_off", ""},
	{planning.KindResourceRequest, "resource_requests", ""},
	{planning.KindProject, "projects", "project_number"},
	{planning.KindPerson, "people", "employee_id"},
	{planning.KindTag, "tags", "code"},
	{planning.KindJobTitle, "job_titles", "code"},
	{planning.KindGroup, "groups", "code"},
}

// ResetCompanyData implements store.Sandboxes. Each kind takes two
// statements whatever its size: one INSERT ... SELECT that records a delete
// in the change history for every record (in id order, with the stored
// document as "before"), then one DELETE. People and projects, which are
// otherwise only ever deactivated, are deleted too: a sandbox is emptied
// before it is filled again from its production company.
func (s *Store) ResetCompanyData(ctx context.Context, t store.Tx) error {
	x, ok := t.(*tx)
	if !ok || x.s != s {
		return fmt.Errorf("reset company data: the transaction (%T) is not one of this store's", t)
	}
	if !x.write {
		return fmt.Errorf("reset company data of %s: %w", x.company.Slug, store.ErrReadOnly)
	}
	if x.company.SandboxOf == "" {
		return fmt.Errorf("reset company data: company %s is not a sandbox; only a sandbox's records can be deleted wholesale", x.company.Slug)
	}
	d := x.d
	// PostgreSQL needs the types of values bound in a SELECT list.
	cast := func(typ string) string {
		if d.postgres() {
			return "::" + typ
		}
		return ""
	}
	for _, k := range resetOrder {
		key := "NULL"
		if k.keyCol != "" {
			key = k.keyCol
		}
		b := d.build().sql("INSERT INTO change_history (" + strings.Join(historyNames, ", ") + ") SELECT company_id, ").
			arg(string(k.kind)).sql(cast("text") + ", id, " + key + ", 'delete', ").arg(string(x.by.Source)).sql(cast("text") + ", ").
			arg(nullable(x.by.Actor)).sql(cast("text") + ", ").arg(x.id).sql(cast("uuid") + ", ").arg(d.ts(x.now)).
			sql(cast("timestamptz") + ", version + 1, doc, NULL FROM " + quote(k.table) + " WHERE company_id = ").
			arg(x.company.ID).sql(" ORDER BY id")
		if _, err := x.q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("reset company data of %s: record the deletion of its %s records: %w", x.company.Slug, k.kind.Label(), err)
		}
		b = d.build().sql("DELETE FROM " + quote(k.table) + " WHERE company_id = ").arg(x.company.ID)
		if _, err := x.q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return fmt.Errorf("reset company data of %s: delete its %s records: %w", x.company.Slug, k.kind.Label(), err)
		}
	}
	// What this transaction knew to exist is gone.
	x.known = map[planning.Kind]map[string]bool{}
	x.groupTZ = nil
	return nil
}

// sameSandbox reports whether two sandboxes' settings are equal.
func sameSandbox(a, b store.Sandbox) bool {
	return a.SandboxID == b.SandboxID && a.ProductionID == b.ProductionID && a.Refresh == b.Refresh &&
		a.LastRefreshAt.Equal(b.LastRefreshAt) && a.LastRefreshError == b.LastRefreshError && a.CreatedAt.Equal(b.CreatedAt)
}
