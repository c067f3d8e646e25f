package datafile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestRoundTripAllTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ds := allTypes(t)
	as, err := ArrowSchema(ds)
	if err != nil {
		t.Fatal(err)
	}
	rec := recordFromJSON(t, mem, as, allTypesRows)
	defer rec.Release()
	st := newStore(t)
	for _, codec := range []string{"", "snappy", "ZSTD", "uncompressed", "gzip", "lz4_raw"} {
		t.Run("codec="+codec, func(t *testing.T) {
			key := "t/part-" + codec + ".parquet"
			info := writeFile(t, st, key, as, Options{Compression: codec, Allocator: mem}, rec)
			if obj, err := st.Stat(context.Background(), key); err != nil || obj.Size != info.Size {
				t.Fatalf("Stat = %+v, %v; want size %d", obj, err, info.Size)
			}
			r, err := OpenWithAllocator(context.Background(), st, key, mem)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.NumRows() != 3 || r.NumRowGroups() != 1 {
				t.Fatalf("NumRows, NumRowGroups = %d, %d; want 3, 1", r.NumRows(), r.NumRowGroups())
			}
			back, err := DeltaSchema(r.Schema())
			if err != nil {
				t.Fatal(err)
			}
			if back.String() != ds.String() {
				t.Errorf("schema read back:\n%s\nwant\n%s", back, ds)
			}
			got, err := r.ReadRowGroup(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			defer got.Release()
			assertRecordsEqual(t, got, rec)
		})
	}
}

// assertRecordsEqual compares column values (Parquet does not keep Arrow's
// names for list elements and map entries, so schemas are compared through
// DeltaSchema elsewhere).
func assertRecordsEqual(t *testing.T, got, want arrow.RecordBatch) {
	t.Helper()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("got %d rows x %d cols, want %d x %d", got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	for i := range int(want.NumCols()) {
		g, w := got.Column(i), want.Column(i)
		if !array.Equal(g, w) {
			t.Errorf("column %s:\n got %s\nwant %s", want.ColumnName(i), g, w)
		}
	}
}

func TestStats(t *testing.T) {
	as, err := ArrowSchema(allTypes(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := recordFromJSON(t, memory.DefaultAllocator, as, allTypesRows)
	defer rec.Release()
	info := writeFile(t, newStore(t), "stats.parquet", as, Options{}, rec)
	if info.NumRows != 3 {
		t.Errorf("NumRows = %d, want 3", info.NumRows)
	}
	want := `{"numRecords":3,
	"minValues":{"id":1,"name":"alice","i":-5,"s":-3,"b":-8,"f":-0.5,"d":-2.25,"day":"1969-12-31",
		"ts":"1969-12-31T23:59:59.999Z","ntz":"2000-01-01T00:00:00.000","amount":-0.000001,"small":-1.50,
		"addr":{"city":"Oslo","zip":7,"geo":{"lat":59.9}}},
	"maxValues":{"id":3,"name":"bob","i":10,"s":4,"b":7,"f":1.5,"d":3.5,"day":"2024-01-31",
		"ts":"2024-01-31T12:00:00.123Z","ntz":"2024-01-31T12:00:00.999","amount":12345678901234567890.123456,"small":0.05,
		"addr":{"city":"Oslo","zip":150,"geo":{"lat":59.9}}},
	"nullCount":{"id":0,"name":1,"i":1,"s":1,"b":1,"f":1,"d":1,"ok":1,"bin":1,"day":1,"ts":1,"ntz":1,
		"amount":1,"small":1,"tags":1,"attrs":1,"addr":{"city":2,"zip":1,"geo":{"lat":2}}}}`
	assertJSONEqual(t, info.Stats.JSON(), want)
}

func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	decode := func(s string) any {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("decode %s: %v", s, err)
		}
		return v
	}
	if g, w := decode(got), decode(want); !reflect.DeepEqual(g, w) {
		var buf bytes.Buffer
		json.Compact(&buf, []byte(want))
		t.Errorf("stats\n got %s\nwant %s", got, buf.String())
	}
}

func TestStatsOverBatchesAndSlices(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "txt", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "v", Type: arrow.PrimitiveTypes.Int32, Nullable: true}), Nullable: true},
	}, nil)
	rec := recordFromJSON(t, memory.DefaultAllocator, s, `[
		{"n":-100,"x":-1e300,"txt":"zzz","st":{"v":-9}},
		{"n":5,"x":2.5,"txt":"mmm","st":null},
		{"n":null,"x":null,"txt":null,"st":{"v":null}},
		{"n":7,"x":0.25,"txt":"aaa","st":{"v":3}},
		{"n":100,"x":1e300,"txt":"~~~","st":{"v":99}}]`)
	defer rec.Release()
	// Only rows 1..3 are written: the slice's offset must be honoured.
	mid := rec.NewSlice(1, 4)
	defer mid.Release()
	more := recordFromJSON(t, memory.DefaultAllocator, s, `[{"n":6,"x":-3,"txt":"b","st":{"v":null}}]`)
	defer more.Release()
	info := writeFile(t, newStore(t), "s.parquet", s, Options{}, mid, more)
	assertJSONEqual(t, info.Stats.JSON(), `{"numRecords":4,
		"minValues":{"n":5,"x":-3,"txt":"aaa","st":{"v":3}},
		"maxValues":{"n":7,"x":2.5,"txt":"mmm","st":{"v":3}},
		"nullCount":{"n":1,"x":1,"txt":1,"st":{"v":3}}}`)
}

