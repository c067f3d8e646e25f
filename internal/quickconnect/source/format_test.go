package source

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeFile writes content into a new file named name.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rowData is what a test expects of a row.
type rowData struct {
	line int64
	vals map[string]any
}

// checkRows compares rows with want.
func checkRows(t *testing.T, rows []Row, want []rowData) {
	t.Helper()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		if r.Num != int64(i+1) || r.Line != w.line {
			t.Errorf("row %d: Num %d Line %d, want %d and %d", i+1, r.Num, r.Line, i+1, w.line)
		}
		if len(r.Columns()) != len(w.vals) {
			t.Errorf("row %d has columns %q, want %d", i+1, r.Columns(), len(w.vals))
		}
		for k, v := range w.vals {
			got, ok := r.Get(k)
			if !ok || !reflect.DeepEqual(got, v) {
				t.Errorf("row %d (%s) %s = %#v (%T, found %v), want %#v (%T)", i+1, r.Origin(), k, got, got, ok, v, v)
			}
		}
	}
}

func TestCSV(t *testing.T) {
	content := "\xEF\xBB\xBFEmployee ID, First Name ,Email\r\n" +
		"1001,Ana,ana@example.com\r\n" +
		"1002,\"Chen, Bo\",\"multi\nline\"\r\n" +
		"\r\n" + // blank lines are skipped
		"1003,Zoë,\r\n"
	src := open(t, Config{Path: writeFile(t, "employees.csv", content)}, Options{})
	if got := src.Columns(); !slices.Equal(got, []string{"Employee ID", "First Name", "Email"}) {
		t.Errorf("columns %q", got)
	}
	rows := mustReadAll(t, src)
	checkRows(t, rows, []rowData{
		{2, map[string]any{"employee id": "1001", "FIRST NAME": "Ana", "email": "ana@example.com"}},
		{3, map[string]any{"Employee ID": "1002", "First Name": "Chen, Bo", "Email": "multi\nline"}},
		{6, map[string]any{"Employee ID": "1003", "First Name": "Zoë", "Email": ""}},
	})
	if rows[1].Origin() != "row 2, line 3" {
		t.Errorf("Origin %q", rows[1].Origin())
	}

	for _, tt := range []struct{ delim, content string }{
		{";", "id;name\n1;Ana\n"},
		{`\t`, "id\tname\n1\tAna\n"},
		{"|", "id|name\n1|Ana\n"},
	} {
		src := open(t, Config{Path: writeFile(t, "x.txt", tt.content), Format: "csv", CSV: CSVOptions{Delimiter: tt.delim}}, Options{})
		checkRows(t, mustReadAll(t, src), []rowData{{2, map[string]any{"id": "1", "name": "Ana"}}})
	}
}

func TestCSVMalformed(t *testing.T) {
	tests := []struct {
		name, content string
		atOpen        bool
		want          []string
	}{
		{"empty", "", true, []string{"the file is empty"}},
		{"only a BOM", "\xEF\xBB\xBF", true, []string{"the file is empty"}},
		{"empty header name", "id,,name\n", true, []string{"line 1: column 2 of the header has no name"}},
		{"duplicate header", "id,Name,NAME\n", true, []string{`line 1: the header names "NAME" twice`}},
		{"header not UTF-8", "id,nom\xe9\n", true, []string{"line 1: column 2 of the header is not UTF-8"}},
		{"field count", "id,name\n1,Ana\n2,Bo,extra\n", false, []string{"line 3: the record has 3 fields, the header has 2"}},
		{"bare quote", "id,name\n1,Ana\n2,B\"o\n", false, []string{`line 3: a field that is not quoted has a " in it`}},
		{"unclosed quote", "id,name\n1,\"Ana\n2,Bo\n", false, []string{"line 3", "a quoted field is not closed", "the record starts on line 2"}},
		{"latin-1", "id,name\n1,Ana\n2,Jos\xe9\n", false, []string{"line 3: column name is not UTF-8 text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Path: writeFile(t, "bad.csv", tt.content)}
			if tt.atOpen {
				openErr(t, cfg, Options{}, ErrMalformed, append(tt.want, "bad.csv"))
				return
			}
			_, err := readAll(open(t, cfg, Options{}))
			checkErr(t, err, ErrMalformed, append(tt.want, "bad.csv"))
		})
	}
}

