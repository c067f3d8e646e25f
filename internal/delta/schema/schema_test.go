package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// protocolExample is the "JSON Encoded Table Schema" of the protocol's Schema
// Serialization Format appendix, typed out with its spacing.
const protocolExample = `{
  "type" : "struct",
  "fields" : [ {
    "name" : "a",
    "type" : "integer",
    "nullable" : false,
    "metadata" : { }
  }, {
    "name" : "b",
    "type" : {
      "type" : "struct",
      "fields" : [ {
        "name" : "d",
        "type" : "integer",
        "nullable" : false,
        "metadata" : { }
      } ]
    },
    "nullable" : true,
    "metadata" : { }
  }, {
    "name" : "c",
    "type" : {
      "type" : "array",
      "elementType" : "integer",
      "containsNull" : false
    },
    "nullable" : true,
    "metadata" : { }
  }, {
    "name" : "e",
    "type" : {
      "type" : "array",
      "elementType" : {
        "type" : "struct",
        "fields" : [ {
          "name" : "d",
          "type" : "integer",
          "nullable" : false,
          "metadata" : { }
        } ]
      },
      "containsNull" : true
    },
    "nullable" : true,
    "metadata" : { }
  }, {
    "name" : "f",
    "type" : {
      "type" : "map",
      "keyType" : "string",
      "valueType" : "string",
      "valueContainsNull" : true
    },
    "nullable" : true,
    "metadata" : { }
  } ]
}`

func compact(t *testing.T, s string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		t.Fatalf("compact: %v", err)
	}
	return buf.String()
}

