package sqlserver

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

var (
	tsUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tsNTZ = &arrow.TimestampType{Unit: arrow.Microsecond}
)

func TestSQLType(t *testing.T) {
	list := arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.BinaryTypes.String, Nullable: true})
	m := arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)
	st := arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32})
	for _, c := range []struct {
		typ        arrow.DataType
		want, key  string
		deltaTyped string
	}{
		{arrow.PrimitiveTypes.Int64, "bigint", "bigint", "long"},
		{arrow.PrimitiveTypes.Int32, "int", "int", "integer"},
		{arrow.PrimitiveTypes.Int16, "smallint", "smallint", "short"},
		{arrow.PrimitiveTypes.Int8, "smallint", "smallint", "byte"},
		{arrow.PrimitiveTypes.Float64, "float", "float", "double"},
		{arrow.PrimitiveTypes.Float32, "real", "real", "float"},
		{arrow.FixedWidthTypes.Boolean, "bit", "bit", "boolean"},
		{arrow.BinaryTypes.String, "nvarchar(max)", "nvarchar(450)", "string"},
		{arrow.BinaryTypes.Binary, "varbinary(max)", "varbinary(900)", "binary"},
		{arrow.FixedWidthTypes.Date32, "date", "date", "date"},
		{tsUTC, "datetime2(6)", "datetime2(6)", "timestamp"},
		{tsNTZ, "datetime2(6)", "datetime2(6)", "timestamp_ntz"},
		{&arrow.Decimal128Type{Precision: 18, Scale: 4}, "decimal(18,4)", "decimal(18,4)", "decimal(18,4)"},
		{&arrow.Decimal128Type{Precision: 38, Scale: 10}, "decimal(38,10)", "decimal(38,10)", "decimal(38,10)"},
		{&arrow.Decimal128Type{Precision: 1, Scale: 0}, "decimal(1,0)", "decimal(1,0)", "decimal(1,0)"},
		{&arrow.Decimal256Type{Precision: 38, Scale: 2}, "decimal(38,2)", "decimal(38,2)", "decimal(38,2)"},
		{&arrow.Decimal256Type{Precision: 50, Scale: 5}, "nvarchar(max)", "nvarchar(450)", "decimal(50,5)"},
		{list, "nvarchar(max)", "nvarchar(450)", "array"},
		{m, "nvarchar(max)", "nvarchar(450)", "map"},
		{st, "nvarchar(max)", "nvarchar(450)", "struct"},
	} {
		got, err := sqlType(c.typ, false)
		if err != nil || got != c.want {
			t.Errorf("sqlType(%s) = %q, %v; want %q", c.typ, got, err, c.want)
		}
		got, err = sqlType(c.typ, true)
		if err != nil || got != c.key {
			t.Errorf("sqlType(%s, key) = %q, %v; want %q", c.typ, got, err, c.key)
		}
		if got := deltaType(c.typ); got != c.deltaTyped {
			t.Errorf("deltaType(%s) = %q, want %q", c.typ, got, c.deltaTyped)
		}
	}
	if _, err := sqlType(arrow.FixedWidthTypes.Time64us, false); err == nil {
		t.Error("sqlType(time64) = nil error, want one")
	}
}

