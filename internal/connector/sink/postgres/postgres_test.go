package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) {
		url := testenv.PostgresURL(t)
		ctx := context.Background()
		s, err := New(ctx, Options{DSN: url})
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["timezone"] = "UTC"
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return s, &reader{conn: conn, schema: s.Schema()}
	})
}

// reader reads tables back in PostgreSQL's text format and turns each value
// into its sinktest canonical form by the column's type.
type reader struct {
	conn   *pgx.Conn
	schema string
}

func (r *reader) Columns(ctx context.Context, table string) ([]string, error) {
	rows, err := r.conn.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, r.schema, table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (r *reader) ReadRows(ctx context.Context, table string) ([]string, error) {
	rows, err := r.conn.Query(ctx, "SELECT * FROM "+pgx.Identifier{r.schema, table}.Sanitize(),
		pgx.QueryExecModeSimpleProtocol) // text format for every column
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	var out []string
	vals := make([]string, len(fds))
	for rows.Next() {
		for c, raw := range rows.RawValues() {
			v, err := canonical(fds[c].DataTypeOID, raw)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", fds[c].Name, err)
			}
			vals[c] = v
		}
		out = append(out, sinktest.Row(vals...))
	}
	return out, rows.Err()
}

func canonical(oid uint32, raw []byte) (string, error) {
	if raw == nil {
		return sinktest.Null, nil
	}
	s := string(raw)
	switch oid {
	case 20, 21, 23, 1082, 1700: // bigint, smallint, integer, date, numeric
		return s, nil
	case 700, 701: // real, double precision
		bits := 64
		if oid == 700 {
			bits = 32
		}
		f, err := strconv.ParseFloat(s, bits)
		return strconv.FormatFloat(f, 'g', -1, bits), err
	case 16:
		return strconv.FormatBool(s == "t"), nil
	case 25:
		return strconv.Quote(s), nil
	case 17:
		return "0x" + strings.TrimPrefix(s, `\x`), nil
	case 1184: // timestamptz, in the session's UTC
		t, err := time.Parse("2006-01-02 15:04:05.999999-07", s)
		return t.UTC().Format("2006-01-02T15:04:05.000000Z"), err
	case 1114:
		t, err := time.Parse("2006-01-02 15:04:05.999999", s)
		return t.Format("2006-01-02T15:04:05.000000"), err
	case 3802:
		return sinktest.CanonicalJSON(raw)
	}
	return "", fmt.Errorf("type OID %d not expected", oid)
}
