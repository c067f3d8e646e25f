package sqlserver

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf16"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// Sizes of key columns, which SQL Server must be able to index: an index key
// holds at most 900 bytes (clustered), so a string key is nvarchar(450)
// (two bytes a UTF-16 code unit) and a binary key varbinary(900).
const (
	maxKeyChars = 450
	maxKeyBytes = 900
	// maxDecimalPrecision is the largest precision of SQL Server's decimal.
	maxDecimalPrecision = 38
)

// column is one destination column: its name, its SQL Server type, the Delta
// type it came from (stored as the column's trestle_type extended property)
// and whether it is part of the primary key.
type column struct {
	name      string
	sqlType   string
	deltaType string
	key       bool
	keyPos    int // the column's position in the key, when key
}

// columns maps a table's schema to SQL Server columns (see the package doc).
func columns(t sink.Table) ([]column, error) {
	if t.Schema == nil || t.Schema.NumFields() == 0 {
		return nil, fmt.Errorf("table %s needs at least one column", t.Name)
	}
	keyPos := make(map[string]int, len(t.Key))
	for i, k := range t.Key {
		if t.Schema.FieldIndices(k) == nil {
			return nil, fmt.Errorf("table %s: key column %q is not in the schema", t.Name, k)
		}
		if _, dup := keyPos[k]; dup {
			return nil, fmt.Errorf("table %s: key column %q is named twice", t.Name, k)
		}
		keyPos[k] = i
	}
	cols := make([]column, t.Schema.NumFields())
	seen := make(map[string]bool, len(cols))
	for i, f := range t.Schema.Fields() {
		if f.Name == seqColumn || f.Name == opColumn {
			return nil, fmt.Errorf("table %s: column name %q is reserved for the connector's own use", t.Name, f.Name)
		}
		if err := checkName(f.Name); err != nil {
			return nil, fmt.Errorf("table %s: column %w", t.Name, err)
		}
		folded := foldName(f.Name)
		if seen[folded] {
			return nil, fmt.Errorf("table %s: two columns are named %q (SQL Server compares names without case)", t.Name, f.Name)
		}
		seen[folded] = true
		pos, key := keyPos[f.Name]
		typ, err := sqlType(f.Type, key)
		if err != nil {
			return nil, fmt.Errorf("table %s: column %q: %w", t.Name, f.Name, err)
		}
		cols[i] = column{name: f.Name, sqlType: typ, deltaType: deltaType(f.Type), key: key, keyPos: pos}
	}
	return cols, nil
}

// sqlType returns the SQL Server type of an Arrow type; key says the column
// is part of the primary key, which needs a type SQL Server can index.
func sqlType(t arrow.DataType, key bool) (string, error) {
	text, bin := "nvarchar(max)", "varbinary(max)"
	if key {
		text, bin = fmt.Sprintf("nvarchar(%d)", maxKeyChars), fmt.Sprintf("varbinary(%d)", maxKeyBytes)
	}
	switch t := t.(type) {
	case *arrow.Int64Type:
		return "bigint", nil
	case *arrow.Int32Type:
		return "int", nil
	case *arrow.Int16Type:
		return "smallint", nil
	case *arrow.Int8Type:
		return "smallint", nil // tinyint is unsigned (0..255)
	case *arrow.Float64Type:
		return "float", nil
	case *arrow.Float32Type:
		return "real", nil
	case *arrow.BooleanType:
		return "bit", nil
	case *arrow.StringType:
		return text, nil
	case *arrow.BinaryType:
		return bin, nil
	case *arrow.Date32Type:
		return "date", nil
	case *arrow.TimestampType:
		return "datetime2(6)", nil
	case *arrow.Decimal128Type:
		if t.Precision > maxDecimalPrecision {
			return text, nil
		}
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.Decimal256Type:
		if t.Precision > maxDecimalPrecision {
			return text, nil
		}
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.ListType, *arrow.MapType, *arrow.StructType:
		return text, nil
	}
	return "", fmt.Errorf("Arrow type %s is not supported", t)
}

// deltaType names the Delta type an Arrow type came from (datafile's
// mapping, reversed); the sink stores it as the column's trestle_type
// extended property, so that readers can tell a JSON column from a text one
// and a UTC timestamp from one without a time zone.
func deltaType(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.Int64Type:
		return "long"
	case *arrow.Int32Type:
		return "integer"
	case *arrow.Int16Type:
		return "short"
	case *arrow.Int8Type:
		return "byte"
	case *arrow.Float64Type:
		return "double"
	case *arrow.Float32Type:
		return "float"
	case *arrow.BooleanType:
		return "boolean"
	case *arrow.StringType:
		return "string"
	case *arrow.BinaryType:
		return "binary"
	case *arrow.Date32Type:
		return "date"
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return "timestamp_ntz"
		}
		return "timestamp"
	case *arrow.Decimal128Type:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case *arrow.Decimal256Type:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case *arrow.ListType:
		return "array"
	case *arrow.MapType:
		return "map"
	case *arrow.StructType:
		return "struct"
	}
	return t.String()
}

