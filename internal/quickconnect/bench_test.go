package quickconnect

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// BenchmarkSync100k: a 100,000-employee PostgreSQL source synced into a
// SQLite hub holding them, 2% of the employees changed between runs (issue
// 7's figure: under 10 s end to end); then the same source unchanged, and an
// unchanged CSV over HTTP with an ETag (target: skipped in under 1 s).
func BenchmarkSync100k(b *testing.B) {
	const n = 100_000
	u := testenv.PostgresURL(b)
	db, err := sql.Open("pgx", u)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE employees (emp_no text PRIMARY KEY, first_name text, last_name text, email text, pay_rate numeric(10,2), date_terminated date)`,
		fmt.Sprintf(`INSERT INTO employees SELECT 'E' || g, 'Pat', 'Worker' || g, 'pat' || g || '@example.com', 31.50, NULL FROM generate_series(1, %d) g`, n),
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	st, c := newHub(b)
	ctx := context.Background()
	conn, err := st.SaveQCConnection(ctx, store.QCConnection{CompanyID: c.ID, Name: "erp", Enabled: true, Definition: fmt.Sprintf(`
sources:
  erp: {driver: postgres, dsn: "%s"}
entities:
  people: {source: erp, query: "SELECT * FROM employees", deactivate_missing: true}
mapping:
  people:
    fields:
      employee_id: emp_no
      first_name: first_name
      last_name: last_name
      email: email
      hourly_wage: pay_rate
      status: {inactive_from: {column: date_terminated}}
      group_codes: {value: KS}
`, u)}, store.Console("b"))
	if err != nil {
		b.Fatal(err)
	}
	run := func(want string) (store.QCRun, time.Duration) {
		start := time.Now()
		r, err := Run(ctx, st, conn, RunOptions{Today: planning.MustParseDate("2026-11-21")})
		if err != nil || r.Status != want {
			b.Fatalf("run: %v %s %s", err, r.Status, r.Message)
		}
		return r, time.Since(start)
	}
	_, took := run(store.QCOK)
	b.Logf("first sync of %d employees (all created): %v", n, took)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if _, err := db.Exec(fmt.Sprintf(`UPDATE employees SET last_name = 'Changed%d-' || emp_no WHERE substr(emp_no, 2)::int %% 50 = 0`, i)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, took := run(store.QCOK)
		b.Logf("sync with %d changed: %v", r.Counts["people"].Updated, took)
	}
	b.StopTimer()
	_, took = run(store.QCUnchanged)
	b.Logf("unchanged PostgreSQL source (read, compared, skipped): %v", took)

	csv := "emp_no,first_name,last_name,email,pay_rate,date_terminated\n"
	var sb strings.Builder
	sb.WriteString(csv)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "E%d,Pat,Worker%d,pat%d@example.com,31.50,\n", i, i, i)
	}
	body := sb.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"x"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"x"`)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	conn.Definition = strings.Replace(conn.Definition, `erp: {driver: postgres, dsn: "`+u+`"}`, `erp: {url: "`+srv.URL+`/employees.csv"}`, 1)
	conn.Definition = strings.Replace(conn.Definition, `query: "SELECT * FROM employees", `, "", 1)
	if conn, err = st.SaveQCConnection(ctx, conn, store.Console("b")); err != nil {
		b.Fatal(err)
	}
	_, took = run(store.QCOK)
	b.Logf("switch to a CSV over HTTP (100k rows read and applied): %v", took)
	_, took = run(store.QCUnchanged)
	b.Logf("unchanged CSV over HTTP (304 Not Modified): %v", took)
}
