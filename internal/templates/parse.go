package templates

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Row is one data row of a file.
type Row[T any] struct {
	// Line is the line the row starts on (the header is usually line 1).
	Line int
	// Value is the planning record, normalized (planning's Normalize) and
	// validated on its own. A project role's PersonID holds the person's
	// employee_id; an assignment's PersonID and ProjectID are empty (see
	// EmployeeID and ProjectNumber): the caller resolves them to ids.
	Value T
	// Invalid is set when the row has problems of its own (they are in the
	// Reader's Err). The file must not be applied then; the row is yielded so that
	// checks across files know its key exists.
	Invalid bool
	// AllGroups is set when the group_codes cell of a person or project says All:
	// the caller sets Value.GroupCodes to every group of the company. (For job
	// titles and tags, All sets Value.Global instead.)
	AllGroups bool
	// EmployeeID and ProjectNumber name an assignment's person and project; the
	// caller resolves them into Value.PersonID and Value.ProjectID.
	EmployeeID, ProjectNumber string
}

// slot says what one header cell is.
type slot struct {
	col    int    // index of the template column, or one of the slot* values
	custom string // the custom field's name, for slotCustom
}

const (
	slotIgnored  = -1 // an unknown or duplicate column: its problem is reported once
	slotCustom   = -2 // custom.<name>
	slotNameless = -3 // a header cell left empty
)

// Reader reads the rows of one file. Make one with Template.Parse, range over Rows
// once, then call Err. A Reader is for one goroutine; the templates themselves are
// read-only and may parse many files at once.
type Reader[T any] struct {
	t    *Template[T]
	file string
	cr   *csv.Reader

	slots    []slot // per header cell
	pos      []int  // per template column: its header cell, or -1
	silenced []bool // per template column: its problem was reported for the whole file
	customs  []string

	cellErr  []bool // per template column, for the current row
	seen     []map[string]int
	problems []Problem
	more     int
	rows     int
	fatal    bool
	started  bool
	// example is set when the file is the template's example file, which may
	// hold the example row.
	example bool

	badText      int // index in problems of the first cell that is not UTF-8, or -1
	badTextLines int // further lines with such cells
	badTextLast  int // line of the last such cell
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse starts reading one file of the template; file is the name used in
// messages. It reads and checks the header at once; the rows are read as Rows is
// ranged over, one at a time.
func (t *Template[T]) Parse(file string, r io.Reader) *Reader[T] {
	rd := &Reader[T]{t: t, file: file, badText: -1}
	if sp, ok := exampleFor(file); ok && sp == t.spec {
		rd.example = true
	}
	rd.seen = make([]map[string]int, len(t.unique))
	for i := range rd.seen {
		rd.seen[i] = map[string]int{}
	}
	rd.pos = make([]int, len(t.cols))
	rd.silenced = make([]bool, len(t.cols))
	rd.cellErr = make([]bool, len(t.cols))
	for i := range rd.pos {
		rd.pos[i] = -1
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if !rd.sniff(br) {
		rd.fatal = true
		return rd
	}
	rd.cr = csv.NewReader(br)
	rd.cr.ReuseRecord = true
	rd.cr.FieldsPerRecord = -1
	rd.readHeader()
	return rd
}

// ReadAll parses a whole file into memory: for small files and tests. It returns
// every row read and, when the file has problems, a *FileError.
func (t *Template[T]) ReadAll(file string, r io.Reader) ([]Row[T], error) {
	rd := t.Parse(file, r)
	rows := slices.Collect(rd.Rows())
	return rows, rd.Err()
}

// sniff looks at the first bytes for an empty file, a byte-order mark and files
// that are not UTF-8 text at all. It reports whether reading can go on.
func (rd *Reader[T]) sniff(br *bufio.Reader) bool {
	head, err := br.Peek(512)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			rd.add(0, "", fmt.Sprintf("could not be read: %v", err))
		} else {
			rd.add(0, "", "is empty (0 bytes); it needs at least the header row")
		}
		return false
	}
	const saveAs = "save it as UTF-8 CSV (in Excel: File > Save As > CSV UTF-8 (Comma delimited))"
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		_, _ = br.Discard(len(utf8BOM))
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		rd.add(0, "", "is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8; "+saveAs)
		return false
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		rd.add(0, "", "is an Excel workbook (or another zip file), not CSV; "+saveAs)
		return false
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		rd.add(0, "", "is an old Excel workbook (.xls), not CSV; "+saveAs)
		return false
	case bytes.IndexByte(head, 0) >= 0:
		if looksUTF16(head) {
			rd.add(0, "", "is UTF-16 text, not UTF-8; "+saveAs)
		} else {
			rd.add(0, "", "holds NUL bytes, so it is not a text CSV file; "+saveAs)
		}
		return false
	}
	return true
}

