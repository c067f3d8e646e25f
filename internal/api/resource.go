package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// MaxPerPage is the largest page a list returns.
const MaxPerPage = 400

// record is implemented by pointers to planning's record types.
type record[T any] interface {
	*T
	planning.Record
}

// resource describes one kind of record the API serves.
type resource[T any, P record[T]] struct {
	kind   planning.Kind
	name   string // "person": operation ids
	plural string // "people": the path segment
	tag    string // "People": the OpenAPI tag
	// keyField and keyPath name the external key and its path segment
	// ("employee_id", "by-employee-id"); "" for kinds without one.
	keyField, keyPath string
	setKey            func(*T, string)
	coll              func(store.Tx) store.Collection[T]
	// toSet adds a record to an ingest set; nil for kinds written through
	// the store directly.
	toSet func(context.Context, store.Tx, *ingest.Set, T) error
	// deactivate makes a record inactive instead of deleting it (people,
	// projects); nil means DELETE removes the record.
	deactivate func(*T)
}

// ListParams are the query parameters every list takes.
type ListParams struct {
	CompanyID     string    `path:"company_id" doc:"The company's id or slug"`
	Page          int       `query:"page" minimum:"1" default:"1" doc:"Page number, from 1. A page past the last one is empty"`
	PerPage       int       `query:"per_page" minimum:"1" maximum:"400" default:"100" doc:"Records per page, at most 400"`
	UpdatedAfter  time.Time `query:"updated_after" doc:"Only records changed after this instant (RFC 3339, e.g. 2026-11-01T00:00:00Z)"`
	UpdatedBefore time.Time `query:"updated_before" doc:"Only records last changed before this instant"`
	CreatedAfter  time.Time `query:"created_after" doc:"Only records created after this instant"`
}

func (p *ListParams) params() *ListParams { return p }

// filter is a list's input: the common parameters and the kind's filters.
type filter interface {
	params() *ListParams
	// narrow adds the kind's filters to q, reading the company's records
	// where a filter names one by external key (only then is tx used; see
	// lookups).
	narrow(ctx context.Context, tx store.Tx, q *store.Query) error
	// lookups reports whether narrow needs to read records.
	lookups() bool
}

// Page is one page of a list.
type Page[T any] struct {
	Data       []T `json:"data" doc:"The records of this page, in id order"`
	Page       int `json:"page" doc:"This page's number"`
	PerPage    int `json:"per_page" doc:"Records per page"`
	Total      int `json:"total" doc:"Records matching the filters, on all pages"`
	TotalPages int `json:"total_pages" doc:"Pages of per_page records"`
}

// pageOutput is a Page[T] written as JSON by list itself: the records'
// stored documents go out as they are, never decoded (see store.RawLister),
// from a pooled buffer. documentLists gives the operation the schema of
// Page[T] and its Link header.
type pageOutput = huma.StreamResponse

// pages holds the buffers pages are written into; a page of 100 people is
// about 80 KB, and growing a fresh buffer to that for every request was most
// of the API's garbage.
var pages = sync.Pool{New: func() any { return new(bytes.Buffer) }}

type recordOutput[T any] struct {
	Status   int
	ETag     string `header:"ETag" doc:"The record's version, for If-Match"`
	Location string `header:"Location"`
	Body     T
}

type idInput struct {
	CompanyID string `path:"company_id" doc:"The company's id or slug"`
	ID        string `path:"id" doc:"The record's id"`
}

type keyInput struct {
	CompanyID string `path:"company_id" doc:"The company's id or slug"`
	Key       string `path:"key" doc:"The record's external key"`
}

type createInput[T any] struct {
	CompanyID string `path:"company_id" doc:"The company's id or slug"`
	Body      T
}

type putInput[T any] struct {
	CompanyID string `path:"company_id" doc:"The company's id or slug"`
	Key       string `path:"key" doc:"The record's external key"`
	IfMatch   string `header:"If-Match" doc:"Replace only if the record's version is still this one (its ETag); 409 when it changed"`
	Body      T
}

type patchInput struct {
	CompanyID string `path:"company_id" doc:"The company's id or slug"`
	ID        string `path:"id" doc:"The record's id"`
	IfMatch   string `header:"If-Match" doc:"Change only if the record's version is still this one (its ETag); 409 when it changed"`
	RawBody   []byte `contentType:"application/merge-patch+json"`
}

type deleteInput struct {
	CompanyID string `path:"company_id" doc:"The company's id or slug"`
	ID        string `path:"id" doc:"The record's id"`
	IfMatch   string `header:"If-Match" doc:"Delete only if the record's version is still this one (its ETag); 409 when it changed"`
}

type deleteOutput[T any] struct {
	Status int
	Body   *T
}

var writeErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
	http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusTooManyRequests}

var readErrors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusTooManyRequests}

