package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Error codes, the "code" of every error body.
const (
	CodeBadRequest       = "bad_request"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeTooLarge         = "payload_too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeValidation       = "validation_failed"
	CodeRateLimited      = "rate_limited"
	CodeInternal         = "internal_error"
)

// Error is the body of every error the API answers:
// {"error": {"code", "message", "details": [{"field", "message"}]}}.
type Error struct {
	status int
	header http.Header
	cause  error     // for the log: an internal error's cause
	Body   ErrorBody `json:"error"`
}

// ErrorBody says what went wrong: a stable code, a sentence for people and,
// for invalid input, one detail per field at fault.
type ErrorBody struct {
	Code    string        `json:"code" doc:"Stable, machine-readable error code" enum:"bad_request,unauthorized,forbidden,not_found,method_not_allowed,conflict,payload_too_large,unsupported_media_type,validation_failed,rate_limited,internal_error"`
	Message string        `json:"message" doc:"What went wrong, in plain words"`
	Details []ErrorDetail `json:"details,omitempty" doc:"The fields at fault, for invalid input"`
}

// ErrorDetail is one problem with one field of the request.
type ErrorDetail struct {
	Field   string `json:"field" doc:"The field at fault: a body field (\"first_name\", \"tags[1].expires\"), a query parameter or a path parameter"`
	Message string `json:"message" doc:"What is wrong with it"`
}

// Error implements error.
func (e *Error) Error() string { return e.Body.Message }

// GetStatus implements huma.StatusError.
func (e *Error) GetStatus() int { return e.status }

// GetHeaders implements huma.HeadersError.
func (e *Error) GetHeaders() http.Header { return e.header }

func newError(status int, code, format string, args ...any) *Error {
	return &Error{status: status, Body: ErrorBody{Code: code, Message: fmt.Sprintf(format, args...)}}
}

func (e *Error) withDetails(d ...ErrorDetail) *Error {
	e.Body.Details = append(e.Body.Details, d...)
	return e
}

// codeFor is the error code of a status huma or the router chose.
func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusConflict, http.StatusPreconditionFailed:
		return CodeConflict
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return CodeUnsupportedMedia
	case http.StatusUnprocessableEntity:
		return CodeValidation
	case http.StatusTooManyRequests:
		return CodeRateLimited
	}
	return CodeInternal
}

// hooked makes huma build our error body for the errors it finds itself
// (malformed JSON, schema validation, oversize bodies). huma keeps this in a
// package variable; Trestle has one huma API, so setting it once is safe.
func init() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		e := &Error{status: status, Body: ErrorBody{Code: codeFor(status), Message: humaMessage(status, msg)}}
		for _, err := range errs {
			if err == nil {
				continue
			}
			var d huma.ErrorDetailer
			if errors.As(err, &d) {
				dd := d.ErrorDetail()
				e.Body.Details = append(e.Body.Details, ErrorDetail{Field: detailField(dd), Message: detailMessage(dd)})
				continue
			}
			e.Body.Details = append(e.Body.Details, ErrorDetail{Message: err.Error()})
		}
		if status == http.StatusBadRequest && len(e.Body.Details) == 1 && e.Body.Details[0].Field == "" {
			// The body is not JSON: say so in the message itself.
			e.Body.Message = "the request body is not valid JSON: " + e.Body.Details[0].Message
			e.Body.Details = nil
		}
		return e
	}
}

func humaMessage(status int, msg string) string {
	switch {
	case status == http.StatusUnprocessableEntity && msg == "validation failed":
		return "the request has invalid fields; see details"
	case status == http.StatusRequestEntityTooLarge:
		return strings.Replace(msg, "request body is too large limit=", "the request body is too large; the limit is ", 1)
	}
	return msg
}

// fieldOf turns huma's location ("body.first_name", "body.tags[1].code",
// "query.page") into the field name a client sent.
func fieldOf(loc string) string {
	for _, p := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(loc, p) {
			return strings.TrimPrefix(loc, p)
		}
	}
	if loc == "body" {
		return ""
	}
	return loc
}

