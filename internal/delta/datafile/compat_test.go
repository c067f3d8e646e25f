package datafile_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	pqschema "github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// TestIndependentRead reads a written file straight from disk with arrow-go's
// own Parquet reader, checks the physical layout the Delta protocol asks for,
// and checks the stats parse as an add action's.
func TestIndependentRead(t *testing.T) {
	ds, err := schema.Parse(`{"type":"struct","fields":[
		{"name":"id","type":"long","nullable":false,"metadata":{}},
		{"name":"city","type":"string","nullable":true,"metadata":{}},
		{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},
		{"name":"ntz","type":"timestamp_ntz","nullable":true,"metadata":{}},
		{"name":"day","type":"date","nullable":true,"metadata":{}},
		{"name":"amt","type":"decimal(12,2)","nullable":true,"metadata":{}},
		{"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	as, err := datafile.ArrowSchema(ds)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, as, strings.NewReader(`[
		{"id":1,"city":"Oslo","ts":"2024-05-01T10:00:00Z","ntz":"2024-05-01T10:00:00","day":"2024-05-01","amt":"10.25","tags":["x"]},
		{"id":2,"city":"Oslo","ts":null,"ntz":null,"day":null,"amt":null,"tags":null},
		{"id":3,"city":"Bergen","ts":"2024-05-02T10:00:00Z","ntz":"2024-05-02T10:00:00","day":"2024-05-02","amt":"-3.00","tags":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()

	dir := t.TempDir()
	st, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	w, err := datafile.NewWriter(ctx, st, "tbl/part-0.zstd.parquet", as, datafile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	info, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(filepath.Join(dir, "tbl", "part-0.zstd.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, _ := f.Stat(); fi.Size() != info.Size {
		t.Errorf("file size %d, FileInfo.Size %d", fi.Size(), info.Size)
	}
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatalf("not a Parquet file: %v", err)
	}
	defer pf.Close()
	md := pf.MetaData()
	if md.NumRows != 3 {
		t.Errorf("NumRows = %d", md.NumRows)
	}
	sc := md.Schema
	wantTS := map[string]bool{"ts": true, "ntz": false}
	for i := range sc.NumColumns() {
		col := sc.Column(i)
		if adj, ok := wantTS[col.Name()]; ok {
			lt, isTS := col.LogicalType().(pqschema.TimestampLogicalType)
			if !isTS || lt.IsAdjustedToUTC() != adj || lt.TimeUnit() != pqschema.TimeUnitMicros || col.PhysicalType() != parquet.Types.Int64 {
				t.Errorf("column %s: %s %s, want int64 TIMESTAMP(isAdjustedToUTC=%v, MICROS)", col.Name(), col.PhysicalType(), col.LogicalType(), adj)
			}
		}
		if col.Name() == "day" {
			if _, ok := col.LogicalType().(pqschema.DateLogicalType); !ok || col.PhysicalType() != parquet.Types.Int32 {
				t.Errorf("day: %s %s, want int32 DATE", col.PhysicalType(), col.LogicalType())
			}
		}
		if col.Name() == "amt" {
			lt, ok := col.LogicalType().(pqschema.DecimalLogicalType)
			if !ok || lt.Precision() != 12 || lt.Scale() != 2 {
				t.Errorf("amt: %s, want DECIMAL(12,2)", col.LogicalType())
			}
		}
	}
	if !sc.Column(6).LogicalType().Equals(pqschema.StringLogicalType{}) || sc.Column(6).Path() != "tags.list.element" {
		t.Errorf("tags leaf: %s %s, want three-level LIST of strings", sc.Column(6).Path(), sc.Column(6).LogicalType())
	}
	rg := md.RowGroup(0)
	for i := range rg.NumColumns() {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if cc.Compression() != compress.Codecs.Zstd {
			t.Errorf("column %d compressed with %s", i, cc.Compression())
		}
	}
	cc, _ := rg.ColumnChunk(1)
	if !cc.HasDictionaryPage() {
		t.Error("city has no dictionary page")
	}

	tbl, err := pqarrow.ReadTable(ctx, f, nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	var rows int64
	for tr.Next() {
		got := tr.RecordBatch()
		for i := range int(rec.NumCols()) {
			start := rows
			want := array.NewSlice(rec.Column(i), start, start+got.NumRows())
			if !array.Equal(got.Column(i), want) {
				t.Errorf("column %s: got %s, want %s", rec.ColumnName(i), got.Column(i), want)
			}
			want.Release()
		}
		rows += got.NumRows()
	}
	if rows != 3 {
		t.Errorf("read %d rows", rows)
	}
	if tz := tbl.Schema().Field(2).Type.(*arrow.TimestampType).TimeZone; tz != "UTC" {
		t.Errorf("ts read back with zone %q", tz)
	}

	ps, err := delta.ParseStats(info.Stats.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if ps.NumRecords != 3 || ps.MinValues["ts"] != "2024-05-01T10:00:00.000Z" || ps.MaxValues["amt"].(interface{ String() string }).String() != "10.25" ||
		ps.NullCount["tags"].(interface{ String() string }).String() != "1" {
		t.Errorf("ParseStats = %+v", ps)
	}
	add := delta.Add{Path: "part-0.zstd.parquet", Size: info.Size, Stats: info.Stats.JSON(), DataChange: true}
	if add.Stats == "" {
		t.Error("empty stats")
	}
}
