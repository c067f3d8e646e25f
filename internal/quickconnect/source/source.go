package source

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
)

// Source is an open source of rows: a running query on a database, or a file
// being read. Open one with Open; always Close it.
type Source interface {
	// Columns returns the column names in the source's order: the query's
	// columns, the CSV header, or for JSON the keys of the first object (later
	// objects may have other keys; Row.Columns gives each row's). It is known
	// as soon as Open returns, and nil when Unchanged.
	Columns() []string
	// Rows streams the rows, one at a time, never holding more than one. It
	// can be ranged over once. An error ends the iteration: it is yielded with
	// a zero Row, and stopping the loop early is fine. ctx bounds the
	// iteration: cancelling it stops the query or the download.
	Rows(ctx context.Context) iter.Seq2[Row, error]
	// Unchanged reports that Options.Previous matched what the source holds
	// now (a file's ETag, Last-Modified or checksum), so no row was read and
	// Rows yields none.
	Unchanged() bool
	// Fingerprint identifies what was read, to be given back as
	// Options.Previous on the next Open once the run that used the rows has
	// succeeded. For a file it holds the server's validators (ETag,
	// Last-Modified), known when Open returns, and the SHA-256 of the
	// content; for SQL, the SHA-256 of the columns and rows. The checksums
	// are complete once Rows has been read to the end (see SameContent).
	// Unchanged, it is the previous one.
	Fingerprint() Fingerprint
	// String describes the source for logs and messages with its secrets
	// masked: "postgres postgres://erp:***@db:5432/erp", "file https://host/x.csv".
	String() string
	// Close ends the query (rolling back its read-only transaction) or the
	// download and releases the connection.
	Close() error
}

// Options are what Open needs besides the Config.
type Options struct {
	// Secrets resolves "secret:name" and "${secret:name}" references in the
	// Config; nil means no secrets file (references to it are errors).
	// "${VAR}" references are resolved from the environment either way.
	Secrets *Secrets
	// Previous is the Fingerprint of the last read of this source, if any: a
	// file whose version has not changed since is reported Unchanged without
	// reading its rows (HTTP: conditional GET; S3: ETag; local file: checksum).
	Previous Fingerprint
	// HTTPClient fetches http(s) files and S3 objects; nil means, for HTTP, a
	// client with connect and response-header timeouts and no overall
	// timeout (large files stream), and for S3 the AWS SDK's default.
	HTTPClient *http.Client
}

// Open checks cfg, resolves its secrets and starts reading: it connects to the
// database and runs the query, or fetches the file and reads its header (CSV)
// or first object (JSON), so that Columns is known and a source that cannot be
// reached fails here, with a plain-language error (see the Err variables). The
// read itself happens in Rows.
//
// ctx bounds Open only; the Source lives until Close.
func Open(ctx context.Context, cfg Config, opts Options) (Source, error) {
	r, err := cfg.resolve(opts.Secrets)
	if err != nil {
		return nil, err
	}
	switch r.Kind {
	case KindSQL:
		return openSQL(ctx, r)
	case KindFile:
		return openFile(ctx, r, opts)
	}
	return nil, fmt.Errorf("source: unknown kind %q", r.Kind) // resolve validated it
}

// The kinds of failure, for errors.Is. Every error from Open and Rows says
// what failed in plain words, with secrets masked, and wraps one of these when
// it applies (and the driver's or the system's own error).
var (
	// ErrConfig: the configuration is incomplete or contradicts itself, or a
	// secret it names cannot be found.
	ErrConfig = errors.New("invalid source configuration")
	// ErrUnreachable: the server could not be reached (refused, unknown host,
	// timed out) or the file does not exist.
	ErrUnreachable = errors.New("source unreachable")
	// ErrAccessDenied: the server refused the credentials (or their absence).
	ErrAccessDenied = errors.New("access denied")
	// ErrQuery: the database could not run the query.
	ErrQuery = errors.New("query failed")
	// ErrHTTPStatus: an HTTP server answered with a status other than 200 or 304.
	ErrHTTPStatus = errors.New("unexpected HTTP status")
	// ErrMalformed: the file is not valid CSV or JSON (or not UTF-8); the
	// message gives the line.
	ErrMalformed = errors.New("malformed file")
)

