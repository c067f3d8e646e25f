package quickconnect

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// erp is a system of record: employees and jobs tables in a real database.
type erp struct {
	db     *sql.DB
	driver string // the source driver name
	dsn    string
}

func (e *erp) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := e.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func seed(t *testing.T, e *erp) {
	e.exec(t, `CREATE TABLE employees (emp_no varchar(20) PRIMARY KEY, first_name varchar(50), last_name varchar(50),
		email varchar(100), pay_rate numeric(10,2), trade_id int, union_id varchar(10), date_terminated date)`)
	e.exec(t, `CREATE TABLE jobs (job_number varchar(20) PRIMARY KEY, job_name varchar(100), job_status varchar(2),
		address varchar(100), start_date date)`)
	for i := 1; i <= 5; i++ {
		e.exec(t, fmt.Sprintf(`INSERT INTO employees VALUES ('E%d', 'pat', 'WORKER%d', 'Pat%d@Example.com', 31.5, 30, '123', NULL)`, i, i, i))
	}
	e.exec(t, `INSERT INTO jobs VALUES ('J-1', 'Riverside Clinic', 'A', '2500 River Rd', '2026-03-02')`)
	e.exec(t, `INSERT INTO jobs VALUES ('J-2', 'Depot', 'P', '1 Depot St', NULL)`)
}

const definition = `
sources:
  erp: {driver: %s, dsn: "%s"}
entities:
  people:   {source: erp, query: "SELECT * FROM employees ORDER BY emp_no", deactivate_missing: true}
  projects: {source: erp, query: "SELECT * FROM jobs ORDER BY job_number"}
mapping:
  people:
    fields:
      employee_id: emp_no
      first_name: {column: first_name, case: title}
      last_name: {column: last_name, case: title}
      email: {column: email, case: lower}
      hourly_wage: pay_rate
      job_title: {column: trade_id, map: {"30": APP}, unmatched: empty}
      union: {column: union_id, map: {"123": Local 123}, unmatched: keep}
      status: {inactive_from: {column: date_terminated}}
      group_codes: {value: KS}
  projects:
    fields:
      project_number: job_number
      name: job_name
      status: {column: job_status, map: {A: active, P: pending, C: inactive}, default: inactive}
      address_1: address
      start_date: start_date
      group_codes: {value: KS}
`

