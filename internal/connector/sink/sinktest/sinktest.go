// Package sinktest is the conformance suite every [sink.Sink] must pass. A
// destination's test calls [Run] with a function opening a fresh, empty
// destination and a [Reader] that reads its tables back as canonical strings
// (see [Canonical] for the format of each type).
//
// Destinations that keep whole-table snapshots answer BeginIncremental with
// an error wrapping sink.ErrNoIncremental: the suite checks that answer (any
// other error fails), skips the incremental cases and leaves out the
// incremental steps of the others. The FullCopyFile case hands Parquet files
// to full loads that implement sink.FileCopier, and is skipped for the others.
package sinktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

// Reader reads a destination's tables back, for the suite to check them.
type Reader interface {
	// ReadRows returns every row of table, each as a [Row] of [Canonical]
	// values in column order; the order of rows does not matter.
	ReadRows(ctx context.Context, table string) ([]string, error)
	// Columns returns the column names of table, in order.
	Columns(ctx context.Context, table string) ([]string, error)
}

// Open opens a new, empty destination for one test; the suite closes the Sink.
type Open func(t *testing.T) (sink.Sink, Reader)

// Run runs the conformance suite against the destination open returns.
func Run(t *testing.T, open Open) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, r := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			c.run(ctx, t, &env{s: s, r: r})
		})
	}
}

type env struct {
	s sink.Sink
	r Reader
}

// op is one step of a load: write rec, or delete the keys in rec.
type op struct {
	rec    arrow.RecordBatch
	delete bool
}

func write(rec arrow.RecordBatch) op { return op{rec: rec} }
func del(rec arrow.RecordBatch) op   { return op{rec: rec, delete: true} }

// begin starts a load of tbl, full or incremental, and applies ops. An
// incremental load of a destination that answers ErrNoIncremental skips the
// test.
func (e *env) begin(ctx context.Context, t *testing.T, full bool, tbl sink.Table, ops ...op) sink.Load {
	t.Helper()
	l, why := e.start(ctx, t, full, tbl, ops)
	if l == nil {
		t.Skipf("the destination reloads whole tables (BeginIncremental: %v)", why)
	}
	return l
}

// start starts a load and applies ops. For a destination without
// incremental loads it checks that BeginIncremental's error wraps
// ErrNoIncremental (any other error fails the test) and returns a nil Load
// and that error.
func (e *env) start(ctx context.Context, t *testing.T, full bool, tbl sink.Table, ops []op) (sink.Load, error) {
	t.Helper()
	var (
		l   sink.Load
		err error
	)
	if full {
		l, err = e.s.BeginFull(ctx, tbl)
	} else {
		l, err = e.s.BeginIncremental(ctx, tbl)
		if errors.Is(err, sink.ErrNoIncremental) {
			for _, o := range ops {
				o.rec.Release()
			}
			if l != nil {
				t.Errorf("BeginIncremental of %s returned a Load with ErrNoIncremental", tbl.Name)
			}
			return nil, err
		}
	}
	if err != nil {
		t.Fatalf("begin load of %s: %v", tbl.Name, err)
	}
	for i, o := range ops {
		if o.delete {
			err = l.Delete(ctx, o.rec)
		} else {
			err = l.Write(ctx, o.rec)
		}
		o.rec.Release()
		if err != nil {
			l.Abort(ctx)
			t.Fatalf("%s: step %d: %v", tbl.Name, i, err)
		}
	}
	return l, nil
}

// load runs a load to its commit.
func (e *env) load(ctx context.Context, t *testing.T, full bool, tbl sink.Table, ops ...op) {
	t.Helper()
	e.commit(ctx, t, tbl.Name, e.begin(ctx, t, full, tbl, ops...))
}

// incremental runs an incremental load to its commit, as load does, and
// reports whether it ran: false when the destination has no incremental
// loads, for cases that go on with full loads.
func (e *env) incremental(ctx context.Context, t *testing.T, tbl sink.Table, ops ...op) bool {
	t.Helper()
	l, why := e.start(ctx, t, false, tbl, ops)
	if l == nil {
		t.Logf("the destination reloads whole tables; incremental step skipped (%v)", why)
		return false
	}
	e.commit(ctx, t, tbl.Name, l)
	return true
}

// commit commits a load and checks that Abort afterwards does nothing.
func (e *env) commit(ctx context.Context, t *testing.T, table string, l sink.Load) {
	t.Helper()
	if err := l.Commit(ctx); err != nil {
		l.Abort(ctx)
		t.Fatalf("commit %s: %v", table, err)
	}
	if err := l.Abort(ctx); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
}

// check compares a table's columns and rows with the expected ones.
func (e *env) check(ctx context.Context, t *testing.T, table string, cols []string, rows []string) {
	t.Helper()
	gotCols, err := e.r.Columns(ctx, table)
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	if !slices.Equal(gotCols, cols) {
		t.Errorf("columns of %s = %q, want %q", table, gotCols, cols)
	}
	got, err := e.r.ReadRows(ctx, table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	want := slices.Clone(rows)
	slices.Sort(got)
	slices.Sort(want)
	if slices.Equal(got, want) {
		return
	}
	if len(got) != len(want) {
		t.Errorf("%s has %d rows, want %d", table, len(got), len(want))
	}
	shown := 0
	for i := 0; i < max(len(got), len(want)) && shown < 10; i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s row %d:\n got  %s\n want %s", table, i, g, w)
			shown++
		}
	}
}

// names returns the column names of a schema.
func names(s *arrow.Schema) []string {
	out := make([]string, len(s.Fields()))
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

// rowsOf returns the canonical rows of batches, which it does not release.
func rowsOf(recs ...arrow.RecordBatch) []string {
	var out []string
	for _, r := range recs {
		out = append(out, CanonicalRows(r)...)
	}
	return out
}

func mustf(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}