func TestProtocolExample(t *testing.T) {
	s, err := Parse(protocolExample)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	d := &StructType{Fields: []StructField{{Name: "d", Type: Integer}}}
	want := &StructType{Fields: []StructField{
		{Name: "a", Type: Integer},
		{Name: "b", Type: d, Nullable: true},
		{Name: "c", Type: &ArrayType{ElementType: Integer}, Nullable: true},
		{Name: "e", Type: &ArrayType{ElementType: d, ContainsNull: true}, Nullable: true},
		{Name: "f", Type: &MapType{KeyType: String, ValueType: String, ValueContainsNull: true}, Nullable: true},
	}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("parsed schema:\n got %s\nwant %s", s, want)
	}
	if got, want := s.String(), compact(t, protocolExample); got != want {
		t.Errorf("marshal:\n got %s\nwant %s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	nested := &StructType{Fields: []StructField{
		{Name: "x", Type: Long, Nullable: true},
		{Name: "y", Type: &MapType{KeyType: String, ValueType: &ArrayType{ElementType: DecimalType{38, 18}, ContainsNull: true}}},
	}}
	tests := []struct {
		name string
		typ  DataType
		json string
	}{
		{"string", String, `"string"`},
		{"long", Long, `"long"`},
		{"integer", Integer, `"integer"`},
		{"short", Short, `"short"`},
		{"byte", Byte, `"byte"`},
		{"float", Float, `"float"`},
		{"double", Double, `"double"`},
		{"boolean", Boolean, `"boolean"`},
		{"binary", Binary, `"binary"`},
		{"date", Date, `"date"`},
		{"timestamp", Timestamp, `"timestamp"`},
		{"timestamp_ntz", TimestampNTZ, `"timestamp_ntz"`},
		{"decimal", DecimalType{10, 2}, `"decimal(10,2)"`},
		{"decimal max", DecimalType{38, 38}, `"decimal(38,38)"`},
		{"array", &ArrayType{ElementType: Date, ContainsNull: true},
			`{"type":"array","elementType":"date","containsNull":true}`},
		{"map", &MapType{KeyType: Integer, ValueType: Binary, ValueContainsNull: false},
			`{"type":"map","keyType":"integer","valueType":"binary","valueContainsNull":false}`},
		{"array of arrays", &ArrayType{ElementType: &ArrayType{ElementType: Short}}, `{"type":"array","elementType":{"type":"array","elementType":"short","containsNull":false},"containsNull":false}`},
		{"struct in map in array", &ArrayType{ElementType: &MapType{KeyType: String, ValueType: nested, ValueContainsNull: true}, ContainsNull: true},
			`{"type":"array","elementType":{"type":"map","keyType":"string","valueType":{"type":"struct","fields":[` +
				`{"name":"x","type":"long","nullable":true,"metadata":{}},` +
				`{"name":"y","type":{"type":"map","keyType":"string","valueType":{"type":"array","elementType":"decimal(38,18)","containsNull":true},"valueContainsNull":false},"nullable":false,"metadata":{}}` +
				`]},"valueContainsNull":true},"containsNull":true}`},
		{"field metadata", &StructType{Fields: []StructField{{Name: "e", Type: Long, Nullable: true, Metadata: map[string]json.RawMessage{
			"delta.columnMapping.id":           json.RawMessage(`4`),
			"delta.columnMapping.physicalName": json.RawMessage(`"col-5f422f40"`),
			"delta.typeChanges":                json.RawMessage(`[{"fromType":"short","toType":"integer"}]`),
		}}}}, `{"type":"struct","fields":[{"name":"e","type":"long","nullable":true,"metadata":{"delta.columnMapping.id":4,"delta.columnMapping.physicalName":"col-5f422f40","delta.typeChanges":[{"fromType":"short","toType":"integer"}]}}]}`},
		{"empty struct", &StructType{}, `{"type":"struct","fields":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.typ)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tt.json {
				t.Errorf("Marshal:\n got %s\nwant %s", got, tt.json)
			}
			back, err := ParseType(got)
			if err != nil {
				t.Fatalf("ParseType: %v", err)
			}
			if s, ok := tt.typ.(*StructType); ok && s.Fields == nil {
				s.Fields = []StructField{}
			}
			if !reflect.DeepEqual(back, tt.typ) {
				t.Errorf("round trip: got %#v, want %#v", back, tt.typ)
			}
		})
	}
}

func TestParseLenient(t *testing.T) {
	tests := []struct {
		name string
		json string
		want DataType
	}{
		// The protocol's type-widening examples write decimals with a space.
		{"decimal with space", `"decimal(10, 4)"`, DecimalType{10, 4}},
		{"map without valueContainsNull", `{"type":"map","keyType":"string","valueType":"long"}`,
			&MapType{KeyType: String, ValueType: Long, ValueContainsNull: true}},
		{"variant object", `{"type":"array","elementType":{"type":"variant"},"containsNull":false}`,
			&ArrayType{ElementType: Variant}},
		{"field metadata whitespace compacted", `{"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{"k" : [ 1, 2 ]}}]}`,
			&StructType{Fields: []StructField{{Name: "a", Type: Integer, Nullable: true, Metadata: map[string]json.RawMessage{"k": json.RawMessage(`[1,2]`)}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseType([]byte(tt.json))
			if err != nil {
				t.Fatalf("ParseType: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"unknown primitive", `{"type":"struct","fields":[{"name":"a","type":"int","nullable":true,"metadata":{}}]}`, `unknown type "int"`},
		{"decimal too wide", `{"type":"struct","fields":[{"name":"a","type":"decimal(39,2)","nullable":true,"metadata":{}}]}`, "invalid decimal"},
		{"decimal scale > precision", `{"type":"struct","fields":[{"name":"a","type":"decimal(2,3)","nullable":true,"metadata":{}}]}`, "invalid decimal"},
		{"missing nullable", `{"type":"struct","fields":[{"name":"a","type":"long","metadata":{}}]}`, `missing "nullable"`},
		{"missing name", `{"type":"struct","fields":[{"type":"long","nullable":true}]}`, `without "name"`},
		{"missing fields", `{"type":"struct"}`, `missing "fields"`},
		{"array missing containsNull", `{"type":"struct","fields":[{"name":"a","type":{"type":"array","elementType":"long"},"nullable":true}]}`, `missing "containsNull"`},
		{"duplicate names by case", `{"type":"struct","fields":[{"name":"a","type":"long","nullable":true},{"name":"A","type":"long","nullable":true}]}`, "differ only in case"},
		{"top level not struct", `"long"`, "want struct"},
		{"number as type", `{"type":"struct","fields":[{"name":"a","type":5,"nullable":true}]}`, "must be a string or an object"},
		{"unknown complex", `{"type":"struct","fields":[{"name":"a","type":{"type":"tuple"},"nullable":true}]}`, `unknown complex type "tuple"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.json)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestField(t *testing.T) {
	s, err := Parse(protocolExample)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := s.Field("B")
	if !ok || f.Name != "b" {
		t.Errorf(`Field("B") = %v, %v; want field b`, f, ok)
	}
	if _, ok := s.Field("zz"); ok {
		t.Error(`Field("zz") found a field`)
	}
}
