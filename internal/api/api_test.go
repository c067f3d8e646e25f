package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/api"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

type person struct {
	ID         string   `json:"id"`
	Version    int64    `json:"version"`
	FirstName  string   `json:"first_name"`
	LastName   string   `json:"last_name"`
	EmployeeID string   `json:"employee_id"`
	Status     string   `json:"status"`
	Email      string   `json:"email"`
	GroupCodes []string `json:"group_codes"`
	HourlyWage string   `json:"hourly_wage"`
	UpdatedAt  string   `json:"updated_at"`
}

type page struct {
	Data       []person `json:"data"`
	Page       int      `json:"page"`
	PerPage    int      `json:"per_page"`
	Total      int      `json:"total"`
	TotalPages int      `json:"total_pages"`
}

func newPerson(id string) map[string]any {
	return map[string]any{"first_name": "Pat", "last_name": "Lee " + id, "employee_id": id, "group_codes": []string{"KS"},
		"hourly_wage": "41.25", "email": strings.ToLower(id) + "@crew.example.com"}
}

func TestPeopleLifecycle(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.url(t), envOptions{})
			// Create.
			r := e.do("POST", path("demo", "people"), e.editor, newPerson("API1"))
			wantStatus(t, r, http.StatusCreated)
			var p person
			r.json(t, &p)
			if p.ID == "" || p.Version != 1 || p.Status != "active" || p.HourlyWage != "41.25" || r.header.Get("ETag") != `"1"` {
				t.Fatalf("created %+v, ETag %s", p, r.header.Get("ETag"))
			}
			if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/people/"+p.ID) {
				t.Fatalf("Location %q", loc)
			}
			// Read by id, by slug or id of the company, and by employee id.
			for _, u := range []string{path("demo", "people", p.ID), path(e.demo.ID, "people", p.ID), path("demo", "people", "by-employee-id", "API1")} {
				r = e.do("GET", u, e.viewer, nil)
				wantStatus(t, r, http.StatusOK)
				var got person
				r.json(t, &got)
				if got.ID != p.ID || got.LastName != "Lee API1" {
					t.Fatalf("GET %s = %+v", u, got)
				}
			}
			// Partial update: only the field sent changes.
			r = e.do("PATCH", path("demo", "people", p.ID), e.editor, `{"first_name":"Patricia"}`)
			wantStatus(t, r, http.StatusOK)
			var u person
			r.json(t, &u)
			if u.FirstName != "Patricia" || u.LastName != "Lee API1" || u.Version != 2 || u.HourlyWage != "41.25" {
				t.Fatalf("patched %+v", u)
			}
			// null clears a field.
			r = e.do("PATCH", path("demo", "people", p.ID), e.editor, `{"hourly_wage":null}`)
			wantStatus(t, r, http.StatusOK)
			u = person{}
			r.json(t, &u)
			if u.HourlyWage != "" {
				t.Fatalf("hourly_wage not cleared: %+v", u)
			}
			// A new employee id renames the person (same id).
			r = e.do("PATCH", path("demo", "people", p.ID), e.editor, `{"employee_id":"API1-B"}`)
			wantStatus(t, r, http.StatusOK)
			r.json(t, &u)
			if u.ID != p.ID || u.EmployeeID != "API1-B" {
				t.Fatalf("renamed %+v", u)
			}
			// Deactivate: people are never deleted.
			r = e.do("DELETE", path("demo", "people", p.ID), e.editor, nil)
			wantStatus(t, r, http.StatusOK)
			r.json(t, &u)
			if u.Status != "inactive" {
				t.Fatalf("after DELETE: %+v", u)
			}
			// Every change is in the history, with source api and who did it.
			h := e.history(e.demo.ID, p.ID)
			if len(h) < 5 {
				t.Fatalf("history has %d entries for the person, want at least 5", len(h))
			}
			for _, c := range h {
				if c.Source != planning.SourceAPI || !strings.Contains(c.Actor, "token") {
					t.Fatalf("history entry %+v: want source api and the token's user", c)
				}
			}
		})
	}
}