func TestStatsSpecialValues(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "nan", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "inf", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "allnull", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "long", Type: arrow.BinaryTypes.String},
	}, nil)
	rec := recordFromJSON(t, memory.DefaultAllocator, s, `[
		{"nan":1,"inf":"-Inf","allnull":null,"long":"abcdefgh"},
		{"nan":"NaN","inf":2,"allnull":null,"long":"abcdezzzzz"},
		{"nan":3,"inf":3,"allnull":null,"long":"ab"}]`)
	defer rec.Release()
	info := writeFile(t, newStore(t), "s.parquet", s, Options{StringPrefix: 5}, rec)
	assertJSONEqual(t, info.Stats.JSON(), `{"numRecords":3,
		"minValues":{"long":"ab"},
		"maxValues":{"inf":3,"long":"abcdf"},
		"nullCount":{"nan":0,"inf":0,"allnull":3,"long":0}}`)
}

func TestTruncateStrings(t *testing.T) {
	const top = "\U0010FFFF"
	tests := []struct {
		in       string
		n        int
		min, max string
		ok       bool
	}{
		{"abc", 3, "abc", "abc", true},
		{"abcd", 3, "abc", "abd", true},
		{"ab" + top + "z", 3, "ab" + top, "ac", true},
		{top + top + "x", 2, top + top, "", false},
		{"héllo wörld", 4, "héll", "hélm", true},
		{"a\uD7FFb", 2, "a\uD7FF", "a\uE000", true},
		{"日本語テキスト", 3, "日本語", "日本" + string(rune(0x8A9F)), true},
	}
	for _, tt := range tests {
		if got := truncateMin(tt.in, tt.n); got != tt.min {
			t.Errorf("truncateMin(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.min)
		}
		got, ok := truncateMax(tt.in, tt.n)
		if got != tt.max || ok != tt.ok {
			t.Errorf("truncateMax(%q, %d) = %q, %v; want %q, %v", tt.in, tt.n, got, ok, tt.max, tt.ok)
		}
		if ok && got < tt.in {
			t.Errorf("truncateMax(%q, %d) = %q sorts before the input", tt.in, tt.n, got)
		}
	}
}

func TestRowGroups(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	var recs []arrow.RecordBatch
	for b := range 10 {
		bld := array.NewRecordBuilder(mem, s)
		for i := range 1000 {
			id := int64(b*1000 + i)
			bld.Field(0).(*array.Int64Builder).Append(id)
			bld.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("v%05d", id))
		}
		recs = append(recs, bld.NewRecordBatch())
		bld.Release()
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	st := newStore(t)
	info := writeFile(t, st, "rg.parquet", s, Options{RowGroupRows: 2500, Allocator: mem}, recs...)
	if info.NumRows != 10000 {
		t.Fatalf("NumRows = %d", info.NumRows)
	}
	assertJSONEqual(t, info.Stats.JSON(), `{"numRecords":10000,"minValues":{"id":0,"v":"v00000"},
		"maxValues":{"id":9999,"v":"v09999"},"nullCount":{"id":0,"v":0}}`)

	r, err := OpenWithAllocator(context.Background(), st, "rg.parquet", mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRowGroups() != 4 {
		t.Fatalf("NumRowGroups = %d, want 4", r.NumRowGroups())
	}
	next := int64(0)
	for g := range r.NumRowGroups() {
		rec, err := r.ReadRowGroup(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumRows() != 2500 {
			t.Errorf("row group %d has %d rows", g, rec.NumRows())
		}
		for _, id := range rec.Column(0).(*array.Int64).Int64Values() {
			if id != next {
				t.Fatalf("row group %d: id %d, want %d", g, id, next)
			}
			next++
		}
		rec.Release()
	}
	if _, err := r.ReadRowGroup(context.Background(), 4); err == nil {
		t.Error("ReadRowGroup(4) succeeded")
	}

	next = 0
	batches := 0
	for rec, err := range r.Batches(context.Background(), 700) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumRows() > 700 {
			t.Fatalf("batch of %d rows", rec.NumRows())
		}
		batches++
		ids := rec.Column(0).(*array.Int64)
		vs := rec.Column(1).(*array.String)
		for i := range ids.Len() {
			if ids.Value(i) != next || vs.Value(i) != fmt.Sprintf("v%05d", next) {
				t.Fatalf("row %d: %d %q", next, ids.Value(i), vs.Value(i))
			}
			next++
		}
	}
	if next != 10000 || batches < 15 {
		t.Errorf("Batches read %d rows in %d batches", next, batches)
	}
}

func TestRowGroupBytes(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String}}, nil)
	bld := array.NewStringBuilder(memory.DefaultAllocator)
	defer bld.Release()
	// Distinct, poorly compressible strings: about 4 MB in all.
	x := uint64(88172645463325252)
	for range 100000 {
		var b strings.Builder
		for range 5 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			fmt.Fprintf(&b, "%016x", x)
		}
		bld.Append(b.String()[:40])
	}
	col := bld.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(s, []arrow.Array{col}, int64(col.Len()))
	defer rec.Release()
	st := newStore(t)
	var recs []arrow.RecordBatch
	for off := int64(0); off < rec.NumRows(); off += 5000 {
		sl := rec.NewSlice(off, off+5000)
		defer sl.Release()
		recs = append(recs, sl)
	}
	writeFile(t, st, "b.parquet", s, Options{RowGroupRows: 1 << 30, RowGroupBytes: 1 << 20, Compression: "snappy"}, recs...)
	r, err := Open(context.Background(), st, "b.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != 100000 || r.NumRowGroups() < 2 {
		t.Errorf("NumRows, NumRowGroups = %d, %d; want 100000 rows in several row groups", r.NumRows(), r.NumRowGroups())
	}
	for g := range r.NumRowGroups() {
		if n := r.pf.MetaData().RowGroup(g).NumRows(); n == 0 || n%5000 != 0 {
			t.Errorf("row group %d has %d rows, want a positive multiple of the batch size", g, n)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	as, err := ArrowSchema(allTypes(t))
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t)
	empty := recordFromJSON(t, memory.DefaultAllocator, as, `[]`)
	defer empty.Release()
	info := writeFile(t, st, "empty.parquet", as, Options{}, empty)
	if info.Size == 0 || info.NumRows != 0 {
		t.Fatalf("info = %+v", info)
	}
	assertJSONEqual(t, info.Stats.JSON(), `{"numRecords":0,"minValues":{},"maxValues":{},
		"nullCount":{"id":0,"name":0,"i":0,"s":0,"b":0,"f":0,"d":0,"ok":0,"bin":0,"day":0,"ts":0,"ntz":0,
		"amount":0,"small":0,"tags":0,"attrs":0,"addr":{"city":0,"zip":0,"geo":{"lat":0}}}}`)
	r, err := Open(context.Background(), st, "empty.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != 0 || r.NumRowGroups() != 0 {
		t.Errorf("NumRows, NumRowGroups = %d, %d", r.NumRows(), r.NumRowGroups())
	}
	if back, err := DeltaSchema(r.Schema()); err != nil || back.String() != allTypes(t).String() {
		t.Errorf("schema read back = %v, %v", back, err)
	}
	for _, err := range r.Batches(context.Background(), 0) {
		t.Errorf("Batches yielded from an empty file (err %v)", err)
	}
}

