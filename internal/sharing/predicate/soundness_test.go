package predicate

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/trestle-dev/trestle/internal/delta"
)

// A row of the random files: nil is null.
type row map[string]any

var (
	intDomain    = []int64{-2, -1, 0, 1, 2, 3}
	strDomain    = []string{"", "a", "ab", "b", "ba"}
	dblDomain    = []float64{-1.5, 0, 2.5, math.NaN()}
	litInts      = []int64{-3, -1, 0, 2, 3, 4}
	litStrs      = []string{"", "a", "aa", "b", "c"}
	litDbls      = []float64{-2, 0, 2.5, 3, math.NaN()}
	partIntVals  = []string{"1", "2", "3", ""}
	litPartInts  = []int64{0, 1, 2, 3, 4}
	soundColumns = []string{"i", "s", "db", "b", "p_int"}
)

// randomFile makes rows and the file pruning sees: the partition value and
// statistics computed from the rows the way Parquet-derived writers do (NaN
// left out of the bounds), sometimes widened, partial or missing.
func randomFile(r *rand.Rand) ([]row, File) {
	p := partIntVals[r.IntN(len(partIntVals))]
	n := 1 + r.IntN(5)
	rows := make([]row, n)
	for k := range rows {
		rw := row{}
		if r.IntN(4) > 0 {
			rw["i"] = intDomain[r.IntN(len(intDomain))]
		}
		if r.IntN(4) > 0 {
			rw["s"] = strDomain[r.IntN(len(strDomain))]
		}
		if r.IntN(4) > 0 {
			rw["db"] = dblDomain[r.IntN(len(dblDomain))]
		}
		if r.IntN(4) > 0 {
			rw["b"] = r.IntN(2) == 1
		}
		if p != "" {
			v, _ := strconv.ParseInt(p, 10, 64)
			rw["p_int"] = v
		}
		rows[k] = rw
	}
	f := File{PartitionValues: map[string]string{"p_int": p}}
	if r.IntN(6) == 0 {
		return rows, f // no statistics
	}
	wide := r.IntN(4) == 0
	st := &delta.Stats{NumRecords: int64(n), MinValues: map[string]any{}, MaxValues: map[string]any{}, NullCount: map[string]any{}}
	if wide {
		st.TightBounds = new(bool)
	}
	for _, c := range []string{"i", "s", "db", "b"} {
		var lo, hi any
		nulls := 0
		for _, rw := range rows {
			v := rw[c]
			if v == nil {
				nulls++
				continue
			}
			if f, ok := v.(float64); ok && math.IsNaN(f) {
				continue
			}
			if lo == nil || less(v, lo) {
				lo = v
			}
			if hi == nil || less(hi, v) {
				hi = v
			}
		}
		if r.IntN(5) > 0 {
			st.NullCount[c] = json.Number(strconv.Itoa(nulls))
		}
		if lo == nil || r.IntN(6) == 0 {
			continue
		}
		if wide {
			switch v := lo.(type) {
			case int64:
				lo, hi = v-1, hi.(int64)+1
			case float64:
				lo, hi = v-1, hi.(float64)+1
			}
		}
		st.MinValues[c], st.MaxValues[c] = jsonValue(lo), jsonValue(hi)
	}
	f.Stats = st
	return rows, f
}

