package mapping

import (
	"strings"
	"testing"
)

// TestParseErrors checks that every kind of mistake is reported with its YAML
// line, the setting, and plain words.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		line    int
		setting string
		want    string
	}{
		{"syntax", "people:\n  fields: [\n", 2, "", "the file is not valid YAML"},
		{"empty file", "\n# nothing\n", 0, "", "the mapping is empty"},
		{"not a mapping", "- people\n", 1, "", "must be a mapping file with sections groups, job_titles, people or projects, not a list"},
		{"field as a list", peopleMapping("first_name: [a, b]"), 4, "people.fields.first_name", "must be a source column name, or a field's settings (column, value, rules, map, ...), not a list"},
		{"key with a problem", "people:\n  fields:\n    employee_id: {column: [a]}\n", 3, "people.fields.employee_id.column", "must be the source column to read, not a list"},
		{"unknown setting, no close match", peopleMapping("email: {column: e, colour: red}"), 4, "people.fields.email", `"colour" is not a known setting; use column, value, rules, match, inactive_from, trim, case, format, excel, round, split, map, default or unmatched`},
		{"no entity", "version: 1\n", 1, "", "maps no entity"},
		{"unknown version", "version: 2\npeople:\n  fields: {employee_id: id}\n", 1, "version", `"2" is not a mapping version`},
		{"unknown entity", "peple:\n  fields: {employee_id: id}\n", 1, "", `"peple" is not a known setting; did you mean people?`},
		{"unknown entity setting", "people:\n  field: {employee_id: id}\n", 2, "people", `"field" is not a known setting; did you mean fields?`},
		{"no fields", "people:\n  where: {column: a, empty: false}\n", 2, "people", "has no fields"},
		{"no key", peopleMapping("")[:len("people:\n  fields:\n")] + "    first_name: fn\n", 3, "people.fields", "does not map employee_id, the key that matches rows to people in the hub"},
		{"key from a constant", "projects:\n  fields:\n    project_number: {value: P1}\n", 3, "projects.fields.project_number", "must come from a column"},
		{"unknown hub field", peopleMapping("hire_date: hd"), 4, "people.fields", `"hire_date" is not a field of people; did you mean hired_date? (or custom.<name> for a custom field)`},
		{"unsupported field", "projects:\n  fields:\n    project_number: n\n    roles: r\n", 4, "projects.fields", "roles cannot be mapped"},
		{"custom field without custom fields", "groups:\n  fields:\n    code: c\n    custom.x: y\n", 4, "groups.fields", `groups have no custom fields, so "custom.x" cannot be mapped`},
		{"field given twice", peopleMapping("email: a\nemail: b"), 5, "people.fields", `"email" is given twice (first on line 4)`},
		{"unknown field setting", peopleMapping("hired_date: {column: hd, fromat: \"01/02/2006\"}"), 4, "people.fields.hired_date", `"fromat" is not a known setting; did you mean format?`},
		{"empty column", peopleMapping("email: \"\""), 4, "people.fields.email", "is empty; give the source column to read"},
		{"no source", peopleMapping("email: {case: lower}"), 4, "people.fields.email", "says nowhere to take the value from"},
		{"two sources", peopleMapping("email: {column: e, value: x}"), 4, "people.fields.email", "gives more than one of column, value and rules"},
		{"bad date format", peopleMapping("hired_date:\n  column: hd\n  format: MM-DD"), 6, "people.fields.hired_date.format", `"MM-DD" is not a date format with a year, a month and a day`},
		{"format on text", peopleMapping("email: {column: e, format: \"2006-01-02\"}"), 4, "people.fields.email.format", "applies only to date fields"},
		{"round on text", peopleMapping("email: {column: e, round: 2}"), 4, "people.fields.email.round", "applies only to decimal fields"},
		{"bad round", peopleMapping("hourly_wage: {column: w, round: many}"), 4, "people.fields.hourly_wage.round", `"many" is not a number of decimal places`},
		{"split on text", peopleMapping("email: {column: e, split: \",\"}"), 4, "people.fields.email.split", "applies only to list fields"},
		{"bad case", peopleMapping("email: {column: e, case: camel}"), 4, "people.fields.email.case", `"camel" is not a letter case; use upper, lower, title or keep`},
		{"case on a constant", peopleMapping("gender: {value: x, case: upper}"), 4, "people.fields.gender.case", "applies to values read from a column"},
		{"bad trim", peopleMapping("email: {column: e, trim: maybe}"), 4, "people.fields.email.trim", `"maybe" is not true or false`},
		{"bad constant", peopleMapping("is_user: {value: perhaps}"), 4, "people.fields.is_user.value", `"perhaps" is not a yes/no value`},
		{"bad constant date", peopleMapping("hired_date: {value: 03-01}"), 4, "people.fields.hired_date.value", `"03-01" is not a date`},
		{"bad status constant", peopleMapping("status: {value: pending}"), 4, "people.fields.status.value", `"pending" is not a status; use active or inactive`},
		{"list constant for one value", peopleMapping("email: {value: [a, b]}"), 4, "people.fields.email.value", "must be a single value for email"},
		{"map without column", peopleMapping("status: {value: active, map: {A: active}}"), 4, "people.fields.status.map", "needs column"},
		{"map value not a status", peopleMapping("status:\n  column: s\n  map: {A: active, T: actve}"), 6, "people.fields.status.map.T", `"actve" is not a status; use active or inactive`},
		{"map key twice", peopleMapping("status:\n  column: s\n  map:\n    A: active\n    a: inactive"), 8, "people.fields.status.map", `"a" is given twice`},
		{"empty map", peopleMapping("status: {column: s, map: {}}"), 4, "people.fields.status.map", "is empty"},
		{"default with unmatched", peopleMapping("status: {column: s, map: {A: active}, default: active, unmatched: skip}"), 4, "people.fields.status.default", "cannot be given with unmatched"},
		{"unmatched without map", peopleMapping("email: {column: e, unmatched: skip}"), 4, "people.fields.email.unmatched", "needs map or rules"},
		{"bad unmatched", peopleMapping("status: {column: s, map: {A: active}, unmatched: ignore}"), 4, "people.fields.status.unmatched", `"ignore" is not a choice; use error`},
		{"keep with rules", peopleMapping("job_title:\n  rules: [{column: t, exact: {1: FORE}}]\n  unmatched: keep"), 6, "people.fields.job_title.unmatched", "keep applies to maps only"},
		{"inactive_from on another field", peopleMapping("hired_date: {column: h, inactive_from: t}"), 4, "people.fields.hired_date.inactive_from", "applies only to the status field"},
		{"inactive_from without column", peopleMapping("status:\n  inactive_from: {format: \"01/02/2006\"}"), 5, "people.fields.status.inactive_from", "needs column"},
		{"inactive_from bad format", peopleMapping("status:\n  inactive_from: {column: t, format: DD}"), 5, "people.fields.status.inactive_from.format", `"DD" is not a date format`},
		{"rules not a list", peopleMapping("group_codes: {rules: {column: d}}"), 4, "people.fields.group_codes.rules", "must be a list of rules"},
		{"rules on a date", peopleMapping("hired_date: {rules: [{when: {column: a, equals: b}, codes: x}]}"), 4, "people.fields.hired_date.rules", "apply only to text and code fields"},
		{"rule with two kinds", peopleMapping("group_codes:\n  rules:\n    - column: d\n      exact: {1: KS}\n      prefix: {K: KS}"), 6, "people.fields.group_codes.rules[0]", "must give one of exact, prefix, range"},
		{"rule without column", peopleMapping("group_codes:\n  rules:\n    - exact: {1: KS}"), 6, "people.fields.group_codes.rules[0]", "needs column"},
		{"codes rule with column", peopleMapping("group_codes:\n  rules:\n    - column: d\n      codes: KS"), 6, "people.fields.group_codes.rules[0].column", "does not go with codes"},
		{"unknown rule setting", peopleMapping("group_codes:\n  rules:\n    - column: d\n      exactly: {1: KS}"), 7, "people.fields.group_codes.rules[0]", `"exactly" is not a known setting; did you mean exact?`},
		{"bad range", peopleMapping("group_codes:\n  rules:\n    - column: d\n      range: {\"300 to\": KS}"), 7, "people.fields.group_codes.rules[0].range", `"300 to" is not a number range`},
		{"backward range", peopleMapping("group_codes:\n  rules:\n    - column: d\n      range:\n        599-300: KS"), 8, "people.fields.group_codes.rules[0].range", "starts above where it ends"},
		{"empty code", peopleMapping("group_codes:\n  rules:\n    - column: d\n      exact: {1: \"\"}"), 7, "people.fields.group_codes.rules[0].exact.1", "has an empty code"},
		{"All with codes", peopleMapping("group_codes:\n  rules:\n    - column: d\n      exact: {1: [All, KS]}"), 7, "people.fields.group_codes.rules[0].exact.1", "mixes All with group codes"},
		{"list for a single field", peopleMapping("job_title:\n  rules:\n    - column: t\n      exact: {1: [FORE, APP]}"), 7, "people.fields.job_title.rules[0].exact.1", "must be a single value: job_title holds one"},
		{"match all on a single field", peopleMapping("job_title:\n  rules: [{column: t, exact: {1: FORE}}]\n  match: all"), 6, "people.fields.job_title.match", "all applies only to list fields"},
		{"bad match", peopleMapping("group_codes:\n  rules: [{column: t, exact: {1: KS}}]\n  match: any"), 6, "people.fields.group_codes.match", `"any" is not a choice; use first`},
		{"bad condition", peopleMapping("", "  where: {column: company}\n"), 4, "people.where", "must give column and one of equals, not_equals or empty"},
		{"bad condition setting", peopleMapping("", "  where:\n    - {column: company, equal: \"01\"}\n"), 5, "people.where[0]", `"equal" is not a known setting; did you mean equals?`},
		{"bad when", peopleMapping("group_codes:\n  rules:\n    - when: {column: c, equals: [a, [b]]}\n      codes: KS"), 6, "people.fields.group_codes.rules[0].when.equals[1]", "must be a value"},
		{"skip_if_empty not columns", peopleMapping("", "  skip_if_empty: {a: b}\n"), 4, "people.skip_if_empty", "must be a source column name or a list of them, not a group of settings"},
		{"manual key", peopleMapping("email: e", "  manual_override: [employee_id]\n"), 5, "people.manual_override", "employee_id is the key"},
		{"manual not mapped", peopleMapping("email: e", "  manual_override: [mobile_phone]\n"), 5, "people.manual_override", `"mobile_phone" is not one of the fields mapped above`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := parseProblems(t, tt.src)
			for _, p := range pe.Problems {
				if p.Line == tt.line && p.Setting == tt.setting && strings.Contains(p.Message, tt.want) {
					return
				}
			}
			t.Fatalf("no problem at line %d, %s containing %q; got %v\n%s", tt.line, tt.setting, tt.want, pe, tt.src)
		})
	}
}

