// Package bloburl opens a blob store named by a URL, so that one setting
// (a flag or an environment variable) says where Trestle keeps its files:
//
//	/var/lib/trestle/tables            a local folder (also file:///var/lib/...)
//	s3://bucket/prefix                 AWS S3, region and credentials from the
//	                                   default AWS chain (AWS_REGION,
//	                                   AWS_ACCESS_KEY_ID, instance roles, ...)
//	s3://bucket/prefix?endpoint=http://127.0.0.1:7070&region=us-east-1
//	                                   an S3-compatible server (MinIO, versitygw,
//	                                   Ceph ...), addressed path-style unless
//	                                   virtual_host=true
//
// Credentials never go in the URL: they come from the environment.
package bloburl

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/local"
	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
)

// Open returns the blob store that spec names (see the package comment).
func Open(ctx context.Context, spec string) (blob.Store, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("no storage location given")
	}
	scheme, _, hasScheme := strings.Cut(spec, "://")
	if !hasScheme {
		return local.New(spec)
	}
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("storage location %q: %w", spec, err)
	}
	switch strings.ToLower(scheme) {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("storage location %q: a file URL names a local path (file:///path)", spec)
		}
		return local.New(u.Path)
	case "s3":
		return openS3(ctx, spec, u)
	default:
		return nil, fmt.Errorf("storage location %q: unknown scheme %q; use a folder path, file:///path or s3://bucket/prefix", spec, scheme)
	}
}

func openS3(ctx context.Context, spec string, u *url.URL) (blob.Store, error) {
	if u.User != nil {
		return nil, fmt.Errorf("storage location %q: put no credentials in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or use an instance role)", redact(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("storage location %q: no bucket; use s3://bucket/prefix", spec)
	}
	opts := blobs3.Options{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "virtual_host":
		default:
			return nil, fmt.Errorf("storage location %q: unknown setting %q (known: endpoint, region, virtual_host)", spec, k)
		}
	}
	opts.Endpoint, opts.Region = q.Get("endpoint"), q.Get("region")
	if v := q.Get("virtual_host"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("storage location %q: virtual_host must be true or false", spec)
		}
		opts.VirtualHostStyle = b
	}
	return blobs3.New(ctx, opts)
}

func redact(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}
