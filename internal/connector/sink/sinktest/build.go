package sinktest

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// KV is one map entry, for [Batch].
type KV struct{ Key, Value any }

// Batch builds a record batch of schema s from rows of Go values, one value per
// column: nil for null, int64/int32/int16/int8, float64/float32, bool, string,
// []byte, time.Time (date: its day; timestamps: the instant), a decimal as its
// string, []any for a list or a struct (field values in order), []KV for a map.
// It panics on a value that does not fit, since it only serves tests.
func Batch(s *arrow.Schema, rows ...[]any) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	for _, row := range rows {
		if len(row) != len(s.Fields()) {
			panic(fmt.Sprintf("sinktest: row has %d values, schema %d columns", len(row), len(s.Fields())))
		}
		for c, v := range row {
			appendValue(b.Field(c), v)
		}
	}
	return b.NewRecordBatch()
}

func appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		b.Append(v.(int64))
	case *array.Int32Builder:
		b.Append(v.(int32))
	case *array.Int16Builder:
		b.Append(v.(int16))
	case *array.Int8Builder:
		b.Append(v.(int8))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.Float32Builder:
		b.Append(v.(float32))
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.StringBuilder:
		b.Append(v.(string))
	case *array.BinaryBuilder:
		b.Append(v.([]byte))
	case *array.Date32Builder:
		b.Append(arrow.Date32FromTime(v.(time.Time)))
	case *array.TimestampBuilder:
		unit := b.Type().(*arrow.TimestampType).Unit
		ts, err := arrow.TimestampFromTime(v.(time.Time), unit)
		if err != nil {
			panic(err)
		}
		b.Append(ts)
	case *array.Decimal128Builder:
		dt := b.Type().(*arrow.Decimal128Type)
		n, err := decimal128.FromString(v.(string), dt.Precision, dt.Scale)
		if err != nil {
			panic(err)
		}
		b.Append(n)
	case *array.MapBuilder:
		b.Append(true)
		for _, kv := range v.([]KV) {
			appendValue(b.KeyBuilder(), kv.Key)
			appendValue(b.ItemBuilder(), kv.Value)
		}
	case *array.ListBuilder:
		b.Append(true)
		for _, e := range v.([]any) {
			appendValue(b.ValueBuilder(), e)
		}
	case *array.StructBuilder:
		b.Append(true)
		for f, e := range v.([]any) {
			appendValue(b.FieldBuilder(f), e)
		}
	default:
		panic(fmt.Sprintf("sinktest: no builder for %T", b))
	}
}