func TestUpsertByEmployeeID(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.url(t), envOptions{})
			body := newPerson("UP1")
			delete(body, "employee_id") // taken from the path
			r := e.do("PUT", path("demo", "people", "by-employee-id", "UP1"), e.editor, body)
			wantStatus(t, r, http.StatusCreated)
			var p person
			r.json(t, &p)
			// The same request again changes nothing: idempotent.
			r = e.do("PUT", path("demo", "people", "by-employee-id", "UP1"), e.editor, body)
			wantStatus(t, r, http.StatusOK)
			var again person
			r.json(t, &again)
			if again.ID != p.ID || again.Version != p.Version {
				t.Fatalf("second PUT changed the record: %+v then %+v", p, again)
			}
			body["last_name"] = "Changed"
			r = e.do("PUT", path("demo", "people", "by-employee-id", "UP1"), e.editor, body)
			wantStatus(t, r, http.StatusOK)
			r.json(t, &again)
			if again.LastName != "Changed" || again.Version != p.Version+1 {
				t.Fatalf("after PUT: %+v", again)
			}
			// A body naming another employee id is refused.
			body["employee_id"] = "OTHER"
			r = e.do("PUT", path("demo", "people", "by-employee-id", "UP1"), e.editor, body)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if f := r.err(t).fields(); !slices.Contains(f, "employee_id") {
				t.Fatalf("details %v, want employee_id", f)
			}
			// Projects upsert by project number.
			proj := map[string]any{"name": "API Tower", "group_codes": []string{"KS"}, "start_date": "2026-01-05", "status": "active"}
			r = e.do("PUT", path("demo", "projects", "by-project-number", "P-API-1"), e.editor, proj)
			wantStatus(t, r, http.StatusCreated)
			// What a write answers is the record as stored (defaults filled in).
			got := e.do("GET", path("demo", "projects", "by-project-number", "P-API-1"), e.editor, nil)
			if !sameJSON(t, r.body, got.body) {
				t.Fatalf("PUT answered\n%s\nbut the stored project is\n%s", r.body, got.body)
			}
			r = e.do("PUT", path("demo", "projects", "by-project-number", "P-API-1"), e.editor, proj)
			wantStatus(t, r, http.StatusOK)
		})
	}
}

