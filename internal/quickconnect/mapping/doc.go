// Package mapping is QuickConnect's field-mapping engine: it reads a mapping
// file (YAML) that says how the rows of a customer's system of record become
// hub records (groups, job titles, people, projects), and maps rows one at a
// time. It does no I/O: sources (internal/quickconnect/source) give the rows,
// and internal/ingest validates and applies the records.
//
// docs/quickconnect.md documents the format with full examples; in short:
//
//	people:
//	  where: {column: company, equals: "01"}       # other rows are skipped
//	  skip_if_empty: [emp_no]
//	  fields:
//	    employee_id: emp_no                         # the key: required
//	    first_name: {column: first_name, case: title}
//	    hired_date: {column: date_hired, format: "01/02/2006"}
//	    hourly_wage: {column: pay_rate, round: 2}
//	    status: {inactive_from: date_terminated}    # inactive once the date has come
//	    job_title: {column: trade_id, map: {"10": FORE, "20": JOUR}, unmatched: empty}
//	    group_codes:
//	      rules:
//	        - column: dept
//	          range: {"< 300": KS, "300-599": MO}
//	      default: KS
//	    is_assignable: {value: true}
//	  manual_override: [email]
//
// # Using a mapping
//
// Parse reads a file and reports every problem with its YAML line and setting
// (*ParseError). Before reading rows, CheckColumns compares the columns the
// mapping reads with the source's, so that a mapping naming a missing column
// fails the run before anything changes. Then MapPerson, MapProject, MapGroup
// and MapJobTitle map each Row: the Outcome says OK, Skipped (a filter left the
// row out: count it, it is not an error) or Invalid (Problems name the hub
// field, the source column and the value, in plain words). OwnedFields lists
// the fields the sync owns, for ingest's Options.Owned; the others, including
// the manual_override fields, stay editable in the hub.
//
// # Values
//
// Row values may be of any type database/sql drivers and JSON decoding give
// (string, []byte, integers, floats, bool, time.Time, json.Number, lists, nil);
// each is read according to the hub field's kind: text, yes/no, decimal, whole
// number, date, time of day or list. Text is trimmed unless trim is false.
// Comparisons with values the mapping gives (map keys, equals, exact and
// prefix rules) ignore letter case and surrounding spaces, and a source number
// matches a key that is the same number.
//
// A date-and-time value is turned into a day as follows: a time at midnight,
// or labelled UTC (how drivers give DATE and zone-less DATETIME columns), is the
// day it shows; any other time, and a text timestamp with a zone, is an
// instant, whose day is taken in the company's time zone (Context.Location); a
// text timestamp without a zone is read as the company's local time.
// Context.Today, the current day in that zone, decides whether an
// inactive_from date has come.
package mapping