// looksUTF16 reports whether every other byte is mostly zero, as in UTF-16 text
// that is mostly ASCII.
func looksUTF16(b []byte) bool {
	var even, odd int
	for i, c := range b {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	return max(even, odd) >= len(b)/4
}

// readHeader reads the first non-blank row as the header and checks it.
func (rd *Reader[T]) readHeader() {
	for {
		rec, err := rd.cr.Read()
		if err == io.EOF {
			rd.add(0, "", "is empty: it has no header row; the first line must name the columns, like "+
				strings.Join(rd.t.spec.ColumnNames()[:3], ","))
			rd.fatal = true
			return
		}
		if err != nil {
			rd.readError(err)
			rd.fatal = true
			return
		}
		line, _ := rd.cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		rd.setHeader(slices.Clone(rec), line)
		return
	}
}

// setHeader maps header cells to columns and reports missing, unknown and
// duplicate columns, all at once.
func (rd *Reader[T]) setHeader(rec []string, line int) {
	t, spec := rd.t, rd.t.spec
	rd.slots = make([]slot, len(rec))
	first := map[string]int{} // header name, lower case -> its cell
	known := 0
	var problems []Problem
	add := func(col, msg string) { problems = append(problems, Problem{rd.file, line, col, msg}) }
	for i, raw := range rec {
		name := strings.TrimSpace(raw)
		lower := strings.ToLower(name)
		switch {
		case !utf8.ValidString(name):
			add("", fmt.Sprintf("header cell %d, %q, is not UTF-8 text; save the file as UTF-8 CSV", i+1, name))
			rd.slots[i] = slot{col: slotIgnored}
			continue
		case name == "":
			rd.slots[i] = slot{col: slotNameless}
			continue
		}
		if j, dup := first[lower]; dup {
			add(name, fmt.Sprintf("appears twice in the header (columns %d and %d); keep one", j+1, i+1))
			if c := rd.slots[j].col; c >= 0 {
				rd.pos[c], rd.silenced[c] = -1, true
			}
			rd.slots[j], rd.slots[i] = slot{col: slotIgnored}, slot{col: slotIgnored}
			continue
		}
		first[lower] = i
		if field, ok := cutPrefixFold(name, "custom."); ok {
			field = strings.TrimSpace(field)
			switch {
			case t.custom == nil:
				add(name, fmt.Sprintf("%s has no custom fields; remove this column", spec.File()))
				rd.slots[i] = slot{col: slotIgnored}
			case field == "":
				add(name, "has no field name; write custom. and the name, like custom.shirt_size")
				rd.slots[i] = slot{col: slotIgnored}
			default:
				rd.slots[i] = slot{col: slotCustom, custom: field}
			}
			continue
		}
		if c, ok := t.index[lower]; ok {
			rd.slots[i] = slot{col: c}
			rd.pos[c] = i
			known++
			continue
		}
		rd.slots[i] = slot{col: slotIgnored}
		add(name, unknownColumn(spec, name))
	}
	if known == 0 {
		rd.fatal = true
		msg := fmt.Sprintf("is not a header: none of its cells names a column of %s; the first line must name the columns, and the required ones are %s",
			spec.File(), strings.Join(requiredNames(spec), ", "))
		if len(rec) == 1 && strings.ContainsAny(rec[0], ";\t") {
			msg = "is separated by semicolons or tabs; templates are separated by commas: in Excel use File > Save As > CSV UTF-8 (Comma delimited)"
		}
		rd.add(line, "", msg)
		return
	}
	for c, col := range t.cols {
		if col.Required && rd.pos[c] < 0 && !rd.silenced[c] {
			add(col.Name, "is a required column but is not in the header")
			rd.silenced[c] = true
		}
	}
	for _, s := range rd.slots {
		if s.col == slotCustom {
			rd.customs = append(rd.customs, s.custom)
		}
	}
	for _, p := range problems {
		rd.add(p.Line, p.Column, p.Message)
	}
}

// Rows yields the file's data rows in order, one at a time; blank rows are
// skipped. Rows that cannot be read as a row at all (a wrong number of cells, a
// broken quote) are not yielded. Range over it once; Err then has every problem.
func (rd *Reader[T]) Rows() iter.Seq[Row[T]] {
	return func(yield func(Row[T]) bool) {
		if rd.started || rd.fatal {
			return
		}
		rd.started = true
		defer rd.finish()
		for {
			rec, err := rd.cr.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				if rd.readError(err) {
					continue
				}
				return
			}
			line, _ := rd.cr.FieldPos(0)
			row, ok := rd.row(rec, line)
			if !ok {
				continue
			}
			rd.rows++
			if !yield(row) {
				return
			}
		}
	}
}

