package sinktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// ParquetFile encodes rec as a plain Parquet file (snappy), as a Delta
// Sharing server's data file would be.
func ParquetFile(t testing.TB, rec arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(rec.Schema(), &buf,
		parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testCopyFile hands Parquet files to a full load that takes files as they
// are (sink.FileCopier), several at once as the engine does, besides a
// written batch; then replaces the table with a load of one copied file.
// Destinations without the ability skip it.
func testCopyFile(ctx context.Context, t *testing.T, e *env) {
	tbl := sink.Table{Name: "copied", Schema: AllTypes, Key: []string{"id"}}
	l := e.begin(ctx, t, true, tbl)
	if _, ok := l.(sink.FileCopier); !ok {
		mustf(t, l.Abort(ctx), "Abort")
		t.Skip("the destination's full loads take rows only (no sink.FileCopier)")
	}
	rows := AllTypesRows()
	other := AllTypesRows()[1]
	other[0] = int64(10)
	files := []arrow.RecordBatch{Batch(AllTypes, rows[0], rows[1]), Batch(AllTypes, rows[2]), Batch(AllTypes, other)}
	defer func() {
		for _, f := range files {
			f.Release()
		}
	}()
	row := AllTypesRows()[0]
	row[0] = int64(20)
	written := Batch(AllTypes, row)
	defer written.Release()
	want := rowsOf(append(files[:len(files):len(files)], written)...)

	copyFiles(ctx, t, l, files)
	mustf(t, l.Write(ctx, written), "Write")
	e.commit(ctx, t, tbl.Name, l)
	e.check(ctx, t, tbl.Name, names(AllTypes), want)

	// A second load of one copied file replaces every file of the first.
	l = e.begin(ctx, t, true, tbl)
	copyFiles(ctx, t, l, files[1:2])
	e.commit(ctx, t, tbl.Name, l)
	e.check(ctx, t, tbl.Name, names(AllTypes), rowsOf(files[1]))
}

// copyFiles hands each batch, as a Parquet file, to l's CopyFile, all at
// once; a file the load declines (ErrCopyUnsupported) goes through Write
// afterwards, as the engine does.
func copyFiles(ctx context.Context, t *testing.T, l sink.Load, files []arrow.RecordBatch) {
	t.Helper()
	copier := l.(sink.FileCopier)
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, rec := range files {
		data := ParquetFile(t, rec)
		f := sink.DataFile{Name: fmt.Sprintf("part-%05d.parquet", i), Size: int64(len(data)), Rows: rec.NumRows()}
		if i%2 == 1 {
			f.Stats = fmt.Sprintf(`{"numRecords":%d}`, rec.NumRows())
		}
		wg.Go(func() { errs[i] = copier.CopyFile(ctx, f, bytes.NewReader(data)) })
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case errors.Is(err, sink.ErrCopyUnsupported):
			mustf(t, l.Write(ctx, files[i]), "Write of declined file %d", i)
		case err != nil:
			l.Abort(ctx)
			t.Fatalf("CopyFile %d: %v", i, err)
		}
	}
}
