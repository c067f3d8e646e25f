package source

// SQL Server has no server in this workplace: TestSQLServerWiring checks the
// driver's wiring and the masking of its DSNs without one, and
// TestSQLServerLive runs against a real server when TRESTLE_TEST_MSSQL_DSN
// names one, e.g.
//
//	TRESTLE_TEST_MSSQL_DSN='sqlserver://sa:Your_password123@127.0.0.1:1433?database=master' \
//	    go test -run SQLServer ./internal/quickconnect/source/
//
// (docker run -e ACCEPT_EULA=Y -e MSSQL_SA_PASSWORD=Your_password123 -p 1433:1433
// mcr.microsoft.com/mssql/server:2022-latest starts one). The live test needs
// no table: its query makes its own values.

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSQLServerWiring(t *testing.T) {
	const pw = "Sql-Secret-Pw1"
	for _, dsn := range []string{
		"sqlserver://sa:" + pw + "@127.0.0.1:1?database=erp&dial+timeout=5",
		"server=127.0.0.1;port=1;user id=sa;password=" + pw + ";database=erp",
	} {
		err := openErr(t, Config{Driver: "mssql", DSN: dsn, Query: "SELECT 1"}, Options{},
			ErrUnreachable, []string{"cannot reach sqlserver", "sa"}, pw)
		if !strings.Contains(err.Error(), "sa:***@") && !strings.Contains(err.Error(), "password=***") {
			t.Errorf("error %q does not show the masked DSN", err)
		}
	}
	openErr(t, Config{Driver: "sqlserver", DSN: "sqlserver://sa:" + pw + "@127.0.0.1:1?encrypt=maybe-not", Query: "SELECT 1"}, Options{},
		ErrConfig, []string{"the sqlserver dsn is not valid", "sa:***@"}, pw)

	// The values go-mssqldb gives: DECIMAL and MONEY as text bytes,
	// UNIQUEIDENTIFIER as 16 bytes in SQL Server's byte order.
	guid := []byte{0x99, 0xbc, 0xee, 0xa0, 0x0b, 0x9c, 0xf8, 0x4e, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	for _, tt := range []struct {
		typ  string
		in   any
		want any
	}{
		{"UNIQUEIDENTIFIER", guid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"DECIMAL", []byte("32.50"), "32.50"},
		{"MONEY", []byte("1250.0000"), "1250.0000"},
		{"NVARCHAR", "Zoë", "Zoë"},
		{"VARBINARY", []byte{0xff, 0}, []byte{0xff, 0}},
		{"INT", int64(7), int64(7)},
		{"TINYINT", uint8(7), int64(7)},
		{"REAL", float32(0.1), 0.1},
		{"BIT", true, true},
		{"DATE", nil, nil},
	} {
		if got := sqlConverter(tt.typ)(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %#v -> %#v, want %#v", tt.typ, tt.in, got, tt.want)
		}
	}
}

func TestSQLServerLive(t *testing.T) {
	dsn := os.Getenv("TRESTLE_TEST_MSSQL_DSN")
	if dsn == "" {
		t.Skip("no SQL Server: set TRESTLE_TEST_MSSQL_DSN to run this test (see the top of this file)")
	}
	src := open(t, Config{Driver: "sqlserver", DSN: dsn, Query: `SELECT CAST(1001 AS INT) AS employee_id, N'Zoë' AS first_name,
		CAST(32.50 AS DECIMAL(10,2)) AS pay_rate, CAST('2024-03-15' AS DATE) AS date_terminated, CAST(NULL AS NVARCHAR(10)) AS email,
		CAST('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' AS UNIQUEIDENTIFIER) AS id, CAST(1 AS BIT) AS is_foreman`}, Options{})
	rows := mustReadAll(t, src)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	want := map[string]any{"employee_id": int64(1001), "first_name": "Zoë", "pay_rate": "32.50", "email": nil,
		"id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "is_foreman": true}
	for k, w := range want {
		if got := rows[0].Value(k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v (%T), want %#v", k, got, got, w)
		}
	}
	if d, ok := rows[0].Value("date_terminated").(time.Time); !ok || !d.Equal(date("2024-03-15")) {
		t.Errorf("date_terminated = %#v", rows[0].Value("date_terminated"))
	}
	openErr(t, Config{Driver: "sqlserver", DSN: dsn, Query: "SELECT nope FROM no_such_table_qc"}, Options{},
		ErrQuery, []string{"the query failed on sqlserver", "no_such_table_qc"})
}
