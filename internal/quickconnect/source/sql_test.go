package source

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/trestle-dev/trestle/internal/testenv"
)

const employeesQuery = `SELECT employee_id, first_name, last_name, pay_rate, trade_id, union_id,
	date_terminated, email, is_foreman FROM employees ORDER BY employee_id`

// wantEmployees are the seeded employees as the sources give them; isForeman
// is the type of is_foreman (bool on PostgreSQL, int64 where BOOLEAN is an
// integer).
func wantEmployees(foreman func(bool) any) [][]any {
	return [][]any{
		{int64(1001), "Ana", "García", "32.50", int64(3), "L-46", nil, "ana@example.com", foreman(true)},
		{int64(1002), "Bo", "Chen", "28.00", int64(5), nil, date("2024-03-15"), nil, foreman(false)},
		{int64(1003), "Zoë", "O'Neil", "41.75", int64(3), "L-46", nil, "zoe@example.com", foreman(false)},
	}
}

var employeeColumns = []string{"employee_id", "first_name", "last_name", "pay_rate", "trade_id", "union_id",
	"date_terminated", "email", "is_foreman"}

// checkEmployees reads the employees query from src and compares.
func checkEmployees(t *testing.T, src Source, want [][]any) {
	t.Helper()
	if got := src.Columns(); !slices.Equal(got, employeeColumns) {
		t.Errorf("columns %q, want %q", got, employeeColumns)
	}
	rows := mustReadAll(t, src)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, row := range rows {
		if row.Num != int64(i+1) || row.Line != 0 || row.Origin() != "row "+string(rune('1'+i)) {
			t.Errorf("row %d: Num %d, Line %d, Origin %q", i, row.Num, row.Line, row.Origin())
		}
		for c, name := range employeeColumns {
			got, ok := row.Get(strings.ToUpper(name)) // case-insensitive
			if !ok {
				t.Errorf("row %d has no %s", i+1, name)
			}
			if w := want[i][c]; !reflect.DeepEqual(got, w) {
				if gt, ok := got.(time.Time); ok && w != nil && gt.Equal(w.(time.Time)) {
					continue
				}
				t.Errorf("row %d %s = %#v (%T), want %#v (%T)", i+1, name, got, got, w, w)
			}
		}
	}
	if _, ok := rows[0].Get("nope"); ok {
		t.Error(`Get("nope") found a column`)
	}
	if !strings.Contains(string(src.Fingerprint()), "sha256=") || src.Unchanged() {
		t.Errorf("SQL source has fingerprint %q, unchanged %v", src.Fingerprint(), src.Unchanged())
	}
	// The rows can be read once.
	if _, err := readAll(src); err == nil || !strings.Contains(err.Error(), "already been read") {
		t.Errorf("second read: %v", err)
	}
}

