package delta

import (
	"context"
	"testing"
)

// BenchmarkAppend1M appends 1,000,000 rows (one data file) per iteration.
func BenchmarkAppend1M(b *testing.B) {
	ctx := context.Background()
	s := rowArrowSchema(b)
	rows := genRows(0, 1_000_000)
	tbl := newRowTable(b, nil)
	b.ResetTimer()
	for range b.N {
		if _, err := tbl.Append(ctx, batchesOf(s, rows, 64*1024), WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkMerge1PercentInto1M merges 10,000 changed rows (spread over the
// whole key range) into a 1,000,000-row table of ten 100,000-row files.
func BenchmarkMerge1PercentInto1M(b *testing.B) {
	ctx := context.Background()
	s := rowArrowSchema(b)
	var up []row
	for i := int64(0); i < 10_000; i++ {
		up = append(up, row{ID: i * 100, Name: "changed", Score: -i})
	}
	rows := genRows(0, 1_000_000)
	for range b.N {
		b.StopTimer()
		tbl := newRowTable(b, nil)
		if _, err := tbl.Append(ctx, batchesOf(s, rows, 64*1024), WriteOptions{RowsPerFile: 100_000}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := tbl.Merge(ctx, []string{"id"}, batchesOf(s, up, 4096), nil, WriteOptions{RowsPerFile: 100_000})
		if err != nil {
			b.Fatal(err)
		}
		if res.Updated != 10_000 {
			b.Fatalf("%+v", res)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/merge")
}
