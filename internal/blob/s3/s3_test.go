package s3

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/blobtest"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func newStore(t *testing.T, srv testenv.S3Server, prefix string, hc *http.Client) *Store {
	t.Helper()
	s, err := New(t.Context(), Options{
		Bucket: srv.Bucket, Prefix: prefix, Region: srv.Region, Endpoint: srv.Endpoint,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t, testenv.S3(t), "", nil) })
}

func TestConformanceWithPrefix(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t, testenv.S3(t), "tenant/x", nil) })
}

// TestConditionalPutRace proves the server honours If-None-Match: many writers
// race for each key and exactly one wins.
func TestConditionalPutRace(t *testing.T) {
	blobtest.RacePutIfAbsent(t, newStore(t, testenv.S3(t), "", nil), 10, 16)
}

// recorder records the requests a client sends.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// TestCustomEndpointPathStyle: with a custom endpoint the requests go to that
// host with the bucket in the path, and keys live under the prefix.
func TestCustomEndpointPathStyle(t *testing.T) {
	srv := testenv.S3(t)
	rec := &recorder{}
	s := newStore(t, srv, "/pre/fix/", &http.Client{Transport: rec})
	if err := s.Put(t.Context(), "dir/key one", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "dir/key one"); err != nil {
		t.Fatal(err)
	}
	wantHost := strings.TrimPrefix(srv.Endpoint, "http://")
	for _, req := range rec.reqs {
		if req.URL.Host != wantHost {
			t.Errorf("%s %s went to host %q, want %q (path-style)", req.Method, req.URL, req.URL.Host, wantHost)
		}
		if !strings.HasPrefix(req.URL.Path, "/"+srv.Bucket+"/pre/fix/dir/") {
			t.Errorf("%s %s: path %q does not start with /%s/pre/fix/dir/", req.Method, req.URL, req.URL.Path, srv.Bucket)
		}
	}
	if len(rec.reqs) != 2 {
		t.Errorf("%d requests, want 2", len(rec.reqs))
	}
	// The object is in the bucket under the prefix, and only there.
	out, err := srv.Client().ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	if !slices.Equal(got, []string{"pre/fix/dir/key one"}) {
		t.Errorf("bucket holds %q, want [pre/fix/dir/key one]", got)
	}
	// A store without the prefix sees the full key; one with another prefix
	// sees nothing.
	if _, err := newStore(t, srv, "", nil).Stat(t.Context(), "pre/fix/dir/key one"); err != nil {
		t.Errorf("unprefixed Stat: %v", err)
	}
	for info, err := range newStore(t, srv, "other", nil).List(t.Context(), "", "") {
		t.Errorf("store with another prefix lists %+v, %v", info, err)
	}
}

func TestMissingBucket(t *testing.T) {
	srv := testenv.S3(t)
	srv.Bucket = "no-such-bucket-" + strings.ToLower(t.Name())
	s := newStore(t, srv, "", nil)
	err := s.Put(t.Context(), "k", strings.NewReader("x"))
	if err == nil || errors.Is(err, blob.ErrNotExist) || !strings.Contains(err.Error(), srv.Bucket) {
		t.Errorf("Put into a missing bucket = %v, want an error naming the bucket", err)
	}
}

func TestReplacedWhileOpen(t *testing.T) {
	s := newStore(t, testenv.S3(t), "", nil)
	ctx := context.Background()
	if err := s.Put(ctx, "k", strings.NewReader("version one")); err != nil {
		t.Fatal(err)
	}
	o, err := s.Open(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := s.Put(ctx, "k", strings.NewReader("version two")); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 4)
	if _, err := o.ReadAt(p, 0); err == nil || !strings.Contains(err.Error(), "replaced") {
		t.Errorf("ReadAt after the object was replaced = %v, want a 'replaced' error", err)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, opts := range []Options{{}, {Bucket: "b", AccessKey: "k"}, {Bucket: "b", Prefix: "a/../b"}} {
		if _, err := New(t.Context(), opts); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", opts)
		}
	}
}
