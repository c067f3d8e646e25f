// Package s3 is a blob.Store on Amazon S3 or an S3-compatible server.
//
// Guarantees: Put is a single PutObject, which S3 makes visible all at once, so
// readers see the old or the whole new object. PutIfAbsent is a PutObject with
// "If-None-Match: *": the server refuses it (412 Precondition Failed, or 409
// Conditional Request Conflict when another conditional write of the key is in
// flight) if the key exists, and both map to blob.ErrExist. That is atomic, one
// winner among concurrent writers, on AWS S3 (since August 2024) and on servers
// that implement If-None-Match on PUT, such as versitygw, which the tests run
// against. A server that ignores the header silently overwrites instead: it gives
// NO mutual exclusion, and the Delta log must not be kept on it. A 409 may also
// be returned when the other writer then fails; the caller sees ErrExist,
// re-reads and tries again, as it would after losing a race.
//
// Objects are read with ranged GETs: Object.ReadAt fetches just the bytes asked
// for, and every read is conditional on the ETag seen at Open, so an object
// replaced while open gives an error rather than a mix of two versions.
//
// The store is a blob.Copier: Copy is one CopyObject, done by the server
// without the bytes passing through the client, and like a PUT it makes the
// copy visible all at once. One CopyObject copies at most 5 GiB (S3's limit);
// larger objects cannot be copied this way.
//
// Bodies that are not io.ReadSeeker are spooled (in memory up to 8 MiB, then in a
// temporary file) so the request can be signed and retried; one object is at most
// 5 GiB, S3's limit for a single PUT.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/trestle-dev/trestle/internal/blob"
)

// Options configure a Store.
type Options struct {
	// Bucket holds the objects. Required.
	Bucket string
	// Prefix is prepended to every key ("trestle" or "trestle/": keys live under
	// "trestle/"), so several stores can share a bucket. Optional.
	Prefix string
	// Region of the bucket; "us-east-1" if empty and not found in the default
	// configuration.
	Region string
	// Endpoint is the URL of an S3-compatible server ("http://127.0.0.1:7070").
	// Empty means AWS S3. With an Endpoint, buckets are addressed path-style
	// (http://host/bucket/key), which such servers expect, unless
	// VirtualHostStyle is set.
	Endpoint string
	// VirtualHostStyle addresses a custom Endpoint's buckets as subdomains
	// (http://bucket.host/key).
	VirtualHostStyle bool
	// AccessKey and SecretKey are static credentials. If both are empty, the
	// default AWS credential chain is used (environment, shared config, instance
	// role, ...).
	AccessKey, SecretKey string
	// HTTPClient sends the requests; nil means the SDK's default.
	HTTPClient *http.Client
}

// Store is a blob.Store on an S3 bucket.
type Store struct {
	client *s3.Client
	bucket string
	prefix string // "" or ends in "/"
}

var (
	_ blob.Store  = (*Store)(nil)
	_ blob.Copier = (*Store)(nil)
)

// New returns a Store for opts. It does not contact the server.
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.Bucket == "" {
		return nil, errors.New("blob/s3: no bucket given")
	}
	if (opts.AccessKey == "") != (opts.SecretKey == "") {
		return nil, errors.New("blob/s3: give both an access key and a secret key, or neither to use the default credential chain")
	}
	prefix := strings.Trim(opts.Prefix, "/")
	if prefix != "" {
		if err := blob.CheckKey(prefix); err != nil {
			return nil, fmt.Errorf("blob/s3: prefix: %w", err)
		}
		prefix += "/"
	}
	var loadOpts []func(*config.LoadOptions) error
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	if opts.AccessKey != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(opts.AccessKey, opts.SecretKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("blob/s3: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.HTTPClient != nil {
			o.HTTPClient = opts.HTTPClient
		}
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
			o.UsePathStyle = !opts.VirtualHostStyle
			// Many S3-compatible servers reject or mishandle the checksums the
			// SDK adds by default; send them only where the API requires them.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &Store{client: client, bucket: opts.Bucket, prefix: prefix}, nil
}

// Client is the S3 client the store uses.
func (s *Store) Client() *s3.Client { return s.client }

func (s *Store) path(key string) string { return s.prefix + key }

// mapErr wraps err from operation op on key, turning S3's answers into the
// blob package's errors.
func (s *Store) mapErr(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchBucket":
			return fmt.Errorf("blob/s3: %s %q: bucket %q does not exist: %w", op, key, s.bucket, err)
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("blob/s3: %s %q: %w", op, key, blob.ErrNotExist)
		case "PreconditionFailed", "ConditionalRequestConflict":
			if op == "put-if-absent" {
				return fmt.Errorf("blob/s3: %s %q: %w", op, key, blob.ErrExist)
			}
		}
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		switch respErr.HTTPStatusCode() {
		case http.StatusNotFound:
			return fmt.Errorf("blob/s3: %s %q: %w", op, key, blob.ErrNotExist)
		case http.StatusPreconditionFailed, http.StatusConflict:
			if op == "put-if-absent" {
				return fmt.Errorf("blob/s3: %s %q: %w", op, key, blob.ErrExist)
			}
		}
	}
	return fmt.Errorf("blob/s3: %s %q in bucket %q: %w", op, key, s.bucket, err)
}

// Stat describes the object with the given key.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := blob.CheckKey(key); err != nil {
		return blob.Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.path(key))})
	if err != nil {
		return blob.Info{}, s.mapErr("stat", key, err)
	}
	return blob.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified).UTC()}, nil
}