func TestListPaging(t *testing.T) {
	e := newEnv(t, backends[0].url(t), envOptions{})
	ctx := context.Background()
	var total int
	e.st.View(ctx, e.demo.ID, func(tx store.Tx) (err error) {
		total, err = tx.People().Count(ctx, store.Query{})
		return err
	})
	seen := map[string]bool{}
	pages := (total + 6) / 7
	for n := 1; n <= pages; n++ {
		r := e.do("GET", path("demo", fmt.Sprintf("people?per_page=7&page=%d", n)), e.viewer, nil)
		wantStatus(t, r, http.StatusOK)
		var pg page
		r.json(t, &pg)
		if pg.Total != total || pg.TotalPages != pages || pg.Page != n || pg.PerPage != 7 {
			t.Fatalf("page %d: %+v (total %d)", n, pg, total)
		}
		for _, p := range pg.Data {
			if seen[p.ID] {
				t.Fatalf("person %s on two pages", p.ID)
			}
			seen[p.ID] = true
		}
		link := r.header.Get("Link")
		if hasNext := strings.Contains(link, `rel="next"`); hasNext != (n < pages) {
			t.Fatalf("page %d of %d: Link %q", n, pages, link)
		}
	}
	if len(seen) != total {
		t.Fatalf("paged through %d people, want %d", len(seen), total)
	}
	// A page beyond the end is empty, with the totals to say why.
	r := e.do("GET", path("demo", fmt.Sprintf("people?per_page=7&page=%d", pages+5)), e.viewer, nil)
	wantStatus(t, r, http.StatusOK)
	var pg page
	r.json(t, &pg)
	if len(pg.Data) != 0 || pg.Total != total || pg.TotalPages != pages {
		t.Fatalf("beyond the end: %+v", pg)
	}
	// Bad paging parameters are named.
	for _, q := range []string{"per_page=401", "per_page=0", "page=0", "page=abc", "updated_after=yesterday", "colour=red"} {
		r := e.do("GET", path("demo", "people?"+q), e.viewer, nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		name, _, _ := strings.Cut(q, "=")
		if f := r.err(t).fields(); !slices.Contains(f, name) {
			t.Fatalf("%s: details %v, want %s", q, f, name)
		}
	}
}

func TestListFilters(t *testing.T) {
	e := newEnv(t, backends[0].url(t), envOptions{})
	time.Sleep(20 * time.Millisecond) // after the demo's records
	before := time.Now().UTC()
	r := e.do("POST", path("demo", "people"), e.editor, newPerson("FIL1"))
	wantStatus(t, r, http.StatusCreated)
	var p person
	r.json(t, &p)
	cases := []struct {
		query string
		want  []string // employee ids, or nil for "not only FIL1"
	}{
		{"employee_id=FIL1", []string{"FIL1"}},
		{"email=fil1@crew.example.com", []string{"FIL1"}},
		{"created_after=" + url.QueryEscape(before.Format(time.RFC3339Nano)), []string{"FIL1"}},
		{"updated_after=" + url.QueryEscape(before.Format(time.RFC3339Nano)), []string{"FIL1"}},
		{"updated_before=" + url.QueryEscape(before.Format(time.RFC3339Nano)) + "&employee_id=FIL1", []string{}},
		{"employee_id=NOPE", []string{}},
		{"status=inactive&employee_id=FIL1", []string{}},
	}
	for _, c := range cases {
		r := e.do("GET", path("demo", "people?"+c.query), e.viewer, nil)
		wantStatus(t, r, http.StatusOK)
		var pg page
		r.json(t, &pg)
		var got []string
		for _, p := range pg.Data {
			got = append(got, p.EmployeeID)
		}
		if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s: got %v, want %v", c.query, got, c.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t, backends[0].url(t), envOptions{})
	r := e.do("POST", path("demo", "people"), e.editor, newPerson("BAD0"))
	wantStatus(t, r, http.StatusCreated)
	var p person
	r.json(t, &p)
	big := `{"first_name":"` + strings.Repeat("x", 70<<10) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
		field                    string
	}{
		{"malformed JSON", "POST", path("demo", "people"), `{"first_name": "Ann",`, 400, api.CodeBadRequest, ""},
		{"malformed patch", "PATCH", path("demo", "people", p.ID), `{"first_name": }`, 400, api.CodeBadRequest, ""},
		{"patch not an object", "PATCH", path("demo", "people", p.ID), `["first_name"]`, 400, api.CodeBadRequest, ""},
		{"unknown field", "POST", path("demo", "people"), `{"first_name":"A","last_name":"B","employee_id":"X1","group_codes":["KS"],"nickname":"Al"}`, 422, api.CodeValidation, "nickname"},
		{"unknown field in patch", "PATCH", path("demo", "people", p.ID), `{"nickname":"Al"}`, 422, api.CodeValidation, "nickname"},
		{"wrong type", "POST", path("demo", "people"), `{"first_name":5,"last_name":"B","employee_id":"X2","group_codes":["KS"]}`, 422, api.CodeValidation, "first_name"},
		{"wrong type in patch", "PATCH", path("demo", "people", p.ID), `{"is_user":"yes"}`, 422, api.CodeValidation, "is_user"},
		{"bad date", "PATCH", path("demo", "people", p.ID), `{"hired_date":"31/12/2020"}`, 422, api.CodeValidation, "hired_date"},
		{"missing required field", "POST", path("demo", "people"), `{"first_name":"A","employee_id":"X3","group_codes":["KS"]}`, 422, api.CodeValidation, "last_name"},
		{"unknown group", "POST", path("demo", "people"), `{"first_name":"A","last_name":"B","employee_id":"X4","group_codes":["NOPE"]}`, 422, api.CodeValidation, "group_codes"},
		{"oversize body", "POST", path("demo", "people"), big, 413, api.CodeTooLarge, ""},
		{"duplicate employee id", "POST", path("demo", "people"), `{"first_name":"A","last_name":"B","employee_id":"BAD0","group_codes":["KS"]}`, 409, api.CodeConflict, "employee_id"},
		{"email of another person", "POST", path("demo", "people"), `{"first_name":"A","last_name":"B","employee_id":"X5","group_codes":["KS"],"email":"bad0@crew.example.com"}`, 409, api.CodeConflict, "email"},
		{"unknown id", "GET", path("demo", "people", "00000000-0000-0000-0000-000000000000"), "", 404, api.CodeNotFound, ""},
		{"unknown endpoint", "GET", path("demo", "widgets"), "", 404, api.CodeNotFound, ""},
		{"stale If-Match", "PATCH", path("demo", "people", p.ID), `{"first_name":"Z","version":99}`, 409, api.CodeConflict, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			r := e.do(c.method, c.path, e.editor, body)
			wantStatus(t, r, c.status)
			ae := r.err(t)
			if ae.Error.Code != c.code {
				t.Fatalf("code %q, want %q: %s", ae.Error.Code, c.code, r.body)
			}
			if c.field != "" && !slices.ContainsFunc(ae.fields(), func(f string) bool { return strings.HasPrefix(f, c.field) }) {
				t.Fatalf("details %v do not name %s: %s", ae.fields(), c.field, r.body)
			}
		})
	}
	// Nothing above changed the person.
	r = e.do("GET", path("demo", "people", p.ID), e.editor, nil)
	var after person
	r.json(t, &after)
	if after.Version != p.Version || after.FirstName != p.FirstName {
		t.Fatalf("bad requests changed the person: %+v -> %+v", p, after)
	}
}

