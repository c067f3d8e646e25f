package datafile

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Dictionary encoding is on for every column, except top-level columns whose
// first rows are mostly distinct (ids, emails, timestamps, amounts): for those
// the dictionary only costs time, grows past its page limit and falls back to
// plain encoding anyway. The writer holds the first sampleRows rows back to
// decide.
const (
	sampleRows     = 8192
	minSampleCount = 1024 // fewer non-null values: too few to judge, keep the dictionary
)

// highCardinality reports whether the sampled non-null values of column col
// are more than half distinct.
func highCardinality(recs []arrow.RecordBatch, col int) bool {
	var (
		seen     int
		strs     map[string]struct{}
		nums     map[uint64]struct{}
		decs     map[decimal128.Num]struct{}
		distinct func() int
	)
	for _, rec := range recs {
		arr := rec.Column(col)
		for i := 0; i < arr.Len() && seen < sampleRows; i++ {
			if arr.IsNull(i) {
				continue
			}
			seen++
			switch a := arr.(type) {
			case *array.String:
				if strs == nil {
					strs = map[string]struct{}{}
					distinct = func() int { return len(strs) }
				}
				strs[a.Value(i)] = struct{}{}
			case *array.Binary:
				if strs == nil {
					strs = map[string]struct{}{}
					distinct = func() int { return len(strs) }
				}
				strs[string(a.Value(i))] = struct{}{}
			case *array.Decimal128:
				if decs == nil {
					decs = map[decimal128.Num]struct{}{}
					distinct = func() int { return len(decs) }
				}
				decs[a.Value(i)] = struct{}{}
			default:
				v, ok := numberBits(arr, i)
				if !ok {
					return false
				}
				if nums == nil {
					nums = map[uint64]struct{}{}
					distinct = func() int { return len(nums) }
				}
				nums[v] = struct{}{}
			}
		}
	}
	return seen >= minSampleCount && distinct() > seen/2
}

// numberBits returns the bits of a fixed-width number, for counting distinct
// values.
func numberBits(arr arrow.Array, i int) (uint64, bool) {
	switch a := arr.(type) {
	case *array.Int8:
		return uint64(a.Value(i)), true
	case *array.Int16:
		return uint64(a.Value(i)), true
	case *array.Int32:
		return uint64(a.Value(i)), true
	case *array.Int64:
		return uint64(a.Value(i)), true
	case *array.Date32:
		return uint64(a.Value(i)), true
	case *array.Timestamp:
		return uint64(a.Value(i)), true
	case *array.Float32:
		return uint64(math.Float32bits(a.Value(i))), true
	case *array.Float64:
		return math.Float64bits(a.Value(i)), true
	}
	return 0, false
}
