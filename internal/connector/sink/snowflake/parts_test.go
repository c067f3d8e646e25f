package snowflake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

// readParquet reads a Parquet file back into one batch per row group.
func readParquet(t *testing.T, path string) (*arrow.Schema, []arrow.RecordBatch) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 20}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var out []arrow.RecordBatch
	for rr.Next() {
		rec := rr.RecordBatch()
		rec.Retain()
		out = append(out, rec)
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	return rr.Schema(), out
}

// collect returns a partWriter into a temporary folder and the files it
// finished.
func collect(t *testing.T, schema *arrow.Schema, limit int64) (*partWriter, *[]string) {
	var paths []string
	return &partWriter{dir: t.TempDir(), schema: schema, limit: limit,
		done: func(p string) error { paths = append(paths, p); return nil }}, &paths
}

// TestStagedFullLoad writes every type through the full load's staging path
// and reads the Parquet file back: plain columns hold the values as they
// were, nested columns their JSON text.
func TestStagedFullLoad(t *testing.T) {
	cols, err := columnsOf(sinktest.AllTypes)
	if err != nil {
		t.Fatal(err)
	}
	staged := stagedSchema(sinktest.AllTypes, cols, false)
	rec := sinktest.Batch(sinktest.AllTypes, sinktest.AllTypesRows()...)
	defer rec.Release()
	sb, err := stageBatch(staged, rec, opUpsert, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, paths := collect(t, staged, defaultPartBytes)
	if err := w.write(sb); err != nil {
		t.Fatal(err)
	}
	sb.Release()
	if err := w.finish(); err != nil {
		t.Fatal(err)
	}
	if len(*paths) != 1 {
		t.Fatalf("%d files, want 1", len(*paths))
	}
	if fi, err := os.Stat((*paths)[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("part file mode: %v, %v; want 0600", fi.Mode(), err)
	}
	schema, got := readParquet(t, (*paths)[0])
	if len(got) != 1 || got[0].NumRows() != rec.NumRows() {
		t.Fatalf("read %d batches, want one of %d rows", len(got), rec.NumRows())
	}
	defer got[0].Release()
	for i, f := range sinktest.AllTypes.Fields() {
		if schema.Field(i).Name != f.Name {
			t.Errorf("column %d is %q, want %q", i, schema.Field(i).Name, f.Name)
		}
		col := got[0].Column(i)
		for r := range int(rec.NumRows()) {
			want := sinktest.Canonical(rec.Column(i), r)
			var have string
			if cols[i].json {
				s, ok := col.(*array.String)
				if !ok {
					t.Fatalf("nested column %s staged as %s, want string", f.Name, col.DataType())
				}
				if s.IsNull(r) {
					have = sinktest.Null
				} else if have, err = sinktest.CanonicalJSON([]byte(s.Value(r))); err != nil {
					t.Fatal(err)
				}
				if !s.IsNull(r) && s.Value(r) != string(sink.JSONValue(rec.Column(i), r)) {
					t.Errorf("%s row %d: %s, want sink.JSONValue's %s", f.Name, r, s.Value(r), sink.JSONValue(rec.Column(i), r))
				}
			} else {
				have = sinktest.Canonical(col, r)
			}
			if have != want {
				t.Errorf("%s row %d: %s, want %s", f.Name, r, have, want)
			}
		}
	}
}

// TestStagedChanges stages upserts and deletes: deletes keep only the key,
// and the sequence numbers follow the order of the rows across batches.
func TestStagedChanges(t *testing.T) {
	people := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "big", Type: &arrow.Decimal256Type{Precision: 50, Scale: 2}, Nullable: true},
	}, nil)
	keys := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	cols, err := columnsOf(people)
	if err != nil {
		t.Fatal(err)
	}
	if cols[2].typ != "VARCHAR" {
		t.Fatalf("decimal(50,2) -> %s, want VARCHAR", cols[2].typ)
	}
	staged := stagedSchema(people, cols, true)
	w, paths := collect(t, staged, 1) // a file per batch
	seq := int64(0)
	for _, step := range []struct {
		rec arrow.RecordBatch
		op  string
	}{
		{sinktest.Batch(people, []any{int64(1), "Ann", nil}, []any{int64(2), "Bob", nil}), opUpsert},
		{sinktest.Batch(keys, []any{int64(1)}), opDelete},
		{sinktest.Batch(people, []any{int64(1), "Ann again", nil}), opUpsert},
	} {
		sb, err := stageBatch(staged, step.rec, step.op, seq)
		if err != nil {
			t.Fatal(err)
		}
		seq += step.rec.NumRows()
		if err := w.write(sb); err != nil {
			t.Fatal(err)
		}
		sb.Release()
		step.rec.Release()
	}
	if err := w.finish(); err != nil {
		t.Fatal(err)
	}
	if len(*paths) != 3 {
		t.Fatalf("%d files, want 3 (limit of 1 byte: a file per batch)", len(*paths))
	}
	var rows []string
	for _, p := range *paths {
		_, recs := readParquet(t, p)
		for _, r := range recs {
			rows = append(rows, sinktest.CanonicalRows(r)...)
			r.Release()
		}
	}
	want := []string{
		sinktest.Row("1", `"Ann"`, "NULL", `"upsert"`, "0"),
		sinktest.Row("2", `"Bob"`, "NULL", `"upsert"`, "1"),
		sinktest.Row("1", "NULL", "NULL", `"delete"`, "2"),
		sinktest.Row("1", `"Ann again"`, "NULL", `"upsert"`, "3"),
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q, want %q", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %s, want %s", i, rows[i], want[i])
		}
	}
}

