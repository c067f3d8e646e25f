package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// docSchema notes an operation whose body huma cannot describe from its Go
// types (a merge patch read raw, a page written raw): the schema of typ
// describes it.
type docSchema struct {
	path string
	typ  reflect.Type
}

// documentLists gives each list operation's 200 response the schema of its
// Page[T].
func (a *API) documentLists() {
	oapi := a.huma.OpenAPI()
	reg := oapi.Components.Schemas
	for _, l := range a.listSchemas {
		op := oapi.Paths[l.path].Get
		ok := op.Responses["200"]
		if ok == nil {
			ok = &huma.Response{}
			op.Responses["200"] = ok
		}
		ok.Description = "A page of records"
		ok.Content = map[string]*huma.MediaType{"application/json": {Schema: reg.Schema(l.typ, true, "")}}
		ok.Headers = map[string]*huma.Param{"Link": {Description: "RFC 8288 links to the next, previous, first and last pages",
			Schema: &huma.Schema{Type: "string"}}}
	}
}

// documentPatches gives each PATCH operation its body's schema: the kind's
// schema with every field optional (a merge patch sends only what changes).
func (a *API) documentPatches() {
	oapi := a.huma.OpenAPI()
	reg := oapi.Components.Schemas
	for _, p := range a.patchSchemas {
		full := reg.Schema(p.typ, false, "")
		s := *full
		s.Required = nil
		s.Description = "Any subset of the fields; null clears a field."
		op := oapi.Paths[p.path].Patch
		op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/merge-patch+json": {Schema: &s}, "application/json": {Schema: &s}}}
	}
}

// write runs fn in one write transaction of the request's company, recorded
// as the API's change.
func (a *API) write(ctx context.Context, fn func(tx store.Tx, c planning.Company) error) error {
	_, acc := from(ctx)
	return a.st.Update(ctx, acc.company.ID, actor(ctx), func(tx store.Tx) error { return fn(tx, acc.company) })
}

// save writes v, a new record or a stored one changed (existing), and returns
// it as stored. Kinds ingest knows go through it, like every import, matched
// by external key (existing only tells the store path what to update).
func save[T any, P record[T]](ctx context.Context, tx store.Tx, company planning.Company, r *resource[T, P], v T, existing *T) (T, error) {
	out, _, err := saveCreated(ctx, tx, company, r, v, existing)
	return out, err
}

// saveCreated is save, also saying whether the record was created.
func saveCreated[T any, P record[T]](ctx context.Context, tx store.Tx, company planning.Company, r *resource[T, P], v T, existing *T) (T, bool, error) {
	var zero T
	c := r.coll(tx)
	if r.toSet == nil {
		if existing == nil {
			*P(&v).GetMeta() = planning.Meta{}
			out, err := c.Create(ctx, v)
			return out, err == nil, err
		}
		*P(&v).GetMeta() = *P(existing).GetMeta()
		out, err := c.Update(ctx, v)
		return out, false, err
	}
	set := &ingest.Set{}
	if err := r.toSet(ctx, tx, set, v); err != nil {
		return zero, false, err
	}
	p := actor(ctx)
	pl, err := ingest.RunIn(ctx, tx, company, set, ingest.Options{Source: p.Source, Actor: p.Actor, MaxDetails: -1})
	if err != nil {
		return zero, false, err
	}
	created := false
	for _, k := range pl.Kinds() {
		if k.Kind == r.kind {
			created = k.Creates > 0
		}
	}
	P(&v).Normalize()
	if out, ok := ingest.Written[T](pl, r.kind, P(&v).Key()); ok {
		return out, created, nil
	}
	out, err := c.GetByKey(ctx, P(&v).Key()) // unchanged: as stored
	return out, created, err
}

