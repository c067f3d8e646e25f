package mapping

import (
	"slices"
	"strings"
	"testing"
)

// TestGroupRules runs every kind of group rule: exact, prefix, numeric range,
// conditional, codes, 1:1 and 1:many, default, and what happens when nothing
// matches.
func TestGroupRules(t *testing.T) {
	const rules = `
group_codes:
  rules:
    - when: {column: company, equals: "02"}
      codes: NE
    - column: branch
      exact: {KC: KS, STL: MO, OMA: [NE, IA], HQ: All}
    - column: zip
      prefix: {"6": KS, "63": MO, "631": [MO, IL]}
    - column: dept
      range:
        "< 300": KS
        "300-599": MO
        ">= 600": [KS, MO]
`
	tests := []struct {
		name    string
		extra   string // more settings of group_codes
		row     Map
		want    []string
		all     bool
		result  Result
		problem string
		filter  string
	}{
		{name: "conditional first", row: Map{"company": "02", "branch": "KC"}, want: []string{"NE"}},
		{name: "conditional on a number", row: Map{"company": int64(2), "branch": "KC"}, want: []string{"NE"}},
		{name: "exact", row: Map{"company": "01", "branch": "KC"}, want: []string{"KS"}},
		{name: "exact any case and spaces", row: Map{"branch": " stl "}, want: []string{"MO"}},
		{name: "exact 1:many", row: Map{"branch": "OMA"}, want: []string{"NE", "IA"}},
		{name: "exact All", row: Map{"branch": "HQ"}, all: true},
		{name: "prefix first character", row: Map{"zip": "66101"}, want: []string{"KS"}},
		{name: "longest prefix wins", row: Map{"zip": "63011"}, want: []string{"MO"}},
		{name: "longest prefix 1:many", row: Map{"zip": "63101"}, want: []string{"MO", "IL"}},
		{name: "prefix of a number", row: Map{"zip": int64(66101)}, want: []string{"KS"}},
		{name: "range below", row: Map{"dept": int64(299)}, want: []string{"KS"}},
		{name: "range lower end included", row: Map{"dept": int64(300)}, want: []string{"MO"}},
		{name: "range upper end included", row: Map{"dept": "599"}, want: []string{"MO"}},
		{name: "range fraction", row: Map{"dept": 600.5}, want: []string{"KS", "MO"}},
		{name: "range gap between 599 and 600", row: Map{"dept": 599.5}, result: Invalid, problem: "dept is 599.5"},
		{name: "range from bytes", row: Map{"dept": []byte("0450")}, want: []string{"MO"}},
		{name: "range not a number", row: Map{"dept": "A12"}, result: Invalid, problem: `no rule matched (company is "", branch is "", zip is "", dept is "A12"); add a rule, or set default or unmatched`},
		{name: "nothing matches", row: Map{"branch": "DEN"}, result: Invalid, problem: `branch is "DEN"`},
		{name: "default", extra: "default: [KS]", row: Map{"branch": "DEN"}, want: []string{"KS"}},
		{name: "default All", extra: "default: All", row: Map{}, all: true},
		{name: "unmatched skip", extra: "unmatched: skip", row: Map{"branch": "DEN"}, result: Skipped, filter: "people.fields.group_codes: nothing matched (unmatched: skip)"},
		{name: "unmatched empty", extra: "unmatched: empty", row: Map{"branch": "DEN"}},
		{name: "match first", row: Map{"branch": "KC", "zip": "63101"}, want: []string{"KS"}},
		{name: "match all", extra: "match: all", row: Map{"branch": "KC", "zip": "63101", "dept": int64(700)}, want: []string{"KS", "MO", "IL"}},
		{name: "match all with no match", extra: "match: all\ndefault: NE", row: Map{}, want: []string{"NE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, peopleMapping(strings.TrimPrefix(rules, "\n")+indent(tt.extra, "  ")))
			tt.row["id"] = "E1"
			p, o := m.MapPerson(tt.row, testCtx)
			want := tt.result
			if want == "" {
				want = OK
			}
			if o.Result != want {
				t.Fatalf("result %s (%v, %q), want %s", o.Result, o.Problems, o.Filter, want)
			}
			switch want {
			case Invalid:
				if len(o.Problems) != 1 || !strings.Contains(o.Problems[0].Message, tt.problem) || o.Problems[0].Field != "group_codes" {
					t.Fatalf("problems %v, want one on group_codes containing %q", o.Problems, tt.problem)
				}
				checkPlain(t, o.Problems[0].Message)
			case Skipped:
				if o.Filter != tt.filter {
					t.Fatalf("filter %q, want %q", o.Filter, tt.filter)
				}
			default:
				if !slices.Equal(p.GroupCodes, tt.want) || o.AllGroups != tt.all {
					t.Fatalf("group codes %v (all %v), want %v (all %v)", p.GroupCodes, o.AllGroups, tt.want, tt.all)
				}
			}
		})
	}
}