// row reads one record into a Row; ok is false when it is blank or cannot be
// read as a row.
func (rd *Reader[T]) row(rec []string, line int) (r Row[T], ok bool) {
	if blank(rec) {
		return r, false
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	if n, want := len(rec), len(rd.slots); n != want {
		switch {
		case n < want && !nameless(rd.slots[n:]):
			rd.add(line, "", fmt.Sprintf("has %d cells but the header has %d; a line may be broken in two, or the file cut off", n, want))
			return r, false
		case n < want: // only the header's unnamed trailing cells are missing
			rec = append(rec, make([]string, want-n)...)
		case !blank(rec[want:]):
			rd.add(line, "", fmt.Sprintf("has %d cells but the header has %d; put a value that holds a comma in double quotes", n, want))
			return r, false
		default:
			rec = rec[:want]
		}
	}
	if !rd.example && rd.isExample(rec) {
		rd.add(line, "", fmt.Sprintf("is the example row of %s; remove it", rd.t.spec.ExampleFile()))
		return r, false
	}
	before := len(rd.problems) + rd.more
	r.Line = line
	clear(rd.cellErr)
	for i, s := range rd.slots {
		cell := rec[i]
		if cell == "" || s.col == slotIgnored {
			continue
		}
		if !utf8.ValidString(cell) {
			rd.badUTF8(line, i, cell)
			if s.col >= 0 {
				rd.cellErr[s.col] = true
			}
			continue
		}
		switch s.col {
		case slotNameless:
			rd.add(line, "", fmt.Sprintf("has the value %q in column %d, which has no name in the header; name the column or remove the value", cell, i+1))
		case slotCustom:
			m := rd.t.custom(&r.Value)
			if *m == nil {
				*m = make(planning.CustomFields, len(rd.customs))
			}
			(*m)[s.custom] = cell
		}
	}
	for c, col := range rd.t.cols {
		if rd.cellErr[c] {
			continue
		}
		cell := ""
		if i := rd.pos[c]; i >= 0 {
			cell = rec[i]
		}
		if cell == "" {
			if col.Required && rd.pos[c] >= 0 {
				msg := "is required"
				if col.Type == TypeGroupList {
					msg += ": list group codes separated by |, or write All for every group"
				}
				rd.add(line, col.Name, msg)
				rd.cellErr[c] = true
				continue
			}
			if cell = col.Default; cell == "" {
				continue
			}
		}
		if err := col.set(&r, cell); err != nil {
			rd.add(line, col.Name, err.Error())
			rd.cellErr[c] = true
		}
	}
	for _, fe := range rd.t.check(&r) {
		name := rd.t.columnOf(fe.Field)
		if c, ok := rd.t.index[name]; ok && (rd.cellErr[c] || rd.silenced[c]) {
			continue
		}
		rd.add(line, name, fe.Message)
	}
	for u, uc := range rd.t.unique {
		v, c := uc.value(&r), rd.t.index[uc.column]
		if v == "" || rd.cellErr[c] {
			continue
		}
		if prev, dup := rd.seen[u][v]; dup {
			msg := fmt.Sprintf("%q is also on line %d; each %s may appear only once in a file", v, prev, uc.column)
			if rd.pos[c] < 0 {
				msg += fmt.Sprintf(" (without a %s column it comes from the abbreviation or name; add one to tell the rows apart)", uc.column)
			}
			rd.add(line, uc.column, msg)
		} else {
			rd.seen[u][strings.Clone(v)] = line
		}
	}
	r.Invalid = len(rd.problems)+rd.more > before
	return r, true
}

// isExample reports whether rec is the template's example row: every column of
// the template present with its example value.
func (rd *Reader[T]) isExample(rec []string) bool {
	for c, col := range rd.t.cols {
		i := rd.pos[c]
		if i < 0 {
			if col.Example != "" {
				return false
			}
			continue
		}
		if rec[i] != col.Example {
			return false
		}
	}
	for i, s := range rd.slots {
		if s.col == slotCustom && (s.custom != rd.t.spec.customExample[0] || rec[i] != rd.t.spec.customExample[1]) {
			return false
		}
	}
	return true
}

// badUTF8 reports the first cell that is not UTF-8 and counts the lines after it.
func (rd *Reader[T]) badUTF8(line, cell int, value string) {
	if rd.badText >= 0 || rd.badTextLast > 0 {
		if line != rd.badTextLast {
			rd.badTextLines++
		}
		rd.badTextLast = line
		return
	}
	rd.badTextLast = line
	if len(rd.problems) < MaxProblems {
		rd.badText = len(rd.problems)
	}
	rd.add(line, rd.columnName(cell), fmt.Sprintf("%q is not UTF-8 text; the file was probably saved in another encoding (such as Windows-1252): save it as UTF-8 CSV (in Excel: File > Save As > CSV UTF-8 (Comma delimited))", value))
}

// finish completes the messages that summarize the whole file.
func (rd *Reader[T]) finish() {
	if rd.badText >= 0 && rd.badTextLines > 0 {
		p := &rd.problems[rd.badText]
		p.Message += fmt.Sprintf("; %d more %s the same problem", rd.badTextLines, plural(rd.badTextLines, "line has", "lines have"))
		rd.badTextLines = 0
	}
}

// readError reports an error of the CSV reader. It reports whether reading can go
// on (a malformed row) or not (the input failed).
func (rd *Reader[T]) readError(err error) bool {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		rd.add(0, "", fmt.Sprintf("could not be read to the end: %v", err))
		rd.fatal = true
		return false
	}
	msg := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = `has a cell that opens a double quote (") and never closes it; look for a stray " in this row, or the file may be cut off`
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `has a double quote (") inside a cell that does not start with one; put the whole cell in double quotes and write the quote twice, like "12"" pipe"`
	}
	rd.add(pe.StartLine, "", msg)
	return true
}

