package store

import (
	"context"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Imports is the part of the store that keeps the log of import runs: every
// import of CSV files, by upload, SFTP or the command line, with its files,
// outcome and counts. Store includes it.
type Imports interface {
	// RecordImport inserts a run (ID and StartedAt filled when empty) or, when a run with its ID exists, updates it; returns it as stored.
	RecordImport(ctx context.Context, r ImportRun) (ImportRun, error)
	// Imports lists a company's runs, newest first, at most limit (0: all).
	Imports(ctx context.Context, companyID string, limit int) ([]ImportRun, error)
	// ImportsOfFile lists a company's runs that included a file with this SHA-256 (hex), newest first.
	ImportsOfFile(ctx context.Context, companyID, sha256 string) ([]ImportRun, error)
}

// ImportRun is one import into one company: which files, in which mode, how it
// ended and what it did.
type ImportRun struct {
	ID        string
	CompanyID string
	// Source is the way the files came in: planning.SourceImport,
	// planning.SourceSFTP, ...
	Source planning.Source
	// Actor is the user, account or file that started the run, when known.
	Actor string
	// Mode is "merge" or "replace" (ImportMerge, ImportReplace); "" is
	// stored as "merge".
	Mode  string
	Files []ImportFile
	// StartedAt is when the run began; FinishedAt when it ended, zero while it
	// is running.
	StartedAt  time.Time
	FinishedAt time.Time
	// Status is one of the Import* constants.
	Status string
	// Counts says what the run did, by kind label, e.g. "people".
	Counts map[string]ImportCounts
	// Problems counts the problems found in the files.
	Problems int
	// Message says how the run ended, in words.
	Message string
}

// ImportFile is one file of an import run.
type ImportFile struct {
	Name string
	Size int64
	// SHA256 is the checksum of the file's content, in lower-case hex.
	SHA256 string
}

// ImportCounts counts what an import did to the records of one kind.
type ImportCounts struct{ Created, Updated, Deactivated, Unchanged int }

// The statuses of an import run.
const (
	// ImportRunning: the run has not ended yet.
	ImportRunning = "running"
	// ImportApplied: the files' changes were written.
	ImportApplied = "applied"
	// ImportDryRun: the changes were worked out and shown, not written.
	ImportDryRun = "dry-run"
	// ImportUnchanged: the files held nothing new.
	ImportUnchanged = "unchanged"
	// ImportInvalid: the files had problems, so nothing was written.
	ImportInvalid = "invalid"
	// ImportHeld: the changes were held back for a person to confirm (say, a
	// replace that would deactivate too many records).
	ImportHeld = "held"
	// ImportFailed: the run stopped on an error.
	ImportFailed = "failed"
)

// The modes of an import run.
const (
	// ImportMerge creates and updates the records in the files and leaves the
	// others alone.
	ImportMerge = "merge"
	// ImportReplace also deactivates the people and projects missing from the
	// files.
	ImportReplace = "replace"
)

// SFTPAccounts is the part of the store that keeps the accounts of the SFTP
// server, each dropping files into one company. Store includes it.
type SFTPAccounts interface {
	// CreateSFTPAccount adds an account; a username already used (any case) is refused with a clear error.
	CreateSFTPAccount(ctx context.Context, a SFTPAccount, by Actor) (SFTPAccount, error)
	// SFTPAccount finds an account by username (any case), or ErrNotFound.
	SFTPAccount(ctx context.Context, username string) (SFTPAccount, error)
	// SFTPAccountsOf lists a company's accounts by username.
	SFTPAccountsOf(ctx context.Context, companyID string) ([]SFTPAccount, error)
	// UpdateSFTPAccount replaces an account's password hash and keys (found by ID).
	UpdateSFTPAccount(ctx context.Context, a SFTPAccount, by Actor) error
	// DeleteSFTPAccount removes an account by username (any case); ErrNotFound when missing.
	DeleteSFTPAccount(ctx context.Context, username string, by Actor) error
}

// SFTPAccount is a login of the SFTP server. Its files are imported into its
// company. The change history records accounts by username and company only,
// never their password hash or keys.
type SFTPAccount struct {
	ID, CompanyID string
	// Username is unique across the installation, case-insensitively; see
	// ValidSFTPUsername.
	Username string
	// PasswordHash is "" when the account logs in by key only.
	PasswordHash string
	// AuthorizedKeys holds OpenSSH authorized_keys lines.
	AuthorizedKeys string
	CreatedAt      time.Time
}

// KindSFTPAccount is the change history's entity for SFTP accounts.
const KindSFTPAccount planning.Kind = "sftp_account"

// SFTPUsernameRule says in words what ValidSFTPUsername accepts.
const SFTPUsernameRule = "1 to 64 letters, digits, '.', '_' or '-'"

// ValidSFTPUsername reports whether name can be an SFTP username: 1 to 64 ASCII
// letters, digits, '.', '_' or '-'.
func ValidSFTPUsername(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
