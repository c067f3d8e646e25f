package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

// record is the pointer to a record kind T.
type record[T any] interface {
	*T
	planning.Record
}

// content is a record's JSON without its Meta. Two records with the same content
// are equal for the store, which writes nothing for them (see the store's Upsert).
func content[T any, P record[T]](v T) []byte {
	*P(&v).GetMeta() = planning.Meta{}
	b, err := json.Marshal(P(&v))
	if err != nil {
		panic(fmt.Sprintf("encode %s: %v", P(&v).Kind(), err)) // records are plain data
	}
	return b
}

// fieldChanges lists the top-level fields that differ between two records' JSON
// (as content encodes them), in the order of the new record's fields.
func fieldChanges(old, new []byte) []FieldChange {
	oldOrder, oldVals := objectFields(old)
	newOrder, newVals := objectFields(new)
	var out []FieldChange
	seen := map[string]bool{}
	for _, order := range [][]string{newOrder, oldOrder} {
		for _, f := range order {
			if seen[f] {
				continue
			}
			seen[f] = true
			o, n := render(oldVals[f]), render(newVals[f])
			if o != n || !bytes.Equal(compact(oldVals[f]), compact(newVals[f])) {
				out = append(out, FieldChange{Field: f, Old: o, New: n})
			}
		}
	}
	return out
}

// objectFields splits a JSON object into its fields, in order.
func objectFields(doc []byte) ([]string, map[string]json.RawMessage) {
	vals := map[string]json.RawMessage{}
	var order []string
	dec := json.NewDecoder(bytes.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, vals
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			break
		}
		order = append(order, k)
		vals[k] = v
	}
	return order, vals
}

func compact(v json.RawMessage) []byte {
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return v
	}
	return b.Bytes()
}

// render shows a JSON value as text: strings bare, lists of strings joined with
// "|", empty values as "".
func render(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return strings.Join(list, "|")
	}
	return string(compact(v))
}
