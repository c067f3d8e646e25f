package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) {
		path := filepath.Join(t.TempDir(), "dest.db")
		s, err := New(context.Background(), Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", DSN(path))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return s, &reader{db: db}
	})
}

// reader reads tables back, turning each value into its sinktest canonical
// form by the column's declared type.
type reader struct{ db *sql.DB }

func (r *reader) columns(ctx context.Context, table string) (names, types []string, err error) {
	rows, err := r.db.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?) ORDER BY cid", table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			return nil, nil, err
		}
		names, types = append(names, n), append(types, ty)
	}
	return names, types, rows.Err()
}

func (r *reader) Columns(ctx context.Context, table string) ([]string, error) {
	names, _, err := r.columns(ctx, table)
	return names, err
}

func (r *reader) ReadRows(ctx context.Context, table string) ([]string, error) {
	names, types, err := r.columns(ctx, table)
	if err != nil {
		return nil, err
	}
	// The driver turns DATE/TIMESTAMP/DATETIME columns into time.Time; read
	// the stored text instead, checking that it is text.
	sel := make([]string, len(names))
	for i, n := range names {
		sel[i] = Quote(n)
		switch types[i] {
		case "DATE", "TIMESTAMP", "DATETIME":
			sel[i] = "CASE typeof(" + Quote(n) + ") WHEN 'text' THEN " + Quote(n) + " || '' WHEN 'null' THEN NULL ELSE 'not text' END"
		}
	}
	rows, err := r.db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+Quote(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	strs := make([]string, len(names))
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for c, v := range vals {
			s, err := canonical(types[c], v)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", names[c], err)
			}
			strs[c] = s
		}
		out = append(out, sinktest.Row(strs...))
	}
	return out, rows.Err()
}

func canonical(typ string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return sinktest.Null, nil
	case int64:
		if typ == "BOOLEAN" {
			return strconv.FormatBool(v != 0), nil
		}
		return strconv.FormatInt(v, 10), nil
	case float64:
		bits := 64
		if typ == "FLOAT" {
			bits = 32
		}
		return strconv.FormatFloat(v, 'g', -1, bits), nil
	case []byte:
		if typ == "BLOB" {
			return "0x" + hex.EncodeToString(v), nil
		}
		return canonical(typ, string(v))
	case string:
		switch {
		case typ == "TEXT":
			return strconv.Quote(v), nil
		case typ == "JSON":
			return sinktest.CanonicalJSON([]byte(v))
		case typ == "DATE", typ == "TIMESTAMP", typ == "DATETIME", strings.HasPrefix(typ, "DECIMAL_TEXT"):
			return v, nil
		}
	}
	return "", fmt.Errorf("unexpected %T in a %s column", v, typ)
}
