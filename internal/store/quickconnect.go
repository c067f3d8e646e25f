package store

import (
	"context"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// QuickConnect is the part of the store that keeps QuickConnect's connections
// (scheduled syncs from a company's system of record) and the history of their
// runs. Store includes it.
type QuickConnect interface {
	// SaveQCConnection creates a connection, or updates the company's connection with the same name (any case): its definition, whether it is enabled, and the spelling of its name. c.CompanyID may be the company's id or slug. It returns the connection as stored.
	SaveQCConnection(ctx context.Context, c QCConnection, by Actor) (QCConnection, error)
	// QCConnection finds a company's connection (by company id) by name (any case), or ErrNotFound.
	QCConnection(ctx context.Context, companyID, name string) (QCConnection, error)
	// QCConnections lists a company's connections (by company id), by name.
	QCConnections(ctx context.Context, companyID string) ([]QCConnection, error)
	// AllQCConnections lists every company's connections, by company slug and name, for the scheduler.
	AllQCConnections(ctx context.Context) ([]QCConnection, error)
	// DeleteQCConnection removes a company's connection (by company id) by name (any case), with its runs; ErrNotFound when missing.
	DeleteQCConnection(ctx context.Context, companyID, name string, by Actor) error
	// RecordQCRun inserts a run (ID and StartedAt filled when empty) or, when a run with its ID exists, updates it; returns it as stored. r.CompanyID may be the company's id or slug; the connection must be the company's.
	RecordQCRun(ctx context.Context, r QCRun) (QCRun, error)
	// QCRuns lists a company's runs of one connection (all its connections when connectionID is ""), newest first, at most limit (0: all).
	QCRuns(ctx context.Context, companyID, connectionID string, limit int) ([]QCRun, error)
	// LastQCRun returns a connection's newest run with one of the statuses (any status when none is given), or ErrNotFound.
	LastQCRun(ctx context.Context, connectionID string, status ...string) (QCRun, error)
}

// QCConnection is one QuickConnect connection of a company: where its records
// come from and how they map onto the hub's, as YAML text that package
// quickconnect parses (sources, mappings, schedule, options). The store keeps
// the text as given and does not read it. The text may hold credentials (a DSN
// with a password), so the change history records connections by name and
// company only, never their definition.
type QCConnection struct {
	ID, CompanyID string
	// Name is unique in its company, case-insensitively; see ValidQCName.
	Name string
	// Definition is the connection's YAML text; it must not be blank.
	Definition string
	// Enabled says the scheduler runs the connection on its schedule.
	Enabled bool
	// CreatedAt is when the connection was created; UpdatedAt when it last
	// changed.
	CreatedAt, UpdatedAt time.Time
}

// QCRun is one run of a connection: when and why it ran, how it ended, what it
// did to each kind of record, its first row errors, and fingerprints of what it
// read from each source.
type QCRun struct {
	ID, CompanyID, ConnectionID string
	// Trigger says what started the run: QCTriggerSchedule, QCTriggerManual or
	// QCTriggerDryRun.
	Trigger string
	// StartedAt is when the run began; FinishedAt when it ended, zero while it
	// is running.
	StartedAt, FinishedAt time.Time
	// Status is one of the QC* statuses (QCRunning, QCOK, ...).
	Status string
	// Message says how the run ended, in words.
	Message string
	// Counts says what the run did, by entity: "people", "projects", "groups",
	// "job_titles".
	Counts map[string]QCCounts
	// Errors holds the first QCMaxRowErrors row errors; RecordQCRun keeps no
	// more. ErrorsTotal counts them all (at least len(Errors)).
	Errors      []QCRowError
	ErrorsTotal int
	// Fingerprints says, per source name, what the run read (an ETag, a
	// Last-Modified time, a checksum), so that the next run can skip a source
	// that has not changed.
	Fingerprints map[string]string
}

// QCCounts counts what a run did to the records of one entity: rows read,
// records created, updated, deactivated and unchanged, rows skipped by the
// mapping's validity filter, and rows with errors.
type QCCounts struct{ Read, Created, Updated, Deactivated, Unchanged, Skipped, Invalid int }

// QCRowError is one error with one row of a source: the entity and source it
// fed, the row (1-based; 0 when unknown), the hub field and source column at
// fault (either may be empty), what is wrong, and the row's values by column.
// The caller masks secrets in Values and Message before recording them.
type QCRowError struct {
	Entity, Source string
	Row            int
	Field, Column  string
	Message        string
	Values         map[string]string
}

// QCMaxRowErrors is how many row errors a run keeps.
const QCMaxRowErrors = 1000

// What starts a run.
const (
	// QCTriggerSchedule: the scheduler, at one of the connection's times.
	QCTriggerSchedule = "schedule"
	// QCTriggerManual: a person asked for a run.
	QCTriggerManual = "manual"
	// QCTriggerDryRun: a person asked what a run would do; nothing is written.
	QCTriggerDryRun = "dry-run"
)

// The statuses of a run.
const (
	// QCRunning: the run has not ended yet.
	QCRunning = "running"
	// QCOK: the run ended and wrote its changes (or, for a dry run, worked
	// them out).
	QCOK = "ok"
	// QCUnchanged: the sources held nothing new, so nothing was written.
	QCUnchanged = "unchanged"
	// QCFailed: the run stopped on an error (a source out of reach, a query
	// that failed); nothing was written.
	QCFailed = "failed"
	// QCHeld: the changes were held back for a person to confirm (say, more
	// deactivations than the connection allows).
	QCHeld = "held"
	// QCInvalid: rows had errors, so nothing was written.
	QCInvalid = "invalid"
)

// QCStatuses lists the statuses of a run.
var QCStatuses = []string{QCRunning, QCOK, QCUnchanged, QCFailed, QCHeld, QCInvalid}

// QCTriggers lists what can start a run.
var QCTriggers = []string{QCTriggerSchedule, QCTriggerManual, QCTriggerDryRun}

// KindQCConnection is the change history's entity for QuickConnect connections.
const KindQCConnection planning.Kind = "quickconnect_connection"

// QCNameRule says in words what ValidQCName accepts.
const QCNameRule = "1 to 64 letters, digits, '.', '_' or '-'"

// ValidQCName reports whether name can be a connection's name: 1 to 64 ASCII
// letters, digits, '.', '_' or '-' (the rule of SFTP usernames).
func ValidQCName(name string) bool { return ValidSFTPUsername(name) }

// Locks is the part of the store that lets one hub process, among several on
// the same database, do a job alone. Store includes it.
type Locks interface {
	// TryLock takes the lock called name, unless another holder (another hub process on the same database, or another caller in this one) has it: ok is false then, and release nil. The lock is held until release is called (once or more), or until the process or its database connection ends. On PostgreSQL it is a session-level advisory lock on a connection of its own; on SQLite, which one process writes, a lock within the process.
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}