func TestAsTextDecimal256(t *testing.T) {
	typ := &arrow.Decimal256Type{Precision: 50, Scale: 3}
	s := arrow.NewSchema([]arrow.Field{{Name: "d", Type: typ, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	db := b.Field(0).(*array.Decimal256Builder)
	if err := db.AppendValueFromString("-12345678901234567890123456789012345678901234.567"); err != nil {
		t.Fatal(err)
	}
	db.AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	txt := asText(rec.Column(0))
	defer txt.Release()
	s0 := txt.(*array.String)
	if s0.Value(0) != "-12345678901234567890123456789012345678901234.567" || !s0.IsNull(1) {
		t.Errorf("asText = %q, null %v", s0.Value(0), s0.IsNull(1))
	}
}

func TestStageBatchTypeMismatch(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	cols, _ := columnsOf(s)
	other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32}}, nil)
	rec := sinktest.Batch(other, []any{int32(1)})
	defer rec.Release()
	if _, err := stageBatch(stagedSchema(s, cols, false), rec, opUpsert, 0); err == nil {
		t.Error("a batch whose column type differs from the table's was staged")
	}
}

// TestUploader runs uploads at most n at once and keeps the first error.
func TestUploader(t *testing.T) {
	const n = 3
	u := newUploader(n)
	var mu sync.Mutex
	running, most := 0, 0
	boom := errors.New("boom")
	for i := range 20 {
		err := u.start(context.Background(), func(context.Context) error {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			if i == 7 {
				return boom
			}
			return nil
		})
		if err != nil && !errors.Is(err, boom) {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	if err := u.wait(); !errors.Is(err, boom) {
		t.Errorf("wait = %v, want the failed upload's error", err)
	}
	if most > n || most < 2 {
		t.Errorf("at most %d uploads ran at once, want 2..%d", most, n)
	}
	if err := u.start(context.Background(), func(context.Context) error { return nil }); !errors.Is(err, boom) {
		t.Errorf("start after a failure = %v, want the failure", err)
	}
}

func TestSpool(t *testing.T) {
	dir := t.TempDir()
	data := []byte("PAR1 not really parquet PAR1")
	path := filepath.Join(dir, "ok.parquet")
	if err := spool(path, sink.DataFile{Name: "a.parquet", Size: int64(len(data))}, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("spooled %q, %v; want %q", got, err, data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
	for _, size := range []int64{int64(len(data)) - 1, int64(len(data)) + 1} {
		p := filepath.Join(dir, fmt.Sprintf("bad-%d.parquet", size))
		err := spool(p, sink.DataFile{Name: "b.parquet", Size: size}, bytes.NewReader(data))
		if err == nil || !strings.Contains(err.Error(), "b.parquet") {
			t.Errorf("size %d: err = %v, want one naming the file", size, err)
		}
		if _, serr := os.Stat(p); !os.IsNotExist(serr) {
			t.Errorf("size %d: the bad spool file was left behind", size)
		}
	}
}