// sourceError is an error whose message has been checked for secrets: Error
// never returns the causes' own (unmasked) text, which is folded into msg.
type sourceError struct {
	msg   string
	kind  error // one of the Err variables, or nil
	cause error
}

func (e *sourceError) Error() string { return e.msg }

func (e *sourceError) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// newError returns an error saying msg, then the cause's text, with every
// secret in mask replaced by "***".
func newError(kind error, mask *masker, cause error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if cause != nil {
		// Drivers' messages may span lines: keep the error on one.
		// (Scrubbed first: collapsing white space could hide a secret.)
		msg += ": " + strings.Join(strings.Fields(mask.scrub(cause.Error())), " ")
	}
	return &sourceError{msg: mask.scrub("source: " + msg), kind: kind, cause: cause}
}

// Row is one record of a source: a database row, a CSV record or a JSON object.
// A Row stays valid after the iteration has moved on.
type Row struct {
	// Num is the row's position among the rows of the source, from 1 (a CSV
	// header is not a row).
	Num int64
	// Line is the line of the file where the row starts, from 1; 0 for SQL.
	Line int64

	cols   *header
	values []any
}

// Origin says where the row came from, for messages: "row 12" for SQL, "row
// 12, line 13" for files.
func (r Row) Origin() string {
	if r.Line > 0 {
		return "row " + strconv.FormatInt(r.Num, 10) + ", line " + strconv.FormatInt(r.Line, 10)
	}
	return "row " + strconv.FormatInt(r.Num, 10)
}

// Get returns the value of the named column, matched without regard to case,
// and whether the row has that column. Values are string, int64, float64,
// bool, time.Time, []byte or nil (SQL NULL, JSON null); see the package
// comment for which source gives which.
func (r Row) Get(name string) (any, bool) {
	if r.cols == nil {
		return nil, false
	}
	i, ok := r.cols.index(name)
	if !ok || i >= len(r.values) {
		return nil, false
	}
	return r.values[i], true
}

// Value returns the value of the named column (without regard to case), or nil
// if the row has no such column.
func (r Row) Value(name string) any {
	v, _ := r.Get(name)
	return v
}

// Columns returns the row's column names, in order. The slice is shared: do
// not change it.
func (r Row) Columns() []string {
	if r.cols == nil {
		return nil
	}
	return r.cols.names
}

// Values returns the row's values in the order of Columns. The slice is the
// row's own: do not change it.
func (r Row) Values() []any { return r.values }

// header is a list of column names with a case-insensitive index, shared by
// the rows that have those columns.
type header struct {
	names []string
	exact map[string]int // name -> position
	lower map[string]int // strings.ToLower(name) -> position
}

// newHeader indexes names, which must be distinct without regard to case; it
// returns the first duplicate otherwise.
func newHeader(names []string) (*header, string) {
	h := &header{names: names, exact: make(map[string]int, len(names)), lower: make(map[string]int, len(names))}
	for i, n := range names {
		k := strings.ToLower(n)
		if _, dup := h.lower[k]; dup {
			return nil, n
		}
		h.exact[n], h.lower[k] = i, i
	}
	return h, ""
}

func (h *header) index(name string) (int, bool) {
	if i, ok := h.exact[name]; ok {
		return i, true // the common case, without lower-casing
	}
	i, ok := h.lower[strings.ToLower(name)]
	return i, ok
}

// rowsOnce guards a Source's Rows, which can be ranged over once.
type rowsOnce struct{ used bool }

// take reports an error if the rows have already been read.
func (o *rowsOnce) take() error {
	if o.used {
		return errors.New("source: the rows have already been read; open the source again")
	}
	o.used = true
	return nil
}
