package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Bulk writes. SQLite gets multi-row INSERT statements of a fixed size, prepared once
// per transaction and reused; PostgreSQL gets one INSERT ... SELECT FROM unnest(...)
// per batch, with one array parameter per column, so that the statement text, and
// its prepared plan, is the same whatever the number of rows.

// sqliteBatchRows is how many rows one prepared SQLite INSERT writes. Small
// statements are cheap to prepare and bind; beyond a hundred rows or so they stop
// getting faster.
const sqliteBatchRows = 100

// stmtKey names a prepared multi-row statement.
type stmtKey struct {
	head, tail string
	rows       int
}

// prepared returns the transaction's prepared statement for key, preparing it on
// first use. The statements are closed when the transaction ends.
func (t *tx) prepared(ctx context.Context, key stmtKey, width int) (*sql.Stmt, error) {
	if s, ok := t.stmts[key]; ok {
		return s, nil
	}
	s, err := t.q.PrepareContext(ctx, multiRowSQL(key.head, key.tail, width, key.rows))
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[stmtKey]*sql.Stmt{}
	}
	t.stmts[key] = s
	return s, nil
}

// closeStmts closes the statements prepared in the transaction.
func (t *tx) closeStmts() {
	for _, s := range t.stmts {
		s.Close()
	}
	t.stmts = nil
}

// multiRowSQL is "head VALUES (?, ...), ... tail" for rows rows of width values
// (SQLite placeholders).
func multiRowSQL(head, tail string, width, rows int) string {
	one := "(" + strings.Repeat("?, ", width-1) + "?)"
	var sb strings.Builder
	sb.Grow(len(head) + len(tail) + rows*(len(one)+2) + 8)
	sb.WriteString(head)
	sb.WriteString(" VALUES ")
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(one)
	}
	sb.WriteString(tail)
	return sb.String()
}