func jsonValue(v any) any {
	switch v := v.(type) {
	case int64:
		return json.Number(strconv.FormatInt(v, 10))
	case float64:
		return json.Number(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return v
}

// less orders non-null values as Spark does: false < true, NaN above numbers.
func less(a, b any) bool { return order(a, b) < 0 }

func order(a, b any) int {
	switch a := a.(type) {
	case int64:
		b := b.(int64)
		return cmpInts(a, b)
	case string:
		b := b.(string)
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	case bool:
		return cmpInts(b2i(a), b2i(b.(bool)))
	case float64:
		b := b.(float64)
		an, bn := math.IsNaN(a), math.IsNaN(b)
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	panic("unordered")
}

func cmpInts(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// tri is SQL's truth value: 1 true, 0 false, -1 null.
type tri int

// randomPred returns a predicate's JSON and its row evaluator.
func randomPred(r *rand.Rand, depth int) (string, func(row) tri) {
	if depth > 0 && r.IntN(3) > 0 {
		switch r.IntN(3) {
		case 0:
			js, f := randomPred(r, depth-1)
			return op("not", js), func(rw row) tri {
				if v := f(rw); v >= 0 {
					return 1 - v
				}
				return -1
			}
		default:
			name := []string{"and", "or"}[r.IntN(2)]
			a, fa := randomPred(r, depth-1)
			b, fb := randomPred(r, depth-1)
			return op(name, a, b), func(rw row) tri {
				x, y := fa(rw), fb(rw)
				if name == "and" {
					return kleene(x == 0 || y == 0, x == 1 && y == 1)
				}
				return kleene(x == 0 && y == 0, x == 1 || y == 1)
			}
		}
	}
	c := soundColumns[r.IntN(len(soundColumns))]
	vt, text, v := randomLiteral(r, c)
	switch r.IntN(6) {
	case 0:
		return op("isNull", col(c, vt)), func(rw row) tri {
			if rw[c] == nil {
				return 1
			}
			return 0
		}
	case 1:
		if c == "b" {
			return col(c, vt), func(rw row) tri { return compareRow(rw[c], true, "equal") }
		}
	}
	o := []string{"equal", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"}[r.IntN(5)]
	if r.IntN(2) == 0 {
		flipped := map[string]string{"equal": "equal", "lessThan": "greaterThan", "lessThanOrEqual": "greaterThanOrEqual",
			"greaterThan": "lessThan", "greaterThanOrEqual": "lessThanOrEqual"}[o]
		return op(flipped, lit(text, vt), col(c, vt)), func(rw row) tri { return compareRow(rw[c], v, o) }
	}
	return op(o, col(c, vt), lit(text, vt)), func(rw row) tri { return compareRow(rw[c], v, o) }
}

// kleene is false when f, else true when t, else null.
func kleene(f, t bool) tri {
	switch {
	case f:
		return 0
	case t:
		return 1
	}
	return -1
}

func randomLiteral(r *rand.Rand, c string) (vt, text string, v any) {
	switch c {
	case "i":
		x := litInts[r.IntN(len(litInts))]
		return "int", strconv.FormatInt(x, 10), x
	case "p_int":
		x := litPartInts[r.IntN(len(litPartInts))]
		return "int", strconv.FormatInt(x, 10), x
	case "s":
		x := litStrs[r.IntN(len(litStrs))]
		return "string", x, x
	case "db":
		x := litDbls[r.IntN(len(litDbls))]
		return "double", strconv.FormatFloat(x, 'g', -1, 64), x
	}
	x := r.IntN(2) == 1
	return "bool", strconv.FormatBool(x), x
}

func compareRow(a, b any, o string) tri {
	if a == nil {
		return -1
	}
	c := order(a, b)
	var ok bool
	switch o {
	case "equal":
		ok = c == 0
	case "lessThan":
		ok = c < 0
	case "lessThanOrEqual":
		ok = c <= 0
	case "greaterThan":
		ok = c > 0
	case "greaterThanOrEqual":
		ok = c >= 0
	}
	if ok {
		return 1
	}
	return 0
}

// TestSoundness checks on random files and predicates that MayMatch keeps
// every file with a row the predicate holds for, and still prunes others.
func TestSoundness(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pruned, matching := 0, 0
	const trials = 20000
	for n := range trials {
		rows, f := randomFile(r)
		js, eval := randomPred(r, 3)
		e, err := Parse(js)
		if err != nil {
			t.Fatalf("Parse(%s): %v", js, err)
		}
		match := false
		for _, rw := range rows {
			if eval(rw) == 1 {
				match = true
				break
			}
		}
		may := e.MayMatch(testSchema, testPartitions, f)
		if match {
			matching++
			if !may {
				t.Fatalf("trial %d: pruned a matching file\npredicate %s\nfile %s\nrows %v", n, js, describe(f), rows)
			}
		} else if !may {
			pruned++
		}
	}
	t.Logf("%d trials: %d files matched, %d of the others pruned", trials, matching, pruned)
	if pruned < (trials-matching)/5 {
		t.Errorf("pruned only %d of %d files that cannot match", pruned, trials-matching)
	}
}
