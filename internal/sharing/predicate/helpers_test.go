package predicate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// testSchema has a partition column and a statistics column of each type the
// hints can compare, plus columns the hints cannot.
var testSchema = &schema.StructType{Fields: []schema.StructField{
	{Name: "p_str", Type: schema.String, Nullable: true},
	{Name: "p_int", Type: schema.Integer, Nullable: true},
	{Name: "p_long", Type: schema.Long, Nullable: true},
	{Name: "p_date", Type: schema.Date, Nullable: true},
	{Name: "p_ts", Type: schema.Timestamp, Nullable: true},
	{Name: "p_bool", Type: schema.Boolean, Nullable: true},
	{Name: "p_dbl", Type: schema.Double, Nullable: true},
	{Name: "p_flt", Type: schema.Float, Nullable: true},
	{Name: "s", Type: schema.String, Nullable: true},
	{Name: "i", Type: schema.Integer, Nullable: true},
	{Name: "l", Type: schema.Long, Nullable: true},
	{Name: "d", Type: schema.Date, Nullable: true},
	{Name: "ts", Type: schema.Timestamp, Nullable: true},
	{Name: "f", Type: schema.Float, Nullable: true},
	{Name: "db", Type: schema.Double, Nullable: true},
	{Name: "b", Type: schema.Boolean, Nullable: true},
	{Name: "dec", Type: schema.DecimalType{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "ntz", Type: schema.TimestampNTZ, Nullable: true},
	{Name: "nested", Type: &schema.StructType{Fields: []schema.StructField{
		{Name: "x", Type: schema.Long, Nullable: true},
	}}, Nullable: true},
	{Name: "mapped", Type: schema.Long, Nullable: true, Metadata: map[string]json.RawMessage{
		"delta.columnMapping.physicalName": json.RawMessage(`"col-abc"`),
	}},
}}

var testPartitions = []string{"p_str", "p_int", "p_long", "p_date", "p_ts", "p_bool", "p_dbl", "p_flt"}

// col, lit and op build the JSON of predicate nodes.
func col(name, vt string) string {
	return mustJSON(map[string]string{"op": "column", "name": name, "valueType": vt})
}

func lit(v, vt string) string {
	return mustJSON(map[string]string{"op": "literal", "value": v, "valueType": vt})
}

func op(name string, children ...string) string {
	return `{"op":` + mustJSON(name) + `,"children":[` + strings.Join(children, ",") + `]}`
}

// cmp builds "column op literal".
func cmp(o, name, vt, v string) string { return op(o, col(name, vt), lit(v, vt)) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// part is a file with the given partition values (pairs of key, value) and no
// statistics.
func part(kv ...string) File {
	pv := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		pv[kv[i]] = kv[i+1]
	}
	return File{PartitionValues: pv}
}

// stats is a file with the given statistics JSON and no partition values.
func stats(js string) File {
	st, err := delta.ParseStats(js)
	if err != nil {
		panic(err)
	}
	return File{Stats: st}
}

// rangeStats is a file whose column name holds values in [min, max] (JSON
// values) with nulls nulls out of n records.
func rangeStats(name, min, max string, nulls, n int) File {
	return stats(`{"numRecords":` + itoa(n) + `,"minValues":{"` + name + `":` + min +
		`},"maxValues":{"` + name + `":` + max + `},"nullCount":{"` + name + `":` + itoa(nulls) + `}}`)
}

func itoa(n int) string { return mustJSON(n) }

// pruneCase is a predicate with files it must keep and files it must prune.
type pruneCase struct {
	name  string
	pred  string
	keep  []File
	prune []File
}

func runPruneCases(t *testing.T, cases []pruneCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse(tc.pred)
			if err != nil {
				t.Fatalf("Parse(%s): %v", tc.pred, err)
			}
			checkPrune(t, e, tc.keep, tc.prune)
		})
	}
}

func checkPrune(t *testing.T, e *Expr, keep, prune []File) {
	t.Helper()
	for i, f := range keep {
		if !e.MayMatch(testSchema, testPartitions, f) {
			t.Errorf("keep[%d] %s: pruned a file that may match", i, describe(f))
		}
	}
	for i, f := range prune {
		if e.MayMatch(testSchema, testPartitions, f) {
			t.Errorf("prune[%d] %s: kept a file that cannot match", i, describe(f))
		}
	}
}

func describe(f File) string {
	s := mustJSON(f.PartitionValues)
	if f.Stats != nil {
		s += " " + f.Stats.String()
	}
	return s
}