func seedPostgres(t testing.TB) string {
	dsn := testenv.PostgresURL(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	erpSchema(t, db, "postgres")
	return dsn
}

func seedMariaDB(t testing.TB) string {
	dsn := testenv.MariaDBURL(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	erpSchema(t, db, "mysql")
	return dsn
}

func TestPostgres(t *testing.T) {
	dsn := seedPostgres(t)
	// trust authentication accepts any password: this one must never show.
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword(u.User.Username(), "pg-secret-pw")
	dsnPW := u.String()

	src := open(t, Config{Driver: "postgres", DSN: dsnPW, Query: employeesQuery}, Options{})
	if s := src.String(); strings.Contains(s, "pg-secret-pw") || !strings.Contains(s, ":***@") {
		t.Errorf("String() = %q", s)
	}
	checkEmployees(t, src, wantEmployees(func(b bool) any { return b }))

	t.Run("same content", func(t *testing.T) {
		cfg := Config{Driver: "postgres", DSN: dsn, Query: employeesQuery}
		read := func() Fingerprint {
			src := open(t, cfg, Options{})
			mustReadAll(t, src)
			return src.Fingerprint()
		}
		first := read()
		if second := read(); !SameContent(first, second) {
			t.Errorf("same rows, fingerprints %q and %q", first, second)
		}
		db, _ := sql.Open("pgx", dsn)
		defer db.Close()
		if _, err := db.Exec("UPDATE employees SET email = 'ana2@example.com' WHERE employee_id = 1001"); err != nil {
			t.Fatal(err)
		}
		if third := read(); SameContent(first, third) {
			t.Error("changed rows, same content")
		}
		// Not read to the end: no checksum.
		src := open(t, cfg, Options{})
		for range src.Rows(context.Background()) {
			break
		}
		if SameContent(src.Fingerprint(), src.Fingerprint()) {
			t.Errorf("partly read source has a checksum: %q", src.Fingerprint())
		}
		// Another query is another source.
		other := cfg
		other.Query += " "
		src = open(t, other, Options{})
		mustReadAll(t, src)
		if SameContent(first, src.Fingerprint()) {
			t.Error("another query has the same content")
		}
	})
	t.Run("open's context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		src, err := Open(ctx, Config{Driver: "postgres", DSN: dsn, Query: employeesQuery}, Options{})
		cancel() // bounds Open only
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if rows := mustReadAll(t, src); len(rows) != 3 {
			t.Errorf("%d rows", len(rows))
		}
	})
	t.Run("read-only transaction", func(t *testing.T) {
		src := open(t, Config{Driver: "postgres", DSN: dsn, Query: "SELECT current_setting('transaction_read_only') AS ro"}, Options{})
		if rows := mustReadAll(t, src); len(rows) != 1 || rows[0].Value("ro") != "on" {
			t.Errorf("transaction_read_only: %v", rows[0].Values())
		}
		openErr(t, Config{Driver: "postgres", DSN: dsn, Query: "INSERT INTO jobs VALUES ('X', 'x', 'A', NULL, NULL, NULL, NULL) RETURNING job_number"},
			Options{}, ErrQuery, []string{"read-only transaction"})
	})
	t.Run("failing query", func(t *testing.T) {
		openErr(t, Config{Driver: "postgres", DSN: dsnPW, Query: "SELECT employee_id, nope FROM employees"}, Options{},
			ErrQuery, []string{"the query failed on postgres", `column "nope" does not exist`, ":***@"}, "pg-secret-pw")
	})
	t.Run("duplicate columns", func(t *testing.T) {
		openErr(t, Config{Driver: "postgres", DSN: dsn, Query: "SELECT e.employee_id, e.employee_id AS \"EMPLOYEE_ID\" FROM employees e"}, Options{},
			ErrQuery, []string{`two columns named "EMPLOYEE_ID"`, "AS"})
	})
	t.Run("unreachable", func(t *testing.T) {
		openErr(t, Config{Driver: "postgres", DSN: "postgres://erp:pg-secret-pw@127.0.0.1:1/erp", Query: "SELECT 1"}, Options{},
			ErrUnreachable, []string{"cannot reach postgres postgres://erp:***@127.0.0.1:1/erp", "refused"}, "pg-secret-pw")
	})
	t.Run("unknown user", func(t *testing.T) {
		u, _ := url.Parse(dsn)
		u.User = url.UserPassword("no_such_user_qc", "pg-secret-pw")
		openErr(t, Config{Driver: "postgres", DSN: u.String(), Query: "SELECT 1"}, Options{},
			ErrAccessDenied, []string{"refused the login", "no_such_user_qc"}, "pg-secret-pw")
	})
	t.Run("key=value dsn", func(t *testing.T) {
		kv := "host=127.0.0.1 port=1 user=erp password='pg secret pw' dbname=erp connect_timeout=5"
		openErr(t, Config{Driver: "postgres", DSN: kv, Query: "SELECT 1"}, Options{},
			ErrUnreachable, []string{"password=***"}, "pg secret pw")
	})
	t.Run("runtime error while streaming", func(t *testing.T) {
		src := open(t, Config{Driver: "postgres", DSN: dsn, Query: "SELECT 10 / (3 - g) AS x FROM generate_series(1, 100000) g"}, Options{})
		rows, err := readAll(src)
		checkErr(t, err, ErrQuery, []string{"division by zero"})
		if len(rows) > 2 {
			t.Errorf("%d rows before the error", len(rows))
		}
	})
	t.Run("cancel", func(t *testing.T) {
		src := open(t, Config{Driver: "postgres", DSN: dsn, Query: "SELECT g FROM generate_series(1, 1000000) g"}, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		var err error
		for _, err = range src.Rows(ctx) {
			if err != nil {
				break
			}
			if n++; n == 10 {
				cancel()
			}
		}
		if !errors.Is(err, context.Canceled) || n >= 1000000 {
			t.Errorf("after %d rows: %v, want context.Canceled", n, err)
		}
	})
	t.Run("types", func(t *testing.T) {
		src := open(t, Config{Driver: "postgres", DSN: dsn, Query: `SELECT
			'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, '\x0102'::bytea AS b, 1.5::float4 AS f4, 2.25::float8 AS f8,
			12345678901234::bigint AS big, 7::smallint AS small, '2024-02-29 12:00:00+00'::timestamptz AS ts,
			'{"a": 1}'::jsonb AS j, 99999999999999999999.99::numeric AS n`}, Options{})
		rows := mustReadAll(t, src)
		want := map[string]any{"u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "b": []byte{1, 2}, "f4": 1.5, "f8": 2.25,
			"big": int64(12345678901234), "small": int64(7), "j": `{"a": 1}`, "n": "99999999999999999999.99"}
		for k, w := range want {
			if got := rows[0].Value(k); !reflect.DeepEqual(got, w) {
				t.Errorf("%s = %#v (%T), want %#v", k, got, got, w)
			}
		}
		if ts, ok := rows[0].Value("ts").(time.Time); !ok || !ts.Equal(time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("ts = %#v", rows[0].Value("ts"))
		}
	})
}

func TestMariaDB(t *testing.T) {
	dsn := seedMariaDB(t)
	cfg, _ := mysql.ParseDSN(dsn)
	root := cfg.User

	src := open(t, Config{Driver: "mariadb", DSN: dsn, Query: employeesQuery}, Options{})
	checkEmployees(t, src, wantEmployees(func(b bool) any {
		if b {
			return int64(1)
		}
		return int64(0)
	}))

	t.Run("jobs", func(t *testing.T) {
		src := open(t, Config{Driver: "mysql", DSN: dsn, Query: "SELECT * FROM jobs ORDER BY job_number"}, Options{})
		rows := mustReadAll(t, src)
		if len(rows) != 3 || rows[0].Value("JOB_NUMBER") != "23-101" || rows[0].Value("contract_amount") != "98000.50" ||
			rows[2].Value("address") != nil || rows[1].Value("Job_Status_Code") != "A" {
			t.Errorf("jobs: %v %v %v", rows[0].Values(), rows[1].Values(), rows[2].Values())
		}
	})
	t.Run("read-only transaction", func(t *testing.T) {
		// A statement that writes is refused inside START TRANSACTION READ ONLY.
		openErr(t, Config{Driver: "mysql", DSN: dsn, Query: "UPDATE employees SET pay_rate = 0"}, Options{},
			ErrQuery, []string{"READ ONLY transaction"})
		db, _ := sql.Open("mysql", dsn)
		defer db.Close()
		var zero int
		db.QueryRow("SELECT COUNT(*) FROM employees WHERE pay_rate = 0").Scan(&zero)
		if zero != 0 {
			t.Errorf("the update went through: %d rows changed", zero)
		}
	})
	t.Run("failing query", func(t *testing.T) {
		cfg := cfg.Clone()
		cfg.Passwd = "maria-secret-pw"
		cfg.User = "no_such_user_qc"
		// Log in fails first with a wrong user; use the real user for the query.
		openErr(t, Config{Driver: "mysql", DSN: cfg.FormatDSN(), Query: "SELECT 1"}, Options{},
			ErrAccessDenied, []string{"refused the login", "no_such_user_qc:***@tcp(", "Access denied"}, "maria-secret-pw")
		openErr(t, Config{Driver: "mysql", DSN: dsn, Query: "SELECT nope FROM employees"}, Options{},
			ErrQuery, []string{"the query failed on mysql " + root + "@tcp(", "Unknown column 'nope'"})
	})
	t.Run("unreachable", func(t *testing.T) {
		openErr(t, Config{Driver: "mysql", DSN: "erp:maria-secret-pw@tcp(127.0.0.1:1)/erp", Query: "SELECT 1"}, Options{},
			ErrUnreachable, []string{"cannot reach mysql erp:***@tcp(127.0.0.1:1)/erp", "refused"}, "maria-secret-pw")
		openErr(t, Config{Driver: "mysql", DSN: root + "@tcp(" + cfg.Addr + ")/no_such_db_qc", Query: "SELECT 1"}, Options{},
			ErrUnreachable, []string{"no_such_db_qc"})
	})
	t.Run("types", func(t *testing.T) {
		src := open(t, Config{Driver: "mysql", DSN: dsn, Query: `SELECT CAST(1.5 AS FLOAT) AS f, CAST(0.1 AS FLOAT) AS f01,
			CAST(2.25 AS DOUBLE) AS d, 18446744073709551615 AS ubig, X'0102' AS b, CAST('2024-02-29 12:34:56' AS DATETIME) AS dt,
			CAST(NULL AS CHAR) AS n`}, Options{})
		rows := mustReadAll(t, src)
		want := map[string]any{"f": 1.5, "f01": 0.1, "d": 2.25, "ubig": "18446744073709551615", "n": nil}
		for k, w := range want {
			if got := rows[0].Value(k); !reflect.DeepEqual(got, w) {
				t.Errorf("%s = %#v (%T), want %#v", k, got, got, w)
			}
		}
		if dt, ok := rows[0].Value("dt").(time.Time); !ok || !dt.Equal(time.Date(2024, 2, 29, 12, 34, 56, 0, time.UTC)) {
			t.Errorf("dt = %#v", rows[0].Value("dt"))
		}
	})
}

func TestSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erp db.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	erpSchema(t, db, "sqlite")
	db.Close()

	src := open(t, Config{Driver: "sqlite", DSN: path, Query: `SELECT employee_id, first_name, pay_rate, date_terminated,
		CAST(pay_rate AS TEXT) AS pay_text, email FROM employees ORDER BY employee_id`}, Options{})
	rows := mustReadAll(t, src)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	// SQLite stores NUMERIC(10,2) 32.50 as the REAL 32.5 and a DATE as the text it was given.
	if r := rows[0]; r.Value("employee_id") != int64(1001) || r.Value("first_name") != "Ana" || r.Value("pay_rate") != 32.5 ||
		r.Value("date_terminated") != nil || r.Value("email") != "ana@example.com" {
		t.Errorf("row 1: %#v", r.Values())
	}
	if d := rows[1].Value("date_terminated"); d != "2024-03-15" && !reflect.DeepEqual(d, date("2024-03-15")) {
		t.Errorf("date_terminated = %#v", d)
	}

	t.Run("read-only", func(t *testing.T) {
		openErr(t, Config{Driver: "sqlite", DSN: "file:" + path + "?mode=rwc", Query: "INSERT INTO jobs (job_number, job_name, job_status_code) VALUES ('X', 'x', 'A') RETURNING job_number"},
			Options{}, ErrQuery, []string{"readonly"})
	})
	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.db")
		openErr(t, Config{Driver: "sqlite", DSN: missing, Query: "SELECT 1"}, Options{}, ErrUnreachable, []string{"cannot reach sqlite " + missing})
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("Open created %s", missing)
		}
	})
	t.Run("failing query", func(t *testing.T) {
		openErr(t, Config{Driver: "sqlite", DSN: path, Query: "SELECT * FROM nope"}, Options{}, ErrQuery, []string{"no such table: nope"})
	})
}

func TestSQLiteReadOnlyDSN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a#b%c d.db")
	os.WriteFile(path, nil, 0o644)
	got, err := sqliteReadOnlyDSN(path + "?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "file:"+strings.ReplaceAll(strings.ReplaceAll(path, "%", "%25"), "#", "%23")+"?") ||
		!strings.Contains(got, "mode=ro") || !strings.Contains(got, "busy_timeout") || !strings.Contains(got, "query_only") {
		t.Errorf("sqliteReadOnlyDSN = %q", got)
	}
	db, err := sql.Open("sqlite", got)
	if err == nil {
		err = db.Ping()
		db.Close()
	}
	if err != nil {
		t.Errorf("open %s: %v", got, err)
	}
	if _, err := sqliteReadOnlyDSN(":memory:"); err == nil {
		t.Error(":memory: accepted")
	}
}
