package datafile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/blob"
)

// Defaults of Options.
const (
	DefaultRowGroupRows  = 128 * 1024
	DefaultRowGroupBytes = 64 << 20
)

// Options tunes a Writer. The zero value is the defaults.
type Options struct {
	// Compression names the codec, as the table property
	// delta.parquet.compression.codec does (case-insensitive): "zstd" (the
	// default when empty), "snappy", "gzip", "lz4_raw", or "uncompressed" /
	// "none".
	Compression string
	// CompressionLevel is the codec's level; 0 means 1 for zstd (its fastest
	// level, which on typical tables compresses about as well as its default
	// of 3 in far less time) and the codec's default for the others.
	CompressionLevel int
	// RowGroupRows caps the rows of one row group (default DefaultRowGroupRows).
	RowGroupRows int64
	// RowGroupBytes starts a new row group once the current one holds about this
	// many compressed bytes (default DefaultRowGroupBytes). A row group is kept
	// in memory until it is complete, so this bounds the writer's memory.
	RowGroupBytes int64
	// StringPrefix is how many characters string bounds in the statistics keep
	// (default DefaultStringPrefix).
	StringPrefix int
	// TempDir is the folder of the local spool file (default os.TempDir()).
	TempDir string
	// Allocator allocates the writer's buffers (default memory.DefaultAllocator).
	Allocator memory.Allocator
}

// FileInfo describes a data file a Writer wrote.
type FileInfo struct {
	// Key is the file's key in the store.
	Key string
	// Size is the file's length in bytes (the add action's size).
	Size int64
	// NumRows is the number of records, equal to Stats.NumRecords.
	NumRows int64
	// Stats is the file's statistics; Stats.JSON() is the add action's stats.
	Stats *Stats
}

// Writer streams record batches into one Parquet file. It is not safe for
// concurrent use. Call Close to store the file, or Abort to drop it.
type Writer struct {
	ctx      context.Context
	store    blob.Store
	key      string
	schema   *arrow.Schema
	opts     Options
	tmp      *os.File
	buf      *bufio.Writer
	props    []parquet.WriterProperty
	fw       *pqarrow.FileWriter // nil until the first sampleRows rows are in
	pending  []arrow.RecordBatch // rows held back to choose dictionary encodings
	pendRows int64
	cut      bool // the current row group is full: start a new one on the next write
	stats    *statsBuilder
	done     bool
	firstErr error
}

