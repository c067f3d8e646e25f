package sharing

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

const alice, bob = "alice-token", "bob-token"

func decode[T any](tb testing.TB, raw json.RawMessage) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

type listBody struct {
	Items []map[string]any `json:"items"`
	Next  *string          `json:"nextPageToken"`
}

func TestListsAndPaging(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "GET", "/delta-sharing/shares", alice, "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("list shares: %d %s", r.status, r.body)
	}
	var all listBody
	must(t, json.Unmarshal(r.body, &all))
	if len(all.Items) != 2 || all.Items[0]["name"] != "acme" || all.Next != nil || strings.Contains(string(r.body), "nextPageToken") {
		t.Fatalf("shares = %s, want acme and acme2 and no nextPageToken", r.body)
	}
	// One per page: a token on the first page, none on the last.
	var names []string
	p := "/delta-sharing/shares?maxResults=1"
	for range 5 {
		var page listBody
		must(t, json.Unmarshal(f.do(t, "GET", p, alice, "").body, &page))
		for _, it := range page.Items {
			names = append(names, it["name"].(string))
		}
		if page.Next == nil {
			break
		}
		p = "/delta-sharing/shares?maxResults=1&pageToken=" + url.QueryEscape(*page.Next)
	}
	if !slices.Equal(names, []string{"acme", "acme2"}) {
		t.Fatalf("paged shares = %v", names)
	}
	for _, tc := range []struct{ path, want string }{
		{"/delta-sharing/shares/ACME", `"name":"acme"`},
		{"/delta-sharing/shares/acme/schemas", `"name":"rp","share":"acme"`},
		{"/delta-sharing/shares/acme/schemas/RP/tables", `"name":"people","schema":"rp","share":"acme"`},
		{"/delta-sharing/shares/acme/all-tables", `"name":"regions"`},
		{"/delta-sharing//shares/acme//all-tables", `"name":"regions"`}, // doubled slashes: served, not redirected
	} {
		r := f.do(t, "GET", tc.path, alice, "")
		if r.status != 200 || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("GET %s: %d %s; want 200 with %s", tc.path, r.status, r.body, tc.want)
		}
	}
	for _, tc := range []struct{ path, token, code, msg string }{
		{"/delta-sharing/shares?maxResults=501", alice, "INVALID_PARAMETER_VALUE", "Acceptable values of 'maxResults' are 0 to 500, inclusive."},
		{"/delta-sharing/shares?maxResults=x3", alice, "INVALID_PARAMETER_VALUE", "expected a number"},
		{"/delta-sharing/shares?pageToken=garbage", alice, "INVALID_PARAMETER_VALUE", "invalid 'nextPageToken'"},
		{"/delta-sharing/shares/nosuch", alice, "RESOURCE_DOES_NOT_EXIST", "share 'nosuch' not found"},
		{"/delta-sharing/shares/acme", bob, "RESOURCE_DOES_NOT_EXIST", "share 'acme' not found"}, // another company's share: as if absent
		{"/delta-sharing/shares/acme/schemas/rp/tables/nosuch/version", alice, "RESOURCE_DOES_NOT_EXIST", "does not exist"},
	} {
		r := f.do(t, "GET", tc.path, tc.token, "")
		var e map[string]string
		_ = json.Unmarshal(r.body, &e)
		wantStatus := 400
		if tc.code == "RESOURCE_DOES_NOT_EXIST" {
			wantStatus = 404
		}
		if r.status != wantStatus || e["errorCode"] != tc.code || !strings.Contains(e["message"], tc.msg) {
			t.Errorf("GET %s: %d %s; want %d %s %q", tc.path, r.status, r.body, wantStatus, tc.code, tc.msg)
		}
	}
	// A page token of one list does not work on another.
	var page listBody
	must(t, json.Unmarshal(f.do(t, "GET", "/delta-sharing/shares/acme/all-tables?maxResults=1", alice, "").body, &page))
	if r := f.do(t, "GET", "/delta-sharing/shares?pageToken="+url.QueryEscape(*page.Next), alice, ""); r.status != 400 {
		t.Errorf("all-tables token on list shares: %d", r.status)
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, token string
		header      []string
	}{
		{"missing", "", nil},
		{"wrong", "nope", nil},
		{"not bearer", "", []string{"Authorization", "Basic YWxpY2U6eA=="}},
	} {
		r := f.do(t, "GET", "/delta-sharing/shares", tc.token, "", tc.header...)
		if r.status != 401 || strings.Contains(string(r.body), "alice") {
			t.Errorf("%s token: %d %s, want 401 with no detail", tc.name, r.status, r.body)
		}
	}
}

