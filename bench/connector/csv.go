package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// csvPath is where the CSV export of the table is kept.
func csvPath(work string) string { return filepath.Join(work, "table.csv") }

// exportCSV writes the table's latest snapshot to path as CSV in the form
// PostgreSQL's COPY ... (FORMAT csv) reads into the table the connector
// creates: no header, NULL as an unquoted empty field, every string quoted,
// arrays as JSON (jsonb). It streams the table batch by batch and returns the
// rows and bytes written.
func exportCSV(ctx context.Context, s *source, path string) (rows, size int64, err error) {
	snap, err := s.table.Snapshot(ctx)
	if err != nil {
		return 0, 0, err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for rec, err := range s.table.Scan(ctx, snap) {
		if err != nil {
			return 0, 0, err
		}
		for i := range int(rec.NumRows()) {
			line = line[:0]
			for c, col := range rec.Columns() {
				if c > 0 {
					line = append(line, ',')
				}
				if line, err = appendCSVValue(line, col, i); err != nil {
					return 0, 0, fmt.Errorf("column %s: %w", rec.ColumnName(c), err)
				}
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return 0, 0, err
			}
		}
		rows += rec.NumRows()
	}
	if err := w.Flush(); err != nil {
		return 0, 0, err
	}
	if err := f.Close(); err != nil {
		return 0, 0, err
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return 0, 0, err
	}
	return rows, fi.Size(), os.Rename(tmp, path)
}

// appendCSVValue appends row i of col as a CSV field.
func appendCSVValue(b []byte, col arrow.Array, i int) ([]byte, error) {
	if col.IsNull(i) {
		return b, nil
	}
	switch a := col.(type) {
	case *array.Int64:
		return strconv.AppendInt(b, a.Value(i), 10), nil
	case *array.Int32:
		return strconv.AppendInt(b, int64(a.Value(i)), 10), nil
	case *array.Int16:
		return strconv.AppendInt(b, int64(a.Value(i)), 10), nil
	case *array.Float64:
		return strconv.AppendFloat(b, a.Value(i), 'g', -1, 64), nil
	case *array.Boolean:
		if a.Value(i) {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case *array.String:
		return appendQuoted(b, a.Value(i)), nil
	case *array.Decimal128:
		return append(b, a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)...), nil
	case *array.Date32:
		return a.Value(i).ToTime().AppendFormat(b, time.DateOnly), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().AppendFormat(b, "2006-01-02 15:04:05.999999Z07:00"), nil
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals, ok := a.ListValues().(*array.String)
		if !ok {
			return nil, fmt.Errorf("list of %s is not supported", a.ListValues().DataType())
		}
		elems := make([]string, 0, end-start)
		for j := start; j < end; j++ {
			elems = append(elems, vals.Value(int(j)))
		}
		js, err := json.Marshal(elems)
		if err != nil {
			return nil, err
		}
		return appendQuoted(b, string(js)), nil
	}
	return nil, fmt.Errorf("type %s is not supported", col.DataType())
}

// appendQuoted appends s as a quoted CSV field, doubling its quotes (a
// byte-wise scan is right for UTF-8: '"' never occurs inside a multi-byte
// character).
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}
