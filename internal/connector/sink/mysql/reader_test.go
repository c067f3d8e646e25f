package mysql

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

// reader reads tables back as text and turns each value into its sinktest
// canonical form by the column's declared type.
type reader struct {
	db *sql.DB
}

func (r *reader) Columns(ctx context.Context, table string) ([]string, error) {
	cols, err := r.columns(ctx, table)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names, nil
}

// column is what the reader needs to know of a column to read its values.
type column struct {
	name, dataType, columnType, comment string
	json                                bool
}

func (r *reader) columns(ctx context.Context, table string) ([]column, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT column_name, data_type, column_type, column_comment
		FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.dataType, &c.columnType, &c.comment); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// MariaDB's JSON is LONGTEXT with a json_valid check named after the column.
	checks, err := r.db.QueryContext(ctx, `SELECT check_clause FROM information_schema.check_constraints
		WHERE constraint_schema = DATABASE() AND table_name = ?`, table)
	if err != nil {
		return nil, err
	}
	defer checks.Close()
	var clauses []string
	for checks.Next() {
		var c string
		if err := checks.Scan(&c); err != nil {
			return nil, err
		}
		clauses = append(clauses, c)
	}
	for i := range cols {
		want := "json_valid(" + quote(cols[i].name) + ")"
		for _, c := range clauses {
			if strings.EqualFold(c, want) {
				cols[i].json = true
			}
		}
		if cols[i].dataType == "json" {
			cols[i].json = true
		}
	}
	return cols, checks.Err()
}

func (r *reader) ReadRows(ctx context.Context, table string) ([]string, error) {
	cols, err := r.columns(ctx, table)
	if err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, "SELECT * FROM "+quote(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	var out []string
	vals := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for c, v := range raw {
			if vals[c], err = canonical(cols[c], v); err != nil {
				return nil, fmt.Errorf("column %s: %w", cols[c].name, err)
			}
		}
		out = append(out, sinktest.Row(vals...))
	}
	return out, rows.Err()
}

func canonical(c column, raw []byte) (string, error) {
	if raw == nil {
		return sinktest.Null, nil
	}
	s := string(raw)
	switch {
	case c.json:
		return sinktest.CanonicalJSON(raw)
	case c.columnType == "tinyint(1)":
		return strconv.FormatBool(s == "1"), nil
	}
	switch c.dataType {
	case "bigint", "int", "smallint", "tinyint", "decimal", "date":
		return s, nil
	case "float", "double":
		bits := 64
		if c.dataType == "float" {
			bits = 32
		}
		f, err := strconv.ParseFloat(s, bits)
		return strconv.FormatFloat(f, 'g', -1, bits), err
	case "longtext", "varchar":
		return strconv.Quote(s), nil
	case "longblob", "varbinary":
		return "0x" + hex.EncodeToString(raw), nil
	case "datetime":
		t, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if c.comment == "UTC" {
			return t.Format("2006-01-02T15:04:05.000000Z"), err
		}
		return t.Format("2006-01-02T15:04:05.000000"), err
	}
	return "", fmt.Errorf("type %s not expected", c.columnType)
}