// TestRulesSingleValue maps a job title (one code) with rules, and the column
// of the problem is the rules' one column.
func TestRulesSingleValue(t *testing.T) {
	m := mustParse(t, peopleMapping(`
job_title:
  rules:
    - column: trade
      range: {"10-19": FORE, "20-29": JOUR}
    - column: trade
      exact: {"99": APP}
`))
	for raw, want := range map[any]string{int64(12): "FORE", "25": "JOUR", 99.0: "APP"} {
		p, o := m.MapPerson(Map{"id": "E1", "trade": raw}, testCtx)
		mustOK(t, o)
		if p.JobTitle != want {
			t.Errorf("trade %v: job title %q, want %q", raw, p.JobTitle, want)
		}
	}
	_, o := m.MapPerson(Map{"id": "E1", "trade": int64(50)}, testCtx)
	mustInvalid(t, o, "job_title", "trade", "no rule matched (trade is 50)")
}

// TestJobTitleGroupsAll makes a job title global when its groups say All.
func TestJobTitleGroupsAll(t *testing.T) {
	m := mustParse(t, `
job_titles:
  fields:
    code: code
    group_codes:
      column: groups
      split: ","
`)
	j, o := m.MapJobTitle(Map{"code": "FORE", "groups": "all"}, testCtx)
	mustOK(t, o)
	if !j.Global || j.GroupCodes != nil || o.AllGroups {
		t.Errorf("job title %+v, outcome %+v; want global with no codes", j, o)
	}
	j, _ = m.MapJobTitle(Map{"code": "FORE", "groups": "KS, MO"}, testCtx)
	if j.Global || !slices.Equal(j.GroupCodes, []string{"KS", "MO"}) {
		t.Errorf("job title %+v, want KS and MO", j)
	}
	if got := m.OwnedFields(JobTitles); !slices.Equal(got, []string{"code", "group_codes", "global"}) {
		t.Errorf("owned %v", got)
	}
}

// TestParseSpan reads every range notation.
func TestParseSpan(t *testing.T) {
	tests := []struct {
		key     string
		in, out []float64
	}{
		{"< 300", []float64{-5, 0, 299.99}, []float64{300, 301}},
		{"<=299", []float64{299}, []float64{299.5}},
		{"> 599", []float64{599.01, 1e6}, []float64{599}},
		{">= 600", []float64{600}, []float64{599.9}},
		{"300-599", []float64{300, 450, 599}, []float64{299, 600}},
		{"300 - 599", []float64{300}, []float64{600}},
		{"300..599", []float64{599}, []float64{599.5}},
		{"300 to 599", []float64{301}, []float64{1}},
		{"-10--1", []float64{-10, -1}, []float64{0}},
		{"42", []float64{42}, []float64{41, 43}},
	}
	for _, tt := range tests {
		s, err := parseSpan(tt.key)
		if err != nil {
			t.Errorf("parseSpan(%q): %v", tt.key, err)
			continue
		}
		for _, f := range tt.in {
			if !s.contains(f) {
				t.Errorf("%q should contain %v", tt.key, f)
			}
		}
		for _, f := range tt.out {
			if s.contains(f) {
				t.Errorf("%q should not contain %v", tt.key, f)
			}
		}
	}
	for _, bad := range []string{"", "< ", "300-", "a-b", "=300", "300-599-700"} {
		if _, err := parseSpan(bad); err == nil {
			t.Errorf("parseSpan(%q) accepted", bad)
		}
	}
}

// TestConditions covers equals, not_equals and empty, on text and numbers.
func TestConditions(t *testing.T) {
	m := mustParse(t, peopleMapping("", `  where:
    - {column: company, equals: ["01", "02"]}
    - {column: emp_type, not_equals: [C, X]}
    - {column: email, empty: false}
    - {column: note, empty: true}
`))
	tests := []struct {
		row    Map
		filter string
	}{
		{Map{"company": "01", "emp_type": "E", "email": "a@b.co"}, ""},
		{Map{"company": int64(2), "emp_type": nil, "email": "a@b.co", "note": "  "}, ""},
		{Map{"company": "03", "emp_type": "E", "email": "a@b.co"}, `where: column "company" is one of "01", "02"`},
		{Map{"company": "01", "emp_type": "x", "email": "a@b.co"}, `where: column "emp_type" is none of "C", "X"`},
		{Map{"company": "01", "email": " "}, `where: column "email" is not empty`},
		{Map{"company": "01", "email": "a@b.co", "note": "n"}, `where: column "note" is empty`},
	}
	for _, tt := range tests {
		tt.row["id"] = "E1"
		_, o := m.MapPerson(tt.row, Context{Today: today})
		if tt.filter == "" {
			mustOK(t, o)
			continue
		}
		if o.Result != Skipped || o.Filter != tt.filter {
			t.Errorf("row %v: %s %q, want skipped by %q", tt.row, o.Result, o.Filter, tt.filter)
		}
	}
}
