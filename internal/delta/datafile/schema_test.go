package datafile

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

func TestArrowSchemaTypes(t *testing.T) {
	tests := []struct {
		delta schema.DataType
		arrow arrow.DataType
	}{
		{schema.String, arrow.BinaryTypes.String},
		{schema.Long, arrow.PrimitiveTypes.Int64},
		{schema.Integer, arrow.PrimitiveTypes.Int32},
		{schema.Short, arrow.PrimitiveTypes.Int16},
		{schema.Byte, arrow.PrimitiveTypes.Int8},
		{schema.Float, arrow.PrimitiveTypes.Float32},
		{schema.Double, arrow.PrimitiveTypes.Float64},
		{schema.Boolean, arrow.FixedWidthTypes.Boolean},
		{schema.Binary, arrow.BinaryTypes.Binary},
		{schema.Date, arrow.FixedWidthTypes.Date32},
		{schema.Timestamp, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{schema.TimestampNTZ, &arrow.TimestampType{Unit: arrow.Microsecond}},
		{schema.DecimalType{Precision: 38, Scale: 10}, &arrow.Decimal128Type{Precision: 38, Scale: 10}},
		{schema.DecimalType{Precision: 5, Scale: 0}, &arrow.Decimal128Type{Precision: 5, Scale: 0}},
		{&schema.ArrayType{ElementType: schema.Long, ContainsNull: true},
			arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.PrimitiveTypes.Int64, Nullable: true})},
		{&schema.ArrayType{ElementType: schema.String},
			arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.BinaryTypes.String})},
		{&schema.MapType{KeyType: schema.String, ValueType: schema.Double, ValueContainsNull: true},
			arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
				arrow.Field{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true})},
		{&schema.StructType{Fields: []schema.StructField{
			{Name: "x", Type: schema.Integer},
			{Name: "y", Type: &schema.ArrayType{ElementType: schema.Date, ContainsNull: true}, Nullable: true},
		}}, arrow.StructOf(
			arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32},
			arrow.Field{Name: "y", Type: arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.FixedWidthTypes.Date32, Nullable: true}), Nullable: true},
		)},
	}
	for _, tt := range tests {
		for _, nullable := range []bool{false, true} {
			name := tt.delta.TypeName()
			ds := &schema.StructType{Fields: []schema.StructField{{Name: "c", Type: tt.delta, Nullable: nullable}}}
			as, err := ArrowSchema(ds)
			if err != nil {
				t.Fatalf("%s: ArrowSchema: %v", name, err)
			}
			want := arrow.NewSchema([]arrow.Field{{Name: "c", Type: tt.arrow, Nullable: nullable}}, nil)
			if !as.Equal(want) || as.Field(0).Type.String() != want.Field(0).Type.String() {
				t.Errorf("%s: ArrowSchema = %s, want %s", name, as, want)
			}
			back, err := DeltaSchema(as)
			if err != nil {
				t.Fatalf("%s: DeltaSchema: %v", name, err)
			}
			if back.String() != ds.String() {
				t.Errorf("%s: DeltaSchema = %s, want %s", name, back, ds)
			}
		}
	}
}

func TestArrowSchemaUnsupported(t *testing.T) {
	for _, dt := range []schema.DataType{schema.Void, schema.Variant,
		&schema.ArrayType{ElementType: schema.Variant}, schema.DecimalType{Precision: 40, Scale: 1}} {
		ds := &schema.StructType{Fields: []schema.StructField{{Name: "c", Type: dt}}}
		if _, err := ArrowSchema(ds); err == nil || !strings.Contains(err.Error(), "column c") {
			t.Errorf("ArrowSchema(%s): error %v, want one naming column c", dt.TypeName(), err)
		}
	}
}

func TestDeltaSchemaUnsupported(t *testing.T) {
	for _, dt := range []arrow.DataType{
		arrow.PrimitiveTypes.Uint32,
		arrow.BinaryTypes.LargeString,
		&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"},
		&arrow.TimestampType{Unit: arrow.Millisecond},
		arrow.FixedWidthTypes.Date64,
		&arrow.Decimal256Type{Precision: 40, Scale: 2},
		arrow.StructOf(arrow.Field{Name: "in", Type: arrow.PrimitiveTypes.Uint8}),
	} {
		s := arrow.NewSchema([]arrow.Field{{Name: "c", Type: dt}}, nil)
		if _, err := DeltaSchema(s); err == nil || !strings.Contains(err.Error(), "column c") {
			t.Errorf("DeltaSchema(%s): error %v, want one naming column c", dt, err)
		}
	}
	dup := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "A", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if _, err := DeltaSchema(dup); err == nil {
		t.Error("DeltaSchema accepted columns differing only in case")
	}
}