func create[T any, P record[T]](ctx context.Context, a *API, r *resource[T, P], v T) (*recordOutput[T], error) {
	var out T
	err := a.write(ctx, func(tx store.Tx, company planning.Company) error {
		P(&v).Normalize()
		if key := P(&v).Key(); key != "" {
			held, err := r.coll(tx).GetByKey(ctx, key)
			if err == nil {
				return newError(http.StatusConflict, CodeConflict, "a %s with %s %q exists already (id %s); change it with PATCH, or upsert with PUT %s/%s",
					r.kind.Label(), r.keyField, key, P(&held).GetMeta().ID, r.keyPath, key).
					withDetails(ErrorDetail{Field: r.keyField, Message: "is already used by another " + r.kind.Label()})
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		var err error
		out, err = save(ctx, tx, company, r, v, nil)
		return err
	})
	if err != nil {
		return nil, a.domainError(ctx, err)
	}
	return recordOut(out, http.StatusCreated, location(ctx, r, P(&out).GetMeta().ID)), nil
}

func location[T any, P record[T]](ctx context.Context, r *resource[T, P], id string) string {
	_, acc := from(ctx)
	return Prefix + "/companies/" + acc.company.ID + "/" + r.plural + "/" + id
}

func put[T any, P record[T]](ctx context.Context, a *API, r *resource[T, P], in *putInput[T]) (*recordOutput[T], error) {
	v := in.Body
	P(&v).Normalize()
	switch key := P(&v).Key(); {
	case key == "":
		r.setKey(&v, in.Key)
		P(&v).Normalize()
	case key != in.Key:
		return nil, newError(http.StatusUnprocessableEntity, CodeValidation, "the body's %s %q is not the path's %q", r.keyField, key, in.Key).
			withDetails(ErrorDetail{Field: r.keyField, Message: "must equal the path's " + r.keyField + " or be left out"})
	}
	want, err := wantVersion(in.IfMatch, P(&v).GetMeta().Version)
	if err != nil {
		return nil, err
	}
	var out T
	status := http.StatusOK
	err = a.write(ctx, func(tx store.Tx, company planning.Company) error {
		if want != 0 {
			// A conditional replace: the record must exist at that version.
			cur, err := r.coll(tx).GetByKey(ctx, P(&v).Key())
			if errors.Is(err, store.ErrNotFound) {
				return newError(http.StatusConflict, CodeConflict, "no %s with %s %q exists, but the request names version %d", r.kind.Label(), r.keyField, in.Key, want)
			}
			if err != nil {
				return err
			}
			if err := checkVersion(r.kind, P(&cur).GetMeta(), P(&cur).Label(), want); err != nil {
				return err
			}
		}
		var created bool
		var err error
		out, created, err = saveCreated(ctx, tx, company, r, v, nil)
		if created {
			status = http.StatusCreated
		}
		return err
	})
	if err != nil {
		return nil, a.domainError(ctx, err)
	}
	loc := ""
	if status == http.StatusCreated {
		loc = location(ctx, r, P(&out).GetMeta().ID)
	}
	return recordOut(out, status, loc), nil
}

func update[T any, P record[T]](ctx context.Context, a *API, r *resource[T, P], in *patchInput) (*recordOutput[T], error) {
	patch, perr := parsePatch(in.RawBody)
	if perr != nil {
		return nil, perr
	}
	var bodyVersion int64
	if raw, ok := patch["version"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &bodyVersion); err != nil {
			return nil, newError(http.StatusUnprocessableEntity, CodeValidation, "the request has invalid fields; see details").
				withDetails(ErrorDetail{Field: "version", Message: "must be an integer"})
		}
	}
	want, err := wantVersion(in.IfMatch, bodyVersion)
	if err != nil {
		return nil, err
	}
	var out T
	err = a.write(ctx, func(tx store.Tx, company planning.Company) error {
		c := r.coll(tx)
		cur, err := c.Get(ctx, in.ID)
		if err != nil {
			return err
		}
		if err := checkVersion(r.kind, P(&cur).GetMeta(), P(&cur).Label(), want); err != nil {
			return err
		}
		v, err := applyPatch[T](a, cur, patch)
		if err != nil {
			return err
		}
		P(&v).Normalize()
		if old, key := P(&cur).Key(), P(&v).Key(); r.keyField != "" && key != old {
			// A new external key: rename the record first, so that ingest
			// (which matches by key) updates it rather than adding another.
			renamed := cur
			r.setKey(&renamed, key)
			if cur, err = c.Update(ctx, renamed); err != nil {
				return err
			}
		}
		out, err = save(ctx, tx, company, r, v, &cur)
		return err
	})
	if err != nil {
		return nil, a.domainError(ctx, err)
	}
	return recordOut(out, 0, ""), nil
}

func remove[T any, P record[T]](ctx context.Context, a *API, r *resource[T, P], in *deleteInput) (*deleteOutput[T], error) {
	want, err := wantVersion(in.IfMatch, 0)
	if err != nil {
		return nil, err
	}
	var out *T
	err = a.write(ctx, func(tx store.Tx, company planning.Company) error {
		c := r.coll(tx)
		cur, err := c.Get(ctx, in.ID)
		if err != nil {
			return err
		}
		if err := checkVersion(r.kind, P(&cur).GetMeta(), P(&cur).Label(), want); err != nil {
			return err
		}
		if r.deactivate == nil {
			return c.Delete(ctx, in.ID)
		}
		v := cur
		r.deactivate(&v)
		saved, err := save(ctx, tx, company, r, v, &cur)
		out = &saved
		return err
	})
	if err != nil {
		return nil, a.domainError(ctx, err)
	}
	if out == nil {
		return &deleteOutput[T]{Status: http.StatusNoContent}, nil
	}
	return &deleteOutput[T]{Status: http.StatusOK, Body: out}, nil
}

// parsePatch reads a merge patch: a JSON object.
func parsePatch(body []byte) (map[string]json.RawMessage, *Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, newError(http.StatusBadRequest, CodeBadRequest, "the request body is empty; send a JSON object with the fields to change")
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || !json.Valid(body) {
			return nil, newError(http.StatusBadRequest, CodeBadRequest, "the request body is not valid JSON: %v", err)
		}
		return nil, newError(http.StatusBadRequest, CodeBadRequest, "the request body must be a JSON object of the fields to change")
	}
	if patch == nil {
		return nil, newError(http.StatusBadRequest, CodeBadRequest, "the request body must be a JSON object of the fields to change")
	}
	return patch, nil
}

