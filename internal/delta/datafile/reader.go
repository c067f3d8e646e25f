package datafile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/blob"
)

// DefaultBatchRows is the batch size Batches uses when asked for 0 rows.
const DefaultBatchRows = 64 * 1024

// Reader reads a Parquet file from a blob.Store with random access: only the
// footer and the column chunks asked for are read. It is not safe for
// concurrent use. Close it when done.
type Reader struct {
	obj    blob.Object
	pf     *file.Reader
	schema *arrow.Schema
	mem    memory.Allocator
}

// Open opens the Parquet file under key and reads its footer.
func Open(ctx context.Context, store blob.Store, key string) (*Reader, error) {
	return OpenWithAllocator(ctx, store, key, memory.DefaultAllocator)
}

// OpenWithAllocator is Open with the allocator the record batches are built
// with.
func OpenWithAllocator(ctx context.Context, store blob.Store, key string, mem memory.Allocator) (*Reader, error) {
	obj, err := store.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("datafile: open %s: %w", key, err)
	}
	props := parquet.NewReaderProperties(mem)
	pf, err := file.NewParquetReader(io.NewSectionReader(obj, 0, obj.Size()), file.WithReadProps(props))
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("datafile: open %s: %w", key, err)
	}
	r := &Reader{obj: obj, pf: pf, mem: mem}
	fr, err := r.arrowReader(0)
	if err == nil {
		r.schema, err = fr.Schema()
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("datafile: open %s: %w", key, err)
	}
	return r, nil
}

func (r *Reader) arrowReader(batchRows int64) (*pqarrow.FileReader, error) {
	return pqarrow.NewFileReader(r.pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, r.mem)
}

// Schema is the file's Arrow schema, derived from its Parquet schema.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// NumRows is the number of records in the file.
func (r *Reader) NumRows() int64 { return r.pf.NumRows() }

// NumRowGroups is the number of row groups in the file.
func (r *Reader) NumRowGroups() int { return r.pf.NumRowGroups() }

// ReadRowGroup reads row group i (0-based) as one record batch. The caller
// owns the batch and must Release it.
func (r *Reader) ReadRowGroup(ctx context.Context, i int) (arrow.RecordBatch, error) {
	if i < 0 || i >= r.pf.NumRowGroups() {
		return nil, fmt.Errorf("datafile: row group %d out of range [0,%d)", i, r.pf.NumRowGroups())
	}
	rows := r.pf.MetaData().RowGroup(i).NumRows()
	if rows == 0 {
		cols := make([]arrow.Array, r.schema.NumFields())
		for j, f := range r.schema.Fields() {
			cols[j] = array.MakeArrayOfNull(r.mem, f.Type, 0)
			defer cols[j].Release()
		}
		return array.NewRecordBatch(r.schema, cols, 0), nil
	}
	fr, err := r.arrowReader(rows)
	if err != nil {
		return nil, fmt.Errorf("datafile: %w", err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, []int{i})
	if err != nil {
		return nil, fmt.Errorf("datafile: row group %d: %w", i, err)
	}
	defer rr.Release()
	if !rr.Next() {
		if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("datafile: row group %d: %w", i, err)
		}
		return nil, fmt.Errorf("datafile: row group %d: no data", i)
	}
	rec := rr.RecordBatch()
	if rec.NumRows() != rows {
		return nil, fmt.Errorf("datafile: row group %d: read %d of %d rows", i, rec.NumRows(), rows)
	}
	rec.Retain()
	return rec, nil
}

// Batches yields the file's records in order, in batches of at most batchRows
// rows (DefaultBatchRows if batchRows <= 0). Each batch is released when the
// loop body returns: Retain it to keep it. After an error the sequence ends.
func (r *Reader) Batches(ctx context.Context, batchRows int) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		if batchRows <= 0 {
			batchRows = DefaultBatchRows
		}
		if r.pf.NumRowGroups() == 0 {
			return
		}
		fr, err := r.arrowReader(int64(batchRows))
		if err != nil {
			yield(nil, fmt.Errorf("datafile: %w", err))
			return
		}
		rr, err := fr.GetRecordReader(ctx, nil, nil)
		if err != nil {
			yield(nil, fmt.Errorf("datafile: %w", err))
			return
		}
		defer rr.Release()
		for rr.Next() {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if !yield(rr.RecordBatch(), nil) {
				return
			}
		}
		if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			yield(nil, fmt.Errorf("datafile: %w", err))
		}
	}
}

// Close releases the file.
func (r *Reader) Close() error {
	err := r.pf.Close()
	if cerr := r.obj.Close(); err == nil {
		err = cerr
	}
	return err
}
