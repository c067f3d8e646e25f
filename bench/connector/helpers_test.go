package main

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 5_000_000: "5,000,000", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAppendQuoted(t *testing.T) {
	for in, want := range map[string]string{"": `""`, "a,b": `"a,b"`, `say "hi"`: `"say ""hi"""`, "é\n\"": "\"é\n\"\"\""} {
		if got := string(appendQuoted(nil, in)); got != want {
			t.Errorf("appendQuoted(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestCSVValues checks the CSV forms COPY reads: NULL as nothing, dates,
// timestamps in UTC with microseconds, decimals with their scale, arrays as
// quoted JSON.
func TestCSVValues(t *testing.T) {
	mem := memory.NewGoAllocator()
	str := array.NewStringBuilder(mem)
	str.Append("x")
	str.AppendNull()
	dec := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 18, Scale: 4})
	dec.Append(decimal128.FromI64(-12345))
	ts := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	ts.Append(arrow.Timestamp(time.Date(2024, 2, 3, 4, 5, 6, 7000, time.UTC).UnixMicro()))
	date := array.NewDate32Builder(mem)
	date.Append(arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)))
	list := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	list.Append(true)
	list.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a", `b"c`}, nil)
	list.Append(true)
	strs, lists := str.NewArray(), list.NewArray()
	cases := []struct {
		col  arrow.Array
		row  int
		want string
	}{
		{strs, 0, `"x"`},
		{strs, 1, ``},
		{dec.NewArray(), 0, `-1.2345`},
		{ts.NewArray(), 0, `2024-02-03 04:05:06.000007Z`},
		{date.NewArray(), 0, `2024-02-29`},
		{lists, 0, `"[""a"",""b\""c""]"`},
		{lists, 1, `"[]"`},
	}
	for _, c := range cases {
		got, err := appendCSVValue(nil, c.col, c.row)
		if err != nil || string(got) != c.want {
			t.Errorf("%s row %d: %s (%v), want %s", c.col.DataType(), c.row, got, err, c.want)
		}
	}
}

func TestReportMode(t *testing.T) {
	out := "TABLE                   DESTINATION         MODE         VERSION  ROWS  DELETED  TIME   RESULT\n" +
		"benchshare.perf.orders  benchshare__orders  incremental  3        9500  500      446ms  ok\n"
	if got := reportMode(out); got != "incremental" {
		t.Errorf("reportMode = %q", got)
	}
	out = "benchshare.perf.orders  benchshare__orders  full  3  9500  0  1s  ok (full: no change data feed)\n"
	if got := reportMode(out); got != "full (full: no change data feed)" {
		t.Errorf("reportMode = %q", got)
	}
}

func TestHidden(t *testing.T) {
	for key, want := range map[string]bool{"t/part-0.parquet": false, "t/_delta_log/x.parquet": true, ".staging/p.parquet": true} {
		if hidden(key) != want {
			t.Errorf("hidden(%q) = %v", key, !want)
		}
	}
}