// TestParseErrorText checks how a problem reads, and that every problem of a
// file is reported at once, in line order.
func TestParseErrorText(t *testing.T) {
	src := `people:
  fields:
    employee_id: emp_no
    hired_date: {column: date_hired, format: "MM-DD"}
    hire_date: x
projects:
  fields:
    name: job_name
`
	pe := parseProblems(t, src)
	if len(pe.Problems) != 3 {
		t.Fatalf("got %d problems, want 3: %v", len(pe.Problems), pe)
	}
	want := `the mapping has 3 problems: line 4, people.fields.hired_date.format: "MM-DD" is not a date format with a year, a month and a day; ` +
		`write the date Jan 2 2006 the way the source writes its dates, like 01/02/2006 or 2006-01-02 (MM/DD/YYYY also works); ` +
		`line 5, people.fields: "hire_date" is not a field of people; did you mean hired_date? (or custom.<name> for a custom field); ` +
		`line 8, projects.fields: does not map project_number, the key that matches rows to projects in the hub; add project_number: <source column>`
	if pe.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", pe.Error(), want)
	}
	// A key with a problem of its own is not also reported as missing.
	if pe := parseProblems(t, "people:\n  fields:\n    employee_id: {column: [a]}\n"); len(pe.Problems) != 1 {
		t.Errorf("a bad key gives %d problems: %v", len(pe.Problems), pe)
	}
	one := parseProblems(t, "people:\n  fields: {employee_id: id, is_user: {value: perhaps}}\n")
	if got := one.Error(); !strings.HasPrefix(got, `mapping line 2, people.fields.is_user.value: "perhaps" is not a yes/no value`) {
		t.Errorf("one problem reads %q", got)
	}
}

