package datafile

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// ArrowSchema returns the Arrow schema of a Delta table schema. Nullability is
// carried over: a field's Nullable, an array's ContainsNull (the list element)
// and a map's ValueContainsNull (the map value; map keys are never null).
//
// Type mapping: string -> String, long -> Int64, integer -> Int32,
// short -> Int16, byte -> Int8, float -> Float32, double -> Float64,
// boolean -> Boolean, binary -> Binary, date -> Date32,
// timestamp -> Timestamp(µs, "UTC"), timestamp_ntz -> Timestamp(µs, no zone),
// decimal(p,s) -> Decimal128(p,s), array -> List (element named "element"),
// map -> Map, struct -> Struct. Void and variant columns are not supported.
func ArrowSchema(s *schema.StructType) (*arrow.Schema, error) {
	if s == nil {
		return nil, fmt.Errorf("datafile: nil schema")
	}
	fields, err := arrowFields(s, "")
	if err != nil {
		return nil, err
	}
	return arrow.NewSchema(fields, nil), nil
}

func arrowFields(s *schema.StructType, path string) ([]arrow.Field, error) {
	fields := make([]arrow.Field, len(s.Fields))
	for i, f := range s.Fields {
		t, err := arrowType(f.Type, joinPath(path, f.Name))
		if err != nil {
			return nil, err
		}
		fields[i] = arrow.Field{Name: f.Name, Type: t, Nullable: f.Nullable}
	}
	return fields, nil
}

func arrowType(t schema.DataType, path string) (arrow.DataType, error) {
	switch t := t.(type) {
	case *schema.PrimitiveType:
		switch t {
		case schema.String:
			return arrow.BinaryTypes.String, nil
		case schema.Long:
			return arrow.PrimitiveTypes.Int64, nil
		case schema.Integer:
			return arrow.PrimitiveTypes.Int32, nil
		case schema.Short:
			return arrow.PrimitiveTypes.Int16, nil
		case schema.Byte:
			return arrow.PrimitiveTypes.Int8, nil
		case schema.Float:
			return arrow.PrimitiveTypes.Float32, nil
		case schema.Double:
			return arrow.PrimitiveTypes.Float64, nil
		case schema.Boolean:
			return arrow.FixedWidthTypes.Boolean, nil
		case schema.Binary:
			return arrow.BinaryTypes.Binary, nil
		case schema.Date:
			return arrow.FixedWidthTypes.Date32, nil
		case schema.Timestamp:
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
		case schema.TimestampNTZ:
			return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
		}
		return nil, fmt.Errorf("datafile: column %s: type %s is not supported", path, t.TypeName())
	case schema.DecimalType:
		if t.Precision < 1 || t.Precision > schema.MaxDecimalPrecision || t.Scale < 0 || t.Scale > t.Precision {
			return nil, fmt.Errorf("datafile: column %s: invalid %s", path, t.TypeName())
		}
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}, nil
	case *schema.StructType:
		fields, err := arrowFields(t, path)
		if err != nil {
			return nil, err
		}
		return arrow.StructOf(fields...), nil
	case *schema.ArrayType:
		elem, err := arrowType(t.ElementType, joinPath(path, "element"))
		if err != nil {
			return nil, err
		}
		return arrow.ListOfField(arrow.Field{Name: "element", Type: elem, Nullable: t.ContainsNull}), nil
	case *schema.MapType:
		key, err := arrowType(t.KeyType, joinPath(path, "key"))
		if err != nil {
			return nil, err
		}
		val, err := arrowType(t.ValueType, joinPath(path, "value"))
		if err != nil {
			return nil, err
		}
		return arrow.MapOfFields(arrow.Field{Name: "key", Type: key},
			arrow.Field{Name: "value", Type: val, Nullable: t.ValueContainsNull}), nil
	case nil:
		return nil, fmt.Errorf("datafile: column %s: missing type", path)
	default:
		return nil, fmt.Errorf("datafile: column %s: type %s is not supported", path, t.TypeName())
	}
}

// DeltaSchema returns the Delta table schema of an Arrow schema: the reverse of
// ArrowSchema. It accepts only the Arrow types ArrowSchema produces (any list
// element or map entry names; timestamps must be in microseconds, with a time
// zone for timestamp and without one for timestamp_ntz) and returns an error
// naming the column otherwise. Field metadata is not carried over.
func DeltaSchema(s *arrow.Schema) (*schema.StructType, error) {
	if s == nil {
		return nil, fmt.Errorf("datafile: nil schema")
	}
	st, err := deltaFields(s.Fields(), "")
	if err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("datafile: %w", err)
	}
	return st, nil
}

func deltaFields(fields []arrow.Field, path string) (*schema.StructType, error) {
	st := &schema.StructType{Fields: make([]schema.StructField, len(fields))}
	for i, f := range fields {
		t, err := deltaType(f.Type, joinPath(path, f.Name))
		if err != nil {
			return nil, err
		}
		st.Fields[i] = schema.StructField{Name: f.Name, Type: t, Nullable: f.Nullable}
	}
	return st, nil
}

func deltaType(t arrow.DataType, path string) (schema.DataType, error) {
	switch t := t.(type) {
	case *arrow.StringType:
		return schema.String, nil
	case *arrow.Int64Type:
		return schema.Long, nil
	case *arrow.Int32Type:
		return schema.Integer, nil
	case *arrow.Int16Type:
		return schema.Short, nil
	case *arrow.Int8Type:
		return schema.Byte, nil
	case *arrow.Float32Type:
		return schema.Float, nil
	case *arrow.Float64Type:
		return schema.Double, nil
	case *arrow.BooleanType:
		return schema.Boolean, nil
	case *arrow.BinaryType:
		return schema.Binary, nil
	case *arrow.Date32Type:
		return schema.Date, nil
	case *arrow.TimestampType:
		if t.Unit != arrow.Microsecond {
			return nil, fmt.Errorf("datafile: column %s: timestamp unit %s is not supported: Delta timestamps are in microseconds", path, t.Unit)
		}
		if t.TimeZone == "" {
			return schema.TimestampNTZ, nil
		}
		return schema.Timestamp, nil
	case *arrow.Decimal128Type:
		d := schema.DecimalType{Precision: int(t.Precision), Scale: int(t.Scale)}
		if d.Precision < 1 || d.Precision > schema.MaxDecimalPrecision || d.Scale < 0 || d.Scale > d.Precision {
			return nil, fmt.Errorf("datafile: column %s: %s is not a valid Delta decimal", path, t)
		}
		return d, nil
	case *arrow.StructType:
		return deltaFields(t.Fields(), path)
	case *arrow.MapType: // KeysSorted is dropped: Delta maps have no such flag
		key, err := deltaType(t.KeyType(), joinPath(path, "key"))
		if err != nil {
			return nil, err
		}
		val, err := deltaType(t.ItemType(), joinPath(path, "value"))
		if err != nil {
			return nil, err
		}
		return &schema.MapType{KeyType: key, ValueType: val, ValueContainsNull: t.ItemField().Nullable}, nil
	case *arrow.ListType:
		elem, err := deltaType(t.Elem(), joinPath(path, "element"))
		if err != nil {
			return nil, err
		}
		return &schema.ArrayType{ElementType: elem, ContainsNull: t.ElemField().Nullable}, nil
	default:
		return nil, fmt.Errorf("datafile: column %s: Arrow type %s has no Delta equivalent", path, t)
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
