// Package filestest reads back the tables a files sink wrote, for the
// conformance suite (sinktest.Reader) and the tests of the file
// destinations: parquet folders with arrow-go's pqarrow, csv files with
// encoding/csv, delta tables with package delta.
package filestest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/delta"
)

// Reader reads the tables of one format from a store, as sinktest.Reader.
// CSV files hold no types, so for that format the reader learns each table's
// schema from the loads committed through a sink wrapped with Track.
type Reader struct {
	store  blob.Store
	format files.Format

	mu      sync.Mutex
	schemas map[string]*arrow.Schema // csv: by table, from Track
}

var _ sinktest.Reader = (*Reader)(nil)

// NewReader returns a reader of the tables in store.
func NewReader(store blob.Store, format files.Format) *Reader {
	return &Reader{store: store, format: format, schemas: map[string]*arrow.Schema{}}
}

// Columns returns the column names of table.
func (r *Reader) Columns(ctx context.Context, table string) ([]string, error) {
	switch r.format {
	case files.CSV:
		s, err := r.schema(table)
		if err != nil {
			return nil, err
		}
		header, _, err := r.readCSV(ctx, table, s)
		return header, err
	case files.Delta:
		snap, err := delta.NewTable(r.store, table).Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		s, err := snap.ArrowSchema()
		if err != nil {
			return nil, err
		}
		return fieldNames(s), nil
	}
	var cols []string
	err := r.eachParquet(ctx, table, func(s *arrow.Schema, _ arrow.RecordBatch) error {
		if cols == nil {
			cols = fieldNames(s)
		} else if !slices.Equal(cols, fieldNames(s)) {
			return fmt.Errorf("part files of %s have different columns: %q and %q", table, cols, fieldNames(s))
		}
		return nil
	})
	return cols, err
}

// ReadRows returns the rows of table as sinktest canonical rows.
func (r *Reader) ReadRows(ctx context.Context, table string) ([]string, error) {
	switch r.format {
	case files.CSV:
		s, err := r.schema(table)
		if err != nil {
			return nil, err
		}
		_, rows, err := r.readCSV(ctx, table, s)
		return rows, err
	case files.Delta:
		tbl := delta.NewTable(r.store, table)
		snap, err := tbl.Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		var rows []string
		for rec, err := range tbl.Scan(ctx, snap) {
			if err != nil {
				return nil, err
			}
			rows = append(rows, sinktest.CanonicalRows(rec)...)
		}
		return rows, nil
	}
	var rows []string
	err := r.eachParquet(ctx, table, func(_ *arrow.Schema, rec arrow.RecordBatch) error {
		if rec != nil {
			rows = append(rows, sinktest.CanonicalRows(rec)...)
		}
		return nil
	})
	return rows, err
}

// PartFiles returns the keys of the Parquet files of a parquet table, as a
// reader of the folder sees them (names starting with "_" or "." skipped).
func PartFiles(ctx context.Context, store blob.Store, table string) ([]string, error) {
	var keys []string
	for info, err := range store.List(ctx, table+"/", "") {
		if err != nil {
			return nil, err
		}
		skip := false
		for _, seg := range strings.Split(strings.TrimPrefix(info.Key, table+"/"), "/") {
			skip = skip || strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".")
		}
		if !skip && strings.HasSuffix(info.Key, ".parquet") {
			keys = append(keys, info.Key)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("table %s has no Parquet files: %w", table, blob.ErrNotExist)
	}
	return keys, nil
}

