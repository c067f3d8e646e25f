package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// PostgreSQL's binary COPY format: a header, then per row the number of
// fields and each field as a 32-bit length (-1 for null) and its binary
// value, then a trailer. Encoding Arrow columns straight into it skips the
// per-value boxing of a generic driver.
var (
	copyHeader  = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	copyTrailer = []byte{0xff, 0xff}
)

// PostgreSQL's epoch is 2000-01-01: days and microseconds from the Unix epoch.
const (
	pgEpochDays   = 10957
	pgEpochMicros = 946684800000000
)

// fieldEncoder appends the binary value of row i (not null) of a column,
// without its length.
type fieldEncoder func(b []byte, i int) []byte

// rowEncoder encodes the rows of record batches of one schema.
type rowEncoder struct {
	cols []arrow.Array // nil: a null field
	enc  []fieldEncoder
	// tail is appended to every row as it is: extra fields already encoded
	// (length included).
	tail []byte
}

// newChangeEncoder encodes the rows of rec as rows of the columns names
// (those rec lacks are null), followed by a smallint field holding op.
func newChangeEncoder(rec arrow.RecordBatch, names []string, op int16) (*rowEncoder, error) {
	e := &rowEncoder{cols: make([]arrow.Array, len(names)), enc: make([]fieldEncoder, len(names))}
	for i, name := range names {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			continue
		}
		col := rec.Column(idx[0])
		f, err := binaryEncoder(col)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", name, err)
		}
		e.cols[i], e.enc[i] = col, f
	}
	e.tail = binary.BigEndian.AppendUint32(nil, 2)
	e.tail = binary.BigEndian.AppendUint16(e.tail, uint16(op))
	return e, nil
}

func newRowEncoder(rec arrow.RecordBatch) (*rowEncoder, error) {
	e := &rowEncoder{cols: rec.Columns(), enc: make([]fieldEncoder, rec.NumCols())}
	for c, col := range e.cols {
		f, err := binaryEncoder(col)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", rec.ColumnName(c), err)
		}
		e.enc[c] = f
	}
	return e, nil
}

// appendRow appends row i.
func (e *rowEncoder) appendRow(b []byte, i int) []byte {
	fields := len(e.cols)
	if e.tail != nil {
		fields++
	}
	b = binary.BigEndian.AppendUint16(b, uint16(fields))
	for c, col := range e.cols {
		if col == nil || col.IsNull(i) {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		b = e.enc[c](b, i)
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	return append(b, e.tail...)
}

// binaryEncoder returns the encoder of a column's values, for the column
// type pgType gives its Arrow type.
func binaryEncoder(col arrow.Array) (fieldEncoder, error) {
	switch a := col.(type) {
	case *array.Int64:
		return func(b []byte, i int) []byte { return binary.BigEndian.AppendUint64(b, uint64(a.Value(i))) }, nil
	case *array.Int32:
		return func(b []byte, i int) []byte { return binary.BigEndian.AppendUint32(b, uint32(a.Value(i))) }, nil
	case *array.Int16:
		return func(b []byte, i int) []byte { return binary.BigEndian.AppendUint16(b, uint16(a.Value(i))) }, nil
	case *array.Int8:
		return func(b []byte, i int) []byte { return binary.BigEndian.AppendUint16(b, uint16(int16(a.Value(i)))) }, nil
	case *array.Float64:
		return func(b []byte, i int) []byte { return binary.BigEndian.AppendUint64(b, math.Float64bits(a.Value(i))) }, nil
	case *array.Float32:
		return func(b []byte, i int) []byte { return binary.BigEndian.AppendUint32(b, math.Float32bits(a.Value(i))) }, nil
	case *array.Boolean:
		return func(b []byte, i int) []byte {
			if a.Value(i) {
				return append(b, 1)
			}
			return append(b, 0)
		}, nil
	case *array.String:
		return func(b []byte, i int) []byte { return append(b, a.Value(i)...) }, nil
	case *array.Binary:
		return func(b []byte, i int) []byte { return append(b, a.Value(i)...) }, nil
	case *array.Date32:
		return func(b []byte, i int) []byte {
			return binary.BigEndian.AppendUint32(b, uint32(int32(a.Value(i))-pgEpochDays))
		}, nil
	case *array.Timestamp:
		toMicros, err := sink.MicrosOf(a.DataType().(*arrow.TimestampType).Unit)
		if err != nil {
			return nil, err
		}
		return func(b []byte, i int) []byte {
			return binary.BigEndian.AppendUint64(b, uint64(toMicros(int64(a.Value(i)))-pgEpochMicros))
		}, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(b []byte, i int) []byte { return appendNumeric(b, a.Value(i), scale) }, nil
	case *array.List, *array.Map, *array.Struct:
		return func(b []byte, i int) []byte {
			b = append(b, 1) // jsonb version
			return append(b, sink.JSONValue(a, i)...)
		}, nil
	}
	return nil, fmt.Errorf("Arrow type %s is not supported", col.DataType())
}

// appendNumeric appends a decimal (unscaled integer n, scale) in
// PostgreSQL's binary numeric form: digit count, weight, sign and display
// scale (16 bits each), then base-10000 digits, the first of which is
// multiplied by 10000^weight.
func appendNumeric(b []byte, n decimal128.Num, scale int32) []byte {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	var digits []byte // decimal digits of |n|
	var buf [40]byte
	if n.HighBits() == 0 {
		digits = strconv.AppendUint(buf[:0], n.LowBits(), 10)
	} else {
		digits = n.BigInt().Append(buf[:0], 10)
	}
	if len(digits) == 1 && digits[0] == '0' {
		digits = digits[:0]
	}
	var garr [16]uint16
	groups := garr[:0]
	weight := 0
	if len(digits) > 0 {
		// Line the digits up so that the decimal point falls between groups
		// of four: zeros after the point before the first digit, then zeros
		// in front of the integer part, then zeros at the end.
		f := make([]byte, 0, 48)
		intLen := len(digits) - int(scale)
		fracZeros := max(-intLen, 0)
		intLen = max(intLen, 0)
		lead := (4 - intLen%4) % 4
		f = append(f, zeros[:lead]...)
		for range fracZeros {
			f = append(f, '0')
		}
		f = append(f, digits...)
		f = append(f, zeros[:(4-len(f)%4)%4]...)
		weight = (intLen+lead)/4 - 1
		for j := 0; j < len(f); j += 4 {
			g := uint16(f[j]-'0')*1000 + uint16(f[j+1]-'0')*100 + uint16(f[j+2]-'0')*10 + uint16(f[j+3]-'0')
			groups = append(groups, g)
		}
		for len(groups) > 0 && groups[0] == 0 {
			groups = groups[1:]
			weight--
		}
		for len(groups) > 0 && groups[len(groups)-1] == 0 {
			groups = groups[:len(groups)-1]
		}
	}
	if len(groups) == 0 {
		weight, neg = 0, false
	}
	sign := uint16(0)
	if neg {
		sign = 0x4000
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(groups)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(scale))
	for _, g := range groups {
		b = binary.BigEndian.AppendUint16(b, g)
	}
	return b
}

var zeros = []byte("0000")
