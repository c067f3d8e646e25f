package predicate

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseSQL(t *testing.T) {
	p3, p4, pNull := part("p_int", "3"), part("p_int", "4"), part("p_int", "")
	for _, tc := range []struct {
		name  string
		hints []string
		keep  []File
		prune []File
	}{
		{"equal", []string{"p_int = 3"}, []File{p3}, []File{p4, pNull}},
		{"double equals", []string{"p_int == 3"}, []File{p3}, []File{p4}},
		{"spark sql form", []string{"(`p_int` = 3)"}, []File{p3}, []File{p4}},
		{"long suffix", []string{"(p_long > 5L)"}, []File{part("p_long", "6")}, []File{part("p_long", "5")}},
		{"negative", []string{"l < -100"}, []File{rangeStats("l", "-101", "0", 0, 1)}, []File{rangeStats("l", "-100", "100", 0, 1)}},
		{"literal on the left", []string{"'b' < p_str"}, []File{part("p_str", "ba")}, []File{part("p_str", "b"), part("p_str", "a")}},
		{"not equal", []string{"p_int <> 3"}, []File{p4}, []File{p3, pNull}},
		{"bang equal", []string{"p_int != 3"}, []File{p4}, []File{p3}},
		{"string", []string{"p_str = 'US'"}, []File{part("p_str", "US")}, []File{part("p_str", "CA")}},
		{"double-quoted string", []string{`p_str = "US"`}, []File{part("p_str", "US")}, []File{part("p_str", "CA")}},
		{"doubled quote", []string{"p_str = 'it''s'"}, []File{part("p_str", "it's")}, []File{part("p_str", "its")}},
		{"backslash quote", []string{`p_str = 'it\'s'`}, []File{part("p_str", "it's")}, []File{part("p_str", "its")}},
		{"date from a string", []string{"p_date = '2021-04-29'"}, []File{part("p_date", "2021-04-29")}, []File{part("p_date", "2021-04-30")}},
		{"date keyword", []string{"(p_date >= DATE '2021-04-29')"}, []File{part("p_date", "2021-04-29")}, []File{part("p_date", "2021-04-28")}},
		{"timestamp without zone", []string{"p_ts > '2021-01-05 00:00:00'"}, []File{part("p_ts", "2021-01-04 10:00:00")}, []File{part("p_ts", "2021-01-01 10:00:00")}},
		{"timestamp keyword", []string{"p_ts < TIMESTAMP '2021-01-01T00:00:00Z'"}, []File{part("p_ts", "2020-12-31T23:59:59Z")}, []File{part("p_ts", "2021-01-01T00:00:00Z")}},
		{"bool", []string{"p_bool = true"}, []File{part("p_bool", "true")}, []File{part("p_bool", "false")}},
		{"quoted number", []string{"p_int = '3'"}, []File{p3}, []File{p4}},
		{"double suffix", []string{"db < 1.0D"}, []File{rangeStats("db", "0.5", "2", 0, 1)}, []File{rangeStats("db", "1.5", "2.5", 0, 1)}},
		{"exponent", []string{"db < 1e1"}, []File{rangeStats("db", "5", "20", 0, 1)}, []File{rangeStats("db", "10", "20", 0, 1)}},
		{"is null", []string{"i IS NULL"}, []File{rangeStats("i", "1", "2", 1, 2)}, []File{rangeStats("i", "1", "2", 0, 2)}},
		{"is not null", []string{"p_str is not null"}, []File{part("p_str", "x")}, []File{part("p_str", "")}},
		{"in", []string{"p_str IN ('a', 'b')"}, []File{part("p_str", "a"), part("p_str", "b")}, []File{part("p_str", "c")}},
		{"in one", []string{"p_str IN ('a')"}, []File{part("p_str", "a")}, []File{part("p_str", "c")}},
		{"not in", []string{"p_str NOT IN ('a', 'b')"}, []File{part("p_str", "c")}, []File{part("p_str", "a"), part("p_str", "")}},
		{"or", []string{"p_int = 1 OR p_int = 3"}, []File{p3}, []File{p4}},
		{"not", []string{"NOT (p_int = 3)"}, []File{p4}, []File{p3}},
		{"and in one hint", []string{"p_int = 3 AND p_str = 'x'"}, []File{part("p_int", "3", "p_str", "x")}, []File{part("p_int", "3", "p_str", "y")}},
		{"precedence", []string{"p_int = 4 AND p_str = 'x' OR p_int = 3"}, []File{p3, part("p_int", "4", "p_str", "x")}, []File{part("p_int", "4", "p_str", "y")}},
		{"hints are and-ed", []string{"p_int = 3", "p_str = 'x'"}, []File{part("p_int", "3", "p_str", "x")}, []File{part("p_int", "3", "p_str", "y"), part("p_int", "4", "p_str", "x")}},
		{"not understood hint is left out", []string{"p_int = 3", "upper(p_str) = 'X'", "p_str LIKE 'x%'"}, []File{p3}, []File{p4}},
		{"nested column", []string{"nested.x = 7"},
			[]File{stats(`{"numRecords":1,"minValues":{"nested":{"x":1}},"maxValues":{"nested":{"x":9}}}`)},
			[]File{stats(`{"numRecords":1,"minValues":{"nested":{"x":8}},"maxValues":{"nested":{"x":9}}}`)}},
		// Constants that do not fit the column keep every file.
		{"fraction for an int column", []string{"p_int = 3.5"}, []File{p3, p4}, nil},
		{"number for a string column", []string{"p_str = 5"}, []File{part("p_str", "5"), part("p_str", "05")}, nil},
		{"bare number for a date column", []string{"p_date = 20210429"}, []File{part("p_date", "2021-04-29"), part("p_date", "2022-01-01")}, nil},
		{"unknown column", []string{"nope = 3"}, []File{p3, p4}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := ParseSQL(tc.hints)
			if e == nil {
				t.Fatalf("ParseSQL(%q) = nil", tc.hints)
			}
			checkPrune(t, e, tc.keep, tc.prune)
			// The result is a valid tree that reads back from its JSON.
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(string(b)); err != nil {
				t.Errorf("Parse(%s): %v", b, err)
			}
		})
	}
}

