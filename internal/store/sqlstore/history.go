package sqlstore

import (
	"context"
	"database/sql"
	"iter"

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

var (
	historyNames = []string{"company_id", "entity", "entity_id", "entity_key", "operation", "source", "actor", "tx_id", "changed_at", "version", "before", "after"}
	historyTypes = func() []string {
		out := make([]string, len(historyNames))
		for i, n := range historyNames {
			out[i] = pgType(n)
		}
		return out
	}()
)

// writeHistory appends rows to the change history, in order, in as few statements
// as the dialect allows. It must run in the transaction of the change.
func writeHistory(ctx context.Context, t *tx, rows []historyRow) error {
	by, at := t.by, t.d.ts(t.now)
	source, actor := string(by.Source), nullable(by.Actor)
	return t.insertRows(ctx, "change_history", historyNames, historyTypes, "", len(rows), func(i int, args []any) []any {
		r := &rows[i]
		return append(args, nullable(r.companyID), string(r.entity), r.entityID, nullable(r.key), string(r.op), source,
			actor, t.id, at, r.version, jsonArg(r.before), jsonArg(r.after))
	})
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
