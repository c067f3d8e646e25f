package predicate

import (
	"testing"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// Files with column i (integer) in a range, by their statistics.
var (
	i1to10     = rangeStats("i", "1", "10", 0, 10)
	i0to10     = rangeStats("i", "0", "10", 0, 10)
	i1to11     = rangeStats("i", "1", "11", 0, 10)
	i1to9      = rangeStats("i", "1", "9", 0, 10)
	i2to10     = rangeStats("i", "2", "10", 0, 10)
	i20to30    = rangeStats("i", "20", "30", 0, 10)
	iNeg       = rangeStats("i", "-5", "0", 0, 10)
	i5only     = rangeStats("i", "5", "5", 0, 10)
	i5withNull = rangeStats("i", "5", "5", 3, 10)
	iAllNull   = stats(`{"numRecords":10,"nullCount":{"i":10}}`)
	iNoStats   = File{}
)

func TestComparisonOps(t *testing.T) {
	runPruneCases(t, []pruneCase{
		{"equal inside", cmp("equal", "i", "int", "5"), []File{i1to10, i5only, iNoStats}, []File{i20to30, iNeg}},
		{"equal at max", cmp("equal", "i", "int", "10"), []File{i1to10}, []File{i1to9}},
		{"equal at min", cmp("equal", "i", "int", "1"), []File{i1to10}, []File{i2to10}},
		{"lessThan", cmp("lessThan", "i", "int", "1"), []File{i0to10, iNoStats}, []File{i1to10}},
		{"lessThanOrEqual", cmp("lessThanOrEqual", "i", "int", "1"), []File{i1to10}, []File{i2to10}},
		{"greaterThan", cmp("greaterThan", "i", "int", "10"), []File{i1to11}, []File{i1to10}},
		{"greaterThanOrEqual", cmp("greaterThanOrEqual", "i", "int", "10"), []File{i1to10}, []File{i1to9}},
		{"literal on the left", op("lessThan", lit("10", "int"), col("i", "int")), []File{i1to11}, []File{i1to10}},
		{"literal on the right of >=", op("greaterThanOrEqual", lit("1", "int"), col("i", "int")), []File{i1to10}, []File{i2to10}},
		{"all null never compares", cmp("equal", "i", "int", "5"), nil, []File{iAllNull}},
		{"null never compares under not", op("not", cmp("equal", "i", "int", "5")), nil, []File{iAllNull}},
		{"literal vs literal true", op("lessThan", lit("1", "int"), lit("2", "int")), []File{iNoStats}, nil},
		{"literal vs literal false", op("equal", lit("1", "int"), lit("2", "int")), nil, []File{iNoStats, i1to10}},
		{"column vs column", op("lessThan", col("i", "long"), col("l", "long")),
			[]File{stats(`{"numRecords":2,"minValues":{"i":1,"l":20},"maxValues":{"i":10,"l":30},"nullCount":{"i":0,"l":0}}`)},
			[]File{stats(`{"numRecords":2,"minValues":{"i":40,"l":20},"maxValues":{"i":50,"l":30},"nullCount":{"i":0,"l":0}}`)}},
	})
}

func TestLogicOps(t *testing.T) {
	yes := cmp("equal", "p_int", "int", "3") // true on p3
	no := cmp("equal", "p_int", "int", "4")  // false on p3
	p3, p4, pNull := part("p_int", "3"), part("p_int", "4"), part("p_int", "")
	runPruneCases(t, []pruneCase{
		{"and all true", op("and", yes, yes, op("not", no)), []File{p3}, []File{p4, pNull}},
		{"and one false", op("and", yes, no), nil, []File{p3, p4}},
		{"or one true", op("or", no, no, yes), []File{p3, p4}, []File{pNull}},
		{"or all false", op("or", no, op("not", yes)), []File{p4}, []File{p3}},
		{"not of exact value", op("not", yes), []File{p4}, []File{p3, pNull}},
		{"not over a range", op("not", cmp("equal", "i", "int", "5")), []File{i1to10, iNoStats}, []File{i5only, i5withNull}},
		{"not lessThan", op("not", cmp("lessThan", "i", "int", "5")), []File{i1to10}, []File{rangeStats("i", "1", "4", 0, 10)}},
		{"double not", op("not", op("not", yes)), []File{p3}, []File{p4, pNull}},
		{"not of unknown keeps", op("not", cmp("equal", "nope", "int", "5")), []File{p3}, nil},
		{"and with unknown and false", op("and", cmp("equal", "nope", "int", "5"), no), nil, []File{p3}},
		{"or with unknown", op("or", cmp("equal", "nope", "int", "5"), no), []File{p3}, nil},
		// null AND false is false, so NOT(...) is true for a null p_int.
		{"not of null and false", op("not", op("and", yes, lit("false", "bool"))), []File{pNull, p3}, nil},
		{"not of null or true", op("not", op("or", yes, lit("true", "bool"))), nil, []File{pNull, p3}},
		{"bool literal false", op("and", lit("false", "bool"), yes), nil, []File{p3}},
		{"bool literal true", op("or", lit("true", "bool"), no), []File{p3, pNull}, nil},
	})
}

func TestNulls(t *testing.T) {
	someNulls := rangeStats("i", "1", "10", 3, 10)
	loose := stats(`{"numRecords":10,"tightBounds":false,"nullCount":{"i":10}}`)
	noNullCount := stats(`{"numRecords":10,"minValues":{"i":1},"maxValues":{"i":10}}`)
	runPruneCases(t, []pruneCase{
		{"isNull stats", op("isNull", col("i", "int")), []File{someNulls, iAllNull, noNullCount, iNoStats, loose}, []File{i1to10}},
		{"isNotNull stats", op("not", op("isNull", col("i", "int"))), []File{someNulls, i1to10, noNullCount, iNoStats, loose}, []File{iAllNull}},
		{"isNull partition", op("isNull", col("p_str", "string")),
			[]File{part("p_str", ""), part(), part("p_int", "1")}, []File{part("p_str", "x")}},
		{"isNotNull partition", op("not", op("isNull", col("p_str", "string"))),
			[]File{part("p_str", "x")}, []File{part("p_str", ""), part()}},
		{"isNull literal", op("isNull", lit("1", "int")), nil, []File{iNoStats}},
		{"equal on null partition", cmp("equal", "p_str", "string", ""), nil, []File{part("p_str", ""), part()}},
		{"nulls keep not-equal only when values differ", op("not", cmp("equal", "i", "int", "5")),
			[]File{someNulls}, []File{i5withNull}},
		{"isNull nested", op("isNull", col("nested.x", "long")),
			[]File{stats(`{"numRecords":1,"nullCount":{"nested":{"x":1}}}`)},
			[]File{stats(`{"numRecords":1,"nullCount":{"nested":{"x":0}}}`)}},
	})
}

func TestPartitionPruning(t *testing.T) {
	runPruneCases(t, []pruneCase{
		{"string", cmp("equal", "p_str", "string", "US"), []File{part("p_str", "US")}, []File{part("p_str", "us"), part("p_str", "CA")}},
		{"string order", cmp("greaterThan", "p_str", "string", "b"), []File{part("p_str", "ba")}, []File{part("p_str", "b"), part("p_str", "a")}},
		{"int", cmp("equal", "p_int", "int", "3"), []File{part("p_int", "3"), part("p_int", "abc")}, []File{part("p_int", "4"), part("p_int", "-3")}},
		{"int by value", cmp("lessThan", "p_int", "int", "10"), []File{part("p_int", "9")}, []File{part("p_int", "10"), part("p_int", "100")}},
		{"long beyond float precision", cmp("equal", "p_long", "long", "9007199254740993"),
			[]File{part("p_long", "9007199254740993")}, []File{part("p_long", "9007199254740992")}},
		{"long with int literal", cmp("greaterThan", "p_long", "int", "5"), []File{part("p_long", "6")}, []File{part("p_long", "5")}},
		{"date", cmp("equal", "p_date", "date", "2021-04-29"), []File{part("p_date", "2021-04-29")}, []File{part("p_date", "2021-04-30")}},
		{"date by value", cmp("equal", "p_date", "date", "2021-4-9"), []File{part("p_date", "2021-04-09")}, []File{part("p_date", "2021-04-10")}},
		{"date order", cmp("lessThan", "p_date", "date", "2021-10-01"), []File{part("p_date", "2021-09-30")}, []File{part("p_date", "2021-10-01"), part("p_date", "2022-01-01")}},
		{"bool", cmp("equal", "p_bool", "bool", "true"), []File{part("p_bool", "true")}, []File{part("p_bool", "false"), part("p_bool", "")}},
		{"bool order", cmp("lessThan", "p_bool", "bool", "true"), []File{part("p_bool", "false")}, []File{part("p_bool", "true")}},
		{"bool column as condition", col("p_bool", "bool"), []File{part("p_bool", "true")}, []File{part("p_bool", "false"), part()}},
		{"not bool column", op("not", col("p_bool", "bool")), []File{part("p_bool", "false")}, []File{part("p_bool", "true"), part()}},
		{"double", cmp("greaterThan", "p_dbl", "double", "1.5"), []File{part("p_dbl", "1.50001")}, []File{part("p_dbl", "1.5"), part("p_dbl", "-Infinity")}},
		{"double NaN sorts last", cmp("greaterThan", "p_dbl", "double", "1e308"), []File{part("p_dbl", "NaN")}, []File{part("p_dbl", "1")}},
		{"double NaN equals NaN", cmp("equal", "p_dbl", "double", "NaN"), []File{part("p_dbl", "NaN")}, []File{part("p_dbl", "1")}},
		{"double NaN not less", cmp("lessThan", "p_dbl", "double", "0"), []File{part("p_dbl", "-1")}, []File{part("p_dbl", "NaN")}},
		{"float", cmp("equal", "p_flt", "float", "1.1"), []File{part("p_flt", "1.1")}, []File{part("p_flt", "1.2")}},
		// A float 1.1 widened to double is not the double 1.1, as in Spark.
		{"float vs double literal", cmp("equal", "p_flt", "double", "1.1"), nil, []File{part("p_flt", "1.1")}},
		{"float above double literal", cmp("greaterThan", "p_flt", "double", "1.1"), []File{part("p_flt", "1.1")}, nil},
		{"case-insensitive names", cmp("equal", "P_INT", "int", "3"), []File{{PartitionValues: map[string]string{"P_Int": "3"}}}, []File{{PartitionValues: map[string]string{"p_INT": "4"}}}},
		{"timestamp with zone", cmp("equal", "p_ts", "timestamp", "2021-01-01T10:00:00.123456Z"),
			[]File{part("p_ts", "2021-01-01T10:00:00.123456Z"), part("p_ts", "2021-01-01T11:00:00.123456+01:00")},
			[]File{part("p_ts", "2021-01-01T10:00:00.123457Z")}},
		{"timestamp with zone negated", op("not", cmp("equal", "p_ts", "timestamp", "2021-01-01T10:00:00Z")),
			[]File{part("p_ts", "2021-01-01T10:00:01Z")}, []File{part("p_ts", "2021-01-01T10:00:00Z")}},
		// Without a zone the value may be in any zone: ±18 hours.
		{"timestamp without zone", cmp("equal", "p_ts", "timestamp", "2021-01-01T10:00:00Z"),
			[]File{part("p_ts", "2021-01-01 10:00:00"), part("p_ts", "2021-01-01 02:00:00.5"), part("p_ts", "2021-01-01 20:00:00")},
			[]File{part("p_ts", "2021-01-03 10:00:00"), part("p_ts", "2020-12-31 10:00:00")}},
		{"timestamp without zone is never exact", op("not", cmp("equal", "p_ts", "timestamp", "2021-01-01T10:00:00Z")),
			[]File{part("p_ts", "2021-01-01 10:00:00")}, nil},
		{"timestamp order", cmp("lessThan", "p_ts", "timestamp", "2021-01-01T00:00:00Z"),
			[]File{part("p_ts", "2021-01-01 10:00:00")}, []File{part("p_ts", "2021-01-02 10:00:00")}},
	})
}

func TestStatsPruning(t *testing.T) {
	strs := rangeStats("s", `"apple"`, `"mango"`, 0, 10)
	dates := rangeStats("d", `"2024-01-01"`, `"2024-01-31"`, 0, 10)
	tss := rangeStats("ts", `"2024-01-02T03:04:05.000Z"`, `"2024-01-02T05:00:00.000Z"`, 0, 10)
	tssOffset := rangeStats("ts", `"2024-01-02T04:04:05.000+01:00"`, `"2024-01-02T06:00:00.000+01:00"`, 0, 10)
	longs := rangeStats("l", "-100", "100", 0, 10)
	floats := rangeStats("f", "0.5", "1.1", 0, 10)
	doubles := rangeStats("db", "1.5", "2.5", 0, 10)
	bools := rangeStats("b", "false", "false", 0, 10)
	runPruneCases(t, []pruneCase{
		{"string equal", cmp("equal", "s", "string", "banana"), []File{strs}, []File{rangeStats("s", `"n"`, `"z"`, 0, 1)}},
		{"string above max", cmp("equal", "s", "string", "zebra"), nil, []File{strs}},
		{"string below min", cmp("equal", "s", "string", "aardvark"), nil, []File{strs}},
		{"string greaterThan max", cmp("greaterThan", "s", "string", "mango"), []File{rangeStats("s", `"a"`, `"mangoes"`, 0, 1)}, []File{strs}},
		{"string lessThan min", cmp("lessThan", "s", "string", "apple"), []File{rangeStats("s", `"a"`, `"b"`, 0, 1)}, []File{strs}},
		// A max cut and rounded up ("abc…" kept as "abd") still bounds.
		{"string rounded-up max", cmp("equal", "s", "string", "abcz"), []File{rangeStats("s", `"abc"`, `"abd"`, 0, 1)}, []File{rangeStats("s", `"abc"`, `"abcd"`, 0, 1)}},
		// Spark's legacy tie-breaker U+FFFD does not bound characters past U+FFFF.
		{"string legacy tie-breaker", cmp("equal", "s", "string", "ab\U0001F600"),
			[]File{rangeStats("s", `"ab"`, `"ab\ufffd"`, 0, 1)}, []File{rangeStats("s", `"a"`, `"aa\ufffd"`, 0, 1)}},
		{"date", cmp("equal", "d", "date", "2024-01-15"), []File{dates}, []File{rangeStats("d", `"2024-02-01"`, `"2024-02-29"`, 0, 1)}},
		{"date before", cmp("lessThan", "d", "date", "2024-01-01"), nil, []File{dates}},
		{"date after", cmp("greaterThan", "d", "date", "2024-01-31"), []File{rangeStats("d", `"2024-01-01"`, `"2024-02-01"`, 0, 1)}, []File{dates}},
		// Statistics keep milliseconds, so the max may hide up to 999µs more.
		{"timestamp inside the cut", cmp("greaterThan", "ts", "timestamp", "2024-01-02T05:00:00.000500Z"), []File{tss, tssOffset}, nil},
		{"timestamp after", cmp("greaterThan", "ts", "timestamp", "2024-01-02T05:00:01Z"), nil, []File{tss, tssOffset}},
		{"timestamp by value", cmp("equal", "ts", "timestamp", "2024-01-02T05:00:00+01:00"), []File{tss, tssOffset}, nil},
		{"timestamp before min", cmp("equal", "ts", "timestamp", "2024-01-02T04:00:00+01:00"), nil, []File{tss, tssOffset}},
		{"long", cmp("lessThan", "l", "long", "-100"), []File{rangeStats("l", "-101", "0", 0, 1)}, []File{longs}},
		{"long max", cmp("equal", "l", "long", "9223372036854775807"), []File{rangeStats("l", "0", "9223372036854775807", 0, 1)}, []File{longs}},
		{"float lessThan", cmp("lessThan", "f", "float", "0.5"), []File{rangeStats("f", "0.25", "1", 0, 1)}, []File{floats}},
		{"float equal", cmp("equal", "f", "float", "2"), nil, []File{floats}},
		// The float max 1.1 is above the double 1.1, as Spark compares them.
		{"float column, double literal", cmp("equal", "f", "double", "1.1"), []File{floats}, []File{rangeStats("f", "0.5", "1.0999999", 0, 1)}},
		{"double", cmp("equal", "db", "double", "3"), nil, []File{doubles}},
		{"double below", cmp("lessThanOrEqual", "db", "double", "1.4999"), nil, []File{doubles}},
		// NaN may hide from Parquet-derived bounds and sorts above all.
		{"double above max may be NaN", cmp("greaterThan", "db", "double", "3"), []File{doubles}, []File{stats(`{"numRecords":10,"nullCount":{"db":10}}`)}},
		{"bool column", col("b", "bool"), []File{rangeStats("b", "false", "true", 0, 1)}, []File{bools}},
		{"bool equal false", cmp("equal", "b", "bool", "false"), []File{bools}, []File{rangeStats("b", "true", "true", 0, 1)}},
		{"nested", cmp("equal", "nested.x", "long", "7"),
			[]File{stats(`{"numRecords":1,"minValues":{"nested":{"x":1}},"maxValues":{"nested":{"x":9}}}`)},
			[]File{stats(`{"numRecords":1,"minValues":{"nested":{"x":8}},"maxValues":{"nested":{"x":9}}}`)}},
		{"column mapping", cmp("equal", "mapped", "long", "7"),
			[]File{rangeStats("col-abc", "1", "9", 0, 1)}, []File{rangeStats("col-abc", "8", "9", 0, 1)}},
		{"one bound only", cmp("greaterThan", "i", "int", "20"),
			[]File{stats(`{"numRecords":1,"maxValues":{"i":30}}`), stats(`{"numRecords":1,"minValues":{"i":1}}`)},
			[]File{stats(`{"numRecords":1,"maxValues":{"i":10}}`)}},
		{"unreadable bound", cmp("lessThan", "i", "int", "0"), []File{rangeStats("i", `"x"`, "10", 0, 1), rangeStats("i", "1.5", "10", 0, 1)}, []File{i1to10}},
		{"wide bounds still bound", cmp("equal", "i", "int", "50"), nil,
			[]File{stats(`{"numRecords":10,"tightBounds":false,"minValues":{"i":1},"maxValues":{"i":10},"nullCount":{"i":0}}`)}},
		{"partition and stats", op("and", cmp("equal", "p_int", "int", "1"), cmp("greaterThan", "i", "int", "5")),
			[]File{{PartitionValues: map[string]string{"p_int": "1"}, Stats: i1to10.Stats}},
			[]File{{PartitionValues: map[string]string{"p_int": "1"}, Stats: rangeStats("i", "1", "5", 0, 10).Stats},
				{PartitionValues: map[string]string{"p_int": "2"}, Stats: i1to10.Stats}}},
	})
}

// Whatever cannot be judged keeps the file.
func TestUnknownKeeps(t *testing.T) {
	everything := []File{i1to10, i20to30, iAllNull, iNoStats, part("p_int", "3"), part(), rangeStats("dec", "1.5", "2.5", 0, 1),
		rangeStats("ntz", `"2024-01-02T03:04:05.000"`, `"2024-01-02T03:04:05.000"`, 0, 1)}
	runPruneCases(t, []pruneCase{
		{"unknown column", cmp("equal", "nope", "int", "5"), everything, nil},
		{"unknown nested column", cmp("equal", "nested.y", "long", "5"), everything, nil},
		{"int column as string", cmp("equal", "i", "string", "5"), everything, nil},
		{"string column as int", cmp("equal", "s", "int", "5"), everything, nil},
		{"double column as float", cmp("equal", "db", "float", "5"), everything, nil},
		{"decimal column", cmp("equal", "dec", "double", "100"), everything, nil},
		{"timestamp_ntz column", cmp("equal", "ntz", "timestamp", "2030-01-01T00:00:00Z"), everything, nil},
		{"date partition as string", cmp("equal", "p_date", "string", "x"), []File{part("p_date", "2021-01-01")}, nil},
		{"isNull type mismatch", op("isNull", col("i", "string")), []File{i1to10}, nil},
		{"not of mismatch", op("not", cmp("equal", "i", "string", "5")), everything, nil},
		{"unparseable partition", cmp("equal", "p_date", "date", "2021-01-01"), []File{part("p_date", "01/01/2021")}, nil},
	})
	var nilExpr *Expr
	f := part("p_int", "3")
	for _, tc := range []struct {
		name string
		e    *Expr
		s    *schema.StructType
	}{
		{"nil expr", nilExpr, testSchema},
		{"nil schema", &Expr{Op: OpEqual, Children: []*Expr{{Op: OpColumn, Name: "p_int", ValueType: TypeInt}, {Op: OpLiteral, Value: "4", ValueType: TypeInt}}}, nil},
		{"unsupported op", &Expr{Op: "like"}, testSchema},
		{"equal with one child", &Expr{Op: OpEqual, Children: []*Expr{{Op: OpColumn, Name: "p_int", ValueType: TypeInt}}}, testSchema},
		{"and without children", &Expr{Op: OpAnd}, testSchema},
		{"not with nil child", &Expr{Op: OpNot, Children: []*Expr{nil}}, testSchema},
		{"bad literal", &Expr{Op: OpEqual, Children: []*Expr{{Op: OpColumn, Name: "p_int", ValueType: TypeInt}, {Op: OpLiteral, Value: "x", ValueType: TypeInt}}}, testSchema},
		{"int leaf as condition", &Expr{Op: OpColumn, Name: "p_int", ValueType: TypeInt}, testSchema},
	} {
		if !tc.e.MayMatch(tc.s, testPartitions, f) {
			t.Errorf("%s: pruned", tc.name)
		}
	}
	// A hand-built tree that is well formed prunes like a parsed one.
	e := &Expr{Op: OpEqual, Children: []*Expr{{Op: OpColumn, Name: "p_int", ValueType: TypeInt}, {Op: OpLiteral, Value: "4", ValueType: TypeInt}}}
	if e.MayMatch(testSchema, testPartitions, f) {
		t.Error("hand-built p_int = 4 kept p_int=3")
	}
}