func TestAccess(t *testing.T) {
	e := newEnv(t, backends[0].url(t), envOptions{})
	ctx := context.Background()
	_, expiredTok, err := api.CreatePersonalToken(ctx, e.st, "editor@example.com", "old", []store.Scope{store.ScopeRead}, time.Now().Add(-time.Minute), store.Console("test"))
	if err != nil {
		t.Fatal(err)
	}
	revoked, revokedTok, err := api.CreatePersonalToken(ctx, e.st, "editor@example.com", "gone", []store.Scope{store.ScopeRead}, time.Time{}, store.Console("test"))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do("GET", path("demo", "people"), revokedTok, nil), http.StatusOK)
	if err := e.st.RevokeAPIToken(ctx, revoked.ID, store.Console("test")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, token string
		status                    int
	}{
		{"no token", "GET", path("demo", "people"), "", 401},
		{"garbage token", "GET", path("demo", "people"), "hello", 401},
		{"wrong secret", "GET", path("demo", "people"), e.editor[:len(e.editor)-3] + "abc", 401},
		{"expired token", "GET", path("demo", "people"), expiredTok, 401},
		{"revoked token, next request", "GET", path("demo", "people"), revokedTok, 401},
		{"another company", "GET", path("other", "people"), e.editor, 403},
		{"another company by id", "GET", path(e.other.ID, "people"), e.editor, 403},
		{"a company that does not exist", "GET", path("nope", "people"), e.editor, 403},
		{"viewer writes", "POST", path("demo", "people"), e.viewer, 403},
		{"read scope writes", "POST", path("demo", "people"), e.reader, 403},
		{"read scope reads", "GET", path("demo", "people"), e.reader, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.method == "POST" {
				body = newPerson("ACC1")
			}
			r := e.do(c.method, c.path, c.token, body)
			wantStatus(t, r, c.status)
			if c.status == 403 && strings.Contains(string(r.body), "first_name") {
				t.Fatalf("a 403 leaked data: %s", r.body)
			}
			if c.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	// The 403 for a company that exists reads as the one for a company that
	// does not, so a token cannot probe which companies exist.
	a := e.do("GET", path("other", "people"), e.editor, nil).err(t).Error.Message
	b := e.do("GET", path("nope", "people"), e.editor, nil).err(t).Error.Message
	if strings.ReplaceAll(a, "other", "X") != strings.ReplaceAll(b, "nope", "X") {
		t.Fatalf("403 messages differ: %q vs %q", a, b)
	}
	// A membership removed takes effect on the next request.
	u, _ := e.st.User(ctx, "reader@example.com")
	if err := e.st.RemoveMembership(ctx, u.ID, e.demo.ID, store.Console("test")); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do("GET", path("demo", "people"), e.reader, nil), http.StatusForbidden)
}

