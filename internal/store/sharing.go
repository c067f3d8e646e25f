package store

import (
	"context"
	"errors"
	"iter"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trestle-dev/trestle/internal/planning"
)

// Sharing is the part of the store that Delta Sharing uses: recipients' tokens,
// shares and their tables, who may read which company, and the access log. Store
// includes it.
type Sharing interface {
	// CreateShareToken stores a recipient's token: its ID (auth.NewToken's id), the
	// user it belongs to, a name, the hash of its secret (never the secret) and
	// when it expires (zero: never). It returns the token as stored.
	CreateShareToken(ctx context.Context, t ShareToken, by Actor) (ShareToken, error)
	// ShareToken finds a token by id, revoked and expired ones included
	// (ErrNotFound when there is none).
	ShareToken(ctx context.Context, id string) (ShareToken, error)
	// ShareTokens lists a user's tokens, oldest first, revoked and expired ones
	// included.
	ShareTokens(ctx context.Context, userID string) ([]ShareToken, error)
	// RevokeShareToken ends a token at once. Revoking a revoked token does nothing.
	RevokeShareToken(ctx context.Context, id string, by Actor) error
	// TouchShareToken records that the token was used at at. It is meant for every
	// request and is cheap: a token's last use is written at most once a minute per
	// process, so LastUsedAt is accurate to about a minute. It writes no history.
	TouchShareToken(ctx context.Context, id string, at time.Time) error

	// Shares lists a company's shares by name, its default share included.
	Shares(ctx context.Context, companyID string) ([]Share, error)
	// AllShares lists every share of every company by name.
	AllShares(ctx context.Context) ([]Share, error)
	// ShareByName finds a share by name, case-insensitively (ErrNotFound).
	ShareByName(ctx context.Context, name string) (Share, error)
	// CreateShare adds a custom share to a company. Its name must be valid and
	// unused, case-insensitively, across the installation (*KeyClashError).
	CreateShare(ctx context.Context, s Share, by Actor) (Share, error)
	// RenameShare gives a share (the default one too) a new name.
	RenameShare(ctx context.Context, id, newName string, by Actor) error
	// DeleteShare removes a custom share and its tables; the default share cannot
	// be deleted (ErrDefaultShare).
	DeleteShare(ctx context.Context, id string, by Actor) error
	// AddSharedTable adds a table to a share: a hub table (custom shares only; the
	// default share holds every published table already) or an external Delta
	// table at a location. (share, schema, name) is unique case-insensitively.
	AddSharedTable(ctx context.Context, t SharedTable, by Actor) (SharedTable, error)
	// RemoveSharedTable takes a table out of a share (ErrNotFound when absent).
	RemoveSharedTable(ctx context.Context, shareID, schema, name string, by Actor) error
	// SharedTables lists the tables a share lists explicitly, by schema and name.
	// For a default share these are only the tables added to it; its published
	// hub tables (schema DefaultSchema) are implicit.
	SharedTables(ctx context.Context, shareID string) ([]SharedTable, error)

	// RecipientAccess lists the companies whose shares a user may read: those
	// where the user has a membership with Analytics, unless the company has a
	// person with the user's email whose status is inactive. It is one indexed
	// query, made for every sharing request.
	RecipientAccess(ctx context.Context, userID string) ([]CompanyAccess, error)

	// LogSharingAccess appends one sharing request to the access log. On SQLite
	// it waits for the single writer, so a server should call it off the
	// request's path.
	LogSharingAccess(ctx context.Context, e SharingAccess) error
	// SharingAccessLog streams the access log, newest first.
	SharingAccessLog(ctx context.Context, q SharingAccessQuery) iter.Seq2[SharingAccess, error]
}

// DefaultSchema is the schema of a company's published tables in its default
// share (the same name as publish.Schema).
const DefaultSchema = "resource_planning"

// ErrDefaultShare: a company's default share cannot be deleted.
var ErrDefaultShare = errors.New("a company's default share cannot be deleted; rename it instead")

// Kinds of share token.
const (
	// TokenBearer is a bearer token presented on every Delta Sharing request.
	TokenBearer = "token"
	// TokenClient is an OAuth client credential (profile version 2): its id and
	// secret are presented only to the token endpoint, which issues short-lived
	// bearer tokens; it is not a bearer token itself.
	TokenClient = "client"
)

