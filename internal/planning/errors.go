package planning

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one field of a record.
type FieldError struct {
	// Field is the snake_case field name, e.g. "first_name" or "tags[2].expires".
	Field string `json:"field"`
	// Message says what is wrong in plain words, e.g. "is required".
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Errors is the list of problems found in one record. A nil or empty list means valid.
type Errors []FieldError

// Add records a problem with field.
func (e *Errors) Add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e as an error, or nil when there are no problems.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

// InvalidError reports that one or more records failed validation. It names each
// record by kind, position in the batch and external key so a person can find it.
type InvalidError struct {
	Records []InvalidRecord
}

// InvalidRecord is one rejected record and everything wrong with it.
type InvalidRecord struct {
	Kind   Kind   `json:"kind"`
	Index  int    `json:"index"`         // position in the submitted batch, from 0
	Key    string `json:"key,omitempty"` // external key (employee_id, code, ...), when set
	Errors Errors `json:"errors"`
}

func (r InvalidRecord) label() string {
	if r.Key != "" {
		return fmt.Sprintf("%s %q", r.Kind.Label(), r.Key)
	}
	return fmt.Sprintf("%s #%d", r.Kind.Label(), r.Index+1)
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	n := 0
	for _, r := range e.Records {
		n += len(r.Errors)
	}
	fmt.Fprintf(&b, "%d invalid %s", len(e.Records), plural(len(e.Records), "record", "records"))
	for i, r := range e.Records {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(e.Records)-10)
			break
		}
		fmt.Fprintf(&b, "; %s: %s", r.label(), r.Errors.Error())
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