func TestVersionAndMetadata(t *testing.T) {
	f := newFixture(t)
	base := "/delta-sharing/shares/acme/schemas/rp/tables/people"
	r := f.do(t, "GET", base+"/version", alice, "")
	if r.status != 200 || r.header.Get("Delta-Table-Version") != "3" || len(r.body) != 0 {
		t.Fatalf("version: %d %q %s", r.status, r.header.Get("Delta-Table-Version"), r.body)
	}
	// startingTimestamp: the first version at or after it.
	for v := 1; v <= 3; v++ {
		ts := f.times[v].Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)
		r := f.do(t, "GET", base+"/version?startingTimestamp="+url.QueryEscape(ts), alice, "")
		if got := r.header.Get("Delta-Table-Version"); got != fmt.Sprint(v) {
			t.Errorf("startingTimestamp just before version %d: %q (%d %s)", v, got, r.status, r.body)
		}
	}
	if r := f.do(t, "GET", base+"/version?startingTimestamp=2022-04-29", alice, ""); r.status != 400 {
		t.Errorf("date-only startingTimestamp: %d", r.status)
	}
	if r := f.do(t, "HEAD", base, alice, ""); r.status != 200 || r.header.Get("Delta-Table-Version") != "3" {
		t.Errorf("HEAD table: %d %q", r.status, r.header.Get("Delta-Table-Version"))
	}

	r = f.do(t, "GET", base+"/metadata", alice, "")
	if r.status != 200 || r.header.Get("Delta-Table-Version") != "3" || !slices.Equal(r.kinds(t), []string{"protocol", "metaData"}) {
		t.Fatalf("metadata: %d %s", r.status, r.body)
	}
	meta := decode[map[string]any](t, r.lines(t)[1]["metaData"])
	if meta["format"].(map[string]any)["provider"] != "parquet" || meta["partitionColumns"] == nil || meta["schemaString"] == "" || meta["numFiles"] == nil {
		t.Errorf("metaData = %v", meta)
	}
	if r.header.Get("delta-sharing-capabilities") != "responseformat=parquet" {
		t.Errorf("capabilities = %q", r.header.Get("delta-sharing-capabilities"))
	}
	// The Python client's probe: delta,parquet -> parquet for a reader-1 table.
	r = f.do(t, "GET", base+"/metadata", alice, "", "delta-sharing-capabilities", "responseformat=delta,parquet;readerfeatures=deletionvectors,columnmapping,timestampntz")
	if !strings.Contains(r.header.Get("delta-sharing-capabilities"), "responseformat=parquet") {
		t.Errorf("delta,parquet on a reader-1 table: %q", r.header.Get("delta-sharing-capabilities"))
	}
	r = f.do(t, "GET", base+"/metadata?version=1", alice, "", "delta-sharing-capabilities", "responseformat=delta")
	lines := r.lines(t)
	if r.header.Get("Delta-Table-Version") != "1" || len(lines) != 2 {
		t.Fatalf("delta metadata at version 1: %s", r.body)
	}
	proto := decode[map[string]map[string]any](t, lines[0]["protocol"])
	dm := decode[map[string]any](t, lines[1]["metaData"])
	if proto["deltaProtocol"]["minReaderVersion"] == nil || dm["deltaMetadata"] == nil || dm["version"] != float64(1) {
		t.Errorf("delta format metadata: %s", r.body)
	}
	if r := f.do(t, "GET", "/delta-sharing/shares/acme/schemas/rp/tables/nohistory/metadata?version=0", alice, ""); r.status != 400 ||
		!strings.Contains(string(r.body), "history sharing is not enabled") {
		t.Errorf("time travel without history: %d %s", r.status, r.body)
	}
	if r := f.do(t, "GET", base+"/metadata", alice, "", "delta-sharing-capabilities", "responseformat=csv"); r.status != 400 {
		t.Errorf("unknown response format: %d", r.status)
	}
}