func TestWriterErrorsAndCleanup(t *testing.T) {
	tmp := t.TempDir()
	st := newStore(t)
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	ctx := context.Background()

	if _, err := NewWriter(ctx, st, "x.parquet", s, Options{Compression: "lz4"}); err == nil {
		t.Error("NewWriter accepted codec lz4")
	}
	bad := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Uint64}}, nil)
	if _, err := NewWriter(ctx, st, "x.parquet", bad, Options{}); err == nil {
		t.Error("NewWriter accepted a uint64 column")
	}
	if _, err := NewWriter(ctx, st, "/abs", s, Options{}); err == nil {
		t.Error("NewWriter accepted an invalid key")
	}

	w, err := NewWriter(ctx, st, "x.parquet", s, Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := recordFromJSON(t, memory.DefaultAllocator, other, `[{"b":1}]`)
	defer rec.Release()
	if err := w.Write(rec); err == nil {
		t.Error("Write accepted a batch of another schema")
	}
	w.Abort()
	w.Abort()
	if _, err := w.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
	if _, err := st.Stat(ctx, "x.parquet"); err == nil {
		t.Error("aborted file was stored")
	}

	ok := recordFromJSON(t, memory.DefaultAllocator, s, `[{"a":1}]`)
	defer ok.Release()
	w, err = NewWriter(ctx, st, "y.parquet", s, Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ok); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ok); err == nil {
		t.Error("Write after Close succeeded")
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("spool files left behind: %v", ents)
	}
}