func detailMessage(d *huma.ErrorDetail) string {
	m := d.Message
	if strings.HasPrefix(m, "unexpected property") {
		return "is not a field of this resource"
	}
	if _, ok := requiredProperty(m); ok {
		return "is required"
	}
	return m
}

// requiredProperty reads the property huma's "expected required property X
// to be present" names; its location is the object holding it.
func requiredProperty(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "expected required property ")
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, " to be present")
	return name, ok
}

// detailField is the field a huma detail is about.
func detailField(d *huma.ErrorDetail) string {
	f := fieldOf(d.Location)
	if name, ok := requiredProperty(d.Message); ok {
		if f == "" {
			return name
		}
		return f + "." + name
	}
	return f
}

// wording makes ingest's problems, written for imports, read right for a
// request.
var wording = strings.NewReplacer("in this import or the hub", "in this company", "this import", "this request", "in this import", "in this request")

// fromDomain maps an error of the store, planning or ingest to the API's
// error. Errors it does not know are internal (500) and logged by the caller.
func fromDomain(err error) *Error {
	var (
		ae       *Error
		nf       *store.NotFoundError
		conflict *store.ConflictError
		clash    *store.KeyClashError
		inUse    *store.InUseError
		ingInv   *ingest.InvalidError
		planInv  *planning.InvalidError
		fieldErr planning.Errors
		held     *ingest.HeldError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &conflict):
		return newError(http.StatusConflict, CodeConflict, "%s", conflict.Error())
	case errors.As(err, &clash):
		return newError(http.StatusConflict, CodeConflict, "%s", clash.Error()).
			withDetails(ErrorDetail{Field: clash.Field, Message: fmt.Sprintf("%q is already used by %s", clash.Value, orID(clash.HeldBy, clash.HeldByID))})
	case errors.As(err, &inUse):
		return newError(http.StatusConflict, CodeConflict, "%s", inUse.Error())
	case errors.As(err, &ingInv):
		e := newError(http.StatusUnprocessableEntity, CodeValidation, "the record is invalid; nothing was changed")
		for _, p := range ingInv.Problems {
			e.Body.Details = append(e.Body.Details, ErrorDetail{Field: p.Field, Message: wording.Replace(p.Message)})
		}
		return clashStatus(e)
	case errors.As(err, &planInv):
		e := newError(http.StatusUnprocessableEntity, CodeValidation, "the record is invalid; nothing was changed")
		for _, r := range planInv.Records {
			for _, fe := range r.Errors {
				e.Body.Details = append(e.Body.Details, ErrorDetail{Field: fe.Field, Message: fe.Message})
			}
		}
		return clashStatus(e)
	case errors.As(err, &fieldErr):
		e := newError(http.StatusUnprocessableEntity, CodeValidation, "the record is invalid; nothing was changed")
		for _, fe := range fieldErr {
			e.Body.Details = append(e.Body.Details, ErrorDetail{Field: fe.Field, Message: fe.Message})
		}
		return e
	case errors.As(err, &held):
		return newError(http.StatusConflict, CodeConflict, "%s", held.Error())
	case errors.As(err, &nf), errors.Is(err, store.ErrNotFound):
		return newError(http.StatusNotFound, CodeNotFound, "%s", err.Error())
	case errors.Is(err, store.ErrNotDeletable):
		return newError(http.StatusConflict, CodeConflict, "%s", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return newError(http.StatusServiceUnavailable, CodeInternal, "the request was cancelled or took too long")
	}
	return nil
}

// clashStatus makes a validation failure whose only problems are unique
// values already held by other records a 409: the input is well-formed, it
// clashes with what the hub holds.
func clashStatus(e *Error) *Error {
	if len(e.Body.Details) == 0 {
		return e
	}
	for _, d := range e.Body.Details {
		if !strings.Contains(d.Message, "already used by") && !strings.Contains(d.Message, "is also used by") {
			return e
		}
	}
	e.status, e.Body.Code = http.StatusConflict, CodeConflict
	e.Body.Message = "a unique value of the record is already used by another record; nothing was changed"
	return e
}

func orID(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// writeError answers a request outside huma (authentication, rate limits,
// the token endpoint's API errors) with the same body huma's errors have.
func writeError(w http.ResponseWriter, e *Error) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(e)
}
