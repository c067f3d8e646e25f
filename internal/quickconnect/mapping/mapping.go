package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Mapping is a parsed mapping file: for each entity it maps, how source rows
// become hub records. A Mapping does not change once parsed and may be used by
// many goroutines at once.
type Mapping struct {
	groups    *plan[planning.Group]
	jobTitles *plan[planning.JobTitle]
	people    *plan[planning.Person]
	projects  *plan[planning.Project]
}

// plan is the compiled mapping of one entity.
type plan[T any] struct {
	def      *entityDef[T]
	filters  []filter
	fields   []*field
	sets     []func(*T, value) bool // parallel to fields
	tmplDefs []value                // parallel to fields: the template's default (unset when none)
	mapped   []string               // the fields' names, in the mapping's order
	also     []string               // further record fields the mapped ones write
	manual   []string
	keyField *field
	keySeen  bool // the key is in fields (keyField is nil if it has problems)
	uses     []columnUse
	// unmapped holds the template defaults of the fields the mapping does not
	// fill (is_assignable Y), set on every record.
	unmapped []fieldDefault[T]
}

type fieldDefault[T any] struct {
	set func(*T, value) bool
	v   value
}

// columnUse is one place the mapping reads a source column.
type columnUse struct {
	column  string
	line    int
	setting string
}

func (pl *plan[T]) use(column string, line int, setting string) {
	pl.uses = append(pl.uses, columnUse{column, line, setting})
}

// finish links the template defaults once every field is read.
func (pl *plan[T]) finish() {
	pl.tmplDefs = make([]value, len(pl.fields))
	for i, f := range pl.fields {
		pl.tmplDefs[i] = pl.def.defaults[f.name]
	}
	for _, hf := range pl.def.fields {
		if v, ok := pl.def.defaults[hf.name]; ok && !slices.Contains(pl.mapped, hf.name) {
			pl.unmapped = append(pl.unmapped, fieldDefault[T]{set: hf.set, v: v})
		}
	}
}

// info is what Mapping's entity-level methods need of a plan.
type info interface {
	columnUses() []columnUse
	owned() []string
	manualFields() []string
}

func (pl *plan[T]) columnUses() []columnUse { return pl.uses }

func (pl *plan[T]) manualFields() []string { return slices.Clone(pl.manual) }

// owned lists the mapped fields that are not manual, in template order, then
// the custom fields in name order.
func (pl *plan[T]) owned() []string {
	var out []string
	for _, hf := range pl.def.fields {
		if slices.Contains(pl.mapped, hf.name) && !slices.Contains(pl.manual, hf.name) {
			out = append(out, hf.name)
			out = append(out, hf.also...)
		}
	}
	var custom []string
	for _, name := range pl.mapped {
		if strings.HasPrefix(name, "custom.") && !slices.Contains(pl.manual, name) {
			custom = append(custom, name)
		}
	}
	slices.Sort(custom)
	return append(out, custom...)
}

func (m *Mapping) info(e Entity) info {
	switch {
	case e == Groups && m.groups != nil:
		return m.groups
	case e == JobTitles && m.jobTitles != nil:
		return m.jobTitles
	case e == People && m.people != nil:
		return m.people
	case e == Projects && m.projects != nil:
		return m.projects
	}
	return nil
}

// Entities lists the entities the mapping fills, in the order a sync applies
// them: groups, job_titles, people, projects.
func (m *Mapping) Entities() []Entity {
	var out []Entity
	for _, e := range allEntities {
		if m.info(e) != nil {
			out = append(out, e)
		}
	}
	return out
}

// OwnedFields lists the hub fields the sync owns for the entity: every field
// the mapping fills except the manual_override ones, named as in planning's
// FieldError.Field and the CSV templates ("first_name", "group_codes",
// "custom.shirt_size"; a job title's group_codes comes with "global"). An
// update takes these fields from the source and keeps the hub's value of every
// other field (internal/ingest's Options.Owned). Nil when the mapping does not
// fill the entity.
func (m *Mapping) OwnedFields(e Entity) []string {
	if in := m.info(e); in != nil {
		return in.owned()
	}
	return nil
}

// Owned is OwnedFields for every entity the mapping fills, by planning kind, as
// internal/ingest's Options.Owned takes it.
func (m *Mapping) Owned() map[planning.Kind][]string {
	out := map[planning.Kind][]string{}
	for _, e := range m.Entities() {
		out[e.Kind()] = m.OwnedFields(e)
	}
	return out
}

// ManualFields lists the fields of the entity's manual_override setting: the
// mapping fills them when a record is created, and the hub keeps them editable
// afterwards.
func (m *Mapping) ManualFields(e Entity) []string {
	if in := m.info(e); in != nil {
		return in.manualFields()
	}
	return nil
}

// Columns lists the source columns the entity's mapping reads (fields, rules,
// where, skip_if_empty), each once, in the order the mapping names them. A SQL
// source's query must return at least these.
func (m *Mapping) Columns(e Entity) []string {
	in := m.info(e)
	if in == nil {
		return nil
	}
	var out []string
	for _, u := range in.columnUses() {
		if !containsFold(out, u.column) {
			out = append(out, u.column)
		}
	}
	return out
}

