package source

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	mssql "github.com/microsoft/go-mssqldb"
)

// binaryTypes are the database types (as the drivers name them, upper case)
// whose values stay []byte; other []byte values are text (MySQL sends all
// values as text, and decimals come as text from every driver).
var binaryTypes = map[string]bool{
	"BYTEA": true,                                                         // PostgreSQL
	"BLOB":  true, "TINYBLOB": true, "MEDIUMBLOB": true, "LONGBLOB": true, // MySQL, SQLite
	"BINARY": true, "VARBINARY": true, "BIT": true, "GEOMETRY": true, // MySQL
	"IMAGE": true, // SQL Server
}

// sqlConverter returns the function that turns a driver's value for a column
// of the database type typeName into one of the package's Go types.
func sqlConverter(typeName string) func(any) any {
	t := strings.ToUpper(typeName)
	switch {
	case t == "UNIQUEIDENTIFIER": // SQL Server: 16 bytes in its own byte order
		return func(v any) any {
			if b, ok := v.([]byte); ok && len(b) == 16 {
				var u mssql.UniqueIdentifier
				if u.Scan(b) == nil {
					return strings.ToLower(u.String())
				}
			}
			return sqlValue(v, false)
		}
	case binaryTypes[t]:
		return func(v any) any { return sqlValue(v, true) }
	}
	return func(v any) any { return sqlValue(v, false) }
}

// sqlValue normalizes a driver value: integers to int64, floats to float64,
// text bytes to string.
func sqlValue(v any, binary bool) any {
	switch x := v.(type) {
	case nil, string, int64, float64, bool, time.Time:
		return x
	case []byte:
		if binary || !utf8.Valid(x) {
			return x
		}
		return string(x)
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint:
		return unsigned(uint64(x))
	case uint64:
		return unsigned(x)
	case float32:
		// Through its shortest decimal form, so FLOAT 0.1 is 0.1, not 0.10000000149011612.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f
	}
	return v
}

// unsigned returns u as int64, or as its decimal digits if it does not fit.
func unsigned(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return strconv.FormatUint(u, 10)
}

// appendValue appends an unambiguous encoding of v (a converted value, or the
// column names) to b, for the rows' checksum.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case string:
		b = binary.AppendUvarint(append(b, 's'), uint64(len(x)))
		return append(b, x...)
	case []byte:
		b = binary.AppendUvarint(append(b, 'b'), uint64(len(x)))
		return append(b, x...)
	case int64:
		return binary.AppendVarint(append(b, 'i'), x)
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, 'f'), math.Float64bits(x))
	case bool:
		if x {
			return append(b, 'T')
		}
		return append(b, 'F')
	case time.Time:
		return appendValue(append(b, 't'), x.Format(time.RFC3339Nano))
	case []string:
		b = binary.AppendUvarint(append(b, 'c'), uint64(len(x)))
		for _, s := range x {
			b = appendValue(b, s)
		}
		return b
	}
	return appendValue(append(b, '?'), fmt.Sprintf("%T:%v", v, v))
}