// fileLines returns the url of every file-ish line (file, add, cdf, remove) in
// order, with its kind.
func fileLines(tb testing.TB, r response) (kinds, urls []string, raw []map[string]any) {
	for _, l := range r.lines(tb) {
		for k, v := range l {
			if k == "protocol" || k == "metaData" || k == "endStreamAction" {
				continue
			}
			m := decode[map[string]any](tb, v)
			kinds = append(kinds, k)
			if u, ok := m["url"].(string); ok {
				urls = append(urls, u)
			}
			raw = append(raw, m)
		}
	}
	return
}

func TestQuerySnapshotAndTimeTravel(t *testing.T) {
	f := newFixture(t)
	q := "/delta-sharing/shares/acme/schemas/rp/tables/people/query"
	rowsOf := func(r response) []string {
		_, urls, _ := fileLines(t, r)
		var rows []string
		for _, u := range urls {
			rows = append(rows, readParquetURL(t, u)...)
		}
		slices.Sort(rows)
		return rows
	}
	r := f.do(t, "POST", q, alice, "{}")
	if r.status != 200 || r.header.Get("Delta-Table-Version") != "3" {
		t.Fatalf("query: %d %s", r.status, r.body)
	}
	if got := rowsOf(r); !slices.Equal(got, []string{"1/Ana", "2/Benjamin", "4/Dee", "5/Eve"}) {
		t.Fatalf("latest rows = %v", got)
	}
	if slices.Contains(r.kinds(t), "endStreamAction") {
		t.Fatalf("endStreamAction written although not asked for: %s", r.body)
	}
	for v, want := range map[int][]string{1: {"1/Ana", "2/Ben", "3/Cy"}, 2: {"1/Ana", "2/Benjamin", "4/Dee"}} {
		r := f.do(t, "POST", q, alice, fmt.Sprintf(`{"version":%d}`, v))
		if r.header.Get("Delta-Table-Version") != fmt.Sprint(v) {
			t.Errorf("version %d: header %q", v, r.header.Get("Delta-Table-Version"))
		}
		if got := rowsOf(r); !slices.Equal(got, want) {
			t.Errorf("version %d rows = %v, want %v", v, got, want)
		}
		_, _, raw := fileLines(t, r)
		if len(raw) == 0 || raw[0]["version"] != float64(v) || raw[0]["timestamp"] == nil || raw[0]["expirationTimestamp"] == nil {
			t.Errorf("time-travel file line lacks version/timestamp/expiry: %v", raw)
		}
		ts := f.times[v].UTC().Format(time.RFC3339Nano)
		if got := rowsOf(f.do(t, "POST", q, alice, `{"timestamp":"`+ts+`"}`)); !slices.Equal(got, want) {
			t.Errorf("timestamp of version %d rows = %v, want %v", v, got, want)
		}
	}
	// Delta format: the add action with its path replaced by a URL.
	r = f.do(t, "POST", q, alice, "{}", "delta-sharing-capabilities", "responseformat=delta")
	var paths []string
	for _, l := range r.lines(t) {
		if fl, ok := l["file"]; ok {
			m := decode[map[string]any](t, fl)
			add := m["deltaSingleAction"].(map[string]any)["add"].(map[string]any)
			paths = append(paths, add["path"].(string))
		}
	}
	if len(paths) == 0 || !strings.HasPrefix(paths[0], f.srv.URL) {
		t.Errorf("delta format files: %s", r.body)
	}
}

