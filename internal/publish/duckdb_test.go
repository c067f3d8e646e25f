package publish

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/testenv"
)

// TestDuckDBReadsPublishedTables: DuckDB, an independent Parquet reader, reads
// every data file of every published table with the types a consumer expects
// (DATE, DECIMAL(18,4), TIMESTAMP WITH TIME ZONE, lists, maps and lists of
// structs), the same number of rows and the same ids as our reader, and the
// values of a record written with every kind of value.
func TestDuckDBReadsPublishedTables(t *testing.T) {
	duck := testenv.DuckDB(t)
	ctx := context.Background()
	st := backends[0].open(t)
	c, person, project := typesCompany(t, st)
	dir := localDir(t)
	p := New(st, dir, Options{})
	_, err := p.Sync(ctx, c.ID)
	must(t, err)

	wantTypes := map[string]map[string]string{
		"people": {"id": "VARCHAR", "hired_date": "DATE", "hourly_wage": "DECIMAL(18,4)", "created_at": "TIMESTAMP WITH TIME ZONE",
			"group_codes": "VARCHAR[]", "custom": "MAP(VARCHAR, VARCHAR)", "is_user": "BOOLEAN", "version": "BIGINT"},
		"person_tags": {"expires_on": "DATE"},
		"projects": {"roles": `STRUCT("person_id" VARCHAR, "job_title" VARCHAR)[]`, "percent_complete": "INTEGER",
			"categories": `STRUCT("name" VARCHAR, "subcategories" VARCHAR[])[]`, "wage_overrides": `STRUCT("job_title" VARCHAR, "rate" DECIMAL(18,4))[]`},
		"assignments": {"work_days": `STRUCT("sunday" BOOLEAN, "monday" BOOLEAN, "tuesday" BOOLEAN, "wednesday" BOOLEAN, "thursday" BOOLEAN, "friday" BOOLEAN, "saturday" BOOLEAN)`,
			"start_day": "DATE"},
		"change_history": {"seq": "BIGINT", "changed_at": "TIMESTAMP WITH TIME ZONE"},
	}
	wantValues := map[string]map[string]string{
		"people": {"hired_date": `"2019-04-15"`, "hourly_wage": `"38.1234"`, "date_of_birth": `null`,
			"custom": `[{"key":"boots","value":"10"},{"key":"shirt","value":"L"}]`, "group_codes": `["KS"]`},
		"person_tags": {"expires_on": `"2027-06-30"`, "tag_code": `"OSHA30"`},
		"projects": {"roles": `[{"job_title":"FOR","person_id":"` + person.ID + `"}]`,
			"wage_overrides": `[{"job_title":"FOR","rate":"52.7500"}]`, "start_date": `"2026-01-05"`},
		"assignments": {"start_time": `"06:30"`, "project_id": `"` + project.ID + `"`},
	}
	for _, s := range sharedTables {
		tbl := p.Open(c.ID, s.name())
		snap, err := tbl.Snapshot(ctx)
		must(t, err)
		ours := formatRows(t, tbl.Scan(ctx, snap))
		var paths []string
		for _, a := range snap.Files() {
			k, err := tbl.DataKey(a.Path)
			must(t, err)
			paths = append(paths, filepath.Join(dir.Dir(), filepath.FromSlash(k)))
		}
		if len(paths) == 0 {
			continue
		}
		res := duck.ReadParquet(t, paths...)
		var ids []string
		var count int64
		for _, f := range res.Files {
			count += f.Count
			if got := strings.Join(f.Columns, ","); got != strings.Join(fieldNames(s), ",") {
				t.Errorf("%s: DuckDB columns %s, want %s", s.name(), got, strings.Join(fieldNames(s), ","))
			}
			for col, want := range wantTypes[s.name()] {
				if got := f.Types[slices.Index(f.Columns, col)]; got != want {
					t.Errorf("%s.%s: DuckDB type %s, want %s", s.name(), col, got, want)
				}
			}
			for _, row := range f.Rows {
				ids = append(ids, jsonText(row[0]))
				for col, want := range wantValues[s.name()] {
					if got := jsonText(row[slices.Index(f.Columns, col)]); got != want {
						t.Errorf("%s.%s: DuckDB reads %s, want %s", s.name(), col, got, want)
					}
				}
			}
		}
		if count != int64(len(ours)) {
			t.Errorf("%s: DuckDB counts %d rows, our reader %d", s.name(), count, len(ours))
		}
		var ourIDs []string
		for _, r := range ours {
			id, _, _ := strings.Cut(r, " | ")
			ourIDs = append(ourIDs, `"`+id+`"`)
		}
		slices.Sort(ids)
		slices.Sort(ourIDs)
		if !slices.Equal(ids, ourIDs) && s.name() != "change_history" {
			t.Errorf("%s: DuckDB reads ids %v, our reader %v", s.name(), ids, ourIDs)
		}
	}
}

func fieldNames(s sharedTable) []string {
	var out []string
	for _, f := range s.deltaSchema().Fields {
		out = append(out, f.Name)
	}
	return out
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?" + err.Error()
	}
	return string(b)
}