// Codec maps a codec name as the delta.parquet.compression.codec table property
// spells it (zstd, the default when empty; snappy, gzip, lz4_raw, uncompressed or
// none) to a Parquet compression codec.
func Codec(name string) (compress.Compression, error) {
	switch strings.ToLower(name) {
	case "", "zstd":
		return compress.Codecs.Zstd, nil
	case "snappy":
		return compress.Codecs.Snappy, nil
	case "gzip":
		return compress.Codecs.Gzip, nil
	case "lz4_raw":
		return compress.Codecs.Lz4Raw, nil
	case "uncompressed", "none":
		return compress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("compression codec %q is not one of zstd, snappy, gzip, lz4_raw, uncompressed", name)
}

// NewWriter starts a Parquet file that Close will store under key. The schema
// must be one DeltaSchema accepts (the types ArrowSchema produces); every batch
// written must have exactly this schema. ctx bounds the final Put.
func NewWriter(ctx context.Context, store blob.Store, key string, s *arrow.Schema, opts Options) (*Writer, error) {
	if _, err := DeltaSchema(s); err != nil {
		return nil, err
	}
	if err := blob.CheckKey(key); err != nil {
		return nil, fmt.Errorf("datafile: %w", err)
	}
	c, err := Codec(opts.Compression)
	if err != nil {
		return nil, err
	}
	level := opts.CompressionLevel
	switch {
	case level == 0 && c == compress.Codecs.Zstd:
		level = 1
	case level == 0:
		level = compress.DefaultCompressionLevel
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.RowGroupBytes <= 0 {
		opts.RowGroupBytes = DefaultRowGroupBytes
	}
	if opts.StringPrefix <= 0 {
		opts.StringPrefix = DefaultStringPrefix
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.DefaultAllocator
	}
	tmp, err := os.CreateTemp(opts.TempDir, "trestle-datafile-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("datafile: spool file: %w", err)
	}
	w := &Writer{ctx: ctx, store: store, key: key, schema: s, opts: opts, tmp: tmp,
		buf: bufio.NewWriterSize(tmp, 1<<20), stats: newStatsBuilder(s, opts.StringPrefix)}
	w.props = []parquet.WriterProperty{
		parquet.WithAllocator(opts.Allocator),
		parquet.WithCompression(c),
		parquet.WithCompressionLevel(level),
		parquet.WithDictionaryDefault(true),
		parquet.WithMaxRowGroupLength(opts.RowGroupRows),
		parquet.WithStats(true),
		parquet.WithVersion(parquet.V2_6),
		parquet.WithDataPageVersion(parquet.DataPageV1),
		parquet.WithCreatedBy("trestle"),
	}
	if _, err := pqarrow.ToParquet(s, parquet.NewWriterProperties(w.props...), pqarrow.DefaultWriterProps()); err != nil {
		w.discard()
		return nil, fmt.Errorf("datafile: %w", err)
	}
	return w, nil
}

// start creates the Parquet writer, with dictionary encoding off for the
// top-level columns the held-back rows show to be mostly distinct, and writes
// those rows.
func (w *Writer) start() error {
	props := slices.Clone(w.props)
	for i, f := range w.schema.Fields() {
		if highCardinality(w.pending, i) {
			props = append(props, parquet.WithDictionaryFor(f.Name, false))
		}
	}
	// w.buf is not an io.Closer, so closing the Parquet writer leaves the spool
	// file to us.
	fw, err := pqarrow.NewFileWriter(w.schema, w.buf, parquet.NewWriterProperties(props...),
		pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(w.opts.Allocator)))
	if err != nil {
		return fmt.Errorf("datafile: %w", err)
	}
	w.fw = fw
	pending := w.pending
	w.pending, w.pendRows = nil, 0
	defer releaseAll(pending)
	for _, rec := range pending {
		if err := w.write(rec); err != nil {
			return err
		}
	}
	return nil
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// write hands rec to the Parquet writer.
func (w *Writer) write(rec arrow.RecordBatch) error {
	if w.cut {
		// Started only when rows follow, so no row group is empty.
		if err := w.fw.NewBufferedRowGroupChecked(); err != nil {
			return fmt.Errorf("datafile: write %s: %w", w.key, err)
		}
		w.cut = false
	}
	if err := w.fw.WriteBuffered(rec); err != nil {
		return fmt.Errorf("datafile: write %s: %w", w.key, err)
	}
	// WriteBuffered cuts row groups at RowGroupRows; cut them at RowGroupBytes too.
	w.cut = w.fw.RowGroupTotalCompressedBytes() >= w.opts.RowGroupBytes
	return nil
}

// Write appends a record batch, which must have the writer's schema. The
// caller keeps its reference to rec and may release it at once (the writer
// retains the first few batches until it has enough rows to choose encodings).
// After an error the writer is unusable: call Abort.
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if w.done {
		return errors.New("datafile: write to a closed writer")
	}
	if w.firstErr != nil {
		return w.firstErr
	}
	if !rec.Schema().Equal(w.schema) {
		return fmt.Errorf("datafile: record schema %s does not match the writer's %s", rec.Schema(), w.schema)
	}
	if rec.NumRows() == 0 {
		return nil
	}
	w.stats.update(rec)
	if w.fw == nil {
		rec.Retain()
		w.pending = append(w.pending, rec)
		w.pendRows += rec.NumRows()
		if w.pendRows >= sampleRows {
			w.firstErr = w.start()
		}
		return w.firstErr
	}
	w.firstErr = w.write(rec)
	return w.firstErr
}

// Close finishes the file, stores it under its key with one Put and returns its
// size and statistics. The writer is unusable afterwards; on error nothing was
// stored (or the Put failed as a whole).
func (w *Writer) Close() (FileInfo, error) {
	if w.done {
		return FileInfo{}, errors.New("datafile: writer already closed")
	}
	defer w.discard()
	if w.firstErr != nil {
		return FileInfo{}, w.firstErr
	}
	if w.fw == nil {
		if err := w.start(); err != nil {
			return FileInfo{}, err
		}
	}
	if err := w.fw.Close(); err != nil {
		return FileInfo{}, fmt.Errorf("datafile: finish %s: %w", w.key, err)
	}
	if err := w.buf.Flush(); err != nil {
		return FileInfo{}, fmt.Errorf("datafile: spool %s: %w", w.key, err)
	}
	size, err := w.tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return FileInfo{}, fmt.Errorf("datafile: spool %s: %w", w.key, err)
	}
	if _, err := w.tmp.Seek(0, io.SeekStart); err != nil {
		return FileInfo{}, fmt.Errorf("datafile: spool %s: %w", w.key, err)
	}
	if err := w.store.Put(w.ctx, w.key, io.LimitReader(w.tmp, size)); err != nil {
		return FileInfo{}, fmt.Errorf("datafile: store %s: %w", w.key, err)
	}
	st := w.stats.stats()
	return FileInfo{Key: w.key, Size: size, NumRows: st.NumRecords, Stats: st}, nil
}

// Abort drops the file without storing anything. It is safe to call after
// Close, or more than once.
func (w *Writer) Abort() {
	if !w.done {
		w.discard()
	}
}

// discard releases the writer's buffers, removes the spool file and marks the
// writer done.
func (w *Writer) discard() {
	w.done = true
	if w.fw != nil {
		_ = w.fw.Close() // a no-op after a successful Close; else the output is thrown away
	}
	releaseAll(w.pending)
	w.pending = nil
	if w.tmp != nil {
		name := w.tmp.Name()
		_ = w.tmp.Close()
		_ = os.Remove(name)
		w.tmp = nil
	}
}