func TestJSON(t *testing.T) {
	array := `[
  {"employee_id": 1001, "name": "Ana", "pay_rate": 32.5, "address": {"city": "Springfield", "geo": {"lat": 39.8}},
   "tags": ["a", {"b": null}], "active": true, "terminated": null},
  {"employee_id": 12345678901234567890, "name": "Bo", "pay_rate": 1e2, "address": {}, "tags": [], "active": false, "terminated": "2024-03-15"}
]
`
	src := open(t, Config{Path: writeFile(t, "employees.json", array)}, Options{})
	wantCols := []string{"employee_id", "name", "pay_rate", "address.city", "address.geo.lat", "tags", "active", "terminated"}
	if got := src.Columns(); !slices.Equal(got, wantCols) {
		t.Errorf("columns %q, want %q", got, wantCols)
	}
	checkRows(t, mustReadAll(t, src), []rowData{
		{2, map[string]any{"employee_id": int64(1001), "name": "Ana", "pay_rate": 32.5, "Address.City": "Springfield",
			"address.geo.lat": 39.8, "tags": `["a",{"b":null}]`, "active": true, "terminated": nil}},
		{4, map[string]any{"employee_id": "12345678901234567890", "name": "Bo", "pay_rate": 100.0, "tags": "[]",
			"active": false, "terminated": "2024-03-15"}},
	})

	// nested: json keeps objects whole.
	src = open(t, Config{Path: writeFile(t, "employees.json", array), JSON: JSONOptions{Nested: "json"}}, Options{})
	rows := mustReadAll(t, src)
	if got := rows[0].Value("address"); got != `{"city":"Springfield","geo":{"lat":39.8}}` {
		t.Errorf("address = %#v", got)
	}
	if got := rows[1].Value("address"); got != "{}" {
		t.Errorf("empty address = %#v", got)
	}

	// NDJSON, detected from the first byte whatever the name, keys varying.
	nd := "{\"id\": 1, \"name\": \"Ana\"}\n\n{\"id\": 2, \"name\": \"Bo\", \"email\": \"bo@example.com\"}\r\n{\"id\": 3}"
	src = open(t, Config{Path: writeFile(t, "people.data", nd)}, Options{})
	if got := src.Columns(); !slices.Equal(got, []string{"id", "name"}) {
		t.Errorf("columns %q", got)
	}
	checkRows(t, mustReadAll(t, src), []rowData{
		{1, map[string]any{"id": int64(1), "name": "Ana"}},
		{3, map[string]any{"id": int64(2), "name": "Bo", "email": "bo@example.com"}},
		{4, map[string]any{"id": int64(3)}},
	})

	// An empty array is no rows.
	src = open(t, Config{Path: writeFile(t, "none.json", " [ ] \n")}, Options{})
	if rows := mustReadAll(t, src); len(rows) != 0 || src.Columns() != nil {
		t.Errorf("empty array: %d rows, columns %q", len(rows), src.Columns())
	}
	// A JSON file named .ndjson with a BOM.
	src = open(t, Config{Path: writeFile(t, "x.ndjson", "\xEF\xBB\xBF{\"a\":\"b\"}\n"), Format: "ndjson"}, Options{})
	checkRows(t, mustReadAll(t, src), []rowData{{1, map[string]any{"a": "b"}}})
}

