package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// jsonReader reads objects from an array of objects or from a stream of
// objects (NDJSON) with a streaming json.Decoder, one object at a time: only
// the current object is in memory.
type jsonReader struct {
	dec      *json.Decoder
	lines    *lineCounter
	array    bool
	keepJSON bool // nested objects as JSON text instead of flattened
	first    *Row // read by newJSONReader for the columns, not yet returned
	head     *header
	names    []string // scratch for the current object
	values   []any
	num      int64
	done     bool
}

// newJSONReader starts reading; first is the first non-blank byte.
func newJSONReader(in io.Reader, first byte, keepJSON bool) (*jsonReader, error) {
	lc := &lineCounter{r: in}
	j := &jsonReader{dec: json.NewDecoder(lc), lines: lc, keepJSON: keepJSON}
	j.dec.UseNumber()
	switch first {
	case '[':
		j.array = true
		if _, err := j.dec.Token(); err != nil {
			return nil, j.syntax(err)
		}
	case '{':
	default:
		return nil, &formatError{line: 1, msg: fmt.Sprintf("expected a JSON array of objects or one object per line, found %q", first)}
	}
	row, err := j.read()
	if err == io.EOF {
		return j, nil // an empty array: no rows, no columns
	}
	if err != nil {
		return nil, err
	}
	j.first = &row
	return j, nil
}

func (j *jsonReader) columns() []string {
	if j.first != nil {
		return j.first.cols.names
	}
	if j.head != nil {
		return j.head.names
	}
	return nil
}

func (j *jsonReader) next() (Row, error) {
	if j.first != nil {
		row := *j.first
		j.first = nil
		return row, nil
	}
	return j.read()
}

// read reads the next object.
func (j *jsonReader) read() (Row, error) {
	if j.done {
		return Row{}, io.EOF
	}
	if j.array && !j.dec.More() {
		if _, err := j.dec.Token(); err != nil { // the closing ]
			return Row{}, j.syntax(err)
		}
		if tok, err := j.dec.Token(); err != io.EOF {
			if err != nil {
				return Row{}, j.syntax(err)
			}
			return Row{}, &formatError{line: j.line(), msg: fmt.Sprintf("unexpected %s after the closing ] of the array", describeToken(tok))}
		}
		j.done = true
		return Row{}, io.EOF
	}
	var raw json.RawMessage
	err := j.dec.Decode(&raw)
	if err == io.EOF && !j.array {
		j.done = true
		return Row{}, io.EOF
	}
	if err != nil {
		return Row{}, j.syntax(err)
	}
	line := j.lines.lineAt(j.dec.InputOffset() - int64(len(raw)))
	if raw[0] != '{' {
		return Row{}, &formatError{line: line, msg: "expected an object, found " + describeRaw(raw)}
	}
	// Decode has checked that raw is valid JSON: walk it without checking.
	w := rawWalker{b: raw, keepJSON: j.keepJSON, names: j.names[:0], values: j.values[:0]}
	w.object("")
	j.names, j.values = w.names, w.values
	if j.head == nil || !slices.Equal(j.head.names, j.names) {
		head, dup := newHeader(slices.Clone(j.names))
		if head == nil {
			return Row{}, &formatError{line: line, msg: fmt.Sprintf("the object has the key %q twice (keys are matched without regard to case, and nested keys are flattened with dots)", dup)}
		}
		j.head = head
	}
	j.num++
	return Row{Num: j.num, Line: line, cols: j.head, values: slices.Clone(j.values)}, nil
}

// rawWalker collects the members of an object from valid JSON (as checked by
// json.Decoder): it does not check the syntax again.
type rawWalker struct {
	b        []byte
	i        int
	keepJSON bool
	names    []string
	values   []any
}

