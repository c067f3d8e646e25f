package templates

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/trestle-dev/trestle/internal/planning"
)

// utf16LE encodes s as UTF-16 little-endian, with a byte-order mark when bom.
func utf16LE(s string, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// TestBadInput covers every parsing fault of issue 6's "Bad input" list and the
// other ways a file can be malformed. Each case lists every problem it expects.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name    string
		content string
		rows    int // rows yielded
		want    []string
	}{
		{"zero bytes", "", 0, []string{"people.csv: is empty (0 bytes); it needs at least the header row"}},
		{"empty: only blank lines", "\n\n  \n", 0, []string{"people.csv: is empty: it has no header row; the first line must name the columns, like employee_id,first_name,last_name"}},
		{"empty: only a byte-order mark", "\xEF\xBB\xBF", 0, []string{"people.csv: is empty: it has no header row"}},
		{"empty: only commas", ",,,\n,,,\n", 0, []string{"people.csv: is empty: it has no header row"}},
		{"header without rows is valid", csvOf(peopleHeader), 0, nil},
		{"UTF-8 byte-order mark is stripped", "\xEF\xBB\xBF" + csvOf(peopleHeader, personRow), 1, nil},
		{"CRLF line ends", strings.ReplaceAll(csvOf(peopleHeader, personRow), "\n", "\r\n"), 1, nil},
		{"UTF-16 with byte-order mark", utf16LE(csvOf(peopleHeader, personRow), true), 0,
			[]string{`people.csv: is UTF-16 text (Excel's "Unicode Text"), not UTF-8; save it as UTF-8 CSV`}},
		{"UTF-16 big-endian mark", "\xFE\xFF\x00e\x00m", 0, []string{"people.csv: is UTF-16 text"}},
		{"UTF-16 without byte-order mark", utf16LE(csvOf(peopleHeader, personRow), false), 0, []string{"people.csv: is UTF-16 text, not UTF-8"}},
		{"Windows-1252", csvOf(peopleHeader, "E1,Jos\xe9,Doe,KS", "E2,Ren\xe9e,Roe,KS", "E3,Ann,Lee,KS", "E4,Zo\xeb,M\xfcller,KS"), 4,
			[]string{`people.csv line 2, column first_name: "Jos\xe9" is not UTF-8 text; the file was probably saved in another encoding (such as Windows-1252): save it as UTF-8 CSV (in Excel: File > Save As > CSV UTF-8 (Comma delimited)); 2 more lines have the same problem`}},
		{"Excel workbook", "PK\x03\x04\x14\x00\x06\x00", 0, []string{"people.csv: is an Excel workbook (or another zip file), not CSV"}},
		{"old Excel workbook", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 0, []string{"people.csv: is an old Excel workbook (.xls), not CSV"}},
		{"NUL bytes", "employee_id\x00\x01\x02,first_name\n", 0, []string{"people.csv: holds NUL bytes, so it is not a text CSV file"}},
		{"semicolons", csvOf(strings.ReplaceAll(peopleHeader, ",", ";"), strings.ReplaceAll(personRow, ",", ";")), 0,
			[]string{"people.csv line 1: is separated by semicolons or tabs; templates are separated by commas"}},
		{"no header", csvOf(personRow, "E2,Ann,Lee,KS"), 0,
			[]string{"people.csv line 1: is not a header: none of its cells names a column of people.csv; the first line must name the columns, and the required ones are employee_id, first_name, last_name, group_codes"}},
		{"missing required columns", csvOf("employee_id,first_name", "E1,Jane"), 1, []string{
			"people.csv line 1, column last_name: is a required column but is not in the header",
			"people.csv line 1, column group_codes: is a required column but is not in the header",
		}},
		{"unknown columns", csvOf(peopleHeader+",Frist_Name,hire date,shoe_size", personRow+",x,y,z"), 1, []string{
			"people.csv line 1, column Frist_Name: is not a column of people.csv; did you mean first_name?",
			"people.csv line 1, column hire date: is not a column of people.csv; did you mean hired_date?",
			"people.csv line 1, column shoe_size: is not a column of people.csv; remove it, or name it custom.shoe_size to keep it as a custom field",
		}},
		{"duplicate columns", csvOf(peopleHeader+",First_Name,email,custom.x,custom.X", personRow+",Jo,a@example.com,1,2"), 1, []string{
			"people.csv line 1, column First_Name: appears twice in the header (columns 2 and 5); keep one",
			"people.csv line 1, column custom.X: appears twice in the header (columns 7 and 8); keep one",
		}},
		{"all header problems at once", csvOf("employee_id,employee_id,nope", "E1,E1,x"), 1, []string{
			"column employee_id: appears twice in the header (columns 1 and 2)",
			"column nope: is not a column of people.csv",
			"column first_name: is a required column but is not in the header",
			"column last_name: is a required column but is not in the header",
			"column group_codes: is a required column but is not in the header",
		}},
		{"custom column without a name", csvOf(peopleHeader+",custom.", personRow+",x"), 1,
			[]string{"people.csv line 1, column custom.: has no field name; write custom. and the name, like custom.shirt_size"}},
		{"duplicate employee_id", csvOf(peopleHeader, personRow, "E2,Ann,Lee,KS", "E1,Jo,Doe,MO", "E1,Al,Doe,MO"), 4, []string{
			`people.csv line 4, column employee_id: "E1" is also on line 2; each employee_id may appear only once in a file`,
			`people.csv line 5, column employee_id: "E1" is also on line 2; each employee_id may appear only once in a file`,
		}},
		{"duplicate email in any case", csvOf(peopleHeader+",email", personRow+",jane@example.com", "E2,Ann,Lee,KS,JANE@example.com"), 2,
			[]string{`people.csv line 3, column email: "jane@example.com" is also on line 2; each email may appear only once in a file`}},
		{"bad date", csvOf(peopleHeader+",hired_date", personRow+",31/02/2024"), 1,
			[]string{`people.csv line 2, column hired_date: "31/02/2024" is not a date; use YYYY-MM-DD or MM/DD/YYYY`}},
		{"truncated last line", csvOf(peopleHeader+",email", personRow+",a@example.com") + "E2,Ann,Le", 1,
			[]string{"people.csv line 3: has 3 cells but the header has 5; a line may be broken in two, or the file cut off"}},
		{"truncated inside quotes", csvOf(peopleHeader, personRow) + `E2,"Ann`, 1,
			[]string{`people.csv line 3: has a cell that opens a double quote (") and never closes it; look for a stray " in this row, or the file may be cut off`}},
		{"last line without line end is fine", csvOf(peopleHeader, personRow) + "E2,Ann,Lee,KS", 2, nil},
		{"bare quote", csvOf(peopleHeader, `E1,Jane "JJ",Doe,KS`, "E2,Ann,Lee,KS"), 1,
			[]string{`people.csv line 2: has a double quote (") inside a cell that does not start with one; put the whole cell in double quotes and write the quote twice`}},
		{"too many cells", csvOf(peopleHeader, "E1,Doe, Jane,Roe,KS"), 0,
			[]string{"people.csv line 2: has 5 cells but the header has 4; put a value that holds a comma in double quotes"}},
		{"extra empty cells are fine", csvOf(peopleHeader, personRow+",,"), 1, nil},
		{"unnamed trailing header cells may be left out", csvOf(peopleHeader+",,", personRow, personRow[:1]+"2,Ann,Lee,KS,,"), 2, nil},
		{"blank rows are skipped", csvOf(peopleHeader, "", ",,,", personRow, " , , , "), 1, nil},
		{"nameless column", csvOf(peopleHeader+",", personRow+",", "E2,Ann,Lee,KS,oops"), 2,
			[]string{`people.csv line 3: has the value "oops" in column 5, which has no name in the header; name the column or remove the value`}},
		{"quoted multi-line cell keeps line numbers", csvOf(peopleHeader+",address_1", personRow+",\"1 Main St\nBack door\"", "E2,Ann,,KS,x"), 2,
			[]string{"people.csv line 4, column last_name: is required"}},
		{"example row left in", csvOf(exampleLines(People.spec)[0], exampleLines(People.spec)[1], exampleLines(People.spec)[1][:len(exampleLines(People.spec)[1])-2]+",M"), 1,
			[]string{"people.csv line 2: is the example row of people.example.csv; remove it"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, problems := parse(t, People, "people.csv", c.content)
			expectProblems(t, problems, c.want...)
			if len(rows) != c.rows {
				t.Errorf("%d rows, want %d", len(rows), c.rows)
			}
		})
	}
}

