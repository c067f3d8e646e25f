package predicate

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseProtocolExamples(t *testing.T) {
	for _, text := range []string{
		`{"op":"equal","children":[{"op":"column","name":"hireDate","valueType":"date"},{"op":"literal","value":"2021-04-29","valueType":"date"}]}`,
		`{"op":"and","children":[{"op":"equal","children":[{"op":"column","name":"hireDate","valueType":"date"},{"op":"literal","value":"2021-04-29","valueType":"date"}]},{"op":"lessThan","children":[{"op":"column","name":"id","valueType":"int"},{"op":"literal","value":"25","valueType":"int"}]}]}`,
		`{"op":"not","children":[{"op":"isNull","children":[{"op":"column","name":"id","valueType":"int"}]}]}`,
	} {
		e, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%s): %v", text, err)
		}
		// The JSON form reads back to the same tree.
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(text), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %s\nwant %s", b, text)
		}
	}
}

func TestParseFields(t *testing.T) {
	e, err := Parse(`{"op":"lessThan","extra":1,"children":[{"op":"column","name":"id","valueType":"int"},{"op":"literal","value":25,"valueType":"int"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := &Expr{Op: OpLessThan, Children: []*Expr{
		{Op: OpColumn, Name: "id", ValueType: TypeInt},
		{Op: OpLiteral, Value: "25", ValueType: TypeInt},
	}}
	if e.Op != want.Op || len(e.Children) != 2 ||
		e.Children[0].Name != "id" || e.Children[0].ValueType != TypeInt ||
		e.Children[1].Value != "25" || e.Children[1].ValueType != TypeInt {
		t.Errorf("got %+v", e)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, text := range []string{"", "  \n"} {
		e, err := Parse(text)
		if e != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", text, e, err)
		}
		if !e.MayMatch(testSchema, testPartitions, part()) {
			t.Error("a nil predicate must match every file")
		}
	}
}

// nest wraps a boolean leaf in n nots: a tree of depth n+1.
func nest(n int) string {
	s := col("p_bool", "bool")
	for range n {
		s = op("not", s)
	}
	return s
}

func TestParseLimits(t *testing.T) {
	if _, err := Parse(nest(MaxDepth - 1)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	if _, err := Parse(nest(MaxDepth)); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("depth %d: err = %v, want a depth error", MaxDepth+1, err)
	}
	// Very deep JSON fails fast on nesting, before decoding.
	deep := strings.Repeat(`{"op":"not","children":[`, 5000)
	if _, err := Parse(deep); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("deep text: err = %v", err)
	}
	// Node count: a wide "or" of comparisons.
	kids := make([]string, MaxNodes/3+1)
	for i := range kids {
		kids[i] = cmp("equal", "i", "int", "1")
	}
	if _, err := Parse(op("or", kids...)); err == nil || !strings.Contains(err.Error(), "ops") {
		t.Errorf("too many nodes: err = %v", err)
	}
	if _, err := Parse(op("or", kids[:100]...)); err != nil {
		t.Errorf("100 comparisons: %v", err)
	}
	big := `{"op":"literal","valueType":"string","value":"` + strings.Repeat("x", MaxTextBytes) + `"}`
	if _, err := Parse(big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("big text: err = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	i5 := cmp("equal", "i", "int", "5")
	for _, tc := range []struct{ name, text, want string }{
		{"not json", `{"op":`, "invalid JSON"},
		{"trailing data", i5 + ` {}`, "after"},
		{"array", `[` + i5 + `]`, "invalid JSON"},
		{"null", `null`, "null"},
		{"missing op", `{"children":[]}`, `without "op"`},
		{"empty op", `{"op":""}`, "empty op"},
		{"unknown op", op("xor", i5, i5), `unsupported op "xor"`},
		{"op case", op("AND", i5, i5), "unsupported op"},
		{"and one child", op("and", i5), "at least 2"},
		{"or no children", op("or"), "at least 2"},
		{"not two children", op("not", i5, i5), "needs 1 child"},
		{"not no children", op("not"), "needs 1 child"},
		{"isNull no children", op("isNull"), "needs 1 child"},
		{"isNull of comparison", op("isNull", i5), "column or literal"},
		{"equal one child", op("equal", col("i", "int")), "needs 2 children"},
		{"equal three children", op("equal", col("i", "int"), lit("1", "int"), lit("2", "int")), "needs 2 children"},
		{"equal of comparison", op("equal", i5, lit("true", "bool")), "column or literal"},
		{"type mismatch", op("equal", col("i", "int"), lit("5", "long")), "compares a int with a long"},
		{"unsupported valueType", cmp("equal", "dec", "decimal", "1.5"), `unsupported valueType "decimal"`},
		{"missing valueType", op("equal", `{"op":"column","name":"i"}`, lit("1", "int")), "unsupported valueType"},
		{"literal without value", op("equal", col("i", "int"), `{"op":"literal","valueType":"int"}`), "without a value"},
		{"literal null value", op("equal", col("i", "int"), `{"op":"literal","value":null,"valueType":"int"}`), "without a value"},
		{"literal object value", op("equal", col("i", "int"), `{"op":"literal","value":{},"valueType":"int"}`), "must be a string"},
		{"bad int", cmp("equal", "i", "int", "abc"), "not a 32-bit integer"},
		{"int overflow", cmp("equal", "i", "int", "3000000000"), "not a 32-bit integer"},
		{"bad long", cmp("equal", "l", "long", "1.5"), "not a 64-bit integer"},
		{"bad bool", cmp("equal", "b", "bool", "yes"), "not a boolean"},
		{"bad float", cmp("equal", "f", "float", "x"), "not a number"},
		{"bad double", cmp("equal", "db", "double", ""), "not a number"},
		{"bad date", cmp("equal", "d", "date", "2021-13-01"), "not a date"},
		{"timestamp without zone", cmp("equal", "ts", "timestamp", "2021-01-01 00:00:00"), "with a zone"},
		{"column without name", op("isNull", `{"op":"column","valueType":"int"}`), "without a name"},
		{"leaf with children", op("isNull", `{"op":"column","name":"i","valueType":"int","children":[`+i5+`]}`), "with children"},
		{"int leaf as condition", col("i", "int"), "used as a condition"},
		{"int literal in and", op("and", i5, lit("1", "int")), "used as a condition"},
		{"null child", `{"op":"and","children":[null,` + i5 + `]}`, "null where an op"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse(tc.text)
			if err == nil {
				t.Fatalf("Parse(%s) = %+v, want an error", tc.text, e)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestParseAcceptsEveryType(t *testing.T) {
	for _, tc := range []struct{ vt, v string }{
		{"bool", "TRUE"}, {"int", "-2147483648"}, {"long", "9223372036854775807"},
		{"string", ""}, {"date", "2021-4-9"}, {"float", "1.5"}, {"double", "-1e300"},
		{"double", "NaN"}, {"timestamp", "2022-01-01T00:00:00Z"},
		{"timestamp", "2022-01-01T00:00:00.123456-08:00"}, {"timestamp", "2022-01-01T00:00+01:00"},
	} {
		if _, err := Parse(op("equal", col("x", tc.vt), lit(tc.v, tc.vt))); err != nil {
			t.Errorf("%s %q: %v", tc.vt, tc.v, err)
		}
	}
}