func TestOAuthClientCredentials(t *testing.T) {
	e := newEnv(t, backends[0].url(t), envOptions{})
	ctx := context.Background()
	nc, err := api.CreateClient(ctx, e.st, "demo", "payroll", []store.Scope{store.ScopeRead, store.ScopeWrite}, "", store.Console("test"))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	r := e.oauth(form, nc.ClientID, nc.Secret)
	wantStatus(t, r, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	r.json(t, &tok)
	if !strings.HasPrefix(tok.AccessToken, "tra_") || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.Scope != "read write" {
		t.Fatalf("token response %s", r.body)
	}
	wantStatus(t, e.do("GET", path("demo", "people?per_page=1"), tok.AccessToken, nil), http.StatusOK)
	wantStatus(t, e.do("POST", path("demo", "people"), tok.AccessToken, newPerson("OA1")), http.StatusCreated)
	wantStatus(t, e.do("GET", path("other", "people"), tok.AccessToken, nil), http.StatusForbidden)
	// Form fields work as well as HTTP Basic; a read-only token can be asked for.
	form2 := url.Values{"grant_type": {"client_credentials"}, "client_id": {nc.ClientID}, "client_secret": {nc.Secret}, "scope": {"read"}}
	r = e.oauth(form2, "", "")
	wantStatus(t, r, http.StatusOK)
	var ro struct {
		AccessToken string `json:"access_token"`
	}
	r.json(t, &ro)
	wantStatus(t, e.do("POST", path("demo", "people"), ro.AccessToken, newPerson("OA2")), http.StatusForbidden)
	// Wrong secret, wrong grant.
	wantStatus(t, e.oauth(form, nc.ClientID, nc.Secret[:len(nc.Secret)-2]+"zz"), http.StatusUnauthorized)
	wantStatus(t, e.oauth(url.Values{"grant_type": {"password"}}, nc.ClientID, nc.Secret), http.StatusBadRequest)
	// Revoking the client ends its tokens at once, and it gets no new ones.
	if err := e.st.RevokeAPIClient(ctx, nc.Client.ID, store.Console("test")); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do("GET", path("demo", "people"), tok.AccessToken, nil), http.StatusUnauthorized)
	wantStatus(t, e.oauth(form, nc.ClientID, nc.Secret), http.StatusUnauthorized)
}

func TestAccessTokenExpires(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, backends[0].url(t), envOptions{now: clock})
	nc, err := api.CreateClient(context.Background(), e.st, "demo", "reports", []store.Scope{store.ScopeRead}, "", store.Console("test"))
	if err != nil {
		t.Fatal(err)
	}
	r := e.oauth(url.Values{"grant_type": {"client_credentials"}}, nc.ClientID, nc.Secret)
	wantStatus(t, r, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.json(t, &tok)
	wantStatus(t, e.do("GET", path("demo", "people"), tok.AccessToken, nil), http.StatusOK)
	mu.Lock()
	now = now.Add(api.AccessTokenTTL + time.Second)
	mu.Unlock()
	r = e.do("GET", path("demo", "people"), tok.AccessToken, nil)
	wantStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.err(t).Error.Message, "expired") {
		t.Fatalf("message %s", r.body)
	}
}

func TestConcurrentUpdates(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.url(t), envOptions{})
			r := e.do("POST", path("demo", "people"), e.editor, newPerson("CON1"))
			wantStatus(t, r, http.StatusCreated)
			var p person
			r.json(t, &p)
			// Two clients read version 1 and both write, each with If-Match.
			names := []string{"Alpha", "Bravo"}
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, n := range names {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					statuses[i] = e.do("PATCH", path("demo", "people", p.ID), e.editor, `{"first_name":"`+n+`"}`, "If-Match", etagOf(p.Version)).status
				}()
			}
			close(start)
			wg.Wait()
			slices.Sort(statuses)
			if statuses[0] != http.StatusOK || statuses[1] != http.StatusConflict {
				t.Fatalf("statuses %v, want one 200 and one 409", statuses)
			}
			// The winner's change is kept; the loser reloads and writes.
			r = e.do("GET", path("demo", "people", p.ID), e.editor, nil)
			var got person
			r.json(t, &got)
			if got.Version != 2 || !slices.Contains(names, got.FirstName) {
				t.Fatalf("after the race: %+v", got)
			}
			r = e.do("PATCH", path("demo", "people", p.ID), e.editor, `{"last_name":"Retried"}`, "If-Match", r.header.Get("ETag"))
			wantStatus(t, r, http.StatusOK)
			r.json(t, &got)
			if got.Version != 3 || got.LastName != "Retried" || !slices.Contains(names, got.FirstName) {
				t.Fatalf("after the retry: %+v", got)
			}
		})
	}
}

func etagOf(v int64) string { return fmt.Sprintf("%q", fmt.Sprint(v)) }

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, backends[0].url(t), envOptions{limit: &api.RateLimit{Requests: 3, Window: time.Minute}, now: clock})
	for i := 1; i <= 3; i++ {
		r := e.do("GET", path("demo", "people?per_page=1"), e.editor, nil)
		wantStatus(t, r, http.StatusOK)
		if r.header.Get("X-Rate-Limit-Limit") != "3" || r.header.Get("X-Rate-Limit-Remaining") != fmt.Sprint(3-i) ||
			r.header.Get("X-Rate-Limit-Reset") != fmt.Sprint(now.Add(time.Minute).Unix()) {
			t.Fatalf("request %d headers %v", i, r.header)
		}
	}
	r := e.do("GET", path("demo", "people?per_page=1"), e.editor, nil)
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "60" || r.err(t).Error.Code != api.CodeRateLimited {
		t.Fatalf("429 headers %v body %s", r.header, r.body)
	}
	// Another token has its own count.
	wantStatus(t, e.do("GET", path("demo", "people?per_page=1"), e.viewer, nil), http.StatusOK)
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	wantStatus(t, e.do("GET", path("demo", "people?per_page=1"), e.editor, nil), http.StatusOK)
}

