package sftpd

import (
	"context"
	"errors"
	"time"

	"golang.org/x/crypto/ssh"
)

// Account is who an SFTP login is: the user name and the company whose folder
// the session is jailed to.
type Account struct {
	// User is the SFTP user name.
	User string
	// CompanyID names the company's folder under Config.Root: letters, digits,
	// '.', '_' and '-', not starting with '.', at most 128 characters.
	CompanyID string
}

// Accounts looks up SFTP accounts. Implementations keep password hashes (see
// HashPassword and CheckPassword) and authorized public keys (see
// ParseAuthorizedKeys and KeyAllowed).
//
// Both methods return ErrBadCredentials for an unknown user, a wrong password or
// a key that is not authorized, and should take about as long for an unknown user
// as for a known one (CheckPassword with an empty hash spends the same time).
// Any other error means the lookup itself failed (the database is down); the
// client is answered the same way, but the server logs it as an error.
type Accounts interface {
	// Authenticate checks a user's password.
	Authenticate(ctx context.Context, user, password string) (Account, error)
	// AuthenticateKey checks that key is one of the user's authorized keys.
	AuthenticateKey(ctx context.Context, user string, key ssh.PublicKey) (Account, error)
}

// ErrBadCredentials is what Accounts return for an unknown user, a wrong password
// or a key that is not authorized.
var ErrBadCredentials = errors.New("wrong user name, password or key")

// Upload is a completely uploaded file, handed to the Processor.
type Upload struct {
	// Account is who uploaded the file. After a restart (Recovered), User is
	// empty if the server could not tell who uploaded it.
	Account Account
	// ID identifies this upload among the company's uploads and stays the same
	// when the file is processed again after a restart: "<timestamp>-<name>",
	// its name in processing/ and archive/. Record it with the run to recognise
	// a file processed again (a checksum alone does not: the same file may
	// rightly be uploaded twice).
	ID string
	// Name is the file name the client gave it, e.g. "people.csv".
	Name string
	// Path is the absolute path of the file, inside the company's processing/
	// folder. The Processor reads it and must not move, change or remove it.
	Path string
	// Size is the file's size in bytes.
	Size int64
	// SHA256 is the hex-encoded SHA-256 checksum of the file.
	SHA256 string
	// ReceivedAt is when the upload completed (UTC).
	ReceivedAt time.Time
	// Recovered is true when the file is processed again after a restart: an
	// earlier run may have applied it already.
	Recovered bool
}

// Processor applies uploaded files. The server calls Process for one file of a
// company at a time, in upload order, from a background worker.
//
// Process must be idempotent (a file may be processed again after a crash or a
// restart, with the same Upload.ID; see the package documentation) and apply a
// file all or nothing. ctx
// is cancelled when the server stops; Process should then stop promptly and
// return an error without applying anything, and the file is processed again on
// the next start. Any other error is reported to the client as a "failed" run, so
// its message should be plain language.
type Processor interface {
	// Process applies the uploaded file u and reports the outcome.
	Process(ctx context.Context, u Upload) (Result, error)
}

// ProcessorFunc adapts a function to the Processor interface.
type ProcessorFunc func(ctx context.Context, u Upload) (Result, error)

// Process calls f(ctx, u).
func (f ProcessorFunc) Process(ctx context.Context, u Upload) (Result, error) { return f(ctx, u) }

// Status is the outcome of processing a file.
type Status string

// The outcomes of processing a file.
const (
	// StatusOK means the file was applied.
	StatusOK Status = "ok"
	// StatusInvalid means the file has errors and nothing was applied.
	StatusInvalid Status = "invalid"
	// StatusHeld means the file is valid but was held for confirmation (for
	// example, it would deactivate too many people) and nothing was applied.
	StatusHeld Status = "held"
	// StatusFailed means the file could not be processed (or not received
	// whole) and nothing was applied.
	StatusFailed Status = "failed"
)

// Result is what a Processor reports for a file; the server writes it to
// results/ as JSON and as text.
type Result struct {
	// Status is the outcome. An empty or unknown status is reported as failed.
	Status Status `json:"status"`
	// Message is a one-line summary in plain language.
	Message string `json:"message,omitempty"`
	// Counts are named figures, e.g. "people.created": 3, "people.unchanged": 97.
	Counts map[string]int `json:"counts,omitempty"`
	// Errors lists every problem found, with where it is.
	Errors []FileError `json:"errors,omitempty"`
}

// FileError is one problem found in a file.
type FileError struct {
	// File is the file name, e.g. "people.csv".
	File string `json:"file,omitempty"`
	// Line is the 1-based line number, 0 when the problem is not on one line.
	Line int `json:"line,omitempty"`
	// Column is the column's header (e.g. "hired_date"), "" when the problem
	// is not in one column.
	Column string `json:"column,omitempty"`
	// Message says what is wrong and what to do.
	Message string `json:"message"`
}

// Report is the content of a results/<name>.<timestamp>.json file: the Result
// and what the server knows about the upload.
type Report struct {
	// File is the uploaded file's name.
	File string `json:"file"`
	// CompanyID is the company the file was uploaded for.
	CompanyID string `json:"company_id"`
	// User is who uploaded it (empty if unknown after a restart).
	User string `json:"user,omitempty"`
	// Size is the file's size in bytes (for a failed upload, the bytes received).
	Size int64 `json:"size"`
	// SHA256 is the hex-encoded checksum (empty for a failed upload).
	SHA256 string `json:"sha256,omitempty"`
	// ReceivedAt is when the upload completed, or failed (UTC).
	ReceivedAt time.Time `json:"received_at"`
	// FinishedAt is when processing finished (UTC).
	FinishedAt time.Time `json:"finished_at"`
	// Archived is the file's name in archive/ (empty when it was not kept).
	Archived string `json:"archived,omitempty"`
	Result
}
