// Package templates declares Trestle's standard CSV templates (groups.csv,
// job_titles.csv, tags.csv, people.csv, projects.csv, assignments.csv), parses them
// into planning values, and writes blank templates and examples. It does no I/O of
// its own beyond the io.Reader and io.Writer it is given, and knows nothing of the
// store: whether a group code or an employee_id exists in the hub is for the caller
// (internal/ingest) to check.
//
// # Declarations
//
// Each template is one Template value (Groups, JobTitles, Tags, People, Projects,
// Assignments) whose Spec lists its columns: snake_case name, Type, required or
// not, default, example value and a one-line description. The parser, the blank
// templates, the example files and docs/templates.md all come from these
// declarations, so they cannot drift apart.
//
// # Parsing
//
// Template.Parse streams a file: it reads and checks the header at once, then
// Reader.Rows yields one Row per data line (its line number, the planning value,
// normalized and validated, and what the file names by key that the hub keeps by
// id: an assignment's employee_id and project_number, and "All" in a people or
// projects group column; a project role's PersonID holds the employee_id).
// Only one record is held at a time, plus the keys seen so far to find duplicates.
// Reader.Err then returns every problem of the file (up to MaxProblems, with a count
// of the rest), each naming file, line and column in plain words:
//
//	people.csv line 12, column hired_date: "31/02/2024" is not a date; use YYYY-MM-DD or MM/DD/YYYY
//
// A file is all or nothing: a caller must not apply any row of a file whose Err is
// not nil. Rows with problems of their own are still yielded (Row.Invalid is set) so
// that checks across files can tell "unknown person" from "person whose row has an
// error".
//
// # Example rows live in their own file
//
// "trestle template" writes two files per template: people.csv, the header alone,
// ready to fill, and people.example.csv, the same header and one example row. We
// do not put a "#"-commented example row in the template, and the parser does not
// skip "#" rows, for two reasons. A line starting with "#" is an ordinary row to
// Excel, Google Sheets and every CSV library, which round-trip it as data, so the
// marker would only work if every tool on the way preserved it. And a parser that
// skips rows by their first character would silently drop a real row whose first
// value starts with "#" (an employee_id such as "#1042"); in replace mode (the SFTP
// drop) a silently dropped person is deactivated. Every line of a template file is
// therefore data, and an example row left in a real file by mistake is reported
// rather than imported (the example file itself parses cleanly).
//
// # Cell syntax
//
// Lists are separated by "|" (KS|MO); "All" in a group column means every group.
// Dates are YYYY-MM-DD or MM/DD/YYYY, times HH:MM, money 12 or 12.50, booleans Y/N,
// true/false or 1/0. Structured cells: a person's tags OSHA10:2027-03-01|FORKLIFT
// (code, optional expiry after ":"), project roles E1001:PM|E1002:SUPER
// (employee_id:job title code), categories Level 1>North;South|Roof (category,
// optional subcategories after ">" separated by ";"), wage overrides
// FORE:45.50|APP:28 (job title code:rate), work days Mon|Tue|Wed|Thu|Fri or a
// seven-letter pattern Sunday first such as -MTWTF-. Type.Syntax says the same for
// each type, and docs/templates.md lists it all.
package templates
