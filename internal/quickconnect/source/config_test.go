package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`
kind: sql
driver: MariaDB
dsn: erp:${ERP_PW}@tcp(db:3306)/erp
query: SELECT * FROM employees
connect_timeout: 5s
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Driver != "MariaDB" || c.ConnectTimeout != 5*time.Second || c.Query != "SELECT * FROM employees" {
		t.Errorf("decoded %+v", c)
	}
	n, err := c.normalize()
	if err != nil || n.Driver != DriverMySQL || n.Kind != KindSQL {
		t.Errorf("normalized %+v, %v", n, err)
	}

	c, err = ParseConfig([]byte(`
url: https://files.example.com/roster.csv
auth: {bearer: "secret:roster"}
headers: {X-Api-Key: "${KEY}"}
csv: {delimiter: ";"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := c.normalize(); n.Kind != KindFile || c.CSV.Delimiter != ";" || c.Auth.Bearer != "secret:roster" {
		t.Errorf("decoded %+v", c)
	}

	if _, err := ParseConfig([]byte("kind: sql\ndriver: postgres\ndsn: x\nquery: y\nqurey: z\n")); err == nil || !errors.Is(err, ErrConfig) {
		t.Errorf("unknown field: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // in the error; "" for valid
	}{
		{"sql", Config{Driver: "postgres", DSN: "x", Query: "q"}, ""},
		{"no kind", Config{}, "give kind"},
		{"both", Config{Driver: "postgres", URL: "http://x/y"}, "give kind"},
		{"unknown kind", Config{Kind: "ftp"}, `unknown kind "ftp"`},
		{"unknown driver", Config{Driver: "oracle", DSN: "x", Query: "q"}, `unknown driver "oracle"`},
		{"no dsn", Config{Driver: "sqlite", Query: "q"}, "needs a dsn"},
		{"no query", Config{Driver: "sqlite", DSN: "x"}, "needs a query"},
		{"sql with file fields", Config{Kind: "sql", Driver: "sqlite", DSN: "x", Query: "q", Format: "csv", Auth: Auth{Bearer: "t"}}, "does not take auth, format"},
		{"file", Config{URL: "https://x/y.csv", Auth: Auth{Username: "u", Password: "p"}}, ""},
		{"file path", Config{Path: "/tmp/x.json", JSON: JSONOptions{Nested: "JSON"}}, ""},
		{"file and sql fields", Config{Kind: "file", Path: "x", Query: "q"}, "does not take driver"},
		{"url and path", Config{Kind: "file", URL: "http://x/y", Path: "y"}, "a url or a path"},
		{"bad scheme", Config{URL: "ftp://x/y"}, "use http(s)://"},
		{"no host", Config{URL: "https:///y.csv"}, "has no host"},
		{"auth on s3", Config{URL: "s3://b/k", Auth: Auth{Bearer: "t"}}, "for http(s) URLs"},
		{"s3 on http", Config{URL: "http://x/y", S3: S3{Region: "r"}}, "for s3:// URLs"},
		{"bearer and basic", Config{URL: "http://x/y", Auth: Auth{Bearer: "t", Username: "u"}}, "not both"},
		{"password alone", Config{URL: "http://x/y", Auth: Auth{Password: "p"}}, "no username"},
		{"half s3 keys", Config{URL: "s3://b/k", S3: S3{AccessKey: "a"}}, "both access_key and secret_key"},
		{"format", Config{Path: "x", Format: "xml"}, `unknown format "xml"`},
		{"csv options on json", Config{Path: "x", Format: "json", CSV: CSVOptions{Delimiter: ";"}}, "csv settings"},
		{"json options on csv", Config{Path: "x", Format: "csv", JSON: JSONOptions{Nested: "json"}}, "json settings"},
		{"delimiter", Config{Path: "x", CSV: CSVOptions{Delimiter: ";;"}}, "one character"},
		{"tab", Config{Path: "x", CSV: CSVOptions{Delimiter: `\t`}}, ""},
		{"nested", Config{Path: "x", JSON: JSONOptions{Nested: "deep"}}, "use flatten or json"},
		{"url reference", Config{URL: "${ROSTER_URL}", Auth: Auth{Bearer: "t"}}, ""},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrConfig)):
			t.Errorf("%s: error %v, want one with %q", tt.name, err, tt.want)
		}
	}
}

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets.yaml")
	if err := os.WriteFile(path, []byte("erp_pw: \"p@ss word\"\nroster: tok-123456\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSecrets(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("QC_HOST", "db.internal")
	t.Setenv("QC_EMPTY", "")
	tests := []struct{ in, want, err string }{
		{"plain", "plain", ""},
		{"secret:erp_pw", "p@ss word", ""},
		{"secret:nope", "", `secret "nope" is not in the secrets file`},
		{"postgres://erp:${secret:erp_pw}@${QC_HOST}/erp", "postgres://erp:p@ss word@db.internal/erp", ""},
		{"a${QC_EMPTY}b", "ab", ""},
		{"${QC_MISSING_VAR}", "", "environment variable QC_MISSING_VAR is not set"},
		{"cost $${HOME} x", "cost ${HOME} x", ""},
		{"${not a name}", "", "is not a reference"},
		{"${QC_HOST", "", "without a closing"},
	}
	for _, tt := range tests {
		got, err := s.Resolve(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Resolve(%q) = %q, %v; want error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	var none *Secrets
	if _, err := none.Resolve("secret:x"); err == nil || !strings.Contains(err.Error(), "no secrets file was given") {
		t.Errorf("nil Secrets: %v", err)
	}
	if v, err := none.Resolve("${QC_HOST}"); err != nil || v != "db.internal" {
		t.Errorf("nil Secrets with env: %q, %v", v, err)
	}

	// Malformed files: errors say where, never what.
	for name, content := range map[string]string{
		"list":   "- a\n- b\n",
		"nested": "a: {b: c}\n",
		"dup":    "a: x1234\na: y1234\n",
		"syntax": "a: \"unclosed x1234\n",
	} {
		p := filepath.Join(dir, name+".yaml")
		os.WriteFile(p, []byte(content), 0o600)
		_, err := LoadSecrets(p)
		if err == nil || !errors.Is(err, ErrConfig) || strings.Contains(err.Error(), "1234") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestResolveMasks checks that resolved secrets are scrubbed from messages and
// that descriptions mask the DSN.
func TestResolveMasks(t *testing.T) {
	t.Setenv("QC_PW", "hunter2-long")
	r, err := Config{Driver: "postgres", DSN: "host=db user=erp password=${QC_PW}", Query: "q"}.resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.DSN != "host=db user=erp password=hunter2-long" {
		t.Errorf("resolved DSN %q", r.DSN)
	}
	if got := r.mask.scrub("driver said hunter2-long"); got != "driver said ***" {
		t.Errorf("scrub: %q", got)
	}
	r, err = Config{URL: "https://x/y", Auth: Auth{Username: "u", Password: "secret:pw"}}.resolve(NewSecrets(map[string]string{"pw": "opensesame"}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Auth.Password != "opensesame" || r.mask.scrub("opensesame") != "***" {
		t.Errorf("auth password %q not resolved or not masked", r.Auth.Password)
	}
	if _, err := (Config{URL: "${QC_PW}"}).resolve(nil); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("url resolved to a non-URL: %v", err)
	}
}

// TestDocExamples parses the configurations the package comment shows, so
// that they stay valid.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	for _, line := range strings.Split(string(doc), "\n") {
		body, ok := strings.CutPrefix(line, "//\t")
		switch {
		case ok && strings.HasPrefix(body, "kind:"):
			cur = []string{body}
		case ok && cur != nil:
			cur = append(cur, body)
		case cur != nil:
			blocks = append(blocks, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	if len(blocks) != 2 {
		t.Fatalf("found %d examples in doc.go, want 2", len(blocks))
	}
	for _, b := range blocks {
		if _, err := ParseConfig([]byte(b)); err != nil {
			t.Errorf("example does not parse: %v\n%s", err, b)
		}
	}
}