// registerResource registers the operations of one kind; F is its list input.
func registerResource[T any, P record[T], F any, PF interface {
	*F
	filter
}](a *API, r *resource[T, P]) {
	base := Prefix + "/companies/{company_id}/" + r.plural
	huma.Register(a.huma, huma.Operation{OperationID: "list-" + r.plural, Method: http.MethodGet, Path: base, Tags: []string{r.tag},
		Summary: "List " + r.plural, Description: "Pages of " + r.plural + " in id order, with filters.", Errors: readErrors},
		func(ctx context.Context, in *F) (*pageOutput, error) { return list(ctx, a, r, PF(in)) })
	a.listSchemas = append(a.listSchemas, docSchema{path: base, typ: typeOf[Page[T]]()})
	huma.Register(a.huma, huma.Operation{OperationID: "get-" + r.name, Method: http.MethodGet, Path: base + "/{id}", Tags: []string{r.tag},
		Summary: "Get a " + r.kind.Label() + " by id", Errors: readErrors},
		func(ctx context.Context, in *idInput) (*recordOutput[T], error) {
			return view(ctx, a, func(tx store.Tx) (T, error) { return r.coll(tx).Get(ctx, in.ID) })
		})
	huma.Register(a.huma, huma.Operation{OperationID: "create-" + r.name, Method: http.MethodPost, Path: base, Tags: []string{r.tag},
		Summary: "Create a " + r.kind.Label(), DefaultStatus: http.StatusCreated, MaxBodyBytes: a.maxBody, Errors: writeErrors},
		func(ctx context.Context, in *createInput[T]) (*recordOutput[T], error) {
			return create(ctx, a, r, in.Body)
		})
	patch := huma.Operation{OperationID: "update-" + r.name, Method: http.MethodPatch, Path: base + "/{id}", Tags: []string{r.tag},
		Summary:      "Change some fields of a " + r.kind.Label(),
		Description:  "A JSON merge patch (RFC 7396): the fields sent are changed, null clears a field, the others keep their values.",
		MaxBodyBytes: a.maxBody, Errors: writeErrors}
	huma.Register(a.huma, patch, func(ctx context.Context, in *patchInput) (*recordOutput[T], error) { return update(ctx, a, r, in) })
	a.patchSchemas = append(a.patchSchemas, docSchema{path: base + "/{id}", typ: typeOf[T]()})
	del := huma.Operation{OperationID: "delete-" + r.name, Method: http.MethodDelete, Path: base + "/{id}", Tags: []string{r.tag},
		Summary: "Delete a " + r.kind.Label(), Errors: writeErrors}
	if r.deactivate != nil {
		del.Summary = "Deactivate a " + r.kind.Label()
		del.Description = "Sets the status to inactive (" + r.plural + " are never deleted) and returns the record."
	} else {
		del.DefaultStatus = http.StatusNoContent
	}
	huma.Register(a.huma, del, func(ctx context.Context, in *deleteInput) (*deleteOutput[T], error) { return remove(ctx, a, r, in) })
	if r.keyField == "" {
		return
	}
	kpath := base + "/" + r.keyPath + "/{key}"
	huma.Register(a.huma, huma.Operation{OperationID: "get-" + r.name + "-" + r.keyPath, Method: http.MethodGet, Path: kpath, Tags: []string{r.tag},
		Summary: "Get a " + r.kind.Label() + " by " + r.keyField, Errors: readErrors},
		func(ctx context.Context, in *keyInput) (*recordOutput[T], error) {
			return view(ctx, a, func(tx store.Tx) (T, error) { return r.coll(tx).GetByKey(ctx, in.Key) })
		})
	huma.Register(a.huma, huma.Operation{OperationID: "upsert-" + r.name + "-" + r.keyPath, Method: http.MethodPut, Path: kpath, Tags: []string{r.tag},
		Summary:      "Create or replace a " + r.kind.Label() + " by " + r.keyField,
		Description:  "Idempotent upsert by external key: creates the record (201) or replaces all its fields (200). The body's " + r.keyField + " may be left out; when sent it must equal the path's.",
		MaxBodyBytes: a.maxBody, Errors: writeErrors},
		func(ctx context.Context, in *putInput[T]) (*recordOutput[T], error) { return put(ctx, a, r, in) })
}

