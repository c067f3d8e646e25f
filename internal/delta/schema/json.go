package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// The JSON shapes below keep the member order of the protocol's example.

type structJSON struct {
	Type   string        `json:"type"`
	Fields []StructField `json:"fields"`
}

type fieldJSON struct {
	Name     *string                    `json:"name"`
	Type     json.RawMessage            `json:"type"`
	Nullable *bool                      `json:"nullable"`
	Metadata map[string]json.RawMessage `json:"metadata"`
}

type arrayJSON struct {
	Type         string          `json:"type"`
	ElementType  json.RawMessage `json:"elementType"`
	ContainsNull *bool           `json:"containsNull"`
}

type mapJSON struct {
	Type              string          `json:"type"`
	KeyType           json.RawMessage `json:"keyType"`
	ValueType         json.RawMessage `json:"valueType"`
	ValueContainsNull *bool           `json:"valueContainsNull"`
}

// MarshalJSON writes {"type":"struct","fields":[...]}.
func (s *StructType) MarshalJSON() ([]byte, error) {
	fields := s.Fields
	if fields == nil {
		fields = []StructField{}
	}
	return json.Marshal(structJSON{Type: "struct", Fields: fields})
}

// UnmarshalJSON reads a struct type object.
func (s *StructType) UnmarshalJSON(data []byte) error {
	var raw struct {
		Type   string            `json:"type"`
		Fields []json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("schema: struct: %w", err)
	}
	if raw.Type != "struct" {
		return fmt.Errorf("schema: struct: type is %q, want \"struct\"", raw.Type)
	}
	if raw.Fields == nil {
		return errors.New(`schema: struct: missing "fields"`)
	}
	s.Fields = make([]StructField, len(raw.Fields))
	for i, f := range raw.Fields {
		if err := s.Fields[i].UnmarshalJSON(f); err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON writes {"name":...,"type":...,"nullable":...,"metadata":{...}}.
func (f StructField) MarshalJSON() ([]byte, error) {
	if f.Type == nil {
		return nil, fmt.Errorf("schema: field %q has no type", f.Name)
	}
	typ, err := json.Marshal(f.Type)
	if err != nil {
		return nil, err
	}
	md := f.Metadata
	if md == nil {
		md = map[string]json.RawMessage{}
	}
	name := f.Name
	return json.Marshal(fieldJSON{Name: &name, Type: typ, Nullable: &f.Nullable, Metadata: md})
}

// UnmarshalJSON reads a struct field; name, type and nullable are required.
func (f *StructField) UnmarshalJSON(data []byte) error {
	var raw fieldJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("schema: field: %w", err)
	}
	if raw.Name == nil {
		return errors.New(`schema: field without "name"`)
	}
	if raw.Nullable == nil {
		return fmt.Errorf(`schema: field %q: missing "nullable"`, *raw.Name)
	}
	t, err := parseType(raw.Type)
	if err != nil {
		return fmt.Errorf("field %q: %w", *raw.Name, err)
	}
	var md map[string]json.RawMessage
	if len(raw.Metadata) > 0 {
		md = make(map[string]json.RawMessage, len(raw.Metadata))
		for k, v := range raw.Metadata {
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return fmt.Errorf("schema: field %q: metadata %q: %w", *raw.Name, k, err)
			}
			md[k] = buf.Bytes()
		}
	}
	*f = StructField{Name: *raw.Name, Type: t, Nullable: *raw.Nullable, Metadata: md}
	return nil
}

// MarshalJSON writes {"type":"array","elementType":...,"containsNull":...}.
func (a *ArrayType) MarshalJSON() ([]byte, error) {
	if a.ElementType == nil {
		return nil, errors.New("schema: array without an element type")
	}
	el, err := json.Marshal(a.ElementType)
	if err != nil {
		return nil, err
	}
	return json.Marshal(arrayJSON{Type: "array", ElementType: el, ContainsNull: &a.ContainsNull})
}

// UnmarshalJSON reads an array type object; elementType and containsNull are
// required.
func (a *ArrayType) UnmarshalJSON(data []byte) error {
	var raw arrayJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("schema: array: %w", err)
	}
	if raw.Type != "array" {
		return fmt.Errorf("schema: array: type is %q, want \"array\"", raw.Type)
	}
	if raw.ContainsNull == nil {
		return errors.New(`schema: array: missing "containsNull"`)
	}
	el, err := parseType(raw.ElementType)
	if err != nil {
		return fmt.Errorf("array element: %w", err)
	}
	*a = ArrayType{ElementType: el, ContainsNull: *raw.ContainsNull}
	return nil
}

// MarshalJSON writes {"type":"map","keyType":...,"valueType":...,"valueContainsNull":...}.
func (m *MapType) MarshalJSON() ([]byte, error) {
	if m.KeyType == nil || m.ValueType == nil {
		return nil, errors.New("schema: map without a key or value type")
	}
	k, err := json.Marshal(m.KeyType)
	if err != nil {
		return nil, err
	}
	v, err := json.Marshal(m.ValueType)
	if err != nil {
		return nil, err
	}
	return json.Marshal(mapJSON{Type: "map", KeyType: k, ValueType: v, ValueContainsNull: &m.ValueContainsNull})
}

// UnmarshalJSON reads a map type object. keyType and valueType are required. The
// protocol's Map Type table does not list valueContainsNull although its example
// carries it, so a missing valueContainsNull reads as true (values may be null),
// the assumption that cannot lose data.
func (m *MapType) UnmarshalJSON(data []byte) error {
	var raw mapJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("schema: map: %w", err)
	}
	if raw.Type != "map" {
		return fmt.Errorf("schema: map: type is %q, want \"map\"", raw.Type)
	}
	k, err := parseType(raw.KeyType)
	if err != nil {
		return fmt.Errorf("map key: %w", err)
	}
	v, err := parseType(raw.ValueType)
	if err != nil {
		return fmt.Errorf("map value: %w", err)
	}
	vcn := true
	if raw.ValueContainsNull != nil {
		vcn = *raw.ValueContainsNull
	}
	*m = MapType{KeyType: k, ValueType: v, ValueContainsNull: vcn}
	return nil
}
