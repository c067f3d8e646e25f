package mysql

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// format is how values are written: the text format LOAD DATA reads, or SQL
// literals for INSERT statements.
type format int

const (
	textFormat    format = iota // tab-separated, \N for NULL, backslash escapes, binary as hex
	literalFormat               // SQL literals: 'quoted', X'hex', NULL
)

// valueEncoder appends the value at row i (not null) of a column; it fails
// only on values MySQL cannot hold (NaN, infinities).
type valueEncoder func(b []byte, i int) ([]byte, error)

// rowEncoder encodes the rows of one batch as rows of a table's columns, in
// the table's order: columns the batch lacks are NULL; extra values (the
// operation and sequence of a changes row) follow.
type rowEncoder struct {
	f     format
	cols  []arrow.Array // nil: the batch lacks the column
	enc   []valueEncoder
	names []string // table column names, for errors
	extra []int64  // appended to every row as integers
	seq   *int64   // when set, appended after extra and incremented per row
}

// newRowEncoder maps rec's columns onto the table columns names.
func newRowEncoder(f format, rec arrow.RecordBatch, names []string) (*rowEncoder, error) {
	e := &rowEncoder{f: f, cols: make([]arrow.Array, len(names)), enc: make([]valueEncoder, len(names)), names: names}
	for c, name := range names {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			continue
		}
		col := rec.Column(idx[0])
		enc, err := encoderOf(f, col)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", name, err)
		}
		e.cols[c], e.enc[c] = col, enc
	}
	return e, nil
}

// appendRow appends row i: in text format a line ending in '\n', in literal
// format a parenthesized tuple.
func (e *rowEncoder) appendRow(b []byte, i int) ([]byte, error) {
	sep, null := byte('\t'), `\N`
	if e.f == literalFormat {
		sep, null = ',', "NULL"
		b = append(b, '(')
	}
	var err error
	for c, col := range e.cols {
		if c > 0 {
			b = append(b, sep)
		}
		if col == nil || col.IsNull(i) {
			b = append(b, null...)
			continue
		}
		if b, err = e.enc[c](b, i); err != nil {
			return b, fmt.Errorf("column %q: %w", e.names[c], err)
		}
	}
	for _, x := range e.extra {
		b = append(b, sep)
		b = strconv.AppendInt(b, x, 10)
	}
	if e.seq != nil {
		*e.seq++
		b = append(b, sep)
		b = strconv.AppendInt(b, *e.seq, 10)
	}
	if e.f == literalFormat {
		return append(b, ')'), nil
	}
	return append(b, '\n'), nil
}

