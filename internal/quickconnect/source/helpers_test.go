package source

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
)

// open opens cfg or fails the test.
func open(t testing.TB, cfg Config, opts Options) Source {
	t.Helper()
	src, err := Open(context.Background(), cfg, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// readAll ranges over the source's rows.
func readAll(src Source) ([]Row, error) {
	var rows []Row
	for row, err := range src.Rows(context.Background()) {
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// mustReadAll reads every row or fails the test.
func mustReadAll(t testing.TB, src Source) []Row {
	t.Helper()
	rows, err := readAll(src)
	if err != nil {
		t.Fatalf("reading %s: %v", src, err)
	}
	return rows
}

// openErr opens cfg, which must fail with an error that is kind and whose
// message has every one of want and none of never.
func openErr(t *testing.T, cfg Config, opts Options, kind error, want []string, never ...string) error {
	t.Helper()
	src, err := Open(context.Background(), cfg, opts)
	if err == nil {
		src.Close()
		t.Fatalf("Open succeeded, want an error (%v)", kind)
	}
	checkErr(t, err, kind, want, never...)
	return err
}

// checkErr checks an error's kind and message.
func checkErr(t *testing.T, err error, kind error, want []string, never ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", kind)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %q is not %v", err, kind)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	for _, n := range never {
		if strings.Contains(err.Error(), n) {
			t.Errorf("error %q reveals %q", err, n)
		}
	}
	t.Logf("error, as expected: %v", err)
}

// erpSchema creates and fills the ERP-like employees and jobs tables; dialect
// is "postgres", "mysql" or "sqlite".
func erpSchema(t testing.TB, db *sql.DB, dialect string) {
	t.Helper()
	boolType := "BOOLEAN"
	stmts := []string{
		`CREATE TABLE employees (
			employee_id INTEGER PRIMARY KEY,
			first_name VARCHAR(40) NOT NULL,
			last_name VARCHAR(40) NOT NULL,
			pay_rate NUMERIC(10,2) NOT NULL,
			trade_id INTEGER,
			union_id VARCHAR(10),
			date_terminated DATE,
			email VARCHAR(120),
			is_foreman ` + boolType + ` NOT NULL DEFAULT FALSE
		)`,
		`CREATE TABLE jobs (
			job_number VARCHAR(20) PRIMARY KEY,
			job_name VARCHAR(80) NOT NULL,
			job_status_code CHAR(1) NOT NULL,
			address VARCHAR(120),
			city VARCHAR(60),
			state CHAR(2),
			contract_amount NUMERIC(14,2)
		)`,
		`INSERT INTO employees VALUES
			(1001, 'Ana', 'García', 32.50, 3, 'L-46', NULL, 'ana@example.com', TRUE),
			(1002, 'Bo', 'Chen', 28.00, 5, NULL, '2024-03-15', NULL, FALSE),
			(1003, 'Zoë', 'O''Neil', 41.75, 3, 'L-46', NULL, 'zoe@example.com', FALSE)`,
		`INSERT INTO jobs VALUES
			('24-017', 'Riverside Clinic', 'A', '12 Main St', 'Springfield', 'IL', 1250000.00),
			('24-018', 'Depot Roof', 'P', NULL, NULL, NULL, NULL),
			('23-101', 'Old Mill', 'C', '1 Mill Rd', 'Shelbyville', 'IL', 98000.50)`,
	}
	ctx := context.Background()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("seed %s: %v\n%s", dialect, err, s)
		}
	}
}

// date is midnight UTC of the day.
func date(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}
