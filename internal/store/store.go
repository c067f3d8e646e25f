// Package store keeps the hub's data: companies, users and memberships, each
// company's planning records, with a change history written in the same transaction
// as every change, Delta Sharing's shares, tokens and access log, the log of
// import runs, the SFTP server's accounts, QuickConnect's connections and runs,
// and named locks that let one of several hub processes do a job alone.
//
// Store is the one interface the rest of Trestle uses; the sqlstore package has its
// two backends, SQLite (the embedded default) and PostgreSQL, and storetest holds the
// conformance suite both must pass.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Store is the hub's database.
type Store interface {
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error

	// CreateCompany adds a company and its default share, named after the slug.
	// The slug must be unused, by companies and by share names.
	CreateCompany(ctx context.Context, c planning.Company, by Actor) (planning.Company, error)
	// Company finds a company by id or slug.
	Company(ctx context.Context, idOrSlug string) (planning.Company, error)
	// Companies lists every company, by slug.
	Companies(ctx context.Context) ([]planning.Company, error)
	// SetHubManaged marks or unmarks a company as maintained in the hub.
	SetHubManaged(ctx context.Context, companyID string, managed bool, by Actor) error

	// CreateUser adds a login. The email must be unused.
	CreateUser(ctx context.Context, u planning.User, by Actor) (planning.User, error)
	// User finds a user by id or email.
	User(ctx context.Context, idOrEmail string) (planning.User, error)
	// Users lists every user, by email.
	Users(ctx context.Context) ([]planning.User, error)
	// SetMembership gives a user a permission level and analytics access in a
	// company, replacing any earlier membership there.
	SetMembership(ctx context.Context, m planning.Membership, by Actor) error
	// RemoveMembership takes a user out of a company.
	RemoveMembership(ctx context.Context, userID, companyID string, by Actor) error
	// Memberships lists a user's memberships.
	Memberships(ctx context.Context, userID string) ([]planning.Membership, error)

	// Update runs fn in one transaction on one company's records. Every change made
	// through tx is recorded in the change history with by's source and actor; when
	// fn returns an error nothing is written.
	Update(ctx context.Context, companyID string, by Actor, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction on one company's records; every
	// read in it sees the same state of the database (a snapshot).
	View(ctx context.Context, companyID string, fn func(tx Tx) error) error

	// Changes lists the company's change history after sequence number after, oldest
	// first, at most limit entries (0 means no limit).
	Changes(ctx context.Context, companyID string, after int64, limit int) iter.Seq2[Change, error]

	// Sharing has recipients' tokens, shares, recipient access and the access log.
	Sharing
	// Imports has the log of import runs.
	Imports
	// SFTPAccounts has the SFTP server's accounts.
	SFTPAccounts
	// QuickConnect has QuickConnect's connections and the history of their runs.
	QuickConnect
	// Locks has named locks held across the hub's processes.
	Locks
	// APIAuth has the REST API's clients and tokens.
	APIAuth
	// Sandboxes has sandbox companies' settings.
	Sandboxes
}

// Actor says who or what makes a change: the way in (source) and, when known, the
// user, API client or file (actor).
type Actor struct {
	Source planning.Source
	Actor  string
}

// Console is an actor for changes made from the command line.
func Console(who string) Actor { return Actor{Source: planning.SourceConsole, Actor: who} }

// Tx is one transaction on one company's records.
type Tx interface {
	// CompanyID is the company the transaction works on.
	CompanyID() string
	// HistorySeq is the sequence number of the newest change-history entry of the
	// company that this transaction sees (0 when there is none). In a View every
	// read sees the same state, so the records listed are exactly the result of
	// the changes up to HistorySeq: a reader can copy them and then follow
	// Changes after HistorySeq without missing or repeating a change.
	HistorySeq(ctx context.Context) (int64, error)
	Groups() Collection[planning.Group]
	JobTitles() Collection[planning.JobTitle]
	Tags() Collection[planning.Tag]
	People() Collection[planning.Person]
	Projects() Collection[planning.Project]
	Assignments() Collection[planning.Assignment]
	TimeOff() Collection[planning.TimeOff]
	ResourceRequests() Collection[planning.ResourceRequest]
}

// Collection is one kind of record in one company.
type Collection[T any] interface {
	// Get returns the record with id, or ErrNotFound.
	Get(ctx context.Context, id string) (T, error)
	// GetByKey returns the record with external key (employee_id, project_number,
	// code), or ErrNotFound.
	GetByKey(ctx context.Context, key string) (T, error)
	// List streams records in id order.
	List(ctx context.Context, q Query) iter.Seq2[T, error]
	// Count counts the records List would return, ignoring Limit.
	Count(ctx context.Context, q Query) (int, error)
	// Create adds a new record and returns it as stored.
	Create(ctx context.Context, v T) (T, error)
	// Update replaces a record found by id. When v's Version is not zero it must
	// match the stored version, or the update fails with a *ConflictError.
	Update(ctx context.Context, v T) (T, error)
	// Upsert creates or updates each record by its external key, in order; records
	// equal to the stored ones are left alone. It fills in each record's Meta. When
	// any record is invalid nothing is written and the error is a
	// *planning.InvalidError listing every problem.
	Upsert(ctx context.Context, items []T) (UpsertResult, error)
	// Delete removes a record. People and projects are never deleted; they are
	// deactivated (ErrNotDeletable).
	Delete(ctx context.Context, id string) error
}

// RawLister is an optional ability of a Collection. ListRaw streams the records
// List would, in the same order, each as its JSON document (the JSON object
// json.Marshal of the record writes, Meta included; a backend may order its
// keys differently) without decoding it: for callers that pass records on as
// JSON, like the REST API's lists. A document is valid until the next
// iteration: copy it to keep it.
type RawLister interface {
	ListRaw(ctx context.Context, q Query) iter.Seq2[json.RawMessage, error]
}

// Pager is an optional ability of a Store. PageRaw answers one page of a
// company's records of a kind in one statement, without a transaction: it
// calls fn with each record's JSON document (as RawLister's; valid only
// during the call) in the order of List, and returns how many records match q
// ignoring Limit and Offset. For the REST API's lists.
type Pager interface {
	PageRaw(ctx context.Context, companyID string, kind planning.Kind, q Query, fn func(doc json.RawMessage) error) (total int, err error)
}

// Query narrows a List or Count.
type Query struct {
	// After returns records whose id sorts after this one (cursor paging).
	After string
	// Limit caps the number of records (0: no limit).
	Limit int
	// Offset skips records (page-based paging).
	Offset int
	// UpdatedAfter, UpdatedBefore and CreatedAfter filter by timestamps.
	UpdatedAfter, UpdatedBefore, CreatedAfter time.Time
	// Keys keeps records whose external key is one of these.
	Keys []string
	// Status keeps people or projects with this status.
	Status planning.Status
	// Email keeps the person with this email.
	Email string
	// Emails keeps the people whose email is one of these (compared trimmed and
	// lower-case, as emails are stored); MobilePhones, those whose mobile phone is
	// one of these. They let a caller find the holders of many values at once.
	Emails, MobilePhones []string
	// PersonID and ProjectID keep assignments, time off and requests of one
	// person or project.
	PersonID, ProjectID string
}

// UpsertResult counts what an Upsert did.
type UpsertResult struct {
	Created, Updated, Unchanged int
}

// Operation is what a change did to a record.
type Operation string

// Operations in the change history.
const (
	OpCreate Operation = "create"
	OpUpdate Operation = "update"
	OpDelete Operation = "delete"
)

// Change is one entry of the change history: one record changed once.
type Change struct {
	Seq       int64           `json:"seq"`
	CompanyID string          `json:"company_id,omitempty"`
	Entity    planning.Kind   `json:"entity"`
	EntityID  string          `json:"entity_id"`
	EntityKey string          `json:"entity_key,omitempty"`
	Operation Operation       `json:"operation"`
	Source    planning.Source `json:"source"`
	Actor     string          `json:"actor,omitempty"`
	// TxID groups the changes made in one transaction.
	TxID    string    `json:"tx_id"`
	At      time.Time `json:"at"`
	Version int64     `json:"version"`
	// Before and After are the record as JSON before and after the change; Before is
	// empty for a create, After for a delete.
	Before []byte `json:"before,omitempty"`
	After  []byte `json:"after,omitempty"`
}

// Errors the store returns; test with errors.Is.
var (
	// ErrNotFound: no record with that id or key.
	ErrNotFound = errors.New("not found")
	// ErrNotDeletable: people and projects are deactivated, never deleted.
	ErrNotDeletable = errors.New("people and projects are deactivated (status inactive), not deleted")
	// ErrReadOnly: a write was attempted in a View transaction.
	ErrReadOnly = errors.New("read-only transaction")
	// ErrSchemaTooNew: the database was migrated by a newer Trestle.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// NotFoundError says what was not found. It matches ErrNotFound.
type NotFoundError struct {
	Kind planning.Kind
	By   string // "id", "code", "employee_id", ...
	Val  string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s with %s %q", e.Kind.Label(), e.By, e.Val)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ConflictError reports an optimistic concurrency failure: the record changed since
// the caller read it.
type ConflictError struct {
	Kind       planning.Kind
	ID         string
	Label      string
	Want, Have int64 // the version the caller had, the version stored
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %s was changed by someone else (now version %d, you had version %d); reload it and try again",
		e.Kind.Label(), e.Label, e.Have, e.Want)
}

// KeyClashError reports that a unique value (an external key, email or phone) is
// already held by another record, and names that record.
type KeyClashError struct {
	Kind   planning.Kind
	Field  string // "employee_id", "email", "mobile_phone", "code", "slug"
	Value  string
	Record string // the label of the record the caller tried to write
	// HeldByID and HeldBy name the record that already has the value.
	HeldByID string
	HeldBy   string
}

func (e *KeyClashError) Error() string {
	who := e.HeldBy
	if who == "" {
		who = e.HeldByID
	}
	if e.Record != "" {
		return fmt.Sprintf("%s %s: %s %q is already used by %s %s", e.Kind.Label(), e.Record, e.Field, e.Value, e.Kind.Label(), who)
	}
	return fmt.Sprintf("%s %q is already used by %s %s", e.Field, e.Value, e.Kind.Label(), who)
}

// InUseError reports that a group, job title or tag cannot be deleted or recoded
// because other records refer to it.
type InUseError struct {
	Kind    planning.Kind
	Code    string
	Action  string        // "delete", "change the code of"
	By      planning.Kind // the kind of the referring records
	Example string        // a referring record, and how many more
	Count   int
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("cannot %s %s %q: %d %s record(s) refer to it, such as %s; change those first",
		e.Action, e.Kind.Label(), e.Code, e.Count, e.By.Label(), e.Example)
}