func (w *rawWalker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// object reads the object at w.i, naming its members prefix+key.
func (w *rawWalker) object(prefix string) {
	w.i++ // {
	w.space()
	if w.b[w.i] == '}' {
		w.i++
		return
	}
	for {
		w.space()
		name := w.str()
		if prefix != "" {
			name = prefix + name
		}
		w.space()
		w.i++ // :
		w.space()
		if c := w.b[w.i]; c == '{' && !w.keepJSON {
			w.object(name + ".")
		} else {
			w.names = append(w.names, name)
			w.values = append(w.values, w.scalar())
		}
		w.space()
		if w.b[w.i] == ',' {
			w.i++
			continue
		}
		w.i++ // }
		return
	}
}

// scalar reads the value at w.i; an array or object is kept as JSON text.
func (w *rawWalker) scalar() any {
	switch w.b[w.i] {
	case '{', '[':
		start := w.i
		w.skip()
		return compactJSON(w.b[start:w.i])
	case '"':
		return w.str()
	case 't':
		w.i += 4
		return true
	case 'f':
		w.i += 5
		return false
	case 'n':
		w.i += 4
		return nil
	}
	start := w.i
	for w.i < len(w.b) && strings.IndexByte("+-0123456789.eE", w.b[w.i]) >= 0 {
		w.i++
	}
	return jsonNumber(string(w.b[start:w.i]))
}

// str reads the string at w.i.
func (w *rawWalker) str() string {
	start := w.i
	escaped := false
	w.i++
	for w.b[w.i] != '"' {
		if w.b[w.i] == '\\' {
			escaped = true
			w.i++
		}
		w.i++
	}
	w.i++
	if !escaped {
		return string(w.b[start+1 : w.i-1])
	}
	var s string
	json.Unmarshal(w.b[start:w.i], &s) // valid: cannot fail
	return s
}

// skip moves past the array or object at w.i.
func (w *rawWalker) skip() {
	depth := 0
	for {
		switch w.b[w.i] {
		case '"':
			w.str()
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		w.i++
		if depth == 0 {
			return
		}
	}
}

// compactJSON returns valid JSON as text without white space.
func compactJSON(b []byte) string {
	if bytes.IndexAny(b, " \t\r\n") < 0 {
		return string(b)
	}
	var buf bytes.Buffer
	json.Compact(&buf, b)
	return buf.String()
}

// describeRaw names a JSON value for messages.
func describeRaw(raw []byte) string {
	switch raw[0] {
	case '"':
		var s string
		json.Unmarshal(raw, &s)
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return fmt.Sprintf("the string %q", s)
	case '[':
		return "an array"
	case 't', 'f', 'n':
		return string(raw)
	}
	return "the number " + string(raw)
}

// jsonNumber returns an integer as int64 (or its digits, if too large), other
// numbers as float64.
func jsonNumber(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s // out of float64's range: keep the text
	}
	return f
}

func describeToken(tok any) string {
	switch x := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(x))
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number:
		return "the number " + string(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// line is the line of the last byte the decoder consumed.
func (j *jsonReader) line() int64 { return j.lines.lineAt(j.dec.InputOffset() - 1) }

// syntax turns the decoder's errors into plain words with the line.
func (j *jsonReader) syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return &formatError{line: j.lines.lineAt(se.Offset - 1), msg: "invalid JSON: " + se.Error()}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &formatError{line: j.lines.lineAt(j.lines.off), msg: "the file ends in the middle of a JSON value (cut short?)"}
	}
	return err
}

// lineCounter passes bytes through, keeping the offsets of the newlines that
// the reader ahead of it has not yet asked about, so that lineAt can tell the
// line of an offset without keeping the file.
type lineCounter struct {
	r    io.Reader
	off  int64   // bytes read so far
	nl   []int64 // offsets of newlines not yet passed by lineAt
	line int64   // newlines before nl[0]
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := 0; i < n; {
		k := bytes.IndexByte(p[i:n], '\n')
		if k < 0 {
			break
		}
		c.nl = append(c.nl, c.off+int64(i+k))
		i += k + 1
	}
	c.off += int64(n)
	return n, err
}

// lineAt returns the line (from 1) of the byte at offset off. Offsets asked
// about must not decrease.
func (c *lineCounter) lineAt(off int64) int64 {
	i := 0
	for i < len(c.nl) && c.nl[i] < off {
		i++
	}
	c.line += int64(i)
	c.nl = c.nl[i:]
	return c.line + 1
}
