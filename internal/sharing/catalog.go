package sharing

import (
	"context"
	"errors"
	"time"

	"github.com/trestle-dev/trestle/internal/delta"
)

// Recipient is who makes a request: the holder of a bearer token.
type Recipient struct {
	// UserID is the person (hub user) the token belongs to.
	UserID string
	// TokenID identifies the token, for the access log.
	TokenID string
}

// ErrUnauthenticated is what an Authenticator returns for a missing, unknown,
// expired or revoked token. The server answers 401 without saying which.
var ErrUnauthenticated = errors.New("sharing: unauthenticated")

// ErrNotFound is what a Catalog returns for a share the recipient cannot see;
// the server answers 404 as if it did not exist.
var ErrNotFound = errors.New("sharing: not found")

// Authenticator turns a bearer token into a recipient.
type Authenticator interface {
	Authenticate(ctx context.Context, bearerToken string) (Recipient, error)
}

// Catalog says what a recipient may read.
type Catalog interface {
	// Shares lists the shares the recipient may read.
	Shares(ctx context.Context, r Recipient) ([]Share, error)
	// Tables lists the tables of one share (matched case-insensitively), in a
	// stable order (schema, then name); ErrNotFound when the recipient cannot
	// see the share.
	Tables(ctx context.Context, r Recipient, share string) (Share, []Table, error)
}

// Share is one share.
type Share struct {
	Name string
	ID   string // optional, a UUID
}

// Table is one shared table.
type Table struct {
	Share, Schema, Name string
	// ID and ShareID are optional identifiers (UUIDs) echoed in lists.
	ID, ShareID string
	// Delta is the table itself.
	Delta *delta.Table
	// History allows time travel (version, timestamp, startingVersion) and the
	// change data feed.
	History bool
	// Files signs the URLs of the table's data files.
	Files URLSigner
}

// URLSigner hands out time-limited URLs for reading a data file of a table,
// given its blob-store key (delta.Table.DataKey).
type URLSigner interface {
	SignURL(ctx context.Context, key string, ttl time.Duration) (url string, expires time.Time, err error)
}
