package source

import (
	"errors"
	"strings"
	"testing"
)

func TestMaskDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		// URLs
		{"postgres://erp:s3cret@db.internal:5432/erp?sslmode=require", "postgres://erp:***@db.internal:5432/erp?sslmode=require"},
		{"postgresql://erp@db/erp", "postgresql://erp@db/erp"},
		{"postgres://erp:p%40ss%2Fw@db/erp", "postgres://erp:***@db/erp"},
		{"postgres://db/erp?user=erp&password=s3cret", "postgres://db/erp?password=***&user=erp"},
		{"sqlserver://sa:Str0ng!Pass@sql.example.com:1433?database=erp&encrypt=true", "sqlserver://sa:***@sql.example.com:1433?database=erp&encrypt=true"},
		{"sqlserver://sa:pa ss@host", "sqlserver://***@host"}, // unparseable: all user information hidden
		// PostgreSQL key=value
		{"host=db user=erp password=s3cret dbname=erp", "host=db user=erp password=*** dbname=erp"},
		{"host=db password='s3 cret' user=erp", "host=db password=*** user=erp"},
		{"host=db PASSWORD = s3cret", "host=db PASSWORD = ***"},
		{"password=s3cret", "password=***"},
		// SQL Server / ODBC key=value
		{"server=sql;user id=erp;password=s3 cr;et;database=erp", "server=sql;user id=erp;password=***;et;database=erp"},
		{"server=sql;user id=erp;Password={s3;cr}}et};database=erp", "server=sql;user id=erp;Password=***;database=erp"},
		{"Server=sql;PWD=secret;Database=erp", "Server=sql;PWD=***;Database=erp"},
		// go-sql-driver/mysql
		{"erp:s3cret@tcp(db:3306)/erp?parseTime=true", "erp:***@tcp(db:3306)/erp?parseTime=true"},
		{"erp:p@ss:w/rd@tcp(db:3306)/erp", "erp:***@tcp(db:3306)/erp"},
		{"root@tcp(127.0.0.1:3306)/test", "root@tcp(127.0.0.1:3306)/test"},
		{"erp:s3cret@/erp", "erp:***@/erp"},
		// SQLite paths: nothing to hide
		{"/var/lib/erp/erp.db", "/var/lib/erp/erp.db"},
		{"file:/var/lib/erp/erp.db?cache=shared", "file:/var/lib/erp/erp.db?cache=shared"},
	}
	for _, tt := range tests {
		if got := MaskDSN(tt.dsn); got != tt.want {
			t.Errorf("MaskDSN(%q)\n got %q\nwant %q", tt.dsn, got, tt.want)
		}
	}
}

func TestStripURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://bob:pw@files.example.com/x.csv", "https://files.example.com/x.csv"},
		{"https://files.example.com/x.csv?token=abc&v=2", "https://files.example.com/x.csv?token=***&v=2"},
		{"https://files.example.com/x.csv?X-Amz-Signature=abc&X-Amz-Credential=k", "https://files.example.com/x.csv?X-Amz-Credential=***&X-Amz-Signature=***"},
		{"s3://bucket/key.csv?endpoint=http://127.0.0.1:7070", "s3://bucket/key.csv?endpoint=http://127.0.0.1:7070"},
	}
	for _, tt := range tests {
		if got := StripURL(tt.url); got != tt.want {
			t.Errorf("StripURL(%q)\n got %q\nwant %q", tt.url, got, tt.want)
		}
	}
}

func TestMaskerScrubsErrors(t *testing.T) {
	m := &masker{}
	m.add("p@ss/word", "abc") // "abc" is too short to search for
	err := newError(ErrAccessDenied, m, errors.New(`login "p%40ss%2Fword" and p@ss/word refused`), "cannot log in with %s", "abc")
	if strings.Contains(err.Error(), "p@ss/word") || strings.Contains(err.Error(), "p%40ss%2Fword") {
		t.Errorf("secret in %q", err)
	}
	if !strings.Contains(err.Error(), "abc") {
		t.Errorf("short value was scrubbed: %q", err)
	}
	if !errors.Is(err, ErrAccessDenied) {
		t.Errorf("%v is not ErrAccessDenied", err)
	}
}

func TestDSNSecrets(t *testing.T) {
	tests := []struct {
		dsn  string
		want []string
	}{
		{"postgres://erp:s3cret@db/erp", []string{"s3cret"}},
		{"host=db password='s3 cret'", []string{"s3 cret"}},
		{"server=x;password={a;b}", []string{"a;b"}},
		{"erp:p@ss@tcp(db)/erp", []string{"p@ss"}},
		{"/path/erp.db", nil},
	}
	for _, tt := range tests {
		got := dsnSecrets(tt.dsn)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("dsnSecrets(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
