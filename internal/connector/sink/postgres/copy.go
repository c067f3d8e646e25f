package postgres

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// source streams a record batch to CopyFrom, converting each Arrow value to
// the Go value pgx encodes for the column's type. Values reuses one slice:
// CopyFrom encodes a row before asking for the next.
type source struct {
	columns []string
	cols    []arrow.Array
	enc     []func(i int) any
	vals    []any
	row, n  int
}

func newSource(rec arrow.RecordBatch) (*source, error) {
	s := &source{
		columns: make([]string, rec.NumCols()),
		cols:    rec.Columns(),
		enc:     make([]func(int) any, rec.NumCols()),
		vals:    make([]any, rec.NumCols()),
		row:     -1,
		n:       int(rec.NumRows()),
	}
	for c, col := range s.cols {
		s.columns[c] = rec.ColumnName(c)
		f, err := encoder(col)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", s.columns[c], err)
		}
		s.enc[c] = f
	}
	return s, nil
}

func (s *source) Next() bool { s.row++; return s.row < s.n }

func (s *source) Values() ([]any, error) {
	for c, col := range s.cols {
		if col.IsNull(s.row) {
			s.vals[c] = nil
		} else {
			s.vals[c] = s.enc[c](s.row)
		}
	}
	return s.vals, nil
}

func (s *source) Err() error { return nil }

// encoder returns the function giving the pgx value of a non-null row of col.
func encoder(col arrow.Array) (func(int) any, error) {
	switch a := col.(type) {
	case *array.Int64:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int32:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int16:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int8:
		return func(i int) any { return int16(a.Value(i)) }, nil
	case *array.Float64:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Float32:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Boolean:
		return func(i int) any { return a.Value(i) }, nil
	case *array.String:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Binary:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Date32:
		return func(i int) any { return a.Value(i).ToTime() }, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		// Both timestamptz and timestamp take the UTC wall clock.
		return func(i int) any { return a.Value(i).ToTime(unit).In(time.UTC) }, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) any {
			return pgtype.Numeric{Int: a.Value(i).BigInt(), Exp: -scale, Valid: true}
		}, nil
	case *array.List, *array.Map, *array.Struct:
		return func(i int) any { return sink.JSONValue(a, i) }, nil
	}
	return nil, fmt.Errorf("Arrow type %s is not supported", col.DataType())
}