// eachParquet calls fn with the schema of each part file (and a nil batch),
// then with each of its batches.
func (r *Reader) eachParquet(ctx context.Context, table string, fn func(*arrow.Schema, arrow.RecordBatch) error) error {
	keys, err := PartFiles(ctx, r.store, table)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := readParquet(ctx, r.store, key, fn); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

func readParquet(ctx context.Context, store blob.Store, key string, fn func(*arrow.Schema, arrow.RecordBatch) error) error {
	obj, err := store.Open(ctx, key)
	if err != nil {
		return err
	}
	defer obj.Close()
	pf, err := file.NewParquetReader(io.NewSectionReader(obj, 0, obj.Size()))
	if err != nil {
		return err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	s, err := fr.Schema()
	if err != nil {
		return err
	}
	if err := fn(s, nil); err != nil {
		return err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(s, rr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

func (r *Reader) schema(table string) (*arrow.Schema, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.schemas[table]
	if !ok {
		return nil, fmt.Errorf("filestest: no load of %s was committed through the tracked sink, so the types of %s.csv are unknown", table, table)
	}
	return s, nil
}

// readCSV reads table.csv: its header and its rows in canonical form. An
// empty unquoted field is null, a quoted one an empty value; encoding/csv
// does not tell them apart, so the field's first byte in the file does.
func (r *Reader) readCSV(ctx context.Context, table string, s *arrow.Schema) ([]string, []string, error) {
	obj, err := r.store.Open(ctx, table+".csv")
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(obj)
	obj.Close()
	if err != nil {
		return nil, nil, err
	}
	lineStart := []int{0}
	for i, c := range data {
		if c == '\n' {
			lineStart = append(lineStart, i+1)
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = s.NumFields()
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s.csv: header: %w", table, err)
	}
	var rows []string
	vals := make([]string, s.NumFields())
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return header, rows, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s.csv: %w", table, err)
		}
		for i, v := range rec {
			line, col := cr.FieldPos(i)
			off := lineStart[line-1] + col - 1
			quoted := off < len(data) && data[off] == '"'
			if v == "" && !quoted {
				vals[i] = sinktest.Null
				continue
			}
			if vals[i], err = canonicalCSV(s.Field(i).Type, v); err != nil {
				return nil, nil, fmt.Errorf("%s.csv line %d column %s: %w", table, line, s.Field(i).Name, err)
			}
		}
		rows = append(rows, sinktest.Row(vals...))
	}
}

// canonicalCSV turns a non-null CSV field of type t into its canonical form.
func canonicalCSV(t arrow.DataType, v string) (string, error) {
	switch t.(type) {
	case *arrow.Int64Type, *arrow.Int32Type, *arrow.Int16Type, *arrow.Int8Type:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "", err
		}
		return v, nil
	case *arrow.Float64Type, *arrow.Float32Type:
		bits := 64
		if _, ok := t.(*arrow.Float32Type); ok {
			bits = 32
		}
		f, err := strconv.ParseFloat(v, bits)
		if err != nil {
			return "", err
		}
		return strconv.FormatFloat(f, 'g', -1, bits), nil
	case *arrow.StringType:
		return strconv.Quote(v), nil
	case *arrow.BinaryType:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", err
		}
		return "0x" + hex.EncodeToString(b), nil
	case *arrow.ListType, *arrow.MapType, *arrow.StructType:
		return sinktest.CanonicalJSON([]byte(v))
	}
	return v, nil // boolean, date, timestamp, decimal: already canonical
}

// SetSchema tells r the schema of a csv table.
func (r *Reader) SetSchema(table string, s *arrow.Schema) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.schemas[table] = s
}

// Track wraps s so that r learns the schema of each table whose load
// commits. The wrapped loads keep their FileCopier ability.
func (r *Reader) Track(s sink.Sink) sink.Sink { return &tracked{Sink: s, r: r} }

// tracked is a sink whose committed loads tell a Reader their schema.
type tracked struct {
	sink.Sink
	r *Reader
}

// BeginFull starts a tracked full load.
func (s *tracked) BeginFull(ctx context.Context, t sink.Table) (sink.Load, error) {
	l, err := s.Sink.BeginFull(ctx, t)
	return s.wrap(l, err, t)
}

// BeginIncremental starts a tracked incremental load.
func (s *tracked) BeginIncremental(ctx context.Context, t sink.Table) (sink.Load, error) {
	l, err := s.Sink.BeginIncremental(ctx, t)
	return s.wrap(l, err, t)
}

func (s *tracked) wrap(l sink.Load, err error, t sink.Table) (sink.Load, error) {
	if err != nil {
		return l, err
	}
	tl := &trackedLoad{Load: l, r: s.r, t: t}
	if c, ok := l.(sink.FileCopier); ok {
		return &trackedCopier{trackedLoad: tl, c: c}, nil
	}
	return tl, nil
}

// trackedLoad records its table's schema when it commits.
type trackedLoad struct {
	sink.Load
	r *Reader
	t sink.Table
}

// Commit commits the load and records its schema.
func (l *trackedLoad) Commit(ctx context.Context) error {
	if err := l.Load.Commit(ctx); err != nil {
		return err
	}
	l.r.SetSchema(l.t.Name, l.t.Schema)
	return nil
}

// trackedCopier is a trackedLoad that copies files.
type trackedCopier struct {
	*trackedLoad
	c sink.FileCopier
}

// CopyFile hands the file to the wrapped load.
func (l *trackedCopier) CopyFile(ctx context.Context, f sink.DataFile, rd io.Reader) error {
	return l.c.CopyFile(ctx, f, rd)
}