// CheckColumns checks, before any row is mapped, that the source has every
// column the entity's mapping reads (compared without regard to letter case).
// It returns a *MissingColumnsError listing every missing column with the line
// and setting that names it, or an error when the mapping does not fill the
// entity.
func (m *Mapping) CheckColumns(e Entity, columns []string) error {
	in := m.info(e)
	if in == nil {
		return fmt.Errorf("the mapping has no %s section", e)
	}
	have := make(map[string]bool, len(columns))
	for _, c := range columns {
		have[strings.ToLower(strings.TrimSpace(c))] = true
	}
	err := &MissingColumnsError{Entity: e, Have: columns}
	var seen []string
	for _, u := range in.columnUses() {
		if have[strings.ToLower(u.column)] || containsFold(seen, u.column) {
			continue
		}
		seen = append(seen, u.column)
		err.Missing = append(err.Missing, MissingColumn{Column: u.column, Line: u.line, Setting: u.setting})
	}
	if len(err.Missing) == 0 {
		return nil
	}
	return err
}

// MissingColumnsError reports the columns a mapping reads that a source lacks.
type MissingColumnsError struct {
	Entity  Entity
	Missing []MissingColumn
	// Have lists the source's columns.
	Have []string
}

// MissingColumn is one column a mapping reads that the source lacks.
type MissingColumn struct {
	Column string `json:"column"`
	// Line and Setting say where the mapping names it (first place only).
	Line    int    `json:"line"`
	Setting string `json:"setting"`
}

// Error reads like
//
//	the people source lacks 1 column the mapping reads: "date_terminated" (line 14, people.fields.status.inactive_from); the source has emp_no, first_name
func (e *MissingColumnsError) Error() string {
	var b strings.Builder
	n := len(e.Missing)
	fmt.Fprintf(&b, "the %s source lacks %d %s the mapping reads: ", e.Entity, n, plural(n, "column", "columns"))
	for i, c := range e.Missing {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q (line %d, %s)", c.Column, c.Line, c.Setting)
	}
	const shown = 50
	switch {
	case len(e.Have) == 0:
		b.WriteString("; the source has no columns")
	case len(e.Have) > shown:
		fmt.Fprintf(&b, "; the source has %s and %d more", strings.Join(e.Have[:shown], ", "), len(e.Have)-shown)
	default:
		b.WriteString("; the source has " + strings.Join(e.Have, ", "))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// MapPerson maps one source row to a person. See mapRow for what the Outcome
// and the value hold.
func (m *Mapping) MapPerson(row Row, ctx Context) (planning.Person, Outcome) {
	return mapRow(m.people, People, row, ctx)
}

// MapProject maps one source row to a project, as MapPerson does.
func (m *Mapping) MapProject(row Row, ctx Context) (planning.Project, Outcome) {
	return mapRow(m.projects, Projects, row, ctx)
}

// MapGroup maps one source row to a group, as MapPerson does.
func (m *Mapping) MapGroup(row Row, ctx Context) (planning.Group, Outcome) {
	return mapRow(m.groups, Groups, row, ctx)
}

// MapJobTitle maps one source row to a job title, as MapPerson does.
func (m *Mapping) MapJobTitle(row Row, ctx Context) (planning.JobTitle, Outcome) {
	return mapRow(m.jobTitles, JobTitles, row, ctx)
}

// mapRow maps one row.
//
// A row that fails a filter is Skipped, and the value is the zero value. A row
// whose values could all be read is OK. Otherwise it is Invalid: the value
// still holds every field that could be read, notably the key when it could,
// so that the caller can count the key as present in the source (ingest's
// Item.Invalid) and name the record in messages. The value of an OK or Invalid
// row is normalized with planning's Normalize, as the store would; validating
// it (required fields, formats, references) is the caller's job.
func mapRow[T any](pl *plan[T], e Entity, row Row, ctx Context) (T, Outcome) {
	if pl == nil {
		var t T
		return t, Outcome{Result: Invalid, Problems: []Problem{{Message: fmt.Sprintf("the mapping has no %s section", e)}}}
	}
	for i := range pl.filters {
		if !pl.filters[i].cond.holds(row) {
			var t T
			return t, Outcome{Result: Skipped, Filter: pl.filters[i].reason}
		}
	}
	t := new(T)
	out := Outcome{Result: OK}
	for i := range pl.unmapped {
		pl.unmapped[i].set(t, pl.unmapped[i].v)
	}
	loc := ctx.location()
	keyBad := false
	for i, f := range pl.fields {
		v, prob, skip := f.eval(row, loc)
		if skip {
			var zero T
			return zero, Outcome{Result: Skipped, Filter: f.skipWhy}
		}
		if prob != nil {
			out.Problems = append(out.Problems, *prob)
			keyBad = keyBad || f == pl.keyField
			continue
		}
		if f.inactive != nil {
			raw, _ := row.Get(f.inactive.column)
			d, err := f.inactive.rd.readDate(canon(raw), loc)
			switch {
			case err != nil:
				out.Problems = append(out.Problems, Problem{Field: f.name, Column: f.inactive.column, Message: err.Error() + " (inactive_from)"})
				continue
			case !d.IsZero() && !d.After(ctx.today()):
				v = value{set: true, text: string(planning.StatusInactive)}
			case !v.set && f.constant == nil && f.column == "" && f.rules == nil:
				v = value{set: true, text: string(planning.StatusActive)}
			}
		}
		if !v.set {
			if !pl.tmplDefs[i].set {
				continue
			}
			v = pl.tmplDefs[i]
		}
		if pl.sets[i](t, v) {
			out.AllGroups = true
		}
	}
	rec := any(t).(planning.Record)
	rec.Normalize()
	if rec.Key() == "" && !keyBad && pl.keyField != nil {
		out.Problems = append(out.Problems, Problem{Field: pl.def.key, Column: pl.keyField.column,
			Message: fmt.Sprintf("is empty, and %s is the key that matches rows to %s in the hub; list the column under skip_if_empty to skip such rows instead", pl.def.key, e)})
	}
	if len(out.Problems) > 0 {
		out.Result = Invalid
	}
	return *t, out
}
