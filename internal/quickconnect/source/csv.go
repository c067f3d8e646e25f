package source

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// csvReader reads CSV records after a header row.
type csvReader struct {
	r    *csv.Reader
	head *header
	num  int64
}

// newCSVReader reads the header row.
func newCSVReader(in io.Reader, delim rune) (*csvReader, error) {
	r := csv.NewReader(in)
	r.Comma = delim
	r.ReuseRecord = true
	rec, err := r.Read()
	if err == io.EOF {
		return nil, &formatError{msg: "the file is empty: it has no header row"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	names := make([]string, len(rec))
	for i, n := range rec {
		n = strings.TrimSpace(n)
		if !utf8.ValidString(n) {
			return nil, &formatError{line: 1, msg: fmt.Sprintf("column %d of the header is not UTF-8 text (the file must be UTF-8)", i+1)}
		}
		if n == "" {
			return nil, &formatError{line: 1, msg: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		names[i] = n
	}
	head, dup := newHeader(names)
	if head == nil {
		return nil, &formatError{line: 1, msg: fmt.Sprintf("the header names %q twice (names are matched without regard to case)", dup)}
	}
	r.FieldsPerRecord = len(names)
	return &csvReader{r: r, head: head}, nil
}

func (c *csvReader) columns() []string { return c.head.names }

func (c *csvReader) next() (Row, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return Row{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return Row{}, &formatError{line: int64(pe.StartLine), msg: fmt.Sprintf(
				"the record has %d fields, the header has %d (a field with a delimiter or a line break must be quoted)", len(rec), len(c.head.names))}
		}
		return Row{}, csvError(err)
	}
	line, _ := c.r.FieldPos(0)
	values := make([]any, len(rec))
	for i, v := range rec {
		if !utf8.ValidString(v) {
			l, _ := c.r.FieldPos(i)
			return Row{}, &formatError{line: int64(l), msg: fmt.Sprintf("column %s is not UTF-8 text (the file must be UTF-8)", c.head.names[i])}
		}
		values[i] = v
	}
	c.num++
	return Row{Num: c.num, Line: int64(line), cols: c.head, values: values}, nil
}

// csvError turns encoding/csv's errors into plain words with the line.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	var msg string
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = `a quoted field is not closed, or has a lone " inside (write "" for a quote in a quoted field)`
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `a field that is not quoted has a " in it (quote the field and write "" for the quote)`
	default:
		msg = pe.Err.Error()
	}
	if pe.Line != pe.StartLine && pe.StartLine > 0 {
		msg += fmt.Sprintf(" (the record starts on line %d)", pe.StartLine)
	}
	return &formatError{line: int64(pe.Line), msg: msg}
}
