package sinktest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// Null is the canonical form of a SQL NULL (or a missing value).
const Null = "NULL"

// Row joins the canonical values of one row, in column order, into the string
// a [Reader] returns for it.
func Row(values ...string) string { return strings.Join(values, " | ") }

// Canonical returns the canonical string of the value at row i of arr, which a
// [Reader] must reproduce from what the destination stored:
//
//   - null -> "NULL"
//   - integers -> decimal digits; floats -> strconv 'g' format, shortest exact (float32 with bitSize 32)
//   - boolean -> "true" / "false"
//   - string -> strconv.Quote of the text
//   - binary -> "0x" and lower-case hex
//   - date -> "2006-01-02"
//   - timestamp -> "2006-01-02T15:04:05.000000Z" (UTC), timestamp_ntz the same without "Z"
//   - decimal -> digits with exactly the type's scale ("12.3400")
//   - list, map, struct -> [CanonicalJSON] of [sink.JSONValue]
func Canonical(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return Null
	}
	switch a := arr.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	case *array.String:
		return strconv.Quote(a.Value(i))
	case *array.Binary:
		return "0x" + hex.EncodeToString(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		return sink.FormatTimestamp(a, i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.List, *array.Map, *array.Struct:
		s, err := CanonicalJSON(sink.JSONValue(arr, i))
		if err != nil {
			panic(err) // JSONValue always produces valid JSON
		}
		return s
	default:
		return arr.ValueStr(i)
	}
}

// CanonicalRows returns the canonical rows of a batch, one [Row] per row.
func CanonicalRows(rec arrow.RecordBatch) []string {
	rows := make([]string, rec.NumRows())
	vals := make([]string, rec.NumCols())
	for r := range rows {
		for c := range vals {
			vals[c] = Canonical(rec.Column(c), r)
		}
		rows[r] = Row(vals...)
	}
	return rows
}

// CanonicalJSON re-encodes a JSON document so that equal values compare equal
// whatever the destination did to it: object keys sorted, no white space, and
// numbers normalized (integers as digits, others in shortest 'g' form).
func CanonicalJSON(doc []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("sinktest: invalid JSON %q: %w", doc, err)
	}
	var b strings.Builder
	writeJSON(&b, v)
	return b.String(), nil
}

func writeJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			q, _ := json.Marshal(k)
			b.Write(q)
			b.WriteByte(':')
			writeJSON(b, v[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		if n, ok := new(big.Int).SetString(v.String(), 10); ok {
			b.WriteString(n.String())
		} else if f, err := v.Float64(); err == nil {
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		} else {
			b.WriteString(v.String())
		}
	default:
		q, _ := json.Marshal(v)
		b.Write(q)
	}
}