// encoderOf returns the encoder of a column's values, for the MySQL type
// columnType gives its Arrow type.
func encoderOf(f format, col arrow.Array) (valueEncoder, error) {
	quoted := func(enc func(b []byte, i int) []byte) valueEncoder {
		if f == textFormat {
			return func(b []byte, i int) ([]byte, error) { return enc(b, i), nil }
		}
		return func(b []byte, i int) ([]byte, error) {
			b = append(b, '\'')
			return append(enc(b, i), '\''), nil
		}
	}
	text := func(s func(i int) []byte) valueEncoder {
		if f == textFormat {
			return func(b []byte, i int) ([]byte, error) { return appendTextEscaped(b, s(i)), nil }
		}
		return func(b []byte, i int) ([]byte, error) { return appendLiteral(b, s(i)), nil }
	}
	switch a := col.(type) {
	case *array.Int64:
		return func(b []byte, i int) ([]byte, error) { return strconv.AppendInt(b, a.Value(i), 10), nil }, nil
	case *array.Int32:
		return func(b []byte, i int) ([]byte, error) { return strconv.AppendInt(b, int64(a.Value(i)), 10), nil }, nil
	case *array.Int16:
		return func(b []byte, i int) ([]byte, error) { return strconv.AppendInt(b, int64(a.Value(i)), 10), nil }, nil
	case *array.Int8:
		return func(b []byte, i int) ([]byte, error) { return strconv.AppendInt(b, int64(a.Value(i)), 10), nil }, nil
	case *array.Float64:
		return func(b []byte, i int) ([]byte, error) { return appendFloat(b, a.Value(i), 64) }, nil
	case *array.Float32:
		return func(b []byte, i int) ([]byte, error) { return appendFloat(b, float64(a.Value(i)), 32) }, nil
	case *array.Boolean:
		return func(b []byte, i int) ([]byte, error) {
			if a.Value(i) {
				return append(b, '1'), nil
			}
			return append(b, '0'), nil
		}, nil
	case *array.String:
		data, offs := a.ValueBytes(), a.ValueOffsets() // data starts at offs[0]
		return text(func(i int) []byte { return data[offs[i]-offs[0] : offs[i+1]-offs[0]] }), nil
	case *array.Binary:
		if f == textFormat { // loaded into a variable, then UNHEX
			return func(b []byte, i int) ([]byte, error) { return hex.AppendEncode(b, a.Value(i)), nil }, nil
		}
		return func(b []byte, i int) ([]byte, error) {
			b = append(b, "X'"...)
			return append(hex.AppendEncode(b, a.Value(i)), '\''), nil
		}, nil
	case *array.Date32:
		return quoted(func(b []byte, i int) []byte { return appendDate(b, int64(a.Value(i))) }), nil
	case *array.Timestamp:
		toMicros, err := sink.MicrosOf(a.DataType().(*arrow.TimestampType).Unit)
		if err != nil {
			return nil, err
		}
		return quoted(func(b []byte, i int) []byte { return appendDateTime(b, toMicros(int64(a.Value(i)))) }), nil
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		if decimalAsText(dt) {
			return text(func(i int) []byte { return []byte(a.Value(i).ToString(dt.Scale)) }), nil
		}
		return func(b []byte, i int) ([]byte, error) { return append(b, a.Value(i).ToString(dt.Scale)...), nil }, nil
	case *array.List, *array.Map, *array.Struct:
		return text(func(i int) []byte { return sink.JSONValue(a, i) }), nil
	}
	return nil, fmt.Errorf("Arrow type %s is not supported", col.DataType())
}

// appendFloat appends a float in its shortest exact form; MySQL has no NaN
// or infinity.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("value %v cannot be stored: MySQL and MariaDB floating-point columns hold no NaN or infinity", f)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits), nil
}

// appendTextEscaped appends s escaped for LOAD DATA's text format (fields
// terminated by tab, lines by newline, escaped by backslash).
func appendTextEscaped(b, s []byte) []byte {
	start := 0
	for i, c := range s {
		var esc byte
		switch c {
		case '\\':
			esc = '\\'
		case '\t':
			esc = 't'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case 0:
			esc = '0'
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', esc)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// appendLiteral appends s as a quoted SQL string literal, for a session
// whose sql_mode lets backslash escape (the sink sets it).
func appendLiteral(b, s []byte) []byte {
	b = append(b, '\'')
	start := 0
	for i, c := range s {
		var esc byte
		switch c {
		case '\\':
			esc = '\\'
		case '\'':
			esc = '\''
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case 0:
			esc = '0'
		case 0x1a:
			esc = 'Z'
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', esc)
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '\'')
}

// appendDate appends the day days after 1970-01-01 as "2006-01-02".
func appendDate(b []byte, days int64) []byte {
	y, m, d := time.Unix(days*86400, 0).UTC().Date()
	b = appendPadded(b, y, 4)
	b = append(b, '-')
	b = appendPadded(b, int(m), 2)
	b = append(b, '-')
	return appendPadded(b, d, 2)
}

// appendDateTime appends the UTC instant us microseconds after the epoch as
// "2006-01-02 15:04:05.000000", without time.Format's generality.
func appendDateTime(b []byte, us int64) []byte {
	sec, frac := us/1e6, us%1e6
	if frac < 0 {
		sec, frac = sec-1, frac+1e6
	}
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	b = appendDate(b, days)
	b = append(b, ' ')
	b = appendPadded(b, int(rem/3600), 2)
	b = append(b, ':')
	b = appendPadded(b, int(rem/60%60), 2)
	b = append(b, ':')
	b = appendPadded(b, int(rem%60), 2)
	b = append(b, '.')
	return appendPadded(b, int(frac), 6)
}

// appendPadded appends a non-negative n with at least width digits (a
// negative year is written with its sign and MySQL rejects it).
func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		return strconv.AppendInt(b, int64(n), 10)
	}
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], int64(n), 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}
