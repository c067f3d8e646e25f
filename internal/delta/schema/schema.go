// Package schema is the Delta Lake table schema: the data types a column can have
// and their JSON form, as the protocol's "Schema Serialization Format" appendix
// describes it (a subset of Spark SQL's JSON schema). A table's schema travels in
// the metaData action's schemaString as one line of that JSON.
//
// Primitive types serialize as a JSON string naming the type ("long",
// "decimal(10,2)"); struct, array and map types serialize as JSON objects whose
// "type" member is "struct", "array" or "map".
package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// DataType is a Delta data type: a *PrimitiveType, DecimalType, *StructType,
// *ArrayType or *MapType. The set is closed; other packages cannot add types.
type DataType interface {
	// TypeName is the type's name in the protocol: "long", "decimal(10,2)",
	// "struct", "array", "map".
	TypeName() string
	sealed()
}

// PrimitiveType is a type without parameters, named by one word. Use the
// package-level values (String, Long, ...); compare them with ==.
type PrimitiveType struct{ name string }

// The primitive types of the protocol's "Primitive Types" table, plus Void and
// Variant, which the protocol mentions separately.
var (
	String       = &PrimitiveType{"string"}        // UTF-8 text
	Long         = &PrimitiveType{"long"}          // 8-byte signed integer
	Integer      = &PrimitiveType{"integer"}       // 4-byte signed integer
	Short        = &PrimitiveType{"short"}         // 2-byte signed integer
	Byte         = &PrimitiveType{"byte"}          // 1-byte signed integer
	Float        = &PrimitiveType{"float"}         // 4-byte floating point
	Double       = &PrimitiveType{"double"}        // 8-byte floating point
	Boolean      = &PrimitiveType{"boolean"}       // true or false
	Binary       = &PrimitiveType{"binary"}        // a sequence of bytes
	Date         = &PrimitiveType{"date"}          // year-month-day, no time zone
	Timestamp    = &PrimitiveType{"timestamp"}     // microseconds since the epoch, UTC
	TimestampNTZ = &PrimitiveType{"timestamp_ntz"} // microseconds, no time zone (feature timestampNtz)
	// Void may appear in existing tables; the protocol leaves its behaviour
	// undefined and recommends dropping such columns on read.
	Void = &PrimitiveType{"void"}
	// Variant is semi-structured data (reader/writer feature variantType).
	Variant = &PrimitiveType{"variant"}
)

var primitives = map[string]*PrimitiveType{}

func init() {
	for _, p := range []*PrimitiveType{String, Long, Integer, Short, Byte, Float, Double,
		Boolean, Binary, Date, Timestamp, TimestampNTZ, Void, Variant} {
		primitives[p.name] = p
	}
}

// TypeName returns the type's name, e.g. "long".
func (p *PrimitiveType) TypeName() string { return p.name }

// MarshalJSON writes the type as a JSON string.
func (p *PrimitiveType) MarshalJSON() ([]byte, error) { return json.Marshal(p.name) }

func (p *PrimitiveType) sealed() {}

// MaxDecimalPrecision is the largest precision (and scale) the protocol allows.
const MaxDecimalPrecision = 38

// DecimalType is a signed decimal number with Precision digits in all, Scale of
// them after the point. Both are at most 38 and Scale <= Precision.
type DecimalType struct {
	Precision int
	Scale     int
}

// TypeName returns "decimal(p,s)".
func (d DecimalType) TypeName() string {
	return "decimal(" + strconv.Itoa(d.Precision) + "," + strconv.Itoa(d.Scale) + ")"
}

// MarshalJSON writes the type as the JSON string "decimal(p,s)".
func (d DecimalType) MarshalJSON() ([]byte, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	return json.Marshal(d.TypeName())
}

func (d DecimalType) validate() error {
	if d.Precision < 1 || d.Precision > MaxDecimalPrecision || d.Scale < 0 || d.Scale > d.Precision {
		return fmt.Errorf("schema: invalid decimal(%d,%d): precision must be 1..%d and scale 0..precision",
			d.Precision, d.Scale, MaxDecimalPrecision)
	}
	return nil
}

func (DecimalType) sealed() {}

// StructType is a list of named fields: the table's top-level schema, or a struct
// column holding nested columns.
type StructType struct {
	Fields []StructField
}

// StructField is one (possibly nested) column.
type StructField struct {
	Name     string
	Type     DataType
	Nullable bool
	// Metadata holds the column's metadata map, each value as compact JSON
	// ("delta.columnMapping.id" -> 5, "delta.invariants" -> "\"...\"). Nil when
	// the map is empty; written as {} either way.
	Metadata map[string]json.RawMessage
}

// TypeName returns "struct".
func (*StructType) TypeName() string { return "struct" }
func (*StructType) sealed()          {}