func TestOtherResources(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.url(t), envOptions{})
			tok := e.editor
			create := func(kind string, body any) map[string]any {
				t.Helper()
				r := e.do("POST", path("demo", kind), tok, body)
				wantStatus(t, r, http.StatusCreated)
				var v map[string]any
				r.json(t, &v)
				return v
			}
			g := create("groups", map[string]any{"name": "Nebraska", "code": "NE", "timezone": "America/Chicago"})
			create("job-titles", map[string]any{"name": "Welder", "code": "WLD", "group_codes": []string{"NE"}, "hourly_rate": "38.00"})
			create("tags", map[string]any{"name": "Confined space", "abbreviation": "CONF", "global": true})
			pe := create("people", map[string]any{"first_name": "Ola", "last_name": "Nordmann", "employee_id": "NE1", "group_codes": []string{"NE"}, "job_title": "WLD",
				"tags": []map[string]any{{"code": "CONF"}}})
			pr := create("projects", map[string]any{"name": "Omaha Plant", "project_number": "NE-P1", "group_codes": []string{"NE"}, "start_date": "2026-12-01",
				"roles": []map[string]any{{"person_id": pe["id"], "job_title": "WLD"}}, "categories": []map[string]any{{"name": "Level 1"}}})
			if roles, _ := pr["roles"].([]any); len(roles) != 1 || roles[0].(map[string]any)["person_id"] != pe["id"] {
				t.Fatalf("project roles %v", pr["roles"])
			}
			as := create("assignments", map[string]any{"person_id": pe["id"], "project_id": pr["id"], "start_day": "2026-12-01", "end_day": "2026-12-12", "percent_allocated": 100})
			create("time-off", map[string]any{"person_id": pe["id"], "start_day": "2026-12-24", "end_day": "2026-12-26", "paid": true, "reason": "Holiday"})
			create("resource-requests", map[string]any{"project_id": pr["id"], "job_title": "WLD", "quantity": 2, "start_day": "2026-12-01", "end_day": "2026-12-31"})
			// Lists filter by external key.
			for _, q := range []string{"assignments?employee_id=NE1", "assignments?project_number=NE-P1", "time-off?employee_id=NE1", "resource-requests?project_number=NE-P1",
				"groups?code=NE", "job-titles?code=WLD", "tags?code=CONF", "projects?project_number=NE-P1"} {
				r := e.do("GET", path("demo", q), tok, nil)
				wantStatus(t, r, http.StatusOK)
				var pg struct {
					Total int `json:"total"`
				}
				r.json(t, &pg)
				if pg.Total != 1 {
					t.Errorf("%s: total %d, want 1", q, pg.Total)
				}
			}
			// A referenced person that does not exist is named.
			r := e.do("POST", path("demo", "assignments"), tok, map[string]any{"person_id": "00000000-0000-0000-0000-000000000000", "project_id": pr["id"], "start_day": "2026-12-01", "end_day": "2026-12-02", "percent_allocated": 50})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if f := r.err(t).fields(); !slices.Contains(f, "person_id") {
				t.Fatalf("details %v", f)
			}
			// A group in use cannot be deleted; an assignment can.
			r = e.do("DELETE", path("demo", "groups", g["id"].(string)), tok, nil)
			wantStatus(t, r, http.StatusConflict)
			wantStatus(t, e.do("DELETE", path("demo", "assignments", as["id"].(string)), tok, nil), http.StatusNoContent)
			wantStatus(t, e.do("GET", path("demo", "assignments", as["id"].(string)), tok, nil), http.StatusNotFound)
			// A project is deactivated, not deleted.
			r = e.do("DELETE", path("demo", "projects", pr["id"].(string)), tok, nil)
			wantStatus(t, r, http.StatusOK)
			var after map[string]any
			r.json(t, &after)
			if after["status"] != "inactive" {
				t.Fatalf("project after DELETE: %v", after["status"])
			}
		})
	}
}