// Open returns the object with the given key; its content is fetched as it is
// read, with ctx: the object is usable until ctx is done.
func (s *Store) Open(ctx context.Context, key string) (blob.Object, error) {
	if err := blob.CheckKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.path(key))})
	if err != nil {
		return nil, s.mapErr("open", key, err)
	}
	return blob.NewRangedObject(ctx, "blob/s3", key, aws.ToInt64(out.ContentLength), s.getter(key, aws.ToString(out.ETag))), nil
}

// object reads an S3 object with GETs conditional on its ETag.
// getter fetches ranges of an object with GETs conditional on the ETag it had
// when opened (blob.RangeGetter): an object replaced while open fails to read
// instead of mixing two versions.
func (s *Store) getter(key, etag string) blob.RangeGetter {
	return func(ctx context.Context, off, count int64) (io.ReadCloser, error) {
		rng := fmt.Sprintf("bytes=%d-", off)
		if count > 0 {
			rng = fmt.Sprintf("bytes=%d-%d", off, off+count-1)
		}
		in := &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.path(key)), Range: aws.String(rng)}
		if etag != "" {
			in.IfMatch = aws.String(etag)
		}
		out, err := s.client.GetObject(ctx, in)
		if err != nil {
			var respErr *smithyhttp.ResponseError
			if errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusPreconditionFailed {
				return nil, fmt.Errorf("blob/s3: read %q: the object was replaced while open", key)
			}
			return nil, s.mapErr("read", key, err)
		}
		return out.Body, nil
	}
}

// Put writes the object, replacing any object with the same key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, "put", key, r, false)
}

// PutIfAbsent writes the object only if no object has the key, with a PutObject
// conditional on If-None-Match: *.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, "put-if-absent", key, r, true)
}

func (s *Store) put(ctx context.Context, op, key string, r io.Reader, ifAbsent bool) error {
	if err := blob.CheckKey(key); err != nil {
		return err
	}
	body, size, done, err := seekable(r)
	if err != nil {
		return fmt.Errorf("blob/s3: %s %q: read content: %w", op, key, err)
	}
	defer done()
	in := &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           aws.String(s.path(key)),
		Body:          body,
		ContentLength: aws.Int64(size),
	}
	if ifAbsent {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return s.mapErr(op, key, err)
	}
	return nil
}

// spoolInMemory is how much of a non-seekable body is held in memory before
// the rest goes to a temporary file.
const spoolInMemory = 8 << 20

// seekable returns r as an io.ReadSeeker with its length from the current
// position, spooling it if needed; done releases the spool.
func seekable(r io.Reader) (io.ReadSeeker, int64, func(), error) {
	nothing := func() {}
	if rs, ok := r.(io.ReadSeeker); ok {
		cur, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := rs.Seek(0, io.SeekEnd)
			if err == nil {
				if _, err := rs.Seek(cur, io.SeekStart); err == nil {
					return io.NewSectionReader(readerAt{rs}, cur, end-cur), end - cur, nothing, nil
				}
			}
		}
		// Not really seekable (a pipe): spool it.
	}
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, spoolInMemory+1)
	if err == io.EOF {
		return bytes.NewReader(buf.Bytes()), n, nothing, nil
	}
	if err != nil {
		return nil, 0, nothing, err
	}
	f, err := os.CreateTemp("", "trestle-s3-upload-")
	if err != nil {
		return nil, 0, nothing, err
	}
	done := func() { f.Close(); os.Remove(f.Name()) }
	size, err := io.Copy(f, io.MultiReader(&buf, r))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		return nil, 0, nothing, err
	}
	return f, size, done, nil
}

// readerAt adapts a ReadSeeker to ReaderAt for io.SectionReader. The SDK reads
// the body from one goroutine at a time, so seeking before each read is safe.
type readerAt struct{ rs io.ReadSeeker }

func (r readerAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(r.rs, p)
}

// Delete removes the object; deleting a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.CheckKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.path(key))})
	if err := s.mapErr("delete", key, err); err != nil && !errors.Is(err, blob.ErrNotExist) {
		return err
	}
	return nil
}

// List yields the objects whose keys start with prefix and sort after startAfter,
// in lexicographic (UTF-8 byte) order, as ListObjectsV2 returns them, a page of
// up to 1000 at a time.
func (s *Store) List(ctx context.Context, prefix, startAfter string) iter.Seq2[blob.Info, error] {
	return func(yield func(blob.Info, error) bool) {
		in := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + prefix)}
		if startAfter != "" {
			in.StartAfter = aws.String(s.prefix + startAfter)
		}
		pages := s3.NewListObjectsV2Paginator(s.client, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				yield(blob.Info{}, s.mapErr("list prefix", prefix, err))
				return
			}
			for _, o := range page.Contents {
				key, ok := strings.CutPrefix(aws.ToString(o.Key), s.prefix)
				if !ok || key <= startAfter {
					continue
				}
				info := blob.Info{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified).UTC()}
				if !yield(info, nil) {
					return
				}
			}
		}
	}
}

// Copy copies the object at from to to with one CopyObject, replacing any
// object at to. The server copies the bytes; they never reach the client.
func (s *Store) Copy(ctx context.Context, from, to string) error {
	if err := blob.CheckKey(from); err != nil {
		return err
	}
	if err := blob.CheckKey(to); err != nil {
		return err
	}
	src := copySource(s.bucket, s.path(from))
	_, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     &s.bucket,
		Key:        aws.String(s.path(to)),
		CopySource: aws.String(src),
	})
	if err != nil {
		return s.mapErr(fmt.Sprintf("copy to %q from", to), from, err)
	}
	return nil
}

// copySource is the CopySource of an object: "bucket/key" with every byte but
// unreserved characters and "/" percent-encoded, as S3 asks.
func copySource(bucket, key string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range []byte(bucket + "/" + key) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