// Field returns the field with the given name, compared without regard to case
// (the protocol requires column names to be unique regardless of casing).
func (s *StructType) Field(name string) (StructField, bool) {
	for _, f := range s.Fields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return StructField{}, false
}

// Validate checks the rules JSON alone cannot express: every field has a name and a
// type, names are unique within each struct regardless of case, decimals are in
// range. It checks nested types too.
func (s *StructType) Validate() error { return validateType(s, "") }

func validateType(t DataType, path string) error {
	switch t := t.(type) {
	case nil:
		return fmt.Errorf("schema: %s: missing type", orRoot(path))
	case *PrimitiveType:
		return nil
	case DecimalType:
		if err := t.validate(); err != nil {
			return fmt.Errorf("%w (at %s)", err, orRoot(path))
		}
		return nil
	case *StructType:
		seen := make(map[string]string, len(t.Fields))
		for _, f := range t.Fields {
			p := joinPath(path, f.Name)
			if f.Name == "" {
				return fmt.Errorf("schema: %s: field with an empty name", orRoot(path))
			}
			low := strings.ToLower(f.Name)
			if prev, ok := seen[low]; ok {
				return fmt.Errorf("schema: %s: column names %q and %q differ only in case or repeat", orRoot(path), prev, f.Name)
			}
			seen[low] = f.Name
			if err := validateType(f.Type, p); err != nil {
				return err
			}
		}
		return nil
	case *ArrayType:
		return validateType(t.ElementType, joinPath(path, "element"))
	case *MapType:
		if err := validateType(t.KeyType, joinPath(path, "key")); err != nil {
			return err
		}
		return validateType(t.ValueType, joinPath(path, "value"))
	default:
		return fmt.Errorf("schema: %s: unknown data type %T", orRoot(path), t)
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func orRoot(path string) string {
	if path == "" {
		return "schema root"
	}
	return path
}

// ArrayType is a variable-length list of elements of one type.
type ArrayType struct {
	ElementType  DataType
	ContainsNull bool
}

// TypeName returns "array".
func (*ArrayType) TypeName() string { return "array" }
func (*ArrayType) sealed()          {}

// MapType is a collection of key-value pairs with one key type and one value type.
type MapType struct {
	KeyType           DataType
	ValueType         DataType
	ValueContainsNull bool
}

// TypeName returns "map".
func (*MapType) TypeName() string { return "map" }
func (*MapType) sealed()          {}

// Parse reads a schemaString (the JSON of a struct type) and validates it.
func Parse(schemaString string) (*StructType, error) {
	t, err := parseType([]byte(schemaString))
	if err != nil {
		return nil, err
	}
	s, ok := t.(*StructType)
	if !ok {
		return nil, fmt.Errorf("schema: top-level type is %s, want struct", t.TypeName())
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// String returns the schema's JSON, as stored in a schemaString. It panics only if
// the schema holds an invalid decimal; call Validate first for untrusted input.
func (s *StructType) String() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ParseType reads the JSON form of any data type: a string for primitive types,
// an object for struct, array and map types.
func ParseType(data []byte) (DataType, error) { return parseType(data) }

var decimalRE = regexp.MustCompile(`^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$`)

func parseTypeName(name string) (DataType, error) {
	if p, ok := primitives[name]; ok {
		return p, nil
	}
	if m := decimalRE.FindStringSubmatch(name); m != nil {
		p, err1 := strconv.Atoi(m[1])
		s, err2 := strconv.Atoi(m[2])
		d := DecimalType{Precision: p, Scale: s}
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("schema: invalid decimal type %q", name)
		}
		if err := d.validate(); err != nil {
			return nil, err
		}
		return d, nil
	}
	return nil, fmt.Errorf("schema: unknown type %q", name)
}

func parseType(data []byte) (DataType, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("schema: missing type")
	}
	switch data[0] {
	case '"':
		var name string
		if err := json.Unmarshal(data, &name); err != nil {
			return nil, fmt.Errorf("schema: %w", err)
		}
		return parseTypeName(name)
	case '{':
	default:
		return nil, fmt.Errorf("schema: a type must be a string or an object, got %.40s", data)
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	switch head.Type {
	case "struct":
		s := new(StructType)
		if err := s.UnmarshalJSON(data); err != nil {
			return nil, err
		}
		return s, nil
	case "array":
		a := new(ArrayType)
		if err := a.UnmarshalJSON(data); err != nil {
			return nil, err
		}
		return a, nil
	case "map":
		m := new(MapType)
		if err := m.UnmarshalJSON(data); err != nil {
			return nil, err
		}
		return m, nil
	case "variant":
		// The protocol's examples write a variant array element as {"type":"variant"}.
		return Variant, nil
	case "":
		return nil, errors.New(`schema: type object without a "type" member`)
	default:
		return nil, fmt.Errorf("schema: unknown complex type %q", head.Type)
	}
}
