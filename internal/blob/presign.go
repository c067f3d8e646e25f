package blob

import (
	"context"
	"time"
)

// Presigner is a Store that can hand out time-limited URLs for reading an object directly.
//
// PresignGet returns a URL that anyone holding it can GET (with Range requests)
// without credentials until the returned expiry, and the expiry itself. Stores
// that cannot presign (a local folder) do not implement it; a server signs URLs
// for those itself (internal/sharing/fileurl).
type Presigner interface {
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)
}