// errNullKey is returned for a null in a key column.
var errNullKey = errors.New("key column is null")

// The range of datetime2 and date: 0001-01-01 to 9999-12-31.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// bulkValue converts the value at row i of arr into what the driver's bulk
// copy takes for the column's SQL Server type (see sqlType): nil for null,
// int64 for every integer (the driver's bulk copy takes no smaller ones),
// float64, bool, string (text, decimals with exactly their scale, nested
// values as JSON), []byte (never nil: a nil slice is sent as NULL) and
// time.Time in UTC for dates and timestamps. key is true for key columns,
// which may not be null and must fit their indexable type.
func bulkValue(arr arrow.Array, i int, key bool) (any, error) {
	if arr.IsNull(i) {
		if key {
			return nil, errNullKey
		}
		return nil, nil
	}
	switch a := arr.(type) {
	case *array.Int64:
		return a.Value(i), nil
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Int16:
		return int64(a.Value(i)), nil
	case *array.Int8:
		return int64(a.Value(i)), nil
	case *array.Float64:
		return finite(a.Value(i))
	case *array.Float32:
		return finite(float64(a.Value(i)))
	case *array.Boolean:
		return a.Value(i), nil
	case *array.String:
		return text(a.Value(i), key)
	case *array.Binary:
		b := a.Value(i)
		if key && len(b) > maxKeyBytes {
			return nil, fmt.Errorf("key value of %d bytes is longer than the %d bytes SQL Server can index", len(b), maxKeyBytes)
		}
		if b == nil {
			b = []byte{}
		}
		return b, nil
	case *array.Date32:
		return inRange(a.Value(i).ToTime())
	case *array.Timestamp:
		return inRange(a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC())
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale), nil
	case *array.Decimal256:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale), nil
	case *array.List, *array.Map, *array.Struct:
		return text(string(sink.JSONValue(arr, i)), key)
	}
	return nil, fmt.Errorf("Arrow type %s is not supported", arr.DataType())
}

// text checks that a key string fits nvarchar(450), counted in UTF-16 code
// units as SQL Server does (an emoji takes two).
func text(s string, key bool) (any, error) {
	if key && len(s) > maxKeyChars {
		if n := utf16Len(s); n > maxKeyChars {
			return nil, fmt.Errorf("key value of %d UTF-16 characters is longer than the %d SQL Server can index", n, maxKeyChars)
		}
	}
	return s, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s { // invalid UTF-8 decodes as U+FFFD, one unit
		if l := utf16.RuneLen(r); l > 0 {
			n += l
		} else {
			n++
		}
	}
	return n
}

// finite rejects NaN and infinities, which SQL Server's float and real cannot hold.
func finite(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("value %v cannot be stored: SQL Server's float and real hold no NaN or infinity", f)
	}
	return f, nil
}

// inRange rejects dates and times outside the years 1 to 9999, which the
// driver would otherwise clamp silently.
func inRange(t time.Time) (any, error) {
	if t.Before(minTime) || !t.Before(maxTime) {
		return nil, fmt.Errorf("value %s is outside SQL Server's range (years 1 to 9999)", t.Format(time.RFC3339Nano))
	}
	return t, nil
}

// batchColumns returns, for each destination column, the index of the batch
// column of that name, or -1 when the batch lacks it (the value is then
// null). A batch column the destination does not have is an error, and so is
// a missing key column.
func batchColumns(table string, cols []column, s *arrow.Schema) ([]int, error) {
	idx := make([]int, len(cols))
	known := make(map[string]bool, len(cols))
	for j, c := range cols {
		known[c.name] = true
		idx[j] = -1
		if f := s.FieldIndices(c.name); f != nil {
			idx[j] = f[0]
		} else if c.key {
			return nil, fmt.Errorf("table %s: the batch lacks key column %q", table, c.name)
		}
	}
	for _, f := range s.Fields() {
		if !known[f.Name] {
			return nil, fmt.Errorf("table %s: the batch has column %q, which the table's schema lacks", table, f.Name)
		}
	}
	return idx, nil
}

// rowValues fills vals with the bulk copy values of row i of rec, whose
// columns idx maps (see batchColumns).
func rowValues(vals []any, table string, cols []column, idx []int, rec arrow.RecordBatch, i int) error {
	for j, c := range cols {
		if idx[j] < 0 {
			vals[j] = nil
			continue
		}
		v, err := bulkValue(rec.Column(idx[j]), i, c.key)
		if err != nil {
			return fmt.Errorf("table %s, column %q, row %d of the batch: %w", table, c.name, i+1, err)
		}
		vals[j] = v
	}
	return nil
}