func TestQueryPruningPagingAndRefresh(t *testing.T) {
	f := newFixture(t)
	q := "/delta-sharing/shares/acme/schemas/rp/tables/regions/query"
	count := func(body string) int {
		_, urls, _ := fileLines(t, f.do(t, "POST", q, alice, body))
		return len(urls)
	}
	eqKS := `{"op":"equal","children":[{"op":"column","name":"region","valueType":"string"},{"op":"literal","value":"KS","valueType":"string"}]}`
	bigAmount := `{"op":"greaterThan","children":[{"op":"column","name":"amount","valueType":"long"},{"op":"literal","value":"50","valueType":"long"}]}`
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{}`, 2},
		{`{"jsonPredicateHints":` + strconvQuote(eqKS) + `}`, 1},
		{`{"jsonPredicateHints":` + strconvQuote(bigAmount) + `}`, 1}, // by statistics
		{`{"jsonPredicateHints":"not json"}`, 2},                      // unusable hint: all files
		{`{"predicateHints":["region = 'MO'"]}`, 1},
		{`{"limitHint":5}`, 1},
		{`{"limitHint":50}`, 2},
	} {
		if got := count(tc.body); got != tc.want {
			t.Errorf("query %s: %d files, want %d", tc.body, got, tc.want)
		}
	}
	// Paging: one file per page, tokens until the last page, then none.
	var seen []string
	body := `{"maxFiles":1}`
	for range 4 {
		r := f.do(t, "POST", q, alice, body)
		lines := r.lines(t)
		end := decode[map[string]any](t, lines[len(lines)-1]["endStreamAction"])
		_, urls, _ := fileLines(t, r)
		seen = append(seen, urls...)
		next, _ := end["nextPageToken"].(string)
		if end["minUrlExpirationTimestamp"] == nil {
			t.Errorf("endStreamAction without minUrlExpirationTimestamp: %v", end)
		}
		if next == "" {
			break
		}
		body = `{"maxFiles":1,"pageToken":"` + next + `"}`
	}
	if len(seen) != 2 {
		t.Fatalf("paged %d files, want 2", len(seen))
	}
	// Refresh: the same snapshot's files with new URLs.
	r := f.do(t, "POST", q, alice, `{"includeRefreshToken":true}`)
	lines := r.lines(t)
	end := decode[map[string]any](t, lines[len(lines)-1]["endStreamAction"])
	tok, _ := end["refreshToken"].(string)
	if tok == "" {
		t.Fatalf("no refreshToken: %s", r.body)
	}
	if got := count(`{"refreshToken":"` + tok + `"}`); got != 2 {
		t.Errorf("refresh gave %d files", got)
	}
	// Paged: the first page carries the refresh token.
	r = f.do(t, "POST", q, alice, `{"includeRefreshToken":true,"maxFiles":1}`)
	lines = r.lines(t)
	end = decode[map[string]any](t, lines[len(lines)-1]["endStreamAction"])
	if end["refreshToken"] == nil || end["nextPageToken"] == nil {
		t.Errorf("first page of a paged query with includeRefreshToken: %v", end)
	}
	// endStreamAction on request by header.
	r = f.do(t, "POST", q, alice, `{}`, "delta-sharing-capabilities", "includeendstreamaction=true")
	if k := r.kinds(t); k[len(k)-1] != "endStreamAction" || !strings.Contains(r.header.Get("delta-sharing-capabilities"), "includeendstreamaction=true") {
		t.Errorf("includeendstreamaction: %v %q", k, r.header.Get("delta-sharing-capabilities"))
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestQueryBadInput(t *testing.T) {
	f := newFixture(t)
	q := "/delta-sharing/shares/acme/schemas/rp/tables/people/query"
	var page listBody
	_ = page
	r := f.do(t, "POST", q, alice, `{"maxFiles":1}`)
	end := decode[map[string]any](t, r.lines(t)[len(r.lines(t))-1]["endStreamAction"])
	next, _ := end["nextPageToken"].(string)
	for _, tc := range []struct{ body, code, msg string }{
		{``, "MALFORMED_REQUEST", "No content to map due to end-of-input"},
		{`{"predicateHints":{}}`, "MALFORMED_REQUEST", "Expected an array for field predicateHints"},
		{`{"version":1,"timestamp":"2024-01-01T00:00:00Z"}`, "INVALID_PARAMETER_VALUE", "Please only provide one of: version,timestamp,startingVersion"},
		{`{"version":-1}`, "INVALID_PARAMETER_VALUE", "table version cannot be negative"},
		{`{"startingVersion":-1}`, "INVALID_PARAMETER_VALUE", "startingVersion cannot be negative"},
		{`{"startingVersion":3,"endingVersion":2}`, "INVALID_PARAMETER_VALUE", "startingVersion(3) must be smaller than or equal to endingVersion(2)"},
		{`{"startingVersion":1,"endingVersion":9}`, "INVALID_PARAMETER_VALUE", "End version cannot be greater than the latest version"},
		{`{"maxFiles":0}`, "INVALID_PARAMETER_VALUE", "maxFiles must be positive"},
		{`{"maxFiles":3000000000}`, "INVALID_PARAMETER_VALUE", "Not an int32 value"},
		{`{"version":1,"includeRefreshToken":true}`, "INVALID_PARAMETER_VALUE", "includeRefreshToken cannot be used when querying a specific version"},
		{`{"pageToken":"` + next + `","includeRefreshToken":true}`, "INVALID_PARAMETER_VALUE", "includeRefreshToken must be used in the first page request"},
		{`{"refreshToken":"bogus"}`, "INVALID_PARAMETER_VALUE", "Error decoding refresh token"},
		{`{"pageToken":"bogus","maxFiles":1}`, "INVALID_PARAMETER_VALUE", "Error decoding the page token"},
		{`{"pageToken":"` + next + `","maxFiles":2}`, "INVALID_PARAMETER_VALUE", "Query parameter mismatch detected for the next page query"},
		{`{"version":99}`, "INVALID_PARAMETER_VALUE", "version"},
	} {
		r := f.do(t, "POST", q, alice, tc.body)
		var e map[string]string
		_ = json.Unmarshal(r.body, &e)
		if r.status != 400 || e["errorCode"] != tc.code || !strings.Contains(e["message"], tc.msg) {
			t.Errorf("body %s: %d %s; want 400 %s %q", tc.body, r.status, r.body, tc.code, tc.msg)
		}
	}
	// A page token of another table.
	other := "/delta-sharing/shares/acme/schemas/rp/tables/regions/query"
	r = f.do(t, "POST", other, alice, `{"maxFiles":1,"pageToken":"`+next+`"}`)
	if r.status != 400 || !strings.Contains(string(r.body), "The table specified in the page token does not match the table being queried") {
		t.Errorf("page token of another table: %d %s", r.status, r.body)
	}
	if r := f.do(t, "GET", q, alice, ""); r.status != 405 {
		t.Errorf("GET on query: %d", r.status)
	}
	if r := f.do(t, "POST", q, alice, "{}", "fileidhash", "sha1"); r.status != 400 || !strings.Contains(string(r.body), "Unsupported fileidhash: 'sha1'") {
		t.Errorf("bad fileidhash: %d %s", r.status, r.body)
	}
}

func TestChanges(t *testing.T) {
	f := newFixture(t)
	c := "/delta-sharing/shares/acme/schemas/rp/tables/people/changes"
	r := f.do(t, "GET", c+"?startingVersion=1&endingVersion=3", alice, "")
	if r.status != 200 || r.header.Get("Delta-Table-Version") != "1" {
		t.Fatalf("changes: %d %s", r.status, r.body)
	}
	kinds, urls, raw := fileLines(t, r)
	// v1 append: add; v2 merge: its change data files (cdf), not its
	// add/remove; v3 append: add.
	var seq []string
	var cdf []string
	for i, k := range kinds {
		step := fmt.Sprintf("%v:%s", raw[i]["version"], k)
		if raw[i]["timestamp"] == nil {
			t.Errorf("line %d has no timestamp: %v", i, raw[i])
		}
		if len(seq) == 0 || seq[len(seq)-1] != step {
			seq = append(seq, step)
		}
		if k == "cdf" {
			cdf = append(cdf, readParquetURL(t, urls[i])...)
		}
	}
	if !slices.Equal(seq, []string{"1:add", "2:cdf", "3:add"}) {
		t.Fatalf("change lines = %v (%v)", seq, kinds)
	}
	slices.Sort(cdf)
	if !slices.Equal(cdf, []string{"2/Ben/update_preimage", "2/Benjamin/update_postimage", "3/Cy/delete", "4/Dee/insert"}) {
		t.Errorf("change data of version 2 = %v", cdf)
	}
	// By timestamp: the same range.
	st := f.times[1].UTC().Format(time.RFC3339Nano)
	et := f.times[3].UTC().Format(time.RFC3339Nano)
	r2 := f.do(t, "GET", c+"?startingTimestamp="+url.QueryEscape(st)+"&endingTimestamp="+url.QueryEscape(et), alice, "")
	if k, _, _ := fileLines(t, r2); !slices.Equal(k, kinds) || r2.header.Get("Delta-Table-Version") != "1" {
		t.Errorf("changes by timestamp: %v %s", k, r2.body)
	}
	// includeHistoricalMetadata in delta format: files carry version and timestamp.
	r3 := f.do(t, "GET", c+"?startingVersion=0&includeHistoricalMetadata=true", alice, "", "delta-sharing-capabilities", "responseformat=delta")
	if k := r3.kinds(t); k[0] != "protocol" || !slices.Contains(k[2:], "metaData") {
		t.Errorf("historical metadata: %v", k)
	}
	for _, tc := range []struct{ query, msg string }{
		{"", "No startingVersion or startingTimestamp provided for CDF read"},
		{"?startingVersion=1&startingTimestamp=2024-01-01T00:00:00Z", "Multiple starting arguments provided for CDF read"},
		{"?startingVersion=3&endingVersion=2", "CDF range from start 3 to end 2 was invalid. End cannot be before start"},
		{"?startingVersion=6", "Provided Start version(6) for reading change data is invalid. Start version cannot be greater than the latest version of the table(3)."},
		{"?startingVersion=x", "Not a numeric value"},
	} {
		r := f.do(t, "GET", c+tc.query, alice, "")
		if r.status != 400 || !strings.Contains(string(r.body), tc.msg) {
			t.Errorf("changes%s: %d %s; want %q", tc.query, r.status, r.body, tc.msg)
		}
	}
	if r := f.do(t, "GET", "/delta-sharing/shares/acme/schemas/rp/tables/nohistory/changes?startingVersion=0", alice, ""); r.status != 400 {
		t.Errorf("changes without history: %d", r.status)
	}
	// startingVersion on /query: add and remove data-change files with historical metadata.
	r4 := f.do(t, "POST", "/delta-sharing/shares/acme/schemas/rp/tables/people/query", alice, `{"startingVersion":2}`)
	if k, _, _ := fileLines(t, r4); !slices.Contains(k, "add") || !slices.Contains(k, "remove") || r4.header.Get("Delta-Table-Version") != "2" {
		t.Errorf("query from startingVersion 2: %v %s", k, r4.body)
	}
}