func TestParseSQLNotUnderstood(t *testing.T) {
	for _, hints := range [][]string{
		nil,
		{},
		{""},
		{"p_int"},
		{"p_int ="},
		{"p_int = 3 OR"},
		{"p_int = 3 AND"},
		{"(p_int = 3"},
		{"p_int = 3)"},
		{"p_int = NULL"},
		{"p_int <=> 3"},
		{"p_int = p_long"},
		{"3 = 3"},
		{"CAST(p_int AS BIGINT) > 5L"},
		{"upper(p_str) = 'X'"},
		{"p_str LIKE 'x%'"},
		{"p_str = 'unterminated"},
		{`p_str = 'a\nb'`},
		{"p_int = 3x"},
		{"p_int = 1.2.3"},
		{"p_int IN ()"},
		{"p_int IN (1, p_long)"},
		{"p_int IS 3"},
		{"p_int = 3; DROP TABLE x"},
		{"NOT"},
		{strings.Repeat("(", 200) + "p_int = 3" + strings.Repeat(")", 200)},
	} {
		if e := ParseSQL(hints); e != nil {
			b, _ := json.Marshal(e)
			t.Errorf("ParseSQL(%q) = %s, want nil", hints, b)
		}
	}
}

func TestParseSQLLimits(t *testing.T) {
	hints := make([]string, MaxNodes)
	for i := range hints {
		hints[i] = "p_int = 3"
	}
	e := ParseSQL(hints)
	if e == nil || e.Op != OpAnd {
		t.Fatalf("ParseSQL(%d hints) = %v", len(hints), e)
	}
	if n := countNodes(e); n > MaxNodes {
		t.Errorf("%d nodes, over the limit", n)
	}
	if !e.MayMatch(testSchema, testPartitions, part("p_int", "3")) || e.MayMatch(testSchema, testPartitions, part("p_int", "4")) {
		t.Error("many hints do not prune like one")
	}
	// A hint as deep as the limit is left out rather than failing the rest.
	deep := strings.Repeat("NOT ", MaxDepth) + "p_int = 3"
	if e := ParseSQL([]string{deep, "p_str = 'x'"}); e == nil || e.Op != OpEqual {
		t.Errorf("deep hint: got %+v", e)
	}
}
