package connector

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// batchRows is how many rows each record batch read from a data file holds
// at most: big enough to amortise per-batch work in the destination, small
// enough to bound memory (a 15-column batch is a few MB).
const batchRows = 64 << 10

// parquetFile is an open Parquet data file.
type parquetFile struct {
	pf *file.Reader
	fr *pqarrow.FileReader
}

// openParquet opens a downloaded file. Reading is serial: the tables of a
// sync and the downloads already use the cores.
func openParquet(f *fetched, mem memory.Allocator) (*parquetFile, error) {
	pf, err := file.NewParquetReader(io.NewSectionReader(f.r, 0, f.size),
		file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, fmt.Errorf("data file %s is not a readable Parquet file: %w", f.file.ID, err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, mem)
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("data file %s: %w", f.file.ID, err)
	}
	return &parquetFile{pf: pf, fr: fr}, nil
}

// schema is the file's Arrow schema.
func (p *parquetFile) schema() (*arrow.Schema, error) { return p.fr.Schema() }

func (p *parquetFile) close() { p.pf.Close() }

// batches reads the file row group by row group, in batches of at most
// batchRows rows, and calls fn with each (released after fn returns).
func (p *parquetFile) batches(ctx context.Context, fn func(arrow.RecordBatch) error) error {
	if p.pf.NumRowGroups() == 0 {
		return nil
	}
	rr, err := p.fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// sameColumns reports whether a file's Arrow schema is exactly the table's
// (names, order and types), so that the file can be copied as it is.
func sameColumns(file, table *arrow.Schema) bool {
	if file.NumFields() != table.NumFields() {
		return false
	}
	for i, f := range file.Fields() {
		t := table.Field(i)
		if f.Name != t.Name || !arrow.TypeEqual(f.Type, t.Type) {
			return false
		}
	}
	return true
}
