package s3

import (
	"strings"
	"testing"

	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/files/filestest"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// open returns a destination on a new bucket of the test server (under a
// prefix) and a reader of it.
func open(t *testing.T, format files.Format) (sink.Sink, *filestest.Reader) {
	t.Helper()
	srv := testenv.S3(t)
	o := Options{Bucket: srv.Bucket, Prefix: "exports/acme", Region: srv.Region, Endpoint: srv.Endpoint,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Format: string(format)}
	s, err := New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	store, err := blobs3.New(t.Context(), blobs3.Options{Bucket: o.Bucket, Prefix: o.Prefix, Region: o.Region,
		Endpoint: o.Endpoint, AccessKey: o.AccessKey, SecretKey: o.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	r := filestest.NewReader(store, format)
	return r.Track(s), r
}

func TestConformance(t *testing.T) {
	for _, format := range []files.Format{files.Parquet, files.Delta, files.CSV} {
		t.Run(string(format), func(t *testing.T) {
			sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) { return open(t, format) })
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{{}, {Bucket: "b", Format: "xml"}, {Bucket: "b", AccessKey: "k"}} {
		if _, err := New(t.Context(), o); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", o)
		} else if !strings.Contains(err.Error(), "s3 destination") {
			t.Errorf("New(%+v) = %v, want an error saying it is the s3 destination", o, err)
		}
	}
}
