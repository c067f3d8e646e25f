package connector

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/sharing/client"
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

// maxFooter bounds the Parquet footer read to check a file's columns.
const maxFooter = 16 << 20

// footerSchema reads a data file's Parquet footer alone (two ranged
// requests) and returns the file's Arrow schema and row count.
func footerSchema(ctx context.Context, r *client.Refresher, f client.File) (*arrow.Schema, int64, error) {
	if f.Size < 12 {
		return nil, 0, fmt.Errorf("data file %s has %d bytes: too small for Parquet", f.ID, f.Size)
	}
	tail, err := readRange(ctx, r, f, f.Size-8, 8)
	if err != nil {
		return nil, 0, err
	}
	if string(tail[4:]) != "PAR1" {
		return nil, 0, fmt.Errorf("data file %s does not end like a Parquet file", f.ID)
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > maxFooter || n > f.Size-12 {
		return nil, 0, fmt.Errorf("data file %s: Parquet footer of %d bytes", f.ID, n)
	}
	raw, err := readRange(ctx, r, f, f.Size-8-n, n)
	if err != nil {
		return nil, 0, err
	}
	md, err := metadata.NewFileMetaData(raw, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("data file %s: Parquet footer: %w", f.ID, err)
	}
	s, err := pqarrow.FromParquet(md.Schema, &pqarrow.ArrowReadProperties{}, md.KeyValueMetadata())
	if err != nil {
		return nil, 0, fmt.Errorf("data file %s: %w", f.ID, err)
	}
	return s, md.NumRows, nil
}

// readRange reads n bytes of f from off.
func readRange(ctx context.Context, r *client.Refresher, f client.File, off, n int64) ([]byte, error) {
	body, err := r.DownloadFrom(ctx, f, off)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	b := make([]byte, n)
	if _, err := io.ReadFull(body, b); err != nil {
		return nil, fmt.Errorf("data file %s: read bytes %d-%d: %w", f.ID, off, off+n, err)
	}
	return b, nil
}