func list[T any, P record[T]](ctx context.Context, a *API, r *resource[T, P], f filter) (*pageOutput, error) {
	_, acc := from(ctx)
	lp := f.params()
	q := store.Query{Limit: lp.PerPage, Offset: (lp.Page - 1) * lp.PerPage,
		UpdatedAfter: lp.UpdatedAfter, UpdatedBefore: lp.UpdatedBefore, CreatedAfter: lp.CreatedAfter}
	buf := pages.Get().(*bytes.Buffer)
	buf.Reset()
	buf.WriteString(`{"data":[`)
	total := 0
	n := 0
	add := func(doc []byte) {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		buf.Write(doc)
	}
	var err error
	if pg, ok := a.st.(store.Pager); ok && !f.lookups() {
		// One statement: the page and the count.
		if err = f.narrow(ctx, nil, &q); err == nil {
			total, err = pg.PageRaw(ctx, acc.company.ID, r.kind, q, func(doc json.RawMessage) error { add(doc); return nil })
		}
	} else {
		total, err = listInView(ctx, a, r, f, &q, add)
	}
	if err != nil {
		pages.Put(buf)
		return nil, a.domainError(ctx, err)
	}
	last := (total + lp.PerPage - 1) / lp.PerPage
	fmt.Fprintf(buf, `],"page":%d,"per_page":%d,"total":%d,"total_pages":%d}`, lp.Page, lp.PerPage, total, last)
	link := pageLinks(ctx, lp.Page, last)
	return &pageOutput{Body: func(hc huma.Context) {
		defer func() {
			if buf.Cap() <= 4<<20 { // a huge page is not kept
				pages.Put(buf)
			}
		}()
		hc.SetHeader("Content-Type", "application/json")
		hc.SetHeader("Content-Length", strconv.Itoa(buf.Len()))
		if link != "" {
			hc.SetHeader("Link", link)
		}
		hc.SetStatus(http.StatusOK)
		_, _ = hc.BodyWriter().Write(buf.Bytes())
	}}, nil
}

// listInView reads a page in a read transaction: the filters' lookups, the
// count and the records, all from one snapshot.
func listInView[T any, P record[T]](ctx context.Context, a *API, r *resource[T, P], f filter, q *store.Query, add func([]byte)) (int, error) {
	_, acc := from(ctx)
	total := 0
	err := a.st.View(ctx, acc.company.ID, func(tx store.Tx) error {
		if err := f.narrow(ctx, tx, q); err != nil {
			if errors.Is(err, errNoMatch) {
				return nil
			}
			return err
		}
		c := r.coll(tx)
		var err error
		if total, err = c.Count(ctx, *q); err != nil || q.Offset >= total {
			return err
		}
		if rl, ok := c.(store.RawLister); ok {
			for doc, err := range rl.ListRaw(ctx, *q) {
				if err != nil {
					return err
				}
				add(doc)
			}
			return nil
		}
		for v, err := range c.List(ctx, *q) {
			if err != nil {
				return err
			}
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			add(b)
		}
		return nil
	})
	return total, err
}

// errNoMatch says a filter names a record that does not exist: the list is
// empty.
var errNoMatch = errors.New("no record matches the filter")

// pageLinks builds the Link header of a page.
func pageLinks(ctx context.Context, page, pages int) string {
	u, _ := ctx.Value(urlKey).(*url.URL)
	if u == nil {
		return ""
	}
	link := func(n int, rel string) string {
		v := u.Query()
		v.Set("page", strconv.Itoa(n))
		c := *u
		c.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", c.RequestURI(), rel)
	}
	var ls []string
	if page < pages {
		ls = append(ls, link(page+1, "next"))
	}
	if page > 1 && page <= pages {
		ls = append(ls, link(page-1, "prev"))
	}
	ls = append(ls, link(1, "first"))
	if pages > 0 {
		ls = append(ls, link(pages, "last"))
	}
	return strings.Join(ls, ", ")
}

// view reads one record.
func view[T any](ctx context.Context, a *API, get func(store.Tx) (T, error)) (*recordOutput[T], error) {
	_, acc := from(ctx)
	var v T
	err := a.st.View(ctx, acc.company.ID, func(tx store.Tx) (err error) {
		v, err = get(tx)
		return err
	})
	if err != nil {
		return nil, a.domainError(ctx, err)
	}
	return recordOut(v, 0, ""), nil
}

func recordOut[T any](v T, status int, location string) *recordOutput[T] {
	m := any(&v).(interface{ GetMeta() *planning.Meta }).GetMeta()
	if status == 0 {
		status = http.StatusOK
	}
	return &recordOutput[T]{Status: status, ETag: etag(m.Version), Location: location, Body: v}
}

func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// wantVersion reads the version a write is conditional on: If-Match ("3",
// W/"3" or 3), else the body's version; 0 when neither is given.
func wantVersion(header string, body int64) (int64, error) {
	h := strings.TrimSpace(header)
	if h == "" || h == "*" {
		return body, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v < 1 {
		return 0, newError(http.StatusBadRequest, CodeBadRequest, "If-Match %q is not a record version (the ETag the record was read with, e.g. \"3\")", header).
			withDetails(ErrorDetail{Field: "If-Match", Message: "is not a version"})
	}
	return v, nil
}

func checkVersion(kind planning.Kind, m *planning.Meta, label string, want int64) error {
	if want != 0 && want != m.Version {
		return &store.ConflictError{Kind: kind, ID: m.ID, Label: label, Want: want, Have: m.Version}
	}
	return nil
}

// domainError turns an error of a handler into the API's error, logging the
// ones that are the server's fault.
func (a *API) domainError(ctx context.Context, err error) error {
	if e := fromDomain(err); e != nil {
		return e
	}
	a.log.Error("api request failed", "err", err)
	return internal(err)
}
