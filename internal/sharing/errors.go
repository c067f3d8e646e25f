package sharing

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error codes of the protocol's error bodies.
const (
	codeInvalidParameter = "INVALID_PARAMETER_VALUE"
	codeUnsupported      = "UNSUPPORTED_OPERATION"
	codeMalformed        = "MALFORMED_REQUEST"
	codeNotFound         = "RESOURCE_DOES_NOT_EXIST"
	codeInternal         = "INTERNAL_ERROR"
	codeUnauthenticated  = "UNAUTHENTICATED"
)

// apiError is an error answered with a status and the protocol's error body
// {"errorCode", "message"}.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, codeInvalidParameter, fmt.Sprintf(format, args...)}
}

func malformed(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, codeMalformed, fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, codeUnsupported, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{http.StatusNotFound, codeNotFound, fmt.Sprintf(format, args...)}
}

var errUnauthenticated = &apiError{http.StatusUnauthorized, codeUnauthenticated,
	"The bearer token is missing, invalid, expired or revoked."}

func writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"errorCode": e.code, "message": e.message})
}
