package testenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestDuckDBReadParquet documents how DuckDB's types and values come out of
// ReadParquet (see DuckDBFile), on a two-row file written with pqarrow.
func TestDuckDBReadParquet(t *testing.T) {
	// The output must not depend on the machine's time zone (read.mjs pins UTC).
	t.Setenv("TZ", "Asia/Kolkata")
	path := writeSampleParquet(t)
	out := DuckDB(t).ReadParquet(t, path)
	if !strings.HasPrefix(out.DuckDBVersion, "v") || len(out.Files) != 1 {
		t.Fatalf("DuckDB version %q and %d files, want v... and 1", out.DuckDBVersion, len(out.Files))
	}
	f := out.Files[0]
	if f.Path != path || f.Count != 2 {
		t.Errorf("path %s and count %d, want %s and 2", f.Path, f.Count, path)
	}
	wantColumns := []string{"id", "day", "amount", "tags", "attrs", "items", "at", "n", "f", "ok", "ts"}
	wantTypes := []string{"BIGINT", "DATE", "DECIMAL(18,4)", "VARCHAR[]", "MAP(VARCHAR, VARCHAR)",
		`STRUCT("a" BIGINT, "b" VARCHAR)[]`, "TIMESTAMP WITH TIME ZONE", "INTEGER", "DOUBLE", "BOOLEAN", "TIMESTAMP"}
	if !slices.Equal(f.Columns, wantColumns) {
		t.Errorf("columns %q, want %q", f.Columns, wantColumns)
	}
	if !slices.Equal(f.Types, wantTypes) {
		t.Errorf("types %q, want %q", f.Types, wantTypes)
	}
	type obj = map[string]any
	wantRows := [][]any{
		{
			"9007199254740993", // BIGINT: a string, exact beyond 2^53
			"2024-02-29",
			"1234.5000", // DECIMAL: a string with all the scale's digits
			[]any{"x", "y", nil},
			[]any{obj{"key": "z", "value": "1"}, obj{"key": "a", "value": nil}}, // MAP: entries in file order
			[]any{obj{"a": "1", "b": "one"}, obj{"a": nil, "b": "two"}},         // STRUCT: an object by field name
			"2024-02-29 12:34:56.789+00",                                        // TIMESTAMPTZ: UTC, fraction without trailing zeros
			json.Number("7"),
			json.Number("1.5"),
			true,
			"2024-02-29 12:34:56.789",
		},
		{
			"-42",
			nil,
			"-0.0001",
			[]any{}, // an empty list, not NULL
			nil,
			nil,
			"1970-01-01 00:00:00+00", // no fraction when it is zero
			json.Number("-7"),
			json.Number("0.1"),
			false,
			"1970-01-01 00:00:00.000001",
		},
	}
	if len(f.Rows) != len(wantRows) {
		t.Fatalf("%d rows, want %d: %#v", len(f.Rows), len(wantRows), f.Rows)
	}
	for i, want := range wantRows {
		for c := range want {
			if c >= len(f.Rows[i]) || !reflect.DeepEqual(f.Rows[i][c], want[c]) {
				var got any = "(missing)"
				if c < len(f.Rows[i]) {
					got = f.Rows[i][c]
				}
				t.Errorf("row %d column %s (%s) = %#v, want %#v", i, wantColumns[c], wantTypes[c], got, want[c])
			}
		}
		if len(f.Rows[i]) != len(want) {
			t.Errorf("row %d has %d values, want %d", i, len(f.Rows[i]), len(want))
		}
	}
}

// writeSampleParquet writes the two rows TestDuckDBReadParquet expects.
func writeSampleParquet(t *testing.T) string {
	t.Helper()
	item := arrow.StructOf(
		arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
	)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "attrs", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String), Nullable: true},
		{Name: "items", Type: arrow.ListOf(item), Nullable: true},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	at := time.Date(2024, 2, 29, 12, 34, 56, 789000000, time.UTC)

	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1<<53 + 1, -42}, nil)
	day := b.Field(1).(*array.Date32Builder)
	day.Append(arrow.Date32FromTime(at))
	day.AppendNull()
	b.Field(2).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(12345000), decimal128.FromI64(-1)}, nil)

	tags := b.Field(3).(*array.ListBuilder)
	tags.Append(true)
	tags.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"x", "y", ""}, []bool{true, true, false})
	tags.Append(true) // empty

	attrs := b.Field(4).(*array.MapBuilder)
	attrs.Append(true)
	attrs.KeyBuilder().(*array.StringBuilder).AppendValues([]string{"z", "a"}, nil)
	attrs.ItemBuilder().(*array.StringBuilder).AppendValues([]string{"1", ""}, []bool{true, false})
	attrs.AppendNull()

	items := b.Field(5).(*array.ListBuilder)
	items.Append(true)
	st := items.ValueBuilder().(*array.StructBuilder)
	st.AppendValues([]bool{true, true})
	st.FieldBuilder(0).(*array.Int64Builder).AppendValues([]int64{1, 0}, []bool{true, false})
	st.FieldBuilder(1).(*array.StringBuilder).AppendValues([]string{"one", "two"}, nil)
	items.AppendNull()

	b.Field(6).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(at.UnixMicro()), 0}, nil)
	b.Field(7).(*array.Int32Builder).AppendValues([]int32{7, -7}, nil)
	b.Field(8).(*array.Float64Builder).AppendValues([]float64{1.5, 0.1}, nil)
	b.Field(9).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	b.Field(10).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(at.UnixMicro()), 1}, nil)

	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "sample.parquet")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, file, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil { // closes file too
		t.Fatal(err)
	}
	return path
}

// TestDuckDBPackageShared: scripts/test.sh pre-installs the package of the
// package.json DuckDB installs.
func TestDuckDBPackageShared(t *testing.T) {
	b, err := os.ReadFile("../../scripts/test.sh")
	if err != nil {
		t.Skipf("scripts/test.sh: %v", err)
	}
	if !strings.Contains(string(b), "duckdb_pkg=internal/testenv/testdata/duckdb/package.json\n") {
		t.Errorf("scripts/test.sh does not install the DuckDB package of internal/testenv/testdata/duckdb/package.json")
	}
	if _, _, err := duckdbPinnedVersion(); err != nil {
		t.Error(err)
	}
}
