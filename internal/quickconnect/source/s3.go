package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
)

// fetchS3 GETs the object, with If-None-Match when a previous fingerprint has
// its ETag.
func fetchS3(ctx context.Context, r *resolved, desc string, opts Options) (*fetched, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, newError(ErrConfig, r.mask, unwrapURLError(err), "%s: the url cannot be parsed", desc)
	}
	bucket, key := u.Host, strings.TrimPrefix(u.Path, "/")
	if bucket == "" || key == "" || u.User != nil {
		return nil, newError(ErrConfig, r.mask, nil, "%s: use s3://bucket/key, with the credentials under s3: or in the environment", desc)
	}
	o := blobs3.Options{
		Bucket: bucket, Endpoint: r.S3.Endpoint, Region: r.S3.Region, VirtualHostStyle: r.S3.VirtualHost,
		AccessKey: r.S3.AccessKey, SecretKey: r.S3.SecretKey, HTTPClient: opts.HTTPClient,
	}
	q := u.Query()
	for k := range q {
		var conflict bool
		switch k {
		case "endpoint":
			conflict = o.Endpoint != "" && o.Endpoint != q.Get(k)
			o.Endpoint = q.Get(k)
		case "region":
			conflict = o.Region != "" && o.Region != q.Get(k)
			o.Region = q.Get(k)
		case "virtual_host":
			b, err := strconv.ParseBool(q.Get(k))
			if err != nil {
				return nil, newError(ErrConfig, r.mask, nil, "%s: virtual_host must be true or false", desc)
			}
			o.VirtualHostStyle = o.VirtualHostStyle || b
		default:
			return nil, newError(ErrConfig, r.mask, nil, "%s: unknown setting %q in the url (known: endpoint, region, virtual_host)", desc, k)
		}
		if conflict {
			return nil, newError(ErrConfig, r.mask, nil, "%s: %s is given both in the url and under s3:, differently", desc, k)
		}
	}
	store, err := blobs3.New(ctx, o)
	if err != nil {
		return nil, newError(ErrConfig, r.mask, err, "%s", desc)
	}
	src := locationID(fmt.Sprintf("s3:%s/%s/%s", o.Endpoint, bucket, key))
	prev := parseFingerprint(opts.Previous, src)
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if prev.etag != "" {
		in.IfNoneMatch = aws.String(prev.etag)
	}
	out, err := store.Client().GetObject(ctx, in)
	if err != nil {
		if prev.etag != "" && s3Status(err) == http.StatusNotModified {
			return &fetched{name: key, unchanged: true, fp: prev}, nil
		}
		return nil, s3Error(ctx, r.mask, desc, bucket, err)
	}
	f := &fetched{
		name:        key,
		contentType: aws.ToString(out.ContentType),
		fp:          fingerprint{src: src, etag: aws.ToString(out.ETag)},
	}
	if prev.etag != "" && f.fp.etag == prev.etag {
		out.Body.Close() // the server ignored If-None-Match; same object
		f.unchanged = true
		f.fp.sha256 = prev.sha256
		return f, nil
	}
	f.body = out.Body
	return f, nil
}

// s3Status returns the HTTP status of an S3 error, or 0.
func s3Status(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// s3Error explains a failed GetObject.
func s3Error(ctx context.Context, mask *masker, desc, bucket string, err error) error {
	if ctx.Err() != nil {
		return newError(ctx.Err(), mask, ctx.Err(), "fetching %s was interrupted", desc)
	}
	code := ""
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	status := s3Status(err)
	switch {
	case code == "NoSuchBucket":
		return newError(ErrUnreachable, mask, err, "%s: bucket %q does not exist", desc, bucket)
	case code == "NoSuchKey" || status == http.StatusNotFound:
		return newError(ErrUnreachable, mask, err, "%s: no such object", desc)
	case code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
		status == http.StatusForbidden || status == http.StatusUnauthorized:
		return newError(ErrAccessDenied, mask, err, "%s: access denied (check the S3 credentials)", desc)
	}
	var netErr net.Error
	if status == 0 && errors.As(err, &netErr) {
		return newError(ErrUnreachable, mask, err, "cannot reach %s", desc)
	}
	return newError(nil, mask, err, "cannot fetch %s", desc)
}