// insertRows writes n rows into table's columns cols (tail follows the VALUES list
// or SELECT, e.g. an ON CONFLICT clause). row appends the values of row i to args,
// in the order of cols; types gives each column's PostgreSQL type.
func (t *tx) insertRows(ctx context.Context, table string, cols, types []string, tail string, n int, row func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	if t.d.postgres() {
		return t.insertArrays(ctx, table, cols, types, tail, n, row)
	}
	head := "INSERT INTO " + quote(table) + " (" + strings.Join(cols, ", ") + ")"
	width := len(cols)
	per := sqliteBatchRows // 100 rows of our widest table stay far below SQLite's 32,766 parameters
	args := make([]any, 0, per*width)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		var err error
		if end-start == per {
			var s *sql.Stmt
			if s, err = t.prepared(ctx, stmtKey{head, tail, per}, width); err == nil {
				_, err = s.ExecContext(ctx, args...)
			}
		} else {
			_, err = t.q.ExecContext(ctx, multiRowSQL(head, tail, width, end-start), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// pgArrayRows is how many rows one PostgreSQL INSERT ... SELECT FROM unnest writes.
const pgArrayRows = 5000

// insertArrays is insertRows for PostgreSQL: each column is bound as one text array,
// unnested in order and cast to the column's type.
func (t *tx) insertArrays(ctx context.Context, table string, cols, types []string, tail string, n int, row func(i int, args []any) []any) error {
	width := len(cols)
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + quote(table) + " (" + strings.Join(cols, ", ") + ") SELECT ")
	for j, typ := range types {
		if j > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("u.c" + strconv.Itoa(j))
		if typ != "text" {
			sb.WriteString("::" + typ)
		}
	}
	sb.WriteString(" FROM unnest(")
	for j := range width {
		if j > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("$" + strconv.Itoa(j+1) + "::text[]")
	}
	sb.WriteString(") WITH ORDINALITY AS u(")
	for j := range width {
		sb.WriteString("c" + strconv.Itoa(j) + ", ")
	}
	sb.WriteString("ord) ORDER BY u.ord" + tail)
	query := sb.String()

	per := min(n, pgArrayRows)
	arrays := make([][]pgtype.Text, width)
	for j := range arrays {
		arrays[j] = make([]pgtype.Text, 0, per)
	}
	args := make([]any, 0, width)
	params := make([]any, width)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		for j := range arrays {
			arrays[j] = arrays[j][:0]
		}
		for i := start; i < end; i++ {
			args = row(i, args[:0])
			if len(args) != width {
				return fmt.Errorf("insert into %s: %d values for %d columns", table, len(args), width)
			}
			for j, v := range args {
				arrays[j] = append(arrays[j], pgText(v))
			}
		}
		for j := range arrays {
			params[j] = arrays[j]
		}
		// Bulk inserts run on a generic plan: planning them for their parameters
		// (the transaction forces custom plans, which lookups need) copies every
		// array into the plan on each execution. A few rows (an API call) are
		// planned cheaply either way, and switching costs two round trips.
		generic := end-start > smallInsert
		if generic {
			if _, err := t.q.ExecContext(ctx, "SELECT set_config('plan_cache_mode', 'auto', true)"); err != nil {
				return err
			}
		}
		if _, err := t.q.ExecContext(ctx, query, params...); err != nil {
			return err
		}
		if generic {
			if _, err := t.q.ExecContext(ctx, "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"); err != nil {
				return err
			}
		}
	}
	return nil
}

// smallInsert is the most rows an insert runs on a custom plan.
const smallInsert = 16

// pgText renders a bind value as PostgreSQL text input.
func pgText(v any) pgtype.Text {
	switch x := v.(type) {
	case nil:
		return pgtype.Text{}
	case string:
		return pgtype.Text{String: x, Valid: true}
	case []byte:
		if x == nil {
			return pgtype.Text{}
		}
		return pgtype.Text{String: string(x), Valid: true}
	case time.Time:
		return pgtype.Text{String: x.Format(time.RFC3339Nano), Valid: true}
	case int64:
		return pgtype.Text{String: strconv.FormatInt(x, 10), Valid: true}
	case int:
		return pgtype.Text{String: strconv.Itoa(x), Valid: true}
	case bool:
		return pgtype.Text{String: strconv.FormatBool(x), Valid: true}
	default:
		return pgtype.Text{String: fmt.Sprint(x), Valid: true}
	}
}

// pgType is the PostgreSQL type of a record table column.
func pgType(col string) string {
	switch col {
	case "id", "company_id", "person_id", "project_id", "entity_id", "tx_id":
		return "uuid"
	case "start_day", "end_day":
		return "date"
	case "version":
		return "bigint"
	case "created_at", "updated_at", "changed_at":
		return "timestamptz"
	case "doc", "before", "after":
		return "jsonb"
	}
	return "text"
}

// lookup builds "SELECT sel FROM table WHERE company_id = companyID AND col IN
// vals", with sel's columns qualified by "t."; (company_id, col) must be unique.
//
// On PostgreSQL the values are one array parameter and each is looked up on its
// own (LATERAL ... LIMIT 1), so the plan stays one index probe per value however
// many values there are. With a long IN list, or a plain join, the planner picks a
// scan of the company's rows when the table's statistics are stale, as they are
// right after a large import, and a lookup of a thousand keys took seconds.
func (d *dialect) lookup(sel []string, table, col, companyID string, vals []string) *sqlBuilder {
	cols := make([]string, len(sel))
	for i, s := range sel {
		cols[i] = "t." + s
	}
	list := strings.Join(cols, ", ")
	if d.postgres() {
		cast := ""
		if typ := pgType(col); typ != "text" {
			cast = "::" + typ
		}
		return d.build().sql("SELECT " + list + " FROM unnest(").arg(vals).sql("::text[]) AS k(v), LATERAL (SELECT " + list +
			" FROM " + quote(table) + " t WHERE t.company_id = ").arg(companyID).sql(" AND t." + col + " = k.v" + cast + " LIMIT 1) t")
	}
	return d.build().sql("SELECT " + list + " FROM " + quote(table) + " t WHERE t.company_id = ").arg(companyID).
		sql(" AND t." + col + " IN ").in(vals)
}
