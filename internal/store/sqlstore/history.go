package sqlstore

import (
	"context"
	"database/sql"
	"iter"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// historyRow is one change about to be recorded.
type historyRow struct {
	companyID string // "" for changes outside any company (users)
	entity    planning.Kind
	entityID  string
	key       string
	op        store.Operation
	version   int64
	before    []byte
	after     []byte
}

const historyCols = 12

// writeHistory appends rows to the change history in as few statements as the
// dialect's parameter limit allows. It must run in the transaction of the change.
func writeHistory(ctx context.Context, d *dialect, q querier, by store.Actor, txID string, at time.Time, rows []historyRow) error {
	per := d.maxParams / historyCols
	for len(rows) > 0 {
		n := min(len(rows), per)
		b := d.build().sql(`INSERT INTO change_history (company_id, entity, entity_id, entity_key, operation, source, actor, tx_id, changed_at, version, before, after) VALUES `)
		for i, r := range rows[:n] {
			if i > 0 {
				b.sql(", ")
			}
			b.sql("(").arg(nullable(r.companyID)).sql(", ").arg(string(r.entity)).sql(", ").arg(r.entityID).sql(", ").
				arg(nullable(r.key)).sql(", ").arg(string(r.op)).sql(", ").arg(string(by.Source)).sql(", ").
				arg(nullable(by.Actor)).sql(", ").arg(txID).sql(", ").arg(d.ts(at)).sql(", ").arg(r.version).sql(", ").
				arg(jsonArg(r.before)).sql(", ").arg(jsonArg(r.after)).sql(")")
		}
		if _, err := q.ExecContext(ctx, b.String(), b.args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// jsonArg binds a JSON document as text, or NULL when there is none.
func jsonArg(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// Changes implements store.Store.
func (s *Store) Changes(ctx context.Context, companyID string, after int64, limit int) iter.Seq2[store.Change, error] {
	return func(yield func(store.Change, error) bool) {
		b := s.d.build().sql(`SELECT seq, company_id, entity, entity_id, entity_key, operation, source, actor, tx_id, changed_at, version, before, after
FROM change_history WHERE company_id = `).arg(companyID).sql(" AND seq > ").arg(after).sql(" ORDER BY seq")
		if limit > 0 {
			b.sql(" LIMIT ").arg(limit)
		}
		rows, err := s.r.QueryContext(ctx, b.String(), b.args...)
		if err != nil {
			yield(store.Change{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var c store.Change
			var company, key, actor sql.NullString
			var before, afterDoc []byte
			if err := rows.Scan(&c.Seq, &company, &c.Entity, &c.EntityID, &key, &c.Operation, &c.Source, &actor,
				&c.TxID, timeScanner{&c.At}, &c.Version, &before, &afterDoc); err != nil {
				yield(store.Change{}, err)
				return
			}
			c.CompanyID, c.EntityKey, c.Actor = company.String, key.String, actor.String
			c.Before, c.After = before, afterDoc
			if !yield(c, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(store.Change{}, err)
		}
	}
}
