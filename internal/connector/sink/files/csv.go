package files

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// errAborted stops a load's background write when the load is aborted.
var errAborted = errors.New("the load was aborted")

// csvLoad is a full load of the csv format: rows are encoded into a pipe
// whose other end blob.Store.Put reads on its own goroutine.
type csvLoad struct {
	s      *Sink
	t      sink.Table
	key    string
	ctx    context.Context // BeginFull's, which the Put runs with
	pw     *io.PipeWriter
	w      *bufio.Writer
	cancel context.CancelFunc
	result chan error // the Put's outcome, sent once
	done   bool
	failed error
	line   []byte
}

func (s *Sink) beginCSV(ctx context.Context, t sink.Table) (sink.Load, error) {
	for _, f := range t.Schema.Fields() {
		if _, err := csvEncoder(f.Type); err != nil {
			return nil, fmt.Errorf("files sink: table %s: column %q: %w", t.Name, f.Name, err)
		}
	}
	pctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	l := &csvLoad{s: s, t: t, key: t.Name + ".csv", ctx: pctx, pw: pw, w: bufio.NewWriterSize(pw, 256<<10),
		cancel: cancel, result: make(chan error, 1)}
	go func() {
		err := s.store.Put(pctx, l.key, pr)
		// Put may stop reading early (on an error): make the writer's next
		// Write fail rather than block.
		pr.CloseWithError(cmpErr(err, errors.New("the store stopped reading")))
		l.result <- err
	}()
	header := make([]string, t.Schema.NumFields())
	for i, f := range t.Schema.Fields() {
		header[i] = f.Name
	}
	l.line = appendCSVLine(l.line[:0], header, nil)
	if _, err := l.w.Write(l.line); err != nil {
		l.Abort(ctx)
		return nil, fmt.Errorf("files sink: table %s: write the header: %w", t.Name, err)
	}
	return l, nil
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// Write appends rec's rows to the file.
func (l *csvLoad) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if l.done {
		return errDone(l.t.Name, "Write")
	}
	if l.failed != nil {
		return l.failed
	}
	if err := cmpErr(ctx.Err(), l.ctx.Err()); err != nil {
		return err
	}
	if !rec.Schema().Equal(l.t.Schema) {
		return fmt.Errorf("files sink: table %s: batch schema %s is not the table's %s", l.t.Name, rec.Schema(), l.t.Schema)
	}
	enc := make([]func(int) string, rec.NumCols())
	for c := range enc {
		f, err := csvEncoder(rec.Column(c).DataType())
		if err != nil {
			return fmt.Errorf("files sink: table %s: column %q: %w", l.t.Name, rec.ColumnName(c), err)
		}
		col := rec.Column(c)
		enc[c] = func(i int) string { return f(col, i) }
	}
	fields := make([]string, len(enc))
	nulls := make([]bool, len(enc))
	for r := range int(rec.NumRows()) {
		for c, f := range enc {
			nulls[c] = rec.Column(c).IsNull(r)
			if !nulls[c] {
				fields[c] = f(r)
			}
		}
		l.line = appendCSVLine(l.line[:0], fields, nulls)
		if _, err := l.w.Write(l.line); err != nil {
			l.failed = fmt.Errorf("files sink: table %s: write %s: %w", l.t.Name, l.key, err)
			return l.failed
		}
	}
	return nil
}

// Delete is for incremental loads, which this format has not.
func (l *csvLoad) Delete(context.Context, arrow.RecordBatch) error {
	return fmt.Errorf("files sink: table %s: Delete needs an incremental load, which csv tables have not", l.t.Name)
}

// Commit ends the file; the Put then makes it visible.
func (l *csvLoad) Commit(ctx context.Context) error {
	if l.done {
		return errDone(l.t.Name, "Commit")
	}
	if l.failed != nil {
		return fmt.Errorf("files sink: table %s: not committed after an earlier error: %w", l.t.Name, l.failed)
	}
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("files sink: table %s: write %s: %w", l.t.Name, l.key, err)
	}
	l.pw.Close()
	l.done = true
	// If ctx ends first, cancel the Put and report how it ended: it may have
	// completed all the same.
	stop := context.AfterFunc(ctx, l.cancel)
	defer stop()
	err := <-l.result
	l.cancel()
	if err != nil {
		return fmt.Errorf("files sink: table %s: store %s: %w", l.t.Name, l.key, err)
	}
	return nil
}

// Abort stops the Put, which then stores nothing. After Commit it does
// nothing.
func (l *csvLoad) Abort(context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	l.pw.CloseWithError(errAborted)
	l.cancel()
	<-l.result
	return nil
}

// appendCSVLine appends one CSV line of fields (nulls[i]: field i is null)
// to b.
func appendCSVLine(b []byte, fields []string, nulls []bool) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case nulls != nil && nulls[i]:
		case f == "" || strings.ContainsAny(f, ",\"\r\n") || f[0] == ' ' || f[0] == '\t':
			b = append(b, '"')
			b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
			b = append(b, '"')
		default:
			b = append(b, f...)
		}
	}
	return append(b, '\n')
}

// csvEncoder returns the function rendering a non-null value of type t as a
// CSV field (see the package documentation).
func csvEncoder(t arrow.DataType) (func(arrow.Array, int) string, error) {
	switch t.(type) {
	case *arrow.Int64Type:
		return func(a arrow.Array, i int) string { return strconv.FormatInt(a.(*array.Int64).Value(i), 10) }, nil
	case *arrow.Int32Type:
		return func(a arrow.Array, i int) string { return strconv.FormatInt(int64(a.(*array.Int32).Value(i)), 10) }, nil
	case *arrow.Int16Type:
		return func(a arrow.Array, i int) string { return strconv.FormatInt(int64(a.(*array.Int16).Value(i)), 10) }, nil
	case *arrow.Int8Type:
		return func(a arrow.Array, i int) string { return strconv.FormatInt(int64(a.(*array.Int8).Value(i)), 10) }, nil
	case *arrow.Float64Type:
		return func(a arrow.Array, i int) string { return formatFloat(a.(*array.Float64).Value(i), 64) }, nil
	case *arrow.Float32Type:
		return func(a arrow.Array, i int) string { return formatFloat(float64(a.(*array.Float32).Value(i)), 32) }, nil
	case *arrow.BooleanType:
		return func(a arrow.Array, i int) string { return strconv.FormatBool(a.(*array.Boolean).Value(i)) }, nil
	case *arrow.StringType:
		return func(a arrow.Array, i int) string { return a.(*array.String).Value(i) }, nil
	case *arrow.BinaryType:
		return func(a arrow.Array, i int) string {
			return base64.StdEncoding.EncodeToString(a.(*array.Binary).Value(i))
		}, nil
	case *arrow.Date32Type:
		return func(a arrow.Array, i int) string { return a.(*array.Date32).Value(i).ToTime().Format(time.DateOnly) }, nil
	case *arrow.TimestampType:
		return func(a arrow.Array, i int) string { return sink.FormatTimestamp(a.(*array.Timestamp), i) }, nil
	case *arrow.Decimal128Type:
		return func(a arrow.Array, i int) string {
			d := a.(*array.Decimal128)
			return d.Value(i).ToString(d.DataType().(*arrow.Decimal128Type).Scale)
		}, nil
	case *arrow.ListType, *arrow.MapType, *arrow.StructType:
		return func(a arrow.Array, i int) string { return string(sink.JSONValue(a, i)) }, nil
	}
	return nil, fmt.Errorf("Arrow type %s is not supported", t)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}
