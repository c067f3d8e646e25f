package mapping

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// employeeColumns are the columns of the ERP's employees table.
var employeeColumns = []string{"emp_no", "company", "emp_type", "first_name", "last_name", "email", "cell_phone",
	"trade_id", "union_id", "pay_rate", "date_hired", "date_terminated", "dept", "shirt"}

// employee is row i of a generated employees table, with the value types a SQL
// driver gives: every 50th row is terminated, every 100th belongs to another
// company.
func employee(i int) Map {
	row := Map{}
	for j, v := range employeeValues(i) {
		row[employeeColumns[j]] = v
	}
	return row
}

func employeeValues(i int) []any {
	company := "01"
	if i%100 == 99 {
		company = "02"
	}
	var terminated any
	if i%50 == 7 {
		terminated = fmt.Sprintf("%02d/%02d/2025", 1+i%12, 1+i%28)
	}
	return []any{
		fmt.Sprintf("%06d", i), company, "E", fmt.Sprintf("FIRST%d", i), fmt.Sprintf("LAST%d", i),
		fmt.Sprintf("Person%d@Example.com", i), fmt.Sprintf("+1312%07d", i), int64(10 * (1 + i%4)), int64(123),
		float64(20+i%30) + 0.25, time.Date(2010+i%15, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), terminated,
		int64(i % 900), "l",
	}
}

// sqlRow is a Row as a SQL source gives it: values by position, and a
// case-insensitive index of the header shared by every row.
type sqlRow struct {
	index  map[string]int
	values []any
}

func (r *sqlRow) Get(column string) (any, bool) {
	i, ok := r.index[column]
	if !ok {
		i, ok = r.index[strings.ToLower(column)]
	}
	if !ok {
		return nil, false
	}
	return r.values[i], true
}

// BenchmarkMapPeople100k maps 100,000 employees with testdata/erp.yaml's people
// mapping (two where filters, skip_if_empty, value maps, derived status, range
// rules, dates, decimals, case rules).
func BenchmarkMapPeople100k(b *testing.B) {
	const n = 100_000
	m := erpMapping(b)
	index := map[string]int{}
	for i, c := range employeeColumns {
		index[c] = i
	}
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = employeeValues(i)
	}
	if err := m.CheckColumns(People, employeeColumns); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	row := &sqlRow{index: index}
	for b.Loop() {
		ok, skipped := 0, 0
		for _, values := range rows {
			row.values = values
			_, o := m.MapPerson(row, testCtx)
			switch o.Result {
			case OK:
				ok++
			case Skipped:
				skipped++
			default:
				b.Fatalf("row %v: %v", values, o.Err())
			}
		}
		if ok != 99_000 || skipped != 1_000 {
			b.Fatalf("%d ok, %d skipped", ok, skipped)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestGeneratedEmployees checks that the benchmark's rows are what it claims:
// valid people, some terminated.
func TestGeneratedEmployees(t *testing.T) {
	m := erpMapping(t)
	inactive := 0
	for i := range 1000 {
		p, o := m.MapPerson(employee(i), testCtx)
		if o.Result == Skipped {
			continue
		}
		mustOK(t, o)
		if errs := p.Validate(); len(errs) != 0 {
			t.Fatalf("row %d: %v", i, errs)
		}
		if p.Status == "inactive" {
			inactive++
		}
	}
	if inactive != 20 {
		t.Errorf("%d inactive people, want 20", inactive)
	}
}