// TestColumnsAllTypes maps the conformance suite's schema, which has every
// type the connector produces.
func TestColumnsAllTypes(t *testing.T) {
	cols, err := columns(sink.Table{Name: "all_types", Schema: sinktest.AllTypes, Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	got := createTableSQL("dbo", "all_types", cols, true)
	want := "CREATE TABLE [dbo].[all_types] ([id] bigint NOT NULL, [i32] int NULL, [i16] smallint NULL, [i8] smallint NULL, " +
		"[f32] real NULL, [f64] float NULL, [flag] bit NULL, [Text Col] nvarchar(max) NULL, [bin] varbinary(max) NULL, " +
		"[day] date NULL, [ts] datetime2(6) NULL, [ts_ntz] datetime2(6) NULL, [dec18] decimal(18,4) NULL, " +
		"[dec38] decimal(38,10) NULL, [tags] nvarchar(max) NULL, [attrs] nvarchar(max) NULL, [point] nvarchar(max) NULL, " +
		"PRIMARY KEY ([id]))"
	if got != want {
		t.Errorf("got\n %s\nwant\n %s", got, want)
	}
}

func TestColumnsErrors(t *testing.T) {
	one := func(name string) *arrow.Schema {
		return arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int64}}, nil)
	}
	for _, c := range []struct {
		name string
		tbl  sink.Table
		want string
	}{
		{"no columns", sink.Table{Name: "t", Schema: arrow.NewSchema(nil, nil)}, "at least one column"},
		{"key not in schema", sink.Table{Name: "t", Schema: one("id"), Key: []string{"nope"}}, `key column "nope"`},
		{"reserved name", sink.Table{Name: "t", Schema: one(opColumn)}, "reserved"},
		{"long name", sink.Table{Name: "t", Schema: one(strings.Repeat("x", 129))}, "SQL Server allows 128"},
		{"names equal without case", sink.Table{Name: "t", Schema: arrow.NewSchema([]arrow.Field{
			{Name: "Id", Type: arrow.PrimitiveTypes.Int64}, {Name: "ID", Type: arrow.PrimitiveTypes.Int64}}, nil)}, "two columns"},
		{"unsupported type", sink.Table{Name: "t", Schema: arrow.NewSchema([]arrow.Field{
			{Name: "d", Type: arrow.FixedWidthTypes.Duration_us}}, nil)}, `column "d"`},
	} {
		_, err := columns(c.tbl)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestBulkValuesAllTypes converts the conformance suite's rows (ordinary
// values, edge values, nulls) into bulk copy values.
func TestBulkValuesAllTypes(t *testing.T) {
	rec := sinktest.Batch(sinktest.AllTypes, sinktest.AllTypesRows()...)
	defer rec.Release()
	cols, err := columns(sink.Table{Name: "all_types", Schema: sinktest.AllTypes, Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := batchColumns("all_types", cols, rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{int64(1), int64(-2147483648), int64(32767), int64(-128), float64(float32(1.5)), 3.141592653589793, true,
			"plain", []byte{0, 1, 2, 255}, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
			time.Date(2024, 3, 10, 12, 34, 56, 123456000, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			"12345678901234.5678", "1234567890123456789012345678.0123456789",
			`["a","b, c",null]`, `{"k1":"v1","k 2":null}`, `{"label":"x","n":7,"ids":[1,2]}`},
		{int64(9223372036854775807), int64(0), int64(-1), int64(127), float64(float32(-3.25)), 1e-300, false,
			"it's \"quoted\", \\back\\slash, tab\t newline\n ünïcødé 日本語 🎉", []byte{},
			time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(1969, 7, 20, 20, 17, 40, 1000, time.UTC),
			time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC),
			"-0.0001", "-9999999999999999999999999999.9999999999",
			`[]`, `{}`, `{"label":null,"n":null,"ids":null}`},
		{int64(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	vals := make([]any, len(cols))
	for r := range want {
		if err := rowValues(vals, "all_types", cols, idx, rec, r); err != nil {
			t.Fatalf("row %d: %v", r, err)
		}
		for c, v := range vals {
			if !reflect.DeepEqual(v, want[r][c]) {
				t.Errorf("row %d, column %s: got %#v (%T), want %#v (%T)", r, cols[c].name, v, v, want[r][c], want[r][c])
			}
			if tm, ok := v.(time.Time); ok && tm.Location() != time.UTC {
				t.Errorf("row %d, column %s: time in %v, want UTC", r, cols[c].name, tm.Location())
			}
		}
	}
	// An empty binary value is a non-nil slice: the driver sends a nil one as NULL.
	if b := vals[8]; b != nil {
		t.Errorf("null binary = %#v, want nil", b)
	}
	rowValues(vals, "all_types", cols, idx, rec, 1)
	if b, ok := vals[8].([]byte); !ok || b == nil {
		t.Errorf("empty binary = %#v, want a non-nil empty slice", vals[8])
	}
}

func TestBulkValueStrings(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	for _, s := range []string{"", "nul\x00inside", "emoji 🎉👩‍👩‍👧", "日本語", strings.Repeat("x", 100_000)} {
		rec := sinktest.Batch(schema, []any{s})
		v, err := bulkValue(rec.Column(0), 0, false)
		rec.Release()
		if err != nil || v != s {
			t.Errorf("bulkValue(%.20q) = %.20q, %v; want the string unchanged", s, v, err)
		}
	}
}

func TestBulkValueKeyLimits(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
	}, nil)
	for _, c := range []struct {
		name string
		row  []any
		ok   [2]bool // key values accepted
	}{
		{"at the limit", []any{strings.Repeat("x", 450), make([]byte, 900)}, [2]bool{true, true}},
		{"over the limit", []any{strings.Repeat("x", 451), make([]byte, 901)}, [2]bool{false, false}},
		// 300 emoji are 600 UTF-16 units (over), 300 CJK characters 300 (under, though 900 bytes of UTF-8).
		{"emoji", []any{strings.Repeat("🎉", 300), []byte{}}, [2]bool{false, true}},
		{"CJK", []any{strings.Repeat("日", 300), []byte{}}, [2]bool{true, true}},
		{"emoji at the limit", []any{strings.Repeat("🎉", 225), []byte{}}, [2]bool{true, true}},
		{"null", []any{nil, nil}, [2]bool{false, false}},
	} {
		rec := sinktest.Batch(schema, c.row)
		for col := range 2 {
			_, err := bulkValue(rec.Column(col), 0, true)
			if (err == nil) != c.ok[col] {
				t.Errorf("%s, column %d: err = %v, want ok=%v", c.name, col, err, c.ok[col])
			}
			if c.row[col] == nil && !errors.Is(err, errNullKey) {
				t.Errorf("%s: null key: err = %v, want errNullKey", c.name, err)
			}
			// Not a key: any length, and null is null.
			if v, err := bulkValue(rec.Column(col), 0, false); err != nil || (c.row[col] == nil) != (v == nil) {
				t.Errorf("%s, column %d not a key: %v, %v", c.name, col, v, err)
			}
		}
		rec.Release()
	}
}

func TestBulkValueOutOfRange(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "ts", Type: tsUTC},
	}, nil)
	ok := []any{math.MaxFloat64, float32(math.SmallestNonzeroFloat32), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)}
	bad := []any{math.NaN(), float32(math.Inf(-1)), time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	rec := sinktest.Batch(schema, ok, bad)
	defer rec.Release()
	for c := range schema.NumFields() {
		if _, err := bulkValue(rec.Column(c), 0, false); err != nil {
			t.Errorf("column %s, value %v: %v", schema.Field(c).Name, ok[c], err)
		}
		if v, err := bulkValue(rec.Column(c), 1, false); err == nil {
			t.Errorf("column %s, value %v: got %v, want an error", schema.Field(c).Name, bad[c], v)
		}
	}
}

func TestBatchColumns(t *testing.T) {
	cols := testColumns(t) // company, id (key), Full Name, odd]name
	keys := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "company", Type: arrow.BinaryTypes.String}}, nil)
	idx, err := batchColumns("t", cols, keys)
	if err != nil || !reflect.DeepEqual(idx, []int{1, 0, -1, -1}) {
		t.Errorf("keys batch: %v, %v; want [1 0 -1 -1]", idx, err)
	}
	if _, err := batchColumns("t", cols, arrow.NewSchema(keys.Fields()[:1], nil)); err == nil || !strings.Contains(err.Error(), `key column "company"`) {
		t.Errorf("missing key: err = %v", err)
	}
	extra := arrow.NewSchema(append(keys.Fields(), arrow.Field{Name: "other", Type: arrow.PrimitiveTypes.Int8}), nil)
	if _, err := batchColumns("t", cols, extra); err == nil || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("extra column: err = %v", err)
	}
}

