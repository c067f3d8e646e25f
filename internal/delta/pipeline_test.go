package delta

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// counting yields n batches of one row from a checked allocator and counts
// how many it produced.
func counting(t *testing.T, mem memory.Allocator, n int, failAt int, produced *int) func(yield func(arrow.RecordBatch, error) bool) {
	s := rowArrowSchema(t)
	return func(yield func(arrow.RecordBatch, error) bool) {
		for i := range n {
			if i == failAt {
				yield(nil, errors.New("source broke"))
				return
			}
			rec := makeBatchWith(mem, s, []row{{int64(i), "x", 1}})
			*produced++
			ok := yield(rec, nil)
			rec.Release()
			if !ok {
				return
			}
		}
	}
}

func TestPipelined(t *testing.T) {
	for _, tc := range []struct {
		name           string
		n, failAt, use int
		wantErr        bool
	}{
		{"all", 50, -1, -1, false},
		{"consumer stops early", 1000, -1, 3, false},
		{"producer fails", 50, 10, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			produced, consumed := 0, 0
			var gotErr error
			for rec, err := range pipelined(counting(t, mem, tc.n, tc.failAt, &produced)) {
				if err != nil {
					gotErr = err
					break
				}
				if rec.NumRows() != 1 {
					t.Fatalf("batch with %d rows", rec.NumRows())
				}
				consumed++
				if consumed == tc.use {
					break
				}
			}
			if (gotErr != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", gotErr, tc.wantErr)
			}
			if tc.use > 0 && produced > tc.use+pipelineDepth+2 {
				t.Errorf("consumer stopped after %d batches but the producer made %d", tc.use, produced)
			}
			if tc.use < 0 && !tc.wantErr && consumed != tc.n {
				t.Errorf("consumed %d of %d batches", consumed, tc.n)
			}
			mem.AssertSize(t, 0) // every batch released
		})
	}
}
