package s3

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func readAll(t *testing.T, s *Store, key string) string {
	t.Helper()
	o, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCopy: Copy is a server-side CopyObject, with keys that need
// URL-encoding, under a prefix, replacing what is at the target.
func TestCopy(t *testing.T) {
	srv := testenv.S3(t)
	for _, prefix := range []string{"", "tenant/x"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			s := newStore(t, srv, prefix, nil)
			ctx := t.Context()
			keys := [][2]string{
				{"stage/r1/part-0.parquet", "table/part-0.parquet"},
				{"stage/odd key +&=?#%ü 日本.parquet", "table/odd key +&=?#%ü 日本.parquet"},
			}
			for i, k := range keys {
				content := strings.Repeat("x", i*1000) + "content " + k[0]
				if err := s.Put(ctx, k[0], strings.NewReader(content)); err != nil {
					t.Fatal(err)
				}
				if err := s.Put(ctx, k[1], strings.NewReader("old")); err != nil {
					t.Fatal(err)
				}
				if err := s.Copy(ctx, k[0], k[1]); err != nil {
					t.Fatalf("Copy(%q, %q): %v", k[0], k[1], err)
				}
				if got := readAll(t, s, k[1]); got != content {
					t.Errorf("copy of %q holds %q, want %q", k[0], got, content)
				}
				if got := readAll(t, s, k[0]); got != content {
					t.Errorf("source %q changed to %q", k[0], got)
				}
			}
			if err := s.Copy(ctx, "no/such/key", "x"); !errors.Is(err, blob.ErrNotExist) {
				t.Errorf("Copy of a missing object = %v, want ErrNotExist", err)
			}
			if err := blob.Copy(ctx, s, keys[0][0], "via/helper"); err != nil {
				t.Errorf("blob.Copy: %v", err)
			}
		})
	}
}

// TestCopyIsServerSide: blob.Copy on the S3 store sends one CopyObject
// request and no GET.
func TestCopyIsServerSide(t *testing.T) {
	srv := testenv.S3(t)
	s := newStore(t, srv, "", nil)
	if err := s.Put(t.Context(), "a", strings.NewReader("bytes")); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	rs := newStore(t, srv, "", &http.Client{Transport: rec})
	if err := blob.Copy(t.Context(), rs, "a", "b"); err != nil {
		t.Fatal(err)
	}
	if len(rec.reqs) != 1 || rec.reqs[0].Method != http.MethodPut || rec.reqs[0].Header.Get("X-Amz-Copy-Source") == "" {
		for _, r := range rec.reqs {
			t.Logf("%s %s", r.Method, r.URL)
		}
		t.Errorf("blob.Copy sent %d requests, want one PUT with x-amz-copy-source", len(rec.reqs))
	}
}