// add records a problem, or counts it once MaxProblems are listed.
func (rd *Reader[T]) add(line int, column, msg string) {
	if len(rd.problems) >= MaxProblems {
		rd.more++
		return
	}
	rd.problems = append(rd.problems, Problem{File: rd.file, Line: line, Column: column, Message: msg})
}

// columnName names header cell i for messages.
func (rd *Reader[T]) columnName(i int) string {
	switch s := rd.slots[i]; s.col {
	case slotCustom:
		return "custom." + s.custom
	case slotIgnored, slotNameless:
		return fmt.Sprintf("%d", i+1)
	default:
		return rd.t.cols[s.col].Name
	}
}

// Err returns nil when the file has no problems, or a *FileError listing them.
// Call it after ranging over Rows to the end; before, it has the header's problems.
func (rd *Reader[T]) Err() error {
	if len(rd.problems) == 0 && rd.more == 0 {
		return nil
	}
	return &FileError{File: rd.file, Problems: slices.Clone(rd.problems), More: rd.more}
}

// Count is the number of rows yielded so far.
func (rd *Reader[T]) Count() int { return rd.rows }

// Columns lists the columns the file has, in the template's order, then its
// custom.<name> columns in the file's order. A column the file lacks is left at
// its default in every row; in merge mode a caller may prefer to keep the hub's
// value for it.
func (rd *Reader[T]) Columns() []string {
	var cols []string
	for c, i := range rd.pos {
		if i >= 0 {
			cols = append(cols, rd.t.cols[c].Name)
		}
	}
	for _, name := range rd.customs {
		cols = append(cols, "custom."+name)
	}
	return cols
}

// Has reports whether the file has the column (a standard name or custom.<name>).
func (rd *Reader[T]) Has(column string) bool { return slices.Contains(rd.Columns(), column) }

// nameless reports whether every slot is a header cell without a name.
func nameless(slots []slot) bool {
	for _, s := range slots {
		if s.col != slotNameless {
			return false
		}
	}
	return true
}

// blank reports whether every cell is empty or spaces.
func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func requiredNames(s *Spec) []string {
	var names []string
	for _, c := range s.Columns {
		if c.Required {
			names = append(names, c.Name)
		}
	}
	return names
}
