package s3

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trestle-dev/trestle/internal/blob"
)

var _ blob.Presigner = (*Store)(nil)

// MaxPresignTTL is the longest lifetime S3 allows a presigned URL (SigV4: 7 days).
// With temporary credentials (an instance role) a URL also stops working when
// the credentials that signed it expire, whatever its own expiry.
const MaxPresignTTL = 7 * 24 * time.Hour

// PresignGet returns a presigned GET URL for the object with the given key (under
// the store's prefix) valid for ttl, a whole number of seconds between 1 s and
// MaxPresignTTL (ttl is rounded down to seconds), and the time it expires.
//
// The presign client is derived from the store's client, so the URL points at the
// same endpoint with the same addressing (path-style for a custom endpoint unless
// VirtualHostStyle), region and credentials as the store's own requests. It does
// not contact the server: the object need not exist yet.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	if err := blob.CheckKey(key); err != nil {
		return "", time.Time{}, err
	}
	ttl = ttl.Truncate(time.Second)
	if ttl < time.Second || ttl > MaxPresignTTL {
		return "", time.Time{}, fmt.Errorf("blob/s3: presign %q: lifetime %v is not between 1s and %v", key, ttl, MaxPresignTTL)
	}
	pc := s3.NewPresignClient(s.client, s3.WithPresignExpires(ttl))
	req, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.path(key))})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("blob/s3: presign %q in bucket %q: %w", key, s.bucket, err)
	}
	expires, err := presignExpiry(req.URL)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("blob/s3: presign %q: %w", key, err)
	}
	return req.URL, expires, nil
}

// presignExpiry reads when a SigV4 presigned URL expires: its signing time
// (X-Amz-Date) plus its lifetime (X-Amz-Expires), as the server computes it.
func presignExpiry(rawURL string) (time.Time, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return time.Time{}, err
	}
	q := u.Query()
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return time.Time{}, fmt.Errorf("presigned URL has no valid X-Amz-Date: %w", err)
	}
	secs, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("presigned URL has no valid X-Amz-Expires: %w", err)
	}
	return signed.Add(time.Duration(secs) * time.Second), nil
}
