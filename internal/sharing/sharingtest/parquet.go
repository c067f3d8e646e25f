package sharingtest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ParquetRows reads a whole Parquet file and returns its rows, each as its
// cells joined by "/" the way Arrow prints them ("2/Benjamin").
func ParquetRows(tb testing.TB, r io.Reader) []string {
	tb.Helper()
	b, err := io.ReadAll(r)
	must(tb, err)
	pf, err := file.NewParquetReader(bytes.NewReader(b))
	must(tb, err)
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	must(tb, err)
	tbl, err := fr.ReadTable(context.Background())
	must(tb, err)
	defer tbl.Release()
	var out []string
	tr := array.NewTableReader(tbl, 1024)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := range int(rec.NumRows()) {
			cells := make([]string, rec.NumCols())
			for c := range cells {
				cells[c] = rec.Column(c).ValueStr(i)
			}
			out = append(out, strings.Join(cells, "/"))
		}
	}
	return out
}
