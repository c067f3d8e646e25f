package sink

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// JSONValue renders the value at row i of arr as JSON, for destinations that
// store nested values (list, map, struct) as JSON text. It works for any type
// datafile.ArrowSchema produces:
//
//   - null -> null
//   - list -> array of its elements
//   - struct -> object of its fields, in schema order
//   - map with string keys -> object (duplicate keys are kept, in order)
//   - map with other keys -> array of {"key": ..., "value": ...} objects
//   - integers, floats -> numbers (NaN and ±Inf, which JSON lacks, -> "NaN", "Infinity", "-Infinity" strings)
//   - decimal -> number written with exactly its scale (e.g. 12.3400), so no precision is lost
//   - boolean -> true/false; string -> string
//   - binary -> base64 string (standard alphabet, padded)
//   - date -> "2006-01-02"
//   - timestamp -> "2006-01-02T15:04:05.999999Z" (UTC); timestamp_ntz -> the same without "Z"
//
// Types it does not know are rendered with the array's ValueStr as a JSON string.
func JSONValue(arr arrow.Array, i int) []byte {
	return appendJSON(nil, arr, i)
}

func appendJSON(b []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(b, "null"...)
	}
	switch a := arr.(type) {
	case *array.Int64:
		return strconv.AppendInt(b, a.Value(i), 10)
	case *array.Int32:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Int8:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Float64:
		return appendFloat(b, a.Value(i), 64)
	case *array.Float32:
		return appendFloat(b, float64(a.Value(i)), 32)
	case *array.Boolean:
		return strconv.AppendBool(b, a.Value(i))
	case *array.String:
		return appendString(b, a.Value(i))
	case *array.Binary:
		return appendString(b, base64.StdEncoding.EncodeToString(a.Value(i)))
	case *array.Date32:
		return appendString(b, a.Value(i).ToTime().Format(time.DateOnly))
	case *array.Timestamp:
		return appendString(b, FormatTimestamp(a, i))
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return append(b, a.Value(i).ToString(scale)...)
	case *array.Map: // before List: a Map is a List of key/value structs
		return appendMap(b, a, i)
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		b = append(b, '[')
		for j := start; j < end; j++ {
			if j > start {
				b = append(b, ',')
			}
			b = appendJSON(b, vals, int(j))
		}
		return append(b, ']')
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		b = append(b, '{')
		for f := 0; f < a.NumField(); f++ {
			if f > 0 {
				b = append(b, ',')
			}
			b = appendString(b, st.Field(f).Name)
			b = append(b, ':')
			b = appendJSON(b, a.Field(f), i)
		}
		return append(b, '}')
	default:
		return appendString(b, arr.ValueStr(i))
	}
}

func appendMap(b []byte, a *array.Map, i int) []byte {
	start, end := a.ValueOffsets(i)
	keys, items := a.Keys(), a.Items()
	if ks, ok := keys.(*array.String); ok {
		b = append(b, '{')
		for j := start; j < end; j++ {
			if j > start {
				b = append(b, ',')
			}
			b = appendString(b, ks.Value(int(j)))
			b = append(b, ':')
			b = appendJSON(b, items, int(j))
		}
		return append(b, '}')
	}
	b = append(b, '[')
	for j := start; j < end; j++ {
		if j > start {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = appendJSON(b, keys, int(j))
		b = append(b, `,"value":`...)
		b = appendJSON(b, items, int(j))
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// appendString appends s as a JSON string, byte for byte as json.Marshal
// writes it (HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD), without its reflection and allocation: nested columns hold many
// strings.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// FormatTimestamp renders the timestamp at row i as ISO-8601 with microseconds:
// "2006-01-02T15:04:05.000000Z" in UTC when the type has a time zone, without
// the "Z" when it has none (timestamp_ntz).
func FormatTimestamp(a *array.Timestamp, i int) string {
	tt := a.DataType().(*arrow.TimestampType)
	t := a.Value(i).ToTime(tt.Unit).UTC()
	if tt.TimeZone == "" {
		return t.Format("2006-01-02T15:04:05.000000")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}
