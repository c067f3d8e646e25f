package azure

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/blobtest"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func newStore(t *testing.T, srv testenv.AzuriteServer, prefix string, hc *http.Client) *Store {
	t.Helper()
	s, err := New(t.Context(), Options{Account: srv.Account, Container: srv.Container, Prefix: prefix,
		Endpoint: srv.Endpoint, AccountKey: srv.AccountKey, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t, testenv.Azurite(t), "", nil) })
}

func TestConformanceWithPrefix(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t, testenv.Azurite(t), "tenant/x", nil) })
}

// TestConditionalPutRace proves the server honours If-None-Match: *: many
// writers race for each key and exactly one wins.
func TestConditionalPutRace(t *testing.T) {
	blobtest.RacePutIfAbsent(t, newStore(t, testenv.Azurite(t), "", nil), 10, 16)
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

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func recordingClient(rec *recorder) *http.Client { return &http.Client{Transport: rec} }

// randomBytes returns n random bytes.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// pipeOf returns a reader of content that is not seekable.
func pipeOf(content []byte) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		for off := 0; off < len(content); off += 100_000 {
			if _, err := pw.Write(content[off:min(off+100_000, len(content))]); err != nil {
				return
			}
		}
		pw.Close()
	}()
	return pr
}

// TestLargePut: large bodies of every kind (seekable, a limited file, a
// stream of unknown length) go up in one request up to the single-upload
// limit and as blocks past it, and read back exactly, also with ranged reads
// across block boundaries; PutIfAbsent obeys the condition both ways.
func TestLargePut(t *testing.T) {
	srv := testenv.Azurite(t)
	content := randomBytes(t, 6<<20+12345)
	file := filepath.Join(t.TempDir(), "content")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		limit    int64
		body     func() io.Reader
		wantPuts int // PUT requests of the upload
	}{
		{"seekable/single", 0, func() io.Reader { return bytes.NewReader(content) }, 1},
		{"limited-file/single", 0, func() io.Reader { return io.LimitReader(openFile(t, file), int64(len(content))) }, 1},
		{"stream/spooled-single", 0, func() io.Reader { return pipeOf(content) }, 1},
		{"stream/blocks", 3 << 20, func() io.Reader { return pipeOf(content) }, 8},            // 7 blocks + list
		{"seekable/blocks", 3 << 20, func() io.Reader { return bytes.NewReader(content) }, 8}, // 7 blocks + list
		{"stream/small-limit", 1 << 20, func() io.Reader { return pipeOf(content) }, 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			s, err := New(t.Context(), Options{Account: srv.Account, Container: srv.Container, Endpoint: srv.Endpoint,
				AccountKey: srv.AccountKey, BlockSize: 1 << 20, Concurrency: 3, SingleUploadLimit: c.limit,
				HTTPClient: recordingClient(rec)})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			key := "big/" + c.name + ".parquet"
			if err := s.Put(ctx, key, c.body()); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got := len(rec.requests()); got != c.wantPuts {
				t.Errorf("Put sent %d requests, want %d", got, c.wantPuts)
			}
			o, err := s.Open(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if o.Size() != int64(len(content)) {
				t.Fatalf("Size = %d, want %d", o.Size(), len(content))
			}
			p := make([]byte, 3<<20)
			off := int64(1<<20 - 7)
			if n, err := o.ReadAt(p, off); err != nil || !bytes.Equal(p[:n], content[off:off+int64(len(p))]) {
				t.Errorf("ReadAt across blocks: %d bytes, %v; content differs or short", n, err)
			}
			all, err := io.ReadAll(o)
			if err != nil || !bytes.Equal(all, content) {
				t.Errorf("read back %d bytes (%v), want the %d put", len(all), err, len(content))
			}
			if err := s.PutIfAbsent(ctx, key, c.body()); !errors.Is(err, blob.ErrExist) {
				t.Errorf("large PutIfAbsent over an object = %v, want ErrExist", err)
			}
			if err := s.PutIfAbsent(ctx, key+".new", c.body()); err != nil {
				t.Errorf("large PutIfAbsent of a new key: %v", err)
			}
			if got := readAll(t, s, key+".new"); got != string(content) {
				t.Errorf("PutIfAbsent stored %d bytes, want the %d given", len(got), len(content))
			}
		})
	}
}

func openFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestPrefixAndEscaping: keys live under the prefix, in the container, and
// nowhere else; a store without the prefix sees the full key.
func TestPrefixAndEscaping(t *testing.T) {
	srv := testenv.Azurite(t)
	rec := &recorder{}
	s := newStore(t, srv, "/pre/fix/", recordingClient(rec))
	key := "dir/key one+ü.json"
	if err := s.Put(t.Context(), key, strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	for _, req := range rec.requests() {
		if want := "/" + srv.Account + "/" + srv.Container + "/pre/fix/dir/"; !strings.HasPrefix(req.URL.Path, want) {
			t.Errorf("%s %s: path %q does not start with %s", req.Method, req.URL, req.URL.Path, want)
		}
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (one Put Blob, one Get Blob Properties)", n)
	}
	var got []string
	for info, err := range newStore(t, srv, "", nil).List(t.Context(), "", "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.Key)
	}
	if want := []string{"pre/fix/" + key}; !slices.Equal(got, want) {
		t.Errorf("container holds %q, want %q", got, want)
	}
	for info, err := range newStore(t, srv, "other", nil).List(t.Context(), "", "") {
		t.Errorf("store with another prefix lists %+v, %v", info, err)
	}
}

// TestCopy: Copy is a server-side Copy Blob (no GET of the source), with
// keys that need escaping, under a prefix, replacing what is at the target.
func TestCopy(t *testing.T) {
	srv := testenv.Azurite(t)
	for _, prefix := range []string{"", "tenant/x"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			rec := &recorder{}
			s := newStore(t, srv, prefix, recordingClient(rec))
			ctx := t.Context()
			pairs := [][2]string{
				{"stage/r1/part-0.parquet", "table/part-0.parquet"},
				{"stage/odd key +&=?#%ü 日本.parquet", "table/odd key +&=?#%ü 日本.parquet"},
			}
			for i, k := range pairs {
				content := strings.Repeat("x", i*1000) + "content " + k[0]
				if err := s.Put(ctx, k[0], strings.NewReader(content)); err != nil {
					t.Fatal(err)
				}
				if err := s.Put(ctx, k[1], strings.NewReader("old")); err != nil {
					t.Fatal(err)
				}
				before := len(rec.requests())
				if err := blob.Copy(ctx, s, k[0], k[1]); err != nil {
					t.Fatalf("Copy(%q, %q): %v", k[0], k[1], err)
				}
				for _, r := range rec.requests()[before:] {
					if r.Method == http.MethodGet {
						t.Errorf("Copy sent GET %s; want a server-side copy", r.URL)
					}
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
		})
	}
}

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

// TestSAS: a store authorised by a container SAS token works; one whose
// token only reads cannot write.
func TestSAS(t *testing.T) {
	srv := testenv.Azurite(t)
	cc, err := srv.ContainerClient()
	if err != nil {
		t.Fatal(err)
	}
	token := func(p sas.ContainerPermissions) string {
		u, err := cc.GetSASURL(p, time.Now().Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, q, _ := strings.Cut(u, "?")
		return q
	}
	rw, err := New(t.Context(), Options{Account: srv.Account, Container: srv.Container, Endpoint: srv.Endpoint,
		SASToken: "?" + token(sas.ContainerPermissions{Read: true, Write: true, Create: true, Delete: true, List: true})})
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Put(t.Context(), "a/b", strings.NewReader("via sas")); err != nil {
		t.Fatalf("Put with a SAS: %v", err)
	}
	if got := readAll(t, rw, "a/b"); got != "via sas" {
		t.Errorf("read with a SAS = %q", got)
	}
	if err := rw.Copy(t.Context(), "a/b", "a/c"); err != nil {
		t.Errorf("Copy with a SAS: %v", err)
	}
	ro, err := New(t.Context(), Options{Account: srv.Account, Container: srv.Container, Endpoint: srv.Endpoint,
		Auth: AuthSAS, SASToken: token(sas.ContainerPermissions{Read: true, List: true})})
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.Put(t.Context(), "a/d", strings.NewReader("x")); err == nil {
		t.Error("Put with a read-only SAS succeeded")
	}
	if got := readAll(t, ro, "a/b"); got != "via sas" {
		t.Errorf("read with a read-only SAS = %q", got)
	}
}

func TestReplacedWhileOpen(t *testing.T) {
	s := newStore(t, testenv.Azurite(t), "", nil)
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

func TestMissingContainer(t *testing.T) {
	srv := testenv.Azurite(t)
	srv.Container = "no-such-container"
	s := newStore(t, srv, "", nil)
	err := s.Put(t.Context(), "k", strings.NewReader("x"))
	if err == nil || errors.Is(err, blob.ErrNotExist) || !strings.Contains(err.Error(), srv.Container) {
		t.Errorf("Put into a missing container = %v, want an error naming the container", err)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{},
		{Account: "a"},
		{Account: "a", Container: "c", Prefix: "a/../b", AccountKey: "a2V5"},
		{Account: "a", Container: "c", Auth: AuthKey},
		{Account: "a", Container: "c", Auth: AuthSAS},
		{Account: "a", Container: "c", Auth: AuthServicePrincipal, TenantID: "t"},
		{Account: "a", Container: "c", Auth: "password"},
		{Account: "a", Container: "c", AccountKey: "not base64!"},
		{Account: "a", Container: "c", AccountKey: "a2V5", Endpoint: "ftp://host"},
		{Account: "a", Container: "c", AccountKey: "a2V5", BlockSize: 1000},
		{Account: "a", Container: "c", AccountKey: "a2V5", SingleUploadLimit: 6000 << 20},
	} {
		if _, err := New(t.Context(), o); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", o)
		}
	}
}

func TestContainerURL(t *testing.T) {
	for _, c := range []struct{ account, container, endpoint, want string }{
		{"contoso", "exports", "", "https://contoso.blob.core.windows.net/exports"},
		{"onelake", "My Workspace", "https://onelake.dfs.fabric.microsoft.com/", "https://onelake.blob.fabric.microsoft.com/My%20Workspace"},
		{"devstoreaccount1", "t", "http://127.0.0.1:10000/devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1/t"},
	} {
		got, err := ContainerURL(c.account, c.container, c.endpoint)
		if err != nil || got != c.want {
			t.Errorf("ContainerURL(%q, %q, %q) = %q, %v; want %q", c.account, c.container, c.endpoint, got, err, c.want)
		}
	}
}
