package s3

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/testenv"
)

// get fetches u with a plain client, no credentials, and returns the status and body.
func get(t *testing.T, u string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestPresignGet: a presigned URL reads the object (whole or a range) without
// credentials from the custom endpoint, path-style, under the prefix.
func TestPresignGet(t *testing.T) {
	srv := testenv.S3(t)
	s := newStore(t, srv, "pre/fix", nil)
	const key = "dir/a key %=ü+&?.parquet"
	content := "0123456789abcdefghij"
	if err := s.Put(t.Context(), key, strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	raw, expires, err := s.PresignGet(t.Context(), key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := before.Add(time.Minute-2*time.Second), time.Now().Add(time.Minute+time.Second); expires.Before(lo) || expires.After(hi) {
		t.Errorf("expires = %v, want about %v", expires, before.Add(time.Minute))
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(srv.Endpoint, "http://"); u.Scheme != "http" || u.Host != want {
		t.Errorf("URL %s: want http://%s (the custom endpoint)", raw, want)
	}
	if want := "/" + srv.Bucket + "/pre/fix/" + key; u.Path != want {
		t.Errorf("URL path = %q, want %q (path-style, under the prefix)", u.Path, want)
	}

	if code, body := get(t, raw, nil); code != http.StatusOK || string(body) != content {
		t.Errorf("GET = %d %q, want 200 %q", code, body, content)
	}
	code, body := get(t, raw, http.Header{"Range": {"bytes=3-7"}})
	if code != http.StatusPartialContent || string(body) != content[3:8] {
		t.Errorf("GET bytes=3-7 = %d %q, want 206 %q", code, body, content[3:8])
	}

	// A tampered signature, or the signature moved to another key, is refused.
	q := u.Query()
	sig := q.Get("X-Amz-Signature")
	flip := "0"
	if strings.HasSuffix(sig, "0") {
		flip = "1"
	}
	q.Set("X-Amz-Signature", sig[:len(sig)-1]+flip)
	tampered := *u
	tampered.RawQuery = q.Encode()
	if code, _ := get(t, tampered.String(), nil); code != http.StatusForbidden {
		t.Errorf("GET with a tampered signature = %d, want 403", code)
	}
	if err := s.Put(t.Context(), "dir/other", strings.NewReader("secret")); err != nil {
		t.Fatal(err)
	}
	moved := *u
	moved.Path, moved.RawPath = "/"+srv.Bucket+"/pre/fix/dir/other", ""
	if code, _ := get(t, moved.String(), nil); code != http.StatusForbidden {
		t.Errorf("GET of another key with this signature = %d, want 403", code)
	}
}

// TestPresignGetExpires: once the URL's lifetime is over the server refuses it.
func TestPresignGetExpires(t *testing.T) {
	s := newStore(t, testenv.S3(t), "", nil)
	if err := s.Put(t.Context(), "k", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	raw, expires, err := s.PresignGet(t.Context(), "k", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, raw, nil); code != http.StatusOK {
		t.Fatalf("GET before expiry = %d, want 200", code)
	}
	time.Sleep(time.Until(expires) + 1500*time.Millisecond)
	if code, _ := get(t, raw, nil); code != http.StatusForbidden {
		t.Errorf("GET after expiry = %d, want 403", code)
	}
}

// TestPresignGetAddressing: the URL follows the store's addressing without
// contacting a server: AWS virtual-hosted by default, a custom endpoint's
// subdomain with VirtualHostStyle.
func TestPresignGetAddressing(t *testing.T) {
	// Keep the environment's AWS settings out of the default-endpoint case.
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	for _, tc := range []struct {
		opts     Options
		wantHost string
		wantPath string
	}{
		{Options{Region: "eu-west-1"}, "bkt.s3.eu-west-1.amazonaws.com", "/p/k"},
		{Options{Endpoint: "http://objects.example:9000", VirtualHostStyle: true}, "bkt.objects.example:9000", "/p/k"},
		{Options{Endpoint: "https://objects.example"}, "objects.example", "/bkt/p/k"},
	} {
		tc.opts.Bucket, tc.opts.Prefix, tc.opts.AccessKey, tc.opts.SecretKey = "bkt", "p", "AK", "SK"
		s, err := New(t.Context(), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		raw, _, err := s.PresignGet(t.Context(), "k", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if u.Host != tc.wantHost || u.Path != tc.wantPath || u.Query().Get("X-Amz-Expires") != "3600" {
			t.Errorf("%+v: URL %s, want host %s, path %s, X-Amz-Expires=3600", tc.opts, raw, tc.wantHost, tc.wantPath)
		}
	}
}

func TestPresignGetRejects(t *testing.T) {
	s, err := New(t.Context(), Options{Bucket: "b", Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ttl := range []time.Duration{0, 999 * time.Millisecond, -time.Second, MaxPresignTTL + time.Second} {
		if _, _, err := s.PresignGet(t.Context(), "k", ttl); err == nil {
			t.Errorf("PresignGet with ttl %v: no error", ttl)
		}
	}
	if _, _, err := s.PresignGet(t.Context(), "../k", time.Minute); err == nil {
		t.Error("PresignGet of an invalid key: no error")
	}
}
