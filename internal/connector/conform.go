package connector

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// conformer turns the record batches of one data file into batches of the
// table's Arrow schema: columns are found by name (exactly, else ignoring
// case), columns the file lacks are null (added to the table after the file
// was written) or, for partition columns, the file's partition value; types
// the writer stored differently (timestamps in nanoseconds or INT96, smaller
// integers, list or map fields named otherwise) are converted.
type conformer struct {
	target *arrow.Schema
	mem    memory.Allocator
	// partition values of the file, by column name ("" is null).
	partition map[string]string
}

// conform returns rec as a batch of c.target (a new batch the caller
// releases); extra columns of rec are dropped unless keep names them.
func (c *conformer) conform(ctx context.Context, rec arrow.RecordBatch, keep ...string) (arrow.RecordBatch, error) {
	fields := c.target.Fields()
	cols := make([]arrow.Array, 0, len(fields)+len(keep))
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	n := int(rec.NumRows())
	for _, f := range fields {
		idx := columnIndex(rec.Schema(), f.Name)
		if idx < 0 {
			a, err := c.missing(f, n)
			if err != nil {
				return nil, err
			}
			cols = append(cols, a)
			continue
		}
		a, err := convert(ctx, rec.Column(idx), f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		cols = append(cols, a)
	}
	outFields := fields
	for _, name := range keep {
		idx := columnIndex(rec.Schema(), name)
		if idx < 0 {
			return nil, fmt.Errorf("the file has no %s column", name)
		}
		a := rec.Column(idx)
		a.Retain()
		cols = append(cols, a)
		outFields = append(outFields[:len(outFields):len(outFields)], rec.Schema().Field(idx))
	}
	return array.NewRecordBatch(arrow.NewSchema(outFields, nil), cols, int64(n)), nil
}

// columnIndex finds a column by name, exactly or else ignoring case; -1 when
// absent.
func columnIndex(s *arrow.Schema, name string) int {
	if idx := s.FieldIndices(name); len(idx) > 0 {
		return idx[0]
	}
	for i, f := range s.Fields() {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// missing builds a column the file does not hold: its partition value, or
// nulls.
func (c *conformer) missing(f arrow.Field, n int) (arrow.Array, error) {
	v, isPart := c.partition[f.Name]
	if !isPart || v == "" {
		return array.MakeArrayOfNull(c.mem, f.Type, n), nil
	}
	b := array.NewBuilder(c.mem, f.Type)
	defer b.Release()
	b.Reserve(n)
	for range n {
		if err := appendPartitionValue(b, f.Type, v); err != nil {
			return nil, fmt.Errorf("partition column %q: value %q: %w", f.Name, v, err)
		}
	}
	return b.NewArray(), nil
}

// appendPartitionValue appends a partition value (the protocol's string form)
// to b.
func appendPartitionValue(b array.Builder, t arrow.DataType, v string) error {
	switch b := b.(type) {
	case *array.StringBuilder:
		b.Append(v)
	case *array.BooleanBuilder:
		x, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.Int8Builder:
		x, err := strconv.ParseInt(v, 10, 8)
		if err != nil {
			return err
		}
		b.Append(int8(x))
	case *array.Int16Builder:
		x, err := strconv.ParseInt(v, 10, 16)
		if err != nil {
			return err
		}
		b.Append(int16(x))
	case *array.Int32Builder:
		x, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return err
		}
		b.Append(int32(x))
	case *array.Int64Builder:
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.Float32Builder:
		x, err := strconv.ParseFloat(v, 32)
		if err != nil {
			return err
		}
		b.Append(float32(x))
	case *array.Float64Builder:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.Date32Builder:
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return err
		}
		b.Append(arrow.Date32FromTime(d))
	case *array.TimestampBuilder:
		ts, err := parsePartitionTime(v)
		if err != nil {
			return err
		}
		unit := t.(*arrow.TimestampType).Unit
		x, err := arrow.TimestampFromTime(ts, unit)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.Decimal128Builder:
		dt := t.(*arrow.Decimal128Type)
		x, err := decimal128.FromString(v, dt.Precision, dt.Scale)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.BinaryBuilder:
		b.Append([]byte(v))
	default:
		return fmt.Errorf("partition columns of type %s are not supported", t)
	}
	return nil
}

// parsePartitionTime parses a timestamp partition value ("2026-01-31
// 12:00:00", optionally with fractions or an ISO 8601 form).
func parsePartitionTime(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp")
}

// convert returns a as an array of type t: the same array when the types are
// equal, the same buffers under t when only field names or nullability
// differ, else a cast.
func convert(ctx context.Context, a arrow.Array, t arrow.DataType) (arrow.Array, error) {
	if arrow.TypeEqual(a.DataType(), t) {
		a.Retain()
		return a, nil
	}
	if sameLayout(a.DataType(), t) {
		d := retype(a.Data(), t)
		defer d.Release()
		return array.MakeFromData(d), nil
	}
	out, err := compute.CastArray(ctx, a, compute.SafeCastOptions(t))
	if err != nil {
		return nil, fmt.Errorf("the file holds %s, the table's schema says %s: %w", a.DataType(), t, err)
	}
	return out, nil
}

// sameLayout reports whether two types differ at most in field names and
// nullability (a list's element called "item" or "element", a map's
// "key_value" or "entries").
func sameLayout(a, b arrow.DataType) bool {
	if a.ID() != b.ID() {
		return false
	}
	switch a := a.(type) {
	case *arrow.ListType:
		return sameLayout(a.Elem(), b.(*arrow.ListType).Elem())
	case *arrow.LargeListType:
		return sameLayout(a.Elem(), b.(*arrow.LargeListType).Elem())
	case *arrow.MapType:
		bm := b.(*arrow.MapType)
		return sameLayout(a.KeyType(), bm.KeyType()) && sameLayout(a.ItemType(), bm.ItemType())
	case *arrow.StructType:
		bs := b.(*arrow.StructType)
		if a.NumFields() != bs.NumFields() {
			return false
		}
		for i := range a.NumFields() {
			if !strings.EqualFold(a.Field(i).Name, bs.Field(i).Name) || !sameLayout(a.Field(i).Type, bs.Field(i).Type) {
				return false
			}
		}
		return true
	default:
		return arrow.TypeEqual(a, b)
	}
}

// retype returns d's buffers under type t (of the same layout), children
// included.
func retype(d arrow.ArrayData, t arrow.DataType) arrow.ArrayData {
	var childTypes []arrow.DataType
	switch t := t.(type) {
	case *arrow.ListType:
		childTypes = []arrow.DataType{t.Elem()}
	case *arrow.LargeListType:
		childTypes = []arrow.DataType{t.Elem()}
	case *arrow.MapType:
		childTypes = []arrow.DataType{t.Elem()}
	case *arrow.StructType:
		for _, f := range t.Fields() {
			childTypes = append(childTypes, f.Type)
		}
	}
	children := make([]arrow.ArrayData, len(d.Children()))
	for i, c := range d.Children() {
		children[i] = retype(c, childTypes[i])
		defer children[i].Release()
	}
	return array.NewData(t, d.Len(), d.Buffers(), children, d.NullN(), d.Offset())
}
