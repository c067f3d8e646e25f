package publish

import (
	"maps"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/planning"
)

// column is one column of a shared table: its Delta field and how to append a
// row's value to the column's Arrow builder.
type column[R any] struct {
	field schema.StructField
	put   func(b array.Builder, r *R)
}

func col[R any](name string, t schema.DataType, nullable bool, put func(array.Builder, *R)) column[R] {
	return column[R]{field: schema.StructField{Name: name, Type: t, Nullable: nullable}, put: put}
}

// str is a required text column.
func str[R any](name string, get func(*R) string) column[R] {
	return col(name, schema.String, false, func(b array.Builder, r *R) {
		b.(*array.StringBuilder).Append(get(r))
	})
}

// optStr is a text column that is null when the value is empty.
func optStr[R any](name string, get func(*R) string) column[R] {
	return col(name, schema.String, true, func(b array.Builder, r *R) {
		appendOptString(b.(*array.StringBuilder), get(r))
	})
}

func appendOptString(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

func boolean[R any](name string, get func(*R) bool) column[R] {
	return col(name, schema.Boolean, false, func(b array.Builder, r *R) {
		b.(*array.BooleanBuilder).Append(get(r))
	})
}

func long[R any](name string, get func(*R) int64) column[R] {
	return col(name, schema.Long, false, func(b array.Builder, r *R) {
		b.(*array.Int64Builder).Append(get(r))
	})
}

func integer[R any](name string, get func(*R) int) column[R] {
	return col(name, schema.Integer, false, func(b array.Builder, r *R) {
		b.(*array.Int32Builder).Append(int32(get(r)))
	})
}

// optInt is an integer column that is null when the value is nil.
func optInt[R any](name string, get func(*R) *int) column[R] {
	return col(name, schema.Integer, true, func(b array.Builder, r *R) {
		if v := get(r); v != nil {
			b.(*array.Int32Builder).Append(int32(*v))
		} else {
			b.AppendNull()
		}
	})
}

// timestamp is a required timestamp column (UTC, microseconds).
func timestamp[R any](name string, get func(*R) time.Time) column[R] {
	return col(name, schema.Timestamp, false, func(b array.Builder, r *R) {
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(get(r).UnixMicro()))
	})
}

// date is a date column, null when the date is not set (unless required).
func date[R any](name string, required bool, get func(*R) planning.Date) column[R] {
	return col(name, schema.Date, !required, func(b array.Builder, r *R) {
		appendDate(b.(*array.Date32Builder), get(r))
	})
}

func appendDate(b *array.Date32Builder, d planning.Date) {
	if d.IsZero() {
		b.AppendNull()
		return
	}
	b.Append(arrow.Date32FromTime(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)))
}

// moneyType is the Delta type of money and rates.
var moneyType = schema.DecimalType{Precision: planning.MoneyPrecision, Scale: planning.MoneyScale}

// money is a decimal column, null when the value is nil.
func money[R any](name string, get func(*R) *planning.Decimal) column[R] {
	return col(name, moneyType, true, func(b array.Builder, r *R) {
		if v := get(r); v != nil {
			b.(*array.Decimal128Builder).Append(decimalNum(*v))
		} else {
			b.AppendNull()
		}
	})
}

// decimalNum is d as an unscaled 128-bit integer at MoneyScale; validation keeps
// amounts within decimal(18,4).
func decimalNum(d planning.Decimal) decimal128.Num {
	return decimal128.FromBigInt(d.Shift(planning.MoneyScale).Truncate(0).BigInt())
}

// timeOfDay is a "HH:MM" text column, null when the value is nil. Delta has no
// time-of-day type.
func timeOfDay[R any](name string, get func(*R) *planning.TimeOfDay) column[R] {
	return col(name, schema.String, true, func(b array.Builder, r *R) {
		if v := get(r); v != nil {
			b.(*array.StringBuilder).Append(v.String())
		} else {
			b.AppendNull()
		}
	})
}

// strList is an array<string> column; an empty list is an empty array, not null.
func strList[R any](name string, get func(*R) []string) column[R] {
	return col(name, &schema.ArrayType{ElementType: schema.String}, false, func(b array.Builder, r *R) {
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		vb := lb.ValueBuilder().(*array.StringBuilder)
		for _, s := range get(r) {
			vb.Append(s)
		}
	})
}

// strMap is a map<string,string> column (custom fields), keys in sorted order; an
// empty map is an empty map, not null.
func strMap[R any](name string, get func(*R) map[string]string) column[R] {
	return col(name, &schema.MapType{KeyType: schema.String, ValueType: schema.String, ValueContainsNull: false}, false,
		func(b array.Builder, r *R) {
			mb := b.(*array.MapBuilder)
			mb.Append(true)
			m := get(r)
			kb, vb := mb.KeyBuilder().(*array.StringBuilder), mb.ItemBuilder().(*array.StringBuilder)
			for _, k := range slices.Sorted(maps.Keys(m)) {
				kb.Append(k)
				vb.Append(m[k])
			}
		})
}

// address is the six address columns.
func address[R any](get func(*R) *planning.Address) []column[R] {
	return []column[R]{
		optStr("address_1", func(r *R) string { return get(r).Address1 }),
		optStr("address_2", func(r *R) string { return get(r).Address2 }),
		optStr("city", func(r *R) string { return get(r).City }),
		optStr("state", func(r *R) string { return get(r).State }),
		optStr("postal_code", func(r *R) string { return get(r).PostalCode }),
		optStr("country", func(r *R) string { return get(r).Country }),
	}
}

// meta is the id column that starts every entity table.
func idColumn[R any](get func(*R) *planning.Meta) column[R] {
	return str("id", func(r *R) string { return get(r).ID })
}

// metaTail is the version and timestamp columns that end every entity table.
func metaTail[R any](get func(*R) *planning.Meta) []column[R] {
	return []column[R]{
		long("version", func(r *R) int64 { return get(r).Version }),
		timestamp("created_at", func(r *R) time.Time { return get(r).CreatedAt }),
		timestamp("updated_at", func(r *R) time.Time { return get(r).UpdatedAt }),
	}
}