// ShareToken is a recipient's bearer token (or OAuth client credential), as
// stored: never the secret, only its hash.
type ShareToken struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Name   string `json:"name,omitempty"`
	// Kind is TokenBearer (the default when empty) or TokenClient.
	Kind string `json:"kind,omitempty"`
	// Hash is auth.Hash of the secret. It is never shown nor written to the
	// change history.
	Hash      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	// ExpiresAt is when the token stops working; zero means never.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RevokedAt is when the token was revoked; zero means it was not.
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Active reports whether the token works at now: not revoked and not expired.
func (t ShareToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// Share is a named set of tables of one company, read by that company's
// recipients. Every company has one default share (Default) holding all its
// published tables; custom shares list their tables.
type Share struct {
	ID        string `json:"id,omitempty"`
	CompanyID string `json:"company_id"`
	// Name is unique across the installation, case-insensitively (Delta Sharing
	// names are); see ValidSharingName.
	Name      string    `json:"name"`
	Comment   string    `json:"comment,omitempty"`
	Default   bool      `json:"default,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Kind is "company" for the default share and "custom" for the others.
func (s Share) Kind() string {
	if s.Default {
		return "company"
	}
	return "custom"
}

// Normalize trims the share's name and comment.
func (s *Share) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.Comment = strings.TrimSpace(s.Comment)
}

// Validate checks the share's fields.
func (s *Share) Validate() planning.Errors {
	var errs planning.Errors
	validName(&errs, "name", "share", s.Name)
	if utf8.RuneCountInString(s.Comment) > 1000 {
		errs.Add("comment", "is too long (%d characters; at most 1000)", utf8.RuneCountInString(s.Comment))
	}
	return errs
}

// SharedTable is one table a share lists: a company's published hub table, or an
// external Delta table at a location.
type SharedTable struct {
	ID      string `json:"id,omitempty"`
	ShareID string `json:"share_id"`
	// Schema and Name are what recipients see; with the share they are unique,
	// case-insensitively.
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// HubTable is the name of one of the company's published tables ("people"),
	// or "".
	HubTable string `json:"hub_table,omitempty"`
	// Location is an external Delta table: an absolute folder path or an
	// s3://bucket/prefix URL, or "". Exactly one of HubTable and Location is set.
	Location string `json:"location,omitempty"`
	// History lets recipients read older versions and the change data feed.
	History   bool      `json:"history,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Normalize trims the table's fields and cleans its location.
func (t *SharedTable) Normalize() {
	t.Schema = strings.TrimSpace(t.Schema)
	t.Name = strings.TrimSpace(t.Name)
	t.HubTable = strings.ToLower(strings.TrimSpace(t.HubTable))
	t.Location = strings.TrimSpace(t.Location)
	if t.Location != "" && !strings.Contains(t.Location, "://") {
		t.Location = path.Clean(t.Location)
	}
}

var hubTableRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Validate checks the table's fields.
func (t *SharedTable) Validate() planning.Errors {
	var errs planning.Errors
	validName(&errs, "schema", "schema", t.Schema)
	validName(&errs, "name", "table", t.Name)
	switch {
	case t.HubTable == "" && t.Location == "":
		errs.Add("location", "is required: give a hub table or the location of a Delta table")
	case t.HubTable != "" && t.Location != "":
		errs.Add("location", "give a hub table or a location, not both")
	case t.HubTable != "" && !hubTableRE.MatchString(t.HubTable):
		errs.Add("hub_table", "%q is not a table name", t.HubTable)
	case t.Location != "":
		validLocation(&errs, t.Location)
	}
	return errs
}

func validLocation(errs *planning.Errors, loc string) {
	scheme, rest, hasScheme := strings.Cut(loc, "://")
	switch {
	case hasScheme && scheme == "s3":
		bucket, _, _ := strings.Cut(rest, "/")
		if bucket == "" || strings.ContainsAny(bucket, "?#") {
			errs.Add("location", "%q names no bucket; use s3://bucket/path/to/table", loc)
		}
	case hasScheme:
		errs.Add("location", "%q is not supported; use an absolute folder path or s3://bucket/path", loc)
	case !strings.HasPrefix(loc, "/"):
		errs.Add("location", "%q is not an absolute folder path", loc)
	}
}

// SharingNameRule says in words what ValidSharingName accepts.
const SharingNameRule = "1 to 255 characters with no spaces, '/', '.' or control characters"

// ValidSharingName reports whether name can name a share, schema or table: the
// Delta Sharing protocol's rule (at most 255 characters; no space, '/', or
// control characters) plus no '.', which the protocol forbids in schema and table
// names and which clients' "share.schema.table" coordinates cannot hold in a
// share name either.
func ValidSharingName(name string) bool {
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 255 {
		return false
	}
	for _, r := range name {
		if r <= 0x20 || r == 0x7f || r == '/' || r == '.' || r == '\u00a0' {
			return false
		}
	}
	return true
}

func validName(errs *planning.Errors, field, what, v string) {
	if v == "" {
		errs.Add(field, "is required")
		return
	}
	if !ValidSharingName(v) {
		errs.Add(field, "%q is not a valid %s name; use %s", v, what, SharingNameRule)
	}
}

// NameKey is how share, schema and table names are compared: case-insensitively.
func NameKey(name string) string { return strings.ToLower(name) }

// CompanyAccess is one company a recipient may read, and the permission their
// membership has there.
type CompanyAccess struct {
	Company    planning.Company
	Permission planning.Permission
}

// SharingAccess is one entry of the access log: one sharing request, answered.
type SharingAccess struct {
	At time.Time `json:"at"`
	// UserID and TokenID say who asked ("" when the request had no valid token).
	UserID  string `json:"user_id,omitempty"`
	TokenID string `json:"token_id,omitempty"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	// Share, Schema and Table are what the request named, if anything.
	Share  string `json:"share,omitempty"`
	Schema string `json:"schema,omitempty"`
	Table  string `json:"table,omitempty"`
	Status int    `json:"status"`
	// Files and Bytes count the file URLs handed out and their total size.
	Files    int           `json:"files"`
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"duration_ns"`
	Remote   string        `json:"remote,omitempty"`
}

// SharingAccessQuery narrows the access log.
type SharingAccessQuery struct {
	// UserID keeps one user's requests.
	UserID string
	// Share keeps requests naming this share (case-insensitively).
	Share string
	// Since keeps requests at or after this instant.
	Since time.Time
	// Limit caps the entries (0: no limit).
	Limit int
}
