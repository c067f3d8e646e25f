package source

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/testenv"
)

// benchRows is the size of the benchmarks' sources.
const benchRows = 100_000

// benchRead opens cfg and reads every row, b.N times, reporting rows/s.
func benchRead(b *testing.B, cfg Config, opts Options) {
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		src, err := Open(context.Background(), cfg, opts)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for row, err := range src.Rows(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			if row.Value("employee_id") == nil {
				b.Fatal("no employee_id")
			}
			n++
		}
		src.Close()
		if n != benchRows {
			b.Fatalf("%d rows, want %d", n, benchRows)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

// seedEmployees fills employees with benchRows generated rows, in batches.
func seedEmployees(b *testing.B, db *sql.DB) {
	if _, err := db.Exec(`CREATE TABLE employees (employee_id INTEGER PRIMARY KEY, first_name VARCHAR(40), last_name VARCHAR(40),
		pay_rate NUMERIC(10,2), trade_id INTEGER, union_id VARCHAR(10), date_terminated DATE, email VARCHAR(120))`); err != nil {
		b.Fatal(err)
	}
	const batch = 5000
	for start := 0; start < benchRows; start += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO employees VALUES ")
		for i := start; i < start+batch; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			term := "NULL"
			if i%10 == 0 {
				term = "'2024-03-15'"
			}
			fmt.Fprintf(&sb, "(%d,'First%d','Last%d',%d.%02d,%d,'L-%d',%s,'e%d@example.com')",
				100000+i, i, i, 20+i%30, i%100, i%12, i%5, term, i)
		}
		if _, err := db.Exec(sb.String()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPostgres(b *testing.B) {
	dsn := seedBenchDB(b, "pgx", testenv.PostgresURL(b))
	benchRead(b, Config{Driver: "postgres", DSN: dsn, Query: "SELECT * FROM employees"}, Options{})
}

func BenchmarkMariaDB(b *testing.B) {
	dsn := seedBenchDB(b, "mysql", testenv.MariaDBURL(b))
	benchRead(b, Config{Driver: "mysql", DSN: dsn, Query: "SELECT * FROM employees"}, Options{})
}

func seedBenchDB(b *testing.B, driver, dsn string) string {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	seedEmployees(b, db)
	return dsn
}

// benchCSV is benchRows employees as CSV (about 7 MB).
func benchCSV() []byte {
	var sb strings.Builder
	sb.WriteString("employee_id,first_name,last_name,pay_rate,trade_id,union_id,date_terminated,email\n")
	for i := range benchRows {
		term := ""
		if i%10 == 0 {
			term = "2024-03-15"
		}
		fmt.Fprintf(&sb, "%d,First%d,\"Last, %d\",%d.%02d,%d,L-%d,%s,e%d@example.com\n", 100000+i, i, i, 20+i%30, i%100, i%12, i%5, term, i)
	}
	return []byte(sb.String())
}

// benchNDJSON is benchRows employees as NDJSON, with a nested address.
func benchNDJSON() []byte {
	var sb strings.Builder
	for i := range benchRows {
		fmt.Fprintf(&sb, `{"employee_id":%d,"first_name":"First%d","pay_rate":%d.%02d,"address":{"city":"City%d","zip":"%05d"},"date_terminated":null}`+"\n",
			100000+i, i, 20+i%30, i%100, i%50, i)
	}
	return []byte(sb.String())
}

func BenchmarkHTTPCSV(b *testing.B) {
	f := &fileServer{contentType: "text/csv"}
	f.content, f.etag = benchCSV(), `"bench"`
	srv := httptest.NewServer(f)
	defer srv.Close()
	b.SetBytes(int64(len(f.content)))
	benchRead(b, Config{URL: srv.URL + "/employees.csv"}, Options{})
}

func BenchmarkHTTPNDJSON(b *testing.B) {
	f := &fileServer{contentType: "application/x-ndjson"}
	f.content = benchNDJSON()
	srv := httptest.NewServer(f)
	defer srv.Close()
	b.SetBytes(int64(len(f.content)))
	benchRead(b, Config{URL: srv.URL + "/employees.ndjson"}, Options{})
}

// BenchmarkHTTPUnchanged is the cost of finding that a 100,000-row CSV over
// HTTP has not changed (a conditional GET answered 304).
func BenchmarkHTTPUnchanged(b *testing.B) {
	f := &fileServer{contentType: "text/csv"}
	f.content, f.etag = benchCSV(), `"bench"`
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg := Config{URL: srv.URL + "/employees.csv"}
	src, err := Open(context.Background(), cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	fp := src.Fingerprint()
	src.Close()
	for b.Loop() {
		src, err := Open(context.Background(), cfg, Options{Previous: fp})
		if err != nil || !src.Unchanged() {
			b.Fatalf("unchanged %v, %v", err == nil && src.Unchanged(), err)
		}
		src.Close()
	}
}

// TestHTTPStreams checks that rows come while the server is still sending:
// the first rows are read before the server has written the rest.
func TestHTTPStreams(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprintln(w, "employee_id,name")
		for i := range 1000 {
			fmt.Fprintf(w, "%d,n%d\n", i, i)
		}
		w.(http.Flusher).Flush()
		select { // the rest only once the test has read the first rows
		case <-release:
		case <-r.Context().Done():
			return
		}
		for i := 1000; i < 2000; i++ {
			fmt.Fprintf(w, "%d,n%d\n", i, i)
		}
	}))
	defer srv.Close()
	src := open(t, Config{URL: srv.URL + "/x.csv"}, Options{})
	n := 0
	for row, err := range src.Rows(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if n == 999 {
			if row.Value("employee_id") != "999" {
				t.Fatalf("row 1000 is %v", row.Values())
			}
			close(release)
		}
		n++
	}
	if n != 2000 {
		t.Errorf("%d rows, want 2000", n)
	}
}
