package sqlstore

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/trestle-dev/trestle/internal/planning"
)

// dialect holds what differs between SQLite and PostgreSQL. Everything else in this
// package is written once for both.
type dialect struct {
	name  string // "sqlite" or "postgres"
	goose goose.Dialect
}

var (
	sqliteDialect   = &dialect{name: "sqlite", goose: goose.DialectSQLite3}
	postgresDialect = &dialect{name: "postgres", goose: goose.DialectPostgres}
)

func (d *dialect) postgres() bool { return d.name == "postgres" }

// ph returns the n-th (1-based) bind placeholder.
func (d *dialect) ph(n int) string {
	if d.postgres() {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// timestampLayout is how SQLite stores instants: fixed width, UTC, so text order is
// time order.
const timestampLayout = "2006-01-02T15:04:05.000000Z"

// ts converts an instant for binding. Instants are kept at microsecond precision,
// which both databases store exactly.
func (d *dialect) ts(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.postgres() {
		return t
	}
	return t.Format(timestampLayout)
}

// day converts a calendar day for binding.
func (d *dialect) day(v planning.Date) any {
	if d.postgres() {
		return v.Time()
	}
	return v.String()
}

// boolean converts a flag for binding.
func (d *dialect) boolean(b bool) any {
	if d.postgres() {
		return b
	}
	if b {
		return 1
	}
	return 0
}

// nullable turns "" into NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// quote quotes an identifier for both dialects.
func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// sqlBuilder accumulates a statement and its arguments with the dialect's
// placeholders.
type sqlBuilder struct {
	d    *dialect
	sb   strings.Builder
	args []any
}

func (d *dialect) build() *sqlBuilder { return &sqlBuilder{d: d} }

// sql appends text.
func (b *sqlBuilder) sql(parts ...string) *sqlBuilder {
	for _, p := range parts {
		b.sb.WriteString(p)
	}
	return b
}

// arg appends a placeholder bound to v.
func (b *sqlBuilder) arg(v any) *sqlBuilder {
	b.args = append(b.args, v)
	b.sb.WriteString(b.d.ph(len(b.args)))
	return b
}

// in appends "(p1, p2, ...)" bound to vals.
func (b *sqlBuilder) in(vals []string) *sqlBuilder {
	b.sb.WriteByte('(')
	for i, v := range vals {
		if i > 0 {
			b.sb.WriteString(", ")
		}
		b.arg(v)
	}
	b.sb.WriteByte(')')
	return b
}

func (b *sqlBuilder) String() string { return b.sb.String() }

// timeScanner scans an instant stored as timestamptz (PostgreSQL) or text (SQLite).
type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*s.t = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	case nil:
		*s.t = time.Time{}
	default:
		return fmt.Errorf("cannot read %T as a time", v)
	}
	return nil
}

func (s timeScanner) parse(x string) error {
	t, err := time.Parse(time.RFC3339Nano, x)
	if err != nil {
		return fmt.Errorf("cannot read %q as a time: %w", x, err)
	}
	*s.t = t.UTC()
	return nil
}

// boolScanner scans a boolean stored as boolean (PostgreSQL) or integer (SQLite).
type boolScanner struct{ b *bool }

func (s boolScanner) Scan(v any) error {
	switch x := v.(type) {
	case bool:
		*s.b = x
	case int64:
		*s.b = x != 0
	default:
		return fmt.Errorf("cannot read %T as a boolean", v)
	}
	return nil
}

var _ sql.Scanner = timeScanner{}