func TestJSONMalformed(t *testing.T) {
	tests := []struct {
		name, content string
		atOpen        bool
		want          []string
	}{
		{"empty", "  \n", true, []string{"the file is empty"}},
		{"not json", "hello", true, []string{"line 1", "expected a JSON array of objects"}},
		{"first object bad", "{\"a\": }", true, []string{"line 1: invalid JSON"}},
		{"syntax", "[\n{\"a\": 1},\n{\"a\": 2,,}\n]", false, []string{"line 3: invalid JSON"}},
		{"not an object", "[\n{\"a\": 1},\n42\n]", false, []string{"line 3: expected an object, found the number 42"}},
		{"cut short", "[\n{\"a\": 1},\n{\"a\": \"x", false, []string{"line 3", "ends in the middle"}},
		{"after the array", "[{\"a\": 1}]\n[{\"a\": 2}]", false, []string{"line 2: unexpected \"[\" after the closing ]"}},
		{"duplicate key", "{\"a\": 1}\n{\"a\": 1, \"A\": 2}\n", false, []string{`line 2: the object has the key "A" twice`}},
		{"flattened clash", "{\"a.b\": 1, \"a\": {\"b\": 2}}\n", true, []string{`line 1: the object has the key "a.b" twice`}},
		{"ndjson scalar", "{\"a\": 1}\n\"x\"\n", false, []string{`line 2: expected an object, found the string "x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Path: writeFile(t, "bad.json", tt.content)}
			if tt.atOpen {
				openErr(t, cfg, Options{}, ErrMalformed, tt.want)
				return
			}
			_, err := readAll(open(t, cfg, Options{}))
			checkErr(t, err, ErrMalformed, tt.want)
		})
	}
}

func TestLocalFingerprint(t *testing.T) {
	path := writeFile(t, "employees.csv", "id,name\n1,Ana\n2,Bo\n")
	read := func(prev Fingerprint) (Source, int) {
		src := open(t, Config{Path: path}, Options{Previous: prev})
		return src, len(mustReadAll(t, src))
	}
	src, n := read("")
	fp := src.Fingerprint()
	if n != 2 || src.Unchanged() || !containsAll(string(fp), "sha256=", "size=19", "mtime=") {
		t.Fatalf("first read: %d rows, unchanged %v, fingerprint %q", n, src.Unchanged(), fp)
	}
	src, n = read(fp)
	if n != 0 || !src.Unchanged() || src.Columns() != nil || src.Fingerprint() != fp {
		t.Errorf("same file: %d rows, unchanged %v, fingerprint %q", n, src.Unchanged(), src.Fingerprint())
	}
	// Touched, same content: still unchanged (the checksum decides).
	later := mtime(t, path).Add(3 * time.Second)
	os.Chtimes(path, later, later)
	src, n = read(fp)
	if n != 0 || !src.Unchanged() || src.Fingerprint() == fp || !SameContent(fp, src.Fingerprint()) {
		t.Errorf("touched file: %d rows, unchanged %v, fingerprint %q (was %q)", n, src.Unchanged(), src.Fingerprint(), fp)
	}
	// Same size, other content: read.
	os.WriteFile(path, []byte("id,name\n1,Ana\n2,Cy\n"), 0o644)
	src, n = read(fp)
	if n != 2 || src.Unchanged() || src.Fingerprint() == fp {
		t.Errorf("changed file: %d rows, unchanged %v", n, src.Unchanged())
	}
	// A fingerprint of another file does not count.
	other := writeFile(t, "employees.csv", "id,name\n1,Ana\n2,Cy\n")
	src = open(t, Config{Path: other}, Options{Previous: src.Fingerprint()})
	if src.Unchanged() {
		t.Error("another file's fingerprint made it unchanged")
	}
	// A file:// URL is a local file too; a missing one is unreachable.
	src = open(t, Config{URL: "file://" + path}, Options{})
	if n := len(mustReadAll(t, src)); n != 2 {
		t.Errorf("file URL: %d rows", n)
	}
	openErr(t, Config{Path: path + ".missing"}, Options{}, ErrUnreachable, []string{"cannot open file " + path + ".missing: no such file"})
}

func mtime(t *testing.T, path string) time.Time {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.ModTime()
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