func TestRowValuesError(t *testing.T) {
	cols := testColumns(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "company", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := sinktest.Batch(schema, []any{"acme", int64(1)}, []any{nil, int64(2)})
	defer rec.Release()
	idx, err := batchColumns("demo__people", cols, schema)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]any, len(cols))
	if err := rowValues(vals, "demo__people", cols, idx, rec, 0); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(vals, []any{"acme", int64(1), nil, nil}) {
		t.Errorf("row 1 = %#v", vals)
	}
	err = rowValues(vals, "demo__people", cols, idx, rec, 1)
	if want := `table demo__people, column "company", row 2 of the batch: key column is null`; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestConnString(t *testing.T) {
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"dsn wins", Options{DSN: "sqlserver://a:b@h?database=d", Host: "other", User: "x"}, "sqlserver://a:b@h?database=d"},
		{"fields", Options{Host: "db.example.com:1433", Database: "sales", User: "loader", Password: "pw"},
			"sqlserver://loader:pw@db.example.com:1433?database=sales"},
		{"escaped", Options{Host: "h", Database: "my db&x=1", User: "dom\\user", Password: "p@ss:w/rd?#%"},
			"sqlserver://dom%5Cuser:p%40ss%3Aw%2Frd%3F%23%25@h?database=my+db%26x%3D1"},
		{"instance", Options{Host: "h/SQLEXPRESS", Database: "d"}, "sqlserver://h/SQLEXPRESS?database=d"},
		{"no password", Options{Host: "h", User: "u"}, "sqlserver://u@h"},
	} {
		got, err := c.o.connString()
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := (Options{Database: "d"}).connString(); err == nil {
		t.Error("no host nor dsn: want an error")
	}

	// The driver's own parser gets every field back.
	o := Options{Host: "h:1444/INST", Database: "my db&x=1", User: "dom\\user", Password: "p@ss:w/rd?#%;'\""}
	dsn, err := o.connString()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := msdsn.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "h" || cfg.Port != 1444 || cfg.Instance != "INST" || cfg.Database != o.Database ||
		cfg.User != o.User || cfg.Password != o.Password {
		t.Errorf("parsed %s: host %q port %d instance %q database %q user %q password %q", dsn,
			cfg.Host, cfg.Port, cfg.Instance, cfg.Database, cfg.User, cfg.Password)
	}
}

// BenchmarkRowValues measures the conversion of a 10,000-row batch of a
// seven-column table (as the suite's Large case) into bulk copy values,
// the sink's own work per row before the driver encodes it.
func BenchmarkRowValues(b *testing.B) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
		{Name: "ratio", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "at", Type: tsUTC, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	const n = 10_000
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i), "name " + strconv.Itoa(i), strconv.Itoa(i) + ".25", float64(i) / 8,
			time.Unix(int64(i)*7919, 0).UTC(), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%10000), i%3 == 0}
	}
	rec := sinktest.Batch(schema, rows...)
	defer rec.Release()
	cols, err := columns(sink.Table{Name: "large", Schema: schema, Key: []string{"id"}})
	if err != nil {
		b.Fatal(err)
	}
	idx, err := batchColumns("large", cols, schema)
	if err != nil {
		b.Fatal(err)
	}
	vals := make([]any, len(cols))
	for b.Loop() {
		for i := range n {
			if err := rowValues(vals, "large", cols, idx, rec, i); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