func TestDictionaryChoice(t *testing.T) {
	s := peopleSchema(t)
	recs := peopleBatches(t, s, 20000, 3000)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	st := newStore(t)
	writeFile(t, st, "people.parquet", s, Options{}, recs...)
	r, err := Open(context.Background(), st, "people.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rg := r.pf.MetaData().RowGroup(0)
	want := map[string]bool{"id": false, "email": false, "created_at": false, "score": false,
		"first_name": true, "country": true, "age": true}
	for i := range rg.NumColumns() {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		name := cc.PathInSchema().String()
		if dict, ok := want[name]; ok && cc.HasDictionaryPage() != dict {
			t.Errorf("column %s: dictionary page %v, want %v", name, cc.HasDictionaryPage(), dict)
		}
	}
	got := int64(0)
	for rec, err := range r.Batches(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		got += rec.NumRows()
	}
	if got != 20000 {
		t.Errorf("read %d rows", got)
	}
}

func TestAbortReleasesAndCanceledPut(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	st := newStore(t)
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := recordFromJSON(t, mem, s, `[{"a":1},{"a":2}]`)
	defer rec.Release()

	w, err := NewWriter(context.Background(), st, "a.parquet", s, Options{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil { // held back: fewer than sampleRows rows
		t.Fatal(err)
	}
	w.Abort()

	ctx, cancel := context.WithCancel(context.Background())
	w, err = NewWriter(ctx, st, "c.parquet", s, Options{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Close(); err == nil {
		t.Error("Close with a canceled context succeeded")
	}
	for _, key := range []string{"a.parquet", "c.parquet"} {
		if _, err := st.Stat(context.Background(), key); err == nil {
			t.Errorf("%s was stored", key)
		}
	}
}
