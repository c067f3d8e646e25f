// Package fileurl signs and serves the data-file URLs of Delta Sharing responses
// for stores that cannot presign their own (a local folder): the server itself
// serves the file to whoever holds an unexpired URL it signed.
//
// A URL looks like
//
//	{baseURL}/{store}/{key, each segment escaped}?exp={unix seconds}&sig={signature}
//
// for example http://host/delta-sharing/files/sales/people/part-0001%20x.parquet?exp=1767225600&sig=3q2-7w...
// The key stays readable in the path (with its file name last, which some readers
// use to pick a format). Every byte of a segment other than A-Z a-z 0-9 - . _ ~
// is percent-escaped, so proxies or clients that normalise URLs cannot change
// its meaning. The signature is HMAC-SHA256, base64url without padding, over
// "trestle-fileurl-v1", the store name, the expiry and the key, separated by NUL
// bytes (which neither the store name, the decimal expiry nor a valid key can
// contain): it cannot be moved to another file or store, nor extended.
package fileurl

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
)

// MinSecretLen is the shortest secret NewSigner accepts, in bytes.
const MinSecretLen = 32

// Signer signs and serves file URLs: URLs carry the store name, the object key, an expiry and an HMAC-SHA256 over them.
//
// A Signer is safe for concurrent use once its Clock is set.
type Signer struct {
	// Clock returns the current time; nil means time.Now. Tests replace it.
	Clock func() time.Time

	secret   []byte
	base     string // baseURL without a trailing "/"
	basePath string // its path, without a trailing "/"

	mu     sync.RWMutex
	stores map[string]blob.Store
}

// NewSigner returns a Signer whose URLs start with baseURL, an absolute http or
// https URL without query ("http://127.0.0.1:8080/delta-sharing/files"), and are
// signed with secret (see LoadOrCreateSecret). Its ServeHTTP must be reachable at
// baseURL's path. NewSigner panics if secret is shorter than MinSecretLen bytes
// or baseURL is not such a URL: both are fixed configuration, checked at start-up.
func NewSigner(secret []byte, baseURL string) *Signer {
	if len(secret) < MinSecretLen {
		panic(fmt.Sprintf("fileurl: the signing secret has %d bytes, want at least %d", len(secret), MinSecretLen))
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		panic(fmt.Sprintf("fileurl: base URL %q is not an absolute http(s) URL without query", baseURL))
	}
	return &Signer{
		secret:   append([]byte(nil), secret...),
		base:     strings.TrimRight(baseURL, "/"),
		basePath: strings.TrimRight(u.Path, "/"),
		stores:   make(map[string]blob.Store),
	}
}

// Register makes store available under name, replacing any store of that name.
// Names are URL-safe: one or more of A-Z a-z 0-9 - . _ ~ (not "." or ".."); Register
// panics on any other name or a nil store.
func (s *Signer) Register(name string, store blob.Store) {
	if !validName(name) || store == nil {
		panic(fmt.Sprintf("fileurl: cannot register store %q: names are made of A-Z a-z 0-9 - . _ ~ and the store must not be nil", name))
	}
	s.mu.Lock()
	s.stores[name] = store
	s.mu.Unlock()
}

func (s *Signer) store(name string) (blob.Store, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st, ok := s.stores[name]
	return st, ok
}

func (s *Signer) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// Sign returns a URL for the object key of the store registered as storeName,
// valid for ttl (the expiry is rounded down to a whole second), and when it
// expires. It does not check that the object exists.
func (s *Signer) Sign(storeName, key string, ttl time.Duration) (string, time.Time, error) {
	if _, ok := s.store(storeName); !ok {
		return "", time.Time{}, fmt.Errorf("fileurl: sign %q: no store named %q", key, storeName)
	}
	if err := blob.CheckKey(key); err != nil {
		return "", time.Time{}, fmt.Errorf("fileurl: sign: %w", err)
	}
	now := s.now()
	exp := now.Add(ttl).Unix()
	expires := time.Unix(exp, 0)
	if !now.Before(expires) {
		return "", time.Time{}, fmt.Errorf("fileurl: sign %q: lifetime %v is too short (under a second)", key, ttl)
	}
	var b strings.Builder
	b.WriteString(s.base)
	b.WriteString("/")
	b.WriteString(storeName)
	for seg := range strings.SplitSeq(key, "/") {
		b.WriteString("/")
		b.WriteString(escape(seg))
	}
	b.WriteString("?exp=")
	b.WriteString(strconv.FormatInt(exp, 10))
	b.WriteString("&sig=")
	b.WriteString(base64.RawURLEncoding.EncodeToString(s.mac(storeName, key, exp)))
	return b.String(), expires, nil
}

