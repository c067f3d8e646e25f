package ingest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Owned fields. A scheduled sync usually owns only some fields of a record: the
// others ("manual override fields") are kept up to date in the hub by planners,
// and the sync must not undo their edits. Options.Owned lists, per kind, the
// fields a set owns; an update of a stored record then takes those fields from
// the set and keeps the hub's value of every other field. New records take every
// field of the set.

// ownable lists the kinds that can own fields, with their record types.
var ownable = map[planning.Kind]reflect.Type{
	planning.KindGroup:    reflect.TypeFor[planning.Group](),
	planning.KindJobTitle: reflect.TypeFor[planning.JobTitle](),
	planning.KindTag:      reflect.TypeFor[planning.Tag](),
	planning.KindPerson:   reflect.TypeFor[planning.Person](),
	planning.KindProject:  reflect.TypeFor[planning.Project](),
}

// customField is the field that holds a record's custom fields; "custom.<name>"
// names one of them.
const customField = "custom"

// owned is the compiled form of Options.Owned for one kind: the fields an update
// takes from the set. A nil *owned owns every field.
type owned struct {
	// fields holds the owned top-level fields by name (as in JSON and the CSV
	// templates), with their index paths in the record's struct.
	fields map[string][]int
	// custom lists the custom fields owned one by one ("custom.<name>");
	// customPath is the index path of the record's custom fields.
	custom     []string
	customPath []int
}

// recordFields maps the top-level field names of a record type (as in its JSON,
// including the fields of embedded structs such as the address) to their index
// paths. The Meta fields (id, version, timestamps) are left out.
func recordFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			path := append(slices.Clone(prefix), i)
			tag := f.Tag.Get("json")
			if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
				if f.Type != reflect.TypeFor[planning.Meta]() {
					walk(f.Type, path)
				}
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			out[name] = path
		}
	}
	walk(t, nil)
	return out
}

// compileOwned checks Options.Owned and compiles it. Every unknown field name is
// reported at once.
func compileOwned(m map[planning.Kind][]string) (map[planning.Kind]*owned, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := map[planning.Kind]*owned{}
	var problems []string
	for _, kind := range slices.Sorted(maps.Keys(m)) {
		names := m[kind]
		if len(names) == 0 {
			continue
		}
		t, ok := ownable[kind]
		if !ok {
			problems = append(problems, fmt.Sprintf("%q cannot own fields (groups, job titles, tags, people and projects can)", kind))
			continue
		}
		fields := recordFields(t)
		o := &owned{fields: map[string][]int{}}
		var unknown []string
		for _, name := range names {
			name = strings.TrimSpace(name)
			if custom, ok := strings.CutPrefix(name, customField+"."); ok {
				path, has := fields[customField]
				switch {
				case !has || custom == "":
					unknown = append(unknown, fmt.Sprintf("%q", name))
				case !slices.Contains(o.custom, custom):
					o.custom, o.customPath = append(o.custom, custom), path
				}
				continue
			}
			path, has := fields[name]
			if !has {
				unknown = append(unknown, fmt.Sprintf("%q", name))
				continue
			}
			o.fields[name] = path
		}
		if _, all := o.fields[customField]; all {
			o.custom = nil // all of them
		}
		if len(unknown) > 0 {
			known := slices.Sorted(maps.Keys(fields))
			if _, has := fields[customField]; has {
				known = append(known, "custom.<name>")
			}
			problems = append(problems, fmt.Sprintf("%s %s not %s of %s; the fields are %s",
				strings.Join(unknown, ", "), plural(len(unknown), "is", "are"), plural(len(unknown), "a field", "fields"),
				article(kind), strings.Join(known, ", ")))
			continue
		}
		out[kind] = o
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("owned fields: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

// article is "a person", "a job title", "an ...".
func article(k planning.Kind) string {
	l := k.Label()
	if strings.ContainsRune("aeiou", rune(l[0])) {
		return "an " + l
	}
	return "a " + l
}

// covers reports whether an update writes field (a problem's field: "job_title",
// "tags[1].expires", "custom.size"), that is whether its top-level field is
// owned. A nil *owned covers every field.
func (o *owned) covers(field string) bool {
	if o == nil {
		return true
	}
	if _, all := o.fields[customField]; all && strings.HasPrefix(field, customField+".") {
		return true
	}
	if name, ok := strings.CutPrefix(field, customField+"."); ok {
		return slices.Contains(o.custom, name)
	}
	top := field
	if i := strings.IndexAny(field, ".["); i >= 0 {
		top = field[:i]
	}
	_, ok := o.fields[top]
	return ok
}

// merge returns stored with the owned fields of in. Values are copied shallowly:
// the result shares lists with stored and in, which are not changed.
func merge[T any](o *owned, stored, in *T) T {
	out := *stored
	dst, src := reflect.ValueOf(&out).Elem(), reflect.ValueOf(in).Elem()
	for _, path := range o.fields {
		dst.FieldByIndex(path).Set(src.FieldByIndex(path))
	}
	if len(o.custom) > 0 {
		d := dst.FieldByIndex(o.customPath)
		fields := maps.Clone(d.Interface().(planning.CustomFields))
		if fields == nil {
			fields = planning.CustomFields{}
		}
		from := src.FieldByIndex(o.customPath).Interface().(planning.CustomFields)
		for _, name := range o.custom {
			if v, ok := from[name]; ok {
				fields[name] = v
			} else {
				delete(fields, name)
			}
		}
		if len(fields) == 0 {
			fields = nil
		}
		d.Set(reflect.ValueOf(fields))
	}
	return out
}
