// Package s3 is the S3 destination of the connector: the files sink (package
// files) over a bucket and prefix of Amazon S3 or an S3-compatible server
// (blob/s3), in the parquet or delta format (csv works too).
//
// S3 has no rename, so a full load of the parquet format is swapped in by
// copying its staged files into the table folder server-side and deleting
// the previous ones: while that runs, a reader listing the folder may see old
// and new files together. The delta format commits a load atomically and is
// the right choice when something reads the tables while they load. See
// package files for the layouts. Every file is one object of at most 5 GiB
// (S3's limit for one PUT or CopyObject), which also bounds the size of a
// data file given to CopyFile.
package s3

import (
	"context"
	"fmt"

	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
)

// Options configure an S3 destination.
type Options struct {
	// Bucket holds the tables. Required.
	Bucket string
	// Prefix is the folder of the tables in the bucket ("exports/acme");
	// empty for the bucket's root.
	Prefix string
	// Region of the bucket; empty means the default configuration's, else
	// us-east-1.
	Region string
	// Endpoint is the URL of an S3-compatible server; empty means AWS S3.
	Endpoint string
	// AccessKey and SecretKey are static credentials; both empty means the
	// default AWS credential chain.
	AccessKey, SecretKey string
	// Format is "parquet" (the default when empty), "delta" or "csv".
	Format string
}

// New returns a destination writing tables into the bucket. For the parquet
// format it lists the staging folder to finish or discard loads a previous
// process left half done, so it contacts the server.
func New(ctx context.Context, o Options) (sink.Sink, error) {
	f, err := files.ParseFormat(o.Format)
	if err != nil {
		return nil, fmt.Errorf("s3 destination: %w", err)
	}
	store, err := blobs3.New(ctx, blobs3.Options{
		Bucket: o.Bucket, Prefix: o.Prefix, Region: o.Region, Endpoint: o.Endpoint,
		AccessKey: o.AccessKey, SecretKey: o.SecretKey,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 destination: %w", err)
	}
	s, err := files.New(ctx, store, f)
	if err != nil {
		return nil, fmt.Errorf("s3 destination s3://%s/%s: %w", o.Bucket, o.Prefix, err)
	}
	return s, nil
}
