package snowflake

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// defaultPartBytes is the size at which a Parquet part file is closed and
// uploaded: large enough that COPY loads few files, small enough that the
// files waiting for upload take little disk.
const defaultPartBytes = 96 << 20

// stagedSchema is the Arrow schema of the staged Parquet files for columns
// cols of schema s: as s, but with JSON text for the columns staged as JSON
// (nested values) and text for decimals wider than Snowflake's NUMBER; with
// the operation and sequence columns appended when changes is set.
func stagedSchema(s *arrow.Schema, cols []column, changes bool) *arrow.Schema {
	fields := make([]arrow.Field, 0, s.NumFields()+2)
	for i, f := range s.Fields() {
		if cols[i].staged == "VARCHAR" && !isString(f.Type) {
			f = arrow.Field{Name: f.Name, Type: arrow.BinaryTypes.String, Nullable: true}
		}
		f.Nullable = true // deletes leave the non-key columns null
		fields = append(fields, f)
	}
	if changes {
		fields = append(fields,
			arrow.Field{Name: opColumn, Type: arrow.BinaryTypes.String},
			arrow.Field{Name: seqColumn, Type: arrow.PrimitiveTypes.Int64})
	}
	return arrow.NewSchema(fields, nil)
}

func isString(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING
}

// stageBatch returns rec's rows in the staged schema: columns of rec found
// by name (columns rec lacks are null, as in a delete's key batch), JSON or
// decimal text where the staged type is text, and, for changes, the
// operation and sequence numbers seq, seq+1, ... The caller releases the
// result.
func stageBatch(staged *arrow.Schema, rec arrow.RecordBatch, op string, seq int64) (arrow.RecordBatch, error) {
	n := int(rec.NumRows())
	cols := make([]arrow.Array, staged.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, f := range staged.Fields() {
		switch f.Name {
		case opColumn:
			b := array.NewStringBuilder(memory.DefaultAllocator)
			for range n {
				b.Append(op)
			}
			cols[i] = b.NewArray()
			b.Release()
			continue
		case seqColumn:
			b := array.NewInt64Builder(memory.DefaultAllocator)
			for r := range n {
				b.Append(seq + int64(r))
			}
			cols[i] = b.NewArray()
			b.Release()
			continue
		}
		idx := rec.Schema().FieldIndices(f.Name)
		if len(idx) == 0 {
			cols[i] = array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, n)
			continue
		}
		src := rec.Column(idx[0])
		switch {
		case arrow.TypeEqual(src.DataType(), f.Type):
			src.Retain()
			cols[i] = src
		case isString(f.Type):
			cols[i] = asText(src)
		default:
			return nil, fmt.Errorf("column %q: batch type %s differs from the table's %s", f.Name, src.DataType(), f.Type)
		}
	}
	return array.NewRecordBatch(staged, cols, int64(n)), nil
}

// asText renders a column as text: JSON for nested values (sink.JSONValue),
// digits for decimals.
func asText(a arrow.Array) arrow.Array {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	for i := range a.Len() {
		switch {
		case a.IsNull(i):
			b.AppendNull()
		case a.DataType().ID() == arrow.DECIMAL256:
			d := a.(*array.Decimal256)
			b.Append(d.Value(i).ToString(d.DataType().(*arrow.Decimal256Type).Scale))
		default:
			b.Append(string(sink.JSONValue(a, i)))
		}
	}
	return b.NewArray()
}

// partWriter writes staged batches into Parquet part files (snappy) in dir,
// closing a file once it reaches limit bytes and handing its path to done.
type partWriter struct {
	dir    string
	schema *arrow.Schema
	limit  int64
	done   func(path string) error
	seq    int

	f  *os.File
	bw *bufio.Writer
	cw *countWriter
	fw *pqarrow.FileWriter
}

// write appends rec to the current part file.
func (w *partWriter) write(rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if w.fw == nil {
		if err := w.open(); err != nil {
			return err
		}
	}
	if err := w.fw.Write(rec); err != nil {
		return fmt.Errorf("write %s: %w", w.f.Name(), err)
	}
	if w.cw.n >= w.limit {
		return w.finish()
	}
	return nil
}

func (w *partWriter) open() error {
	path := filepath.Join(w.dir, fmt.Sprintf("part-%05d.parquet", w.seq))
	w.seq++
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w.f = f
	w.bw = bufio.NewWriterSize(f, 1<<20)
	w.cw = &countWriter{w: w.bw}
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(true),
		parquet.WithMaxRowGroupLength(1<<20),
		parquet.WithStats(false),
		parquet.WithCreatedBy("trestle"))
	fw, err := pqarrow.NewFileWriter(w.schema, w.cw, props, pqarrow.DefaultWriterProps())
	if err != nil {
		w.discard()
		return fmt.Errorf("parquet writer: %w", err)
	}
	w.fw = fw
	return nil
}

// finish closes the current part file, if any, and hands it to done.
func (w *partWriter) finish() error {
	if w.fw == nil {
		return nil
	}
	err := w.fw.Close()
	w.fw = nil
	if err == nil {
		err = w.bw.Flush()
	}
	if err == nil {
		err = w.f.Close()
	}
	path := w.f.Name()
	if err != nil {
		w.discard()
		return fmt.Errorf("write %s: %w", path, err)
	}
	w.f = nil
	return w.done(path)
}

// discard drops the part file being written.
func (w *partWriter) discard() {
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
		w.f, w.fw = nil, nil
	}
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

// Write writes p, counting.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