// applyPatch applies a merge patch to cur (RFC 7396 at the top level: a field
// sent replaces the record's, null clears it) and checks the result against
// the kind's schema, as a POST body is checked.
func applyPatch[T any](a *API, cur T, patch map[string]json.RawMessage) (T, error) {
	var zero T
	b, err := json.Marshal(cur)
	if err != nil {
		return zero, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return zero, err
	}
	reg := a.huma.OpenAPI().Components.Schemas
	schema := reg.Schema(typeOf[T](), false, "")
	var details []ErrorDetail
	for _, k := range slices.Sorted(maps.Keys(patch)) {
		prop, known := schema.Properties[k]
		switch {
		case !known:
			details = append(details, ErrorDetail{Field: k, Message: "is not a field of this resource"})
			continue
		case prop.ReadOnly || k == "version":
			continue // read-only fields may be sent back as read; they are ignored
		}
		raw := patch[k]
		if string(bytes.TrimSpace(raw)) == "null" {
			delete(doc, k)
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			details = append(details, ErrorDetail{Field: k, Message: "is not valid JSON"})
			continue
		}
		doc[k] = v
	}
	if len(details) > 0 {
		return zero, newError(http.StatusUnprocessableEntity, CodeValidation, "the request has invalid fields; see details").withDetails(details...)
	}
	res := &huma.ValidateResult{}
	huma.Validate(reg, schema, huma.NewPathBuffer([]byte{}, 0), huma.ModeWriteToServer, doc, res)
	if len(res.Errors) > 0 {
		e := newError(http.StatusUnprocessableEntity, CodeValidation, "the request has invalid fields; see details")
		for _, err := range res.Errors {
			var d huma.ErrorDetailer
			if errors.As(err, &d) {
				dd := d.ErrorDetail()
				e.Body.Details = append(e.Body.Details, ErrorDetail{Field: detailField(dd), Message: detailMessage(dd)})
			}
		}
		return zero, e
	}
	merged, err := json.Marshal(doc)
	if err != nil {
		return zero, err
	}
	var v T
	if err := json.Unmarshal(merged, &v); err != nil {
		return zero, newError(http.StatusUnprocessableEntity, CodeValidation, "the changed record is invalid: %v", err)
	}
	return v, nil
}
