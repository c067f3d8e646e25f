package datafile

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// allTypes is a Delta schema with a column of every supported type.
func allTypes(t testing.TB) *schema.StructType {
	t.Helper()
	s, err := schema.Parse(`{"type":"struct","fields":[
	{"name":"id","type":"long","nullable":false,"metadata":{}},
	{"name":"name","type":"string","nullable":true,"metadata":{}},
	{"name":"i","type":"integer","nullable":true,"metadata":{}},
	{"name":"s","type":"short","nullable":true,"metadata":{}},
	{"name":"b","type":"byte","nullable":true,"metadata":{}},
	{"name":"f","type":"float","nullable":true,"metadata":{}},
	{"name":"d","type":"double","nullable":true,"metadata":{}},
	{"name":"ok","type":"boolean","nullable":true,"metadata":{}},
	{"name":"bin","type":"binary","nullable":true,"metadata":{}},
	{"name":"day","type":"date","nullable":true,"metadata":{}},
	{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},
	{"name":"ntz","type":"timestamp_ntz","nullable":true,"metadata":{}},
	{"name":"amount","type":"decimal(38,6)","nullable":true,"metadata":{}},
	{"name":"small","type":"decimal(5,2)","nullable":true,"metadata":{}},
	{"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}},
	{"name":"attrs","type":{"type":"map","keyType":"string","valueType":"long","valueContainsNull":true},"nullable":true,"metadata":{}},
	{"name":"addr","type":{"type":"struct","fields":[
		{"name":"city","type":"string","nullable":true,"metadata":{}},
		{"name":"zip","type":"integer","nullable":false,"metadata":{}},
		{"name":"geo","type":{"type":"struct","fields":[
			{"name":"lat","type":"double","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}}]},
	 "nullable":true,"metadata":{}}
	]}`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// allTypesRows are three rows of allTypes as Arrow JSON, with nulls in every
// nullable column.
const allTypesRows = `[
{"id":1,"name":"bob","i":10,"s":-3,"b":7,"f":1.5,"d":-2.25,"ok":true,"bin":"AQI=","day":"2024-01-31",
 "ts":"2024-01-31T12:00:00.123456Z","ntz":"2024-01-31T12:00:00.999999","amount":"12345678901234567890.123456","small":"-1.50",
 "tags":["a",null,"b"],"attrs":[{"key":"k","value":1},{"key":"n","value":null}],
 "addr":{"city":"Oslo","zip":150,"geo":{"lat":59.9}}},
{"id":3,"name":"alice","i":null,"s":4,"b":-8,"f":null,"d":3.5,"ok":false,"bin":null,"day":"1969-12-31",
 "ts":"1969-12-31T23:59:59.9995Z","ntz":null,"amount":"-0.000001","small":"0.05",
 "tags":null,"attrs":null,"addr":null},
{"id":2,"name":null,"i":-5,"s":null,"b":null,"f":-0.5,"d":null,"ok":null,"bin":"","day":null,
 "ts":null,"ntz":"2000-01-01T00:00:00","amount":null,"small":null,
 "tags":[],"attrs":[],"addr":{"city":null,"zip":7,"geo":null}}
]`

func recordFromJSON(t testing.TB, mem memory.Allocator, s *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows), array.WithUseNumber())
	if err != nil {
		t.Fatalf("RecordFromJSON: %v", err)
	}
	return rec
}

func newStore(t testing.TB) *local.Store {
	t.Helper()
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// writeFile writes recs to key and returns the file's info.
func writeFile(t testing.TB, st *local.Store, key string, s *arrow.Schema, opts Options, recs ...arrow.RecordBatch) FileInfo {
	t.Helper()
	w, err := NewWriter(context.Background(), st, key, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			w.Abort()
			t.Fatal(err)
		}
	}
	info, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return info
}