func newHub(t testing.TB) (store.Store, planning.Company) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := st.CreateCompany(ctx, planning.Company{Slug: "acme", Name: "Acme", Timezone: "America/Chicago"}, store.Console("t"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, c.ID, store.Console("t"), func(tx store.Tx) error {
		if _, err := tx.Groups().Upsert(ctx, []planning.Group{{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"}}); err != nil {
			return err
		}
		_, err := tx.JobTitles().Upsert(ctx, []planning.JobTitle{{Name: "Apprentice", Code: "APP", Global: true}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return st, c
}

func runOnce(t *testing.T, st store.Store, conn store.QCConnection) store.QCRun {
	t.Helper()
	run, err := Run(context.Background(), st, conn, RunOptions{Today: planning.MustParseDate("2026-11-21")})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestRunFromERP(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) *erp
	}{
		{"postgres", func(t *testing.T) *erp {
			u := testenv.PostgresURL(t)
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return &erp{db: db, driver: "postgres", dsn: u}
		}},
		{"mariadb", func(t *testing.T) *erp {
			dsn := testenv.MariaDBURL(t)
			db, err := sql.Open("mysql", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return &erp{db: db, driver: "mysql", dsn: dsn}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.open(t)
			seed(t, e)
			st, c := newHub(t)
			ctx := context.Background()
			conn, err := st.SaveQCConnection(ctx, store.QCConnection{CompanyID: c.ID, Name: "erp", Enabled: true,
				Definition: fmt.Sprintf(definition, e.driver, e.dsn)}, store.Console("t"))
			if err != nil {
				t.Fatal(err)
			}
			run := runOnce(t, st, conn)
			if run.Status != store.QCOK || run.Counts["people"].Created != 5 || run.Counts["projects"].Created != 2 {
				t.Fatalf("first run: %s %s %+v %+v", run.Status, run.Message, run.Counts, run.Errors)
			}
			if run := runOnce(t, st, conn); run.Status != store.QCUnchanged {
				t.Fatalf("second run: %s %s", run.Status, run.Message)
			}
			// A hire, a termination, an address edit, a new job; and a planner's
			// edit in the hub of a field the sync owns is put back.
			e.exec(t, `INSERT INTO employees VALUES ('E6', 'new', 'HIRE', 'new@example.com', 28, 30, '123', NULL)`)
			e.exec(t, `UPDATE employees SET date_terminated = '2026-11-01' WHERE emp_no = 'E2'`)
			e.exec(t, `UPDATE jobs SET address = '2600 River Rd' WHERE job_number = 'J-1'`)
			e.exec(t, `INSERT INTO jobs VALUES ('J-3', 'School', 'A', '3 School Ln', '2026-12-01')`)
			e.exec(t, `DELETE FROM employees WHERE emp_no = 'E5'`) // gone from the system of record
			run = runOnce(t, st, conn)
			p, pr := run.Counts["people"], run.Counts["projects"]
			if run.Status != store.QCOK || p.Created != 1 || p.Updated != 1 || p.Deactivated != 1 || p.Unchanged != 3 ||
				pr.Created != 1 || pr.Updated != 1 || pr.Unchanged != 1 {
				t.Fatalf("third run: %s %s people %+v projects %+v", run.Status, run.Message, p, pr)
			}
			var status planning.Status
			_ = st.View(ctx, c.ID, func(tx store.Tx) error {
				per, err := tx.People().GetByKey(ctx, "E2")
				status = per.Status
				return err
			})
			if status != planning.StatusInactive {
				t.Errorf("E2 terminated in the ERP is %s in the hub", status)
			}
			// A row that cannot be read: the run is invalid, nothing changes.
			e.exec(t, `UPDATE employees SET trade_id = 99, first_name = NULL WHERE emp_no = 'E3'`)
			run = runOnce(t, st, conn)
			if run.Status != store.QCInvalid || run.ErrorsTotal == 0 || !strings.Contains(run.Errors[0].Source, "erp") {
				t.Fatalf("invalid run: %s %s %+v", run.Status, run.Message, run.Errors)
			}
			// A mapping that names a column the source lacks, and an unreachable
			// source: failed runs with a clear message.
			bad := conn
			bad.Definition = strings.Replace(conn.Definition, "hourly_wage: pay_rate", "hourly_wage: rate_of_pay", 1)
			if run := runOnce(t, st, bad); run.Status != store.QCFailed || !strings.Contains(run.Message, "rate_of_pay") {
				t.Fatalf("missing column: %s %s", run.Status, run.Message)
			}
			bad.Definition = strings.Replace(conn.Definition, "SELECT * FROM jobs", "SELECT * FROM no_such_table", 1)
			if run := runOnce(t, st, bad); run.Status != store.QCFailed || !strings.Contains(run.Message, "no_such_table") {
				t.Fatalf("failing query: %s %s", run.Status, run.Message)
			}
			bad.Definition = fmt.Sprintf(definition, "postgres", "postgres://nobody:hunter2@127.0.0.1:1/x?connect_timeout=2")
			if run := runOnce(t, st, bad); run.Status != store.QCFailed || !strings.Contains(run.Message, "127.0.0.1:1") || strings.Contains(run.Message, "hunter2") {
				t.Fatalf("unreachable: %s %s", run.Status, run.Message)
			}
			runs, err := st.QCRuns(ctx, c.ID, conn.ID, 0)
			if err != nil || len(runs) != 7 {
				t.Fatalf("history: %d runs (%v)", len(runs), err)
			}
		})
	}
}