// exampleLines is the header and the example row of s.
func exampleLines(s *Spec) [2]string {
	var b strings.Builder
	if err := WriteExample(&b, s.Kind); err != nil {
		panic(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	return [2]string{lines[0], lines[1]}
}

func TestDuplicateTagCodes(t *testing.T) {
	_, problems := parse(t, Tags, "tags.csv", csvOf("name,group_codes", "OSHA 10,KS", "OSHA 30,KS"))
	expectProblems(t, problems, `tags.csv line 3, column code: "OSHA" is also on line 2; each code may appear only once in a file (without a code column it comes from the abbreviation or name; add one to tell the rows apart)`)
	_, problems = parse(t, Tags, "tags.csv", csvOf("code,name,group_codes", "O10,OSHA 10,KS", "O30,OSHA 30,KS"))
	expectProblems(t, problems)
}

func TestRowsKeepGoingAfterProblems(t *testing.T) {
	rows, problems := parse(t, People, "people.csv", csvOf(peopleHeader+",hired_date,email",
		"E1,Jane,Doe,KS,2024-13-01,jane@example",
		"E2,Ann,Lee,KS,2024-01-01,ann@example.com",
		"E3,,Roe,,,"))
	expectProblems(t, problems,
		`line 2, column hired_date: "2024-13-01" is not a day of the calendar`,
		`line 2, column email: "jane@example" is not an email address`,
		"line 4, column first_name: is required",
		"line 4, column group_codes: is required")
	if len(rows) != 3 || !rows[0].Invalid || rows[1].Invalid || !rows[2].Invalid {
		t.Fatalf("rows: %+v", rows)
	}
	if rows[1].Line != 3 || rows[1].Value.EmployeeID != "E2" || rows[1].Value.Email != "ann@example.com" {
		t.Errorf("row 2: %+v", rows[1])
	}
}

func TestProblemsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(peopleHeader + ",hired_date\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "E%d,Jane,Doe,KS,someday\n", i)
	}
	rows, err := People.ReadAll("people.csv", strings.NewReader(b.String()))
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	if len(fe.Problems) != MaxProblems || fe.More != 500 || fe.Total() != 1500 || len(rows) != 1500 {
		t.Fatalf("%d problems listed, %d more, %d rows", len(fe.Problems), fe.More, len(rows))
	}
	msg := fe.Error()
	if !strings.HasPrefix(msg, "people.csv has 1500 problems; line 2, column hired_date: \"someday\" is not a date") ||
		!strings.HasSuffix(msg, "; and 1490 more") || strings.Contains(msg, "\n") {
		t.Errorf("Error() = %q", msg)
	}
}

func TestReaderStreams(t *testing.T) {
	rd := People.Parse("people.csv", strings.NewReader(csvOf(peopleHeader+",custom.size,hired_date", personRow+",L,", "E2,Ann,Lee,KS,,1/2/2020", "E3,Al,Roe,KS,,x")))
	if got := strings.Join(rd.Columns(), ","); got != "employee_id,first_name,last_name,group_codes,hired_date,custom.size" {
		t.Errorf("Columns = %s", got)
	}
	if !rd.Has("custom.size") || rd.Has("email") {
		t.Error("Has is wrong")
	}
	n := 0
	for r := range rd.Rows() {
		n++
		if n == 2 {
			if r.Value.HiredDate != planning.NewDate(2020, 1, 2) {
				t.Errorf("row 2: %+v", r)
			}
			break
		}
	}
	if rd.Err() != nil || rd.Count() != 2 {
		t.Errorf("after breaking off: err %v, count %d", rd.Err(), rd.Count())
	}
	for range rd.Rows() {
		t.Fatal("Rows yielded again")
	}
}

// errReader fails after its data, like an upload cut off mid-transfer.
type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadFailure(t *testing.T) {
	rows, err := People.ReadAll("people.csv", &errReader{csvOf(peopleHeader, personRow), io.ErrUnexpectedEOF})
	expectProblems(t, problemTexts(t, err), "people.csv: could not be read to the end: unexpected EOF")
	if len(rows) != 1 {
		t.Errorf("%d rows", len(rows))
	}
	_, err = People.ReadAll("people.csv", &errReader{"", errors.New("connection reset")})
	expectProblems(t, problemTexts(t, err), "people.csv: could not be read: connection reset")
}

func TestPlanningErrorsNameTheirColumn(t *testing.T) {
	_, problems := parse(t, People, "people.csv", csvOf(peopleHeader+",is_user,can_receive_sms,hired_date,date_of_birth,custom.note",
		"E1,Jane,Doe,KS,Y,Y,2000-01-01,2001-01-01,"+strings.Repeat("x", 2001)))
	expectProblems(t, problems,
		"line 2, column email: is required when the person can log in (is_user)",
		"line 2, column mobile_phone: is required to receive text messages (can_receive_sms)",
		"line 2, column hired_date: is before the date of birth",
		"line 2, column custom.note: is too long (2001 characters; at most 2000)")
	_, problems = parse(t, Assignments, "assignments.csv", csvOf(
		"employee_id,project_number,start_day,end_day,start_time,end_time",
		"E1,P1,,2026-03-06,07:00,15:30"))
	expectProblems(t, problems, "assignments.csv line 2, column start_day: is required")
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"people", "People.csv", "person", "job-titles", "job_title", "JOB_TITLES.CSV"} {
		if _, ok := Lookup(name); !ok {
			t.Errorf("Lookup(%q) found nothing", name)
		}
	}
	if _, ok := Lookup("time_off"); ok {
		t.Error("Lookup found a template for time off")
	}
	if s, ok := ForFile("/upload/inbox/People.CSV"); !ok || s.Name != "people" {
		t.Errorf("ForFile: %v %v", s, ok)
	}
	for _, name := range []string{"people.example.csv", "people", "people.csv.tmp", "staff.csv"} {
		if _, ok := ForFile(name); ok {
			t.Errorf("ForFile(%q) found a template", name)
		}
	}
	var got []string
	for _, s := range Specs() {
		got = append(got, s.File())
	}
	if strings.Join(got, " ") != "groups.csv job_titles.csv tags.csv people.csv projects.csv assignments.csv" {
		t.Errorf("order: %v", got)
	}
}
