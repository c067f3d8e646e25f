package datafile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// peopleSchema is a realistic table of people: 13 columns of strings, longs,
// a decimal, a date, a timestamp, a double, an integer and a boolean.
func peopleSchema(b testing.TB) *arrow.Schema {
	ds := &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "first_name", Type: schema.String, Nullable: true},
		{Name: "last_name", Type: schema.String, Nullable: true},
		{Name: "email", Type: schema.String, Nullable: true},
		{Name: "phone", Type: schema.String, Nullable: true},
		{Name: "city", Type: schema.String, Nullable: true},
		{Name: "country", Type: schema.String, Nullable: true},
		{Name: "birth_date", Type: schema.Date, Nullable: true},
		{Name: "created_at", Type: schema.Timestamp, Nullable: true},
		{Name: "balance", Type: schema.DecimalType{Precision: 18, Scale: 2}, Nullable: true},
		{Name: "score", Type: schema.Double, Nullable: true},
		{Name: "age", Type: schema.Integer, Nullable: true},
		{Name: "active", Type: schema.Boolean, Nullable: true},
	}}
	s, err := ArrowSchema(ds)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

var (
	firstNames = []string{"Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Mateo",
		"Isabella", "Lucas", "Mia", "Levi", "Charlotte", "Ezra", "Harper", "Asher", "Evelyn", "James"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
		"Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin"}
	cities    = []string{"Oslo", "Bergen", "Paris", "Lyon", "Berlin", "Hamburg", "Madrid", "Lisbon", "Rome", "Vienna", "Prague", "Dublin"}
	countries = []string{"NO", "FR", "DE", "ES", "PT", "IT", "AT", "CZ", "IE"}
)

// peopleBatches builds rows of people in batches of batchRows.
func peopleBatches(b testing.TB, s *arrow.Schema, rows, batchRows int) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	var out []arrow.RecordBatch
	for start := 0; start < rows; start += batchRows {
		n := min(batchRows, rows-start)
		bld := array.NewRecordBuilder(memory.DefaultAllocator, s)
		for i := range n {
			id := int64(start + i)
			fn, ln := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
			bld.Field(0).(*array.Int64Builder).Append(id)
			bld.Field(1).(*array.StringBuilder).Append(fn)
			bld.Field(2).(*array.StringBuilder).Append(ln)
			bld.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("%s.%s%d@example.com", fn, ln, id))
			if rng.IntN(10) == 0 {
				bld.Field(4).AppendNull()
			} else {
				bld.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("+47 %08d", rng.IntN(100000000)))
			}
			bld.Field(5).(*array.StringBuilder).Append(cities[rng.IntN(len(cities))])
			bld.Field(6).(*array.StringBuilder).Append(countries[rng.IntN(len(countries))])
			bld.Field(7).(*array.Date32Builder).Append(arrow.Date32(-10000 + rng.IntN(25000)))
			bld.Field(8).(*array.TimestampBuilder).Append(arrow.Timestamp(base + rng.Int64N(5*365*86400*1_000_000)))
			bld.Field(9).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(100_000_000) - 10_000_000))
			bld.Field(10).(*array.Float64Builder).Append(rng.Float64() * 100)
			if rng.IntN(20) == 0 {
				bld.Field(11).AppendNull()
			} else {
				bld.Field(11).(*array.Int32Builder).Append(int32(18 + rng.IntN(70)))
			}
			bld.Field(12).(*array.BooleanBuilder).Append(rng.IntN(3) != 0)
		}
		out = append(out, bld.NewRecordBatch())
		bld.Release()
	}
	return out
}

func BenchmarkWrite1MRows(b *testing.B) {
	const rows = 1_000_000
	s := peopleSchema(b)
	recs := peopleBatches(b, s, rows, 64*1024)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	st := newStore(b)
	ctx := context.Background()
	var size int64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		w, err := NewWriter(ctx, st, fmt.Sprintf("people/part-%d.parquet", i), s, Options{TempDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		for _, rec := range recs {
			if err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
		}
		info, err := w.Close()
		if err != nil {
			b.Fatal(err)
		}
		if info.NumRows != rows {
			b.Fatalf("wrote %d rows", info.NumRows)
		}
		size = info.Size
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size)/(1<<20), "file-MiB")
}