// TestParseAccepts covers forms that must parse: shorthands, aliases, notations.
func TestParseAccepts(t *testing.T) {
	for name, src := range map[string]string{
		"column shorthand":             peopleMapping("first_name: fn"),
		"YYYY notation":                peopleMapping("hired_date: {column: hd, format: MM/DD/YYYY}"),
		"format list":                  peopleMapping("hired_date: {column: hd, format: [\"01/02/2006\", \"2006-01-02\"]}"),
		"inactive shorthand":           peopleMapping("status: {inactive_from: dt}"),
		"status map and inactive_from": peopleMapping("status:\n  column: s\n  map: {A: active, I: inactive}\n  default: active\n  inactive_from: dt"),
		"where single":                 peopleMapping("", "  where: {column: company, equals: \"01\"}\n"),
		"where list":                   peopleMapping("", "  where:\n    - {column: company, equals: [\"01\", \"02\"]}\n    - {column: t, not_equals: X}\n    - {column: email, empty: false}\n"),
		"skip_if_empty one":            peopleMapping("", "  skip_if_empty: id\n"),
		"null map value":               peopleMapping("union: {column: u, map: {\"0\": null}, unmatched: keep}"),
		"YAML anchors":                 "people:\n  fields:\n    employee_id: id\n    job_title: &jt {column: trade, map: {\"10\": FORE}, unmatched: empty}\n" + "projects:\n  fields:\n    project_number: n\n    name: *jt\n",
		"custom field":                 peopleMapping("custom.shirt_size: shirt"),
		"version":                      "version: 1\n" + peopleMapping(""),
		"constant list":                peopleMapping("group_codes: {value: [KS, MO]}"),
		"constant All":                 peopleMapping("group_codes: {value: All}"),
		"all entities":                 "groups:\n  fields: {code: c}\njob_titles:\n  fields: {code: c}\npeople:\n  fields: {employee_id: e}\nprojects:\n  fields: {project_number: n}\n",
	} {
		t.Run(name, func(t *testing.T) { mustParse(t, src) })
	}
}
