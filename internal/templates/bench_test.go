package templates

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// peopleFile generates a people.csv of n valid rows with every standard column and
// one custom field.
func peopleFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(People.spec.ColumnNames(), ",") + ",custom.shirt_size\n")
	groups := []string{"KS", "MO", "KS|MO", "NE"}
	for i := range n {
		fmt.Fprintf(&b, "E%06d,First%d,Last%d,active,%s,FORE,Y,N,person%d@example.com,+1312%07d,Y,Y,%d.%02d,2019-04-%02d,1985-09-30,,Local 123,%d Elm St,,Overland Park,KS,66204,US,Contact %d,spouse,+1913%07d,,OSHA10:2027-03-01|FORKLIFT,L\n",
			i, i, i, groups[i%len(groups)], i, i, 20+i%30, i%100, 1+i%28, i, i, i)
	}
	return b.Bytes()
}

// BenchmarkParsePeople parses a 100,000-row people.csv, validating every row.
func BenchmarkParsePeople(b *testing.B) {
	const n = 100_000
	data := peopleFile(n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd := People.Parse("people.csv", bytes.NewReader(data))
		rows := 0
		for range rd.Rows() {
			rows++
		}
		if err := rd.Err(); err != nil || rows != n {
			b.Fatalf("%d rows, %v", rows, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestLargeFileIsValid makes sure the benchmark's file is what it claims.
func TestLargeFileIsValid(t *testing.T) {
	rows, err := People.ReadAll("people.csv", bytes.NewReader(peopleFile(2000)))
	if err != nil || len(rows) != 2000 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}
