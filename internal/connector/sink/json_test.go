package sink_test

import (
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

func TestJSONValue(t *testing.T) {
	intMap := arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "list", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		{Name: "smap", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "imap", Type: intMap, Nullable: true},
		{Name: "st", Type: arrow.StructOf(
			arrow.Field{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
			arrow.Field{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
			arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
			arrow.Field{Name: "ntz", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
			arrow.Field{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 3}, Nullable: true},
			arrow.Field{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		), Nullable: true},
	}, nil)
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	rec := sinktest.Batch(s,
		[]any{[]any{1.5, math.NaN(), math.Inf(-1), nil},
			[]sinktest.KV{{Key: "a", Value: int64(1)}, {Key: "a", Value: int64(2)}},
			[]sinktest.KV{{Key: int32(7), Value: "x"}},
			[]any{[]byte("hi"), ts, ts, ts, "-1.500", "<\"é\">"}},
		[]any{nil, nil, nil, nil},
	)
	defer rec.Release()
	want := [][]string{
		{`[1.5,"NaN","-Infinity",null]`, `{"a":1,"a":2}`, `[{"key":7,"value":"x"}]`,
			`{"b":"aGk=","d":"2024-01-02","ts":"2024-01-02T03:04:05.000006Z","ntz":"2024-01-02T03:04:05.000006","dec":-1.500,"s":"\u003c\"é\"\u003e"}`},
		{"null", "null", "null", "null"},
	}
	for r, row := range want {
		for c, w := range row {
			if got := string(sink.JSONValue(rec.Column(c), r)); got != w {
				t.Errorf("row %d column %s: got %s, want %s", r, s.Field(c).Name, got, w)
			}
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"b": 1.50, "a": [1e2, 12345678901234567890123]}`: `{"a":[100,12345678901234567890123],"b":1.5}`,
		` "x" `: `"x"`,
		`null`:  `null`,
	} {
		got, err := sinktest.CanonicalJSON([]byte(in))
		if err != nil || got != want {
			t.Errorf("CanonicalJSON(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
}