// FileURL returns a URL for the object: the store's own presigned URL if it is
// a blob.Presigner (S3), otherwise one signed by s (see Sign).
func (s *Signer) FileURL(ctx context.Context, storeName, key string, ttl time.Duration) (string, time.Time, error) {
	st, ok := s.store(storeName)
	if !ok {
		return "", time.Time{}, fmt.Errorf("fileurl: URL for %q: no store named %q", key, storeName)
	}
	if p, ok := st.(blob.Presigner); ok {
		return p.PresignGet(ctx, key, ttl)
	}
	return s.Sign(storeName, key, ttl)
}

func (s *Signer) mac(storeName, key string, exp int64) []byte {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "trestle-fileurl-v1\x00%s\x00%d\x00%s", storeName, exp, key)
	return m.Sum(nil)
}

// forbidden is the one answer to every URL that is not valid, whatever the reason.
const forbidden = "invalid or expired file URL"

// ServeHTTP serves the object a signed URL names: GET and HEAD, with Range
// (one or several ranges), conditional requests, Content-Length and Content-Type
// application/octet-stream. A URL with a bad, tampered or expired signature, or
// naming an unknown store, gets 403 with the same short message; a valid URL
// whose object is gone gets 404; other methods get 405.
func (s *Signer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	st, key, ok := s.verify(r)
	if !ok {
		http.Error(w, forbidden, http.StatusForbidden)
		return
	}
	ctx := r.Context()
	info, err := st.Stat(ctx, key)
	var obj blob.Object
	if err == nil {
		obj, err = st.Open(ctx, key)
	}
	if errors.Is(err, blob.ErrNotExist) {
		http.Error(w, "file not found", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "cannot read the file", http.StatusInternalServerError)
		return
	}
	defer obj.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("X-Content-Type-Options", "nosniff")
	if info.Size == obj.Size() && !info.ModTime.IsZero() {
		// Data files are written once; size and time identify the content.
		h.Set("ETag", fmt.Sprintf(`"%x-%x"`, info.Size, info.ModTime.UnixNano()))
	} else {
		info.ModTime = time.Time{} // replaced between Stat and Open
	}
	content := io.NewSectionReader(obj, 0, obj.Size())
	if r.Method == http.MethodGet && r.Header.Get("Range") == "" && r.Header.Get("If-None-Match") == "" &&
		r.Header.Get("If-Modified-Since") == "" && r.Header.Get("If-Range") == "" {
		// The common case, a whole file: read ahead in large chunks on one
		// goroutine while the previous chunk goes out on this one, so the disk
		// and the network work at the same time.
		h.Set("Content-Length", strconv.FormatInt(obj.Size(), 10))
		h.Set("Accept-Ranges", "bytes")
		if !info.ModTime.IsZero() {
			h.Set("Last-Modified", info.ModTime.UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(http.StatusOK)
		var src io.Reader = content
		if f, ok := obj.(interface{ OSFile() *os.File }); ok {
			src = f.OSFile() // plain sequential reads: the kernel's read-ahead follows them best
		}
		_ = copyAhead(w, src)
		return
	}
	http.ServeContent(w, r, "", info.ModTime, content)
}

// verify checks r's signature and expiry and returns the store and key it names.
func (s *Signer) verify(r *http.Request) (blob.Store, string, bool) {
	rest, ok := strings.CutPrefix(r.URL.Path, s.basePath+"/")
	if !ok {
		return nil, "", false
	}
	name, key, ok := strings.Cut(rest, "/")
	if !ok || !validName(name) || blob.CheckKey(key) != nil {
		return nil, "", false
	}
	q := r.URL.Query()
	if len(q["exp"]) != 1 || len(q["sig"]) != 1 {
		return nil, "", false
	}
	expStr := q.Get("exp")
	exp, err := strconv.ParseInt(expStr, 10, 64)
	if err != nil || strconv.FormatInt(exp, 10) != expStr {
		return nil, "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(q.Get("sig"))
	if err != nil || !hmac.Equal(sig, s.mac(name, key, exp)) {
		return nil, "", false
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		return nil, "", false
	}
	st, ok := s.store(name)
	return st, key, ok
}

// escape percent-escapes every byte of a key segment except A-Z a-z 0-9 - . _ ~.
func escape(seg string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if unreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func validName(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !unreserved(name[i]) {
			return false
		}
	}
	return true
}
