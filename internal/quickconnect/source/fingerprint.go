package source

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
)

// Fingerprint identifies what a source read and where it read it from: a
// file's ETag and Last-Modified time, or its size and modification time, and
// the SHA-256 of its content; a query's SHA-256 of its rows. It is opaque
// text, to be stored as it is and given back as Options.Previous; an empty or
// unreadable one means "no previous read".
type Fingerprint string

// SameContent reports whether two fingerprints are of the same source with
// the same content: the same rows in the same order (SQL), the same bytes
// (files). It is how a source that cannot be found Unchanged before reading
// (a query, a file served without ETag or Last-Modified) can be found
// unchanged after reading, so that applying its rows can be skipped. It is
// false when either checksum is missing (the rows were not all read).
func SameContent(a, b Fingerprint) bool {
	fa, err := url.ParseQuery(string(a))
	if err != nil {
		return false
	}
	fb, err := url.ParseQuery(string(b))
	if err != nil {
		return false
	}
	return fa.Get("src") != "" && fa.Get("src") == fb.Get("src") &&
		fa.Get("sha256") != "" && fa.Get("sha256") == fb.Get("sha256")
}

// fingerprint is a Fingerprint's content.
type fingerprint struct {
	src          string // a short hash of the location
	etag         string
	lastModified string // as the server sent it
	size         string
	mtime        string // RFC 3339 with nanoseconds
	sha256       string // hex
}

// encode returns the Fingerprint, as URL-encoded key=value pairs.
func (f fingerprint) encode() Fingerprint {
	q := url.Values{}
	for k, v := range map[string]string{
		"src": f.src, "etag": f.etag, "last_modified": f.lastModified,
		"size": f.size, "mtime": f.mtime, "sha256": f.sha256,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return Fingerprint(q.Encode())
}

// parseFingerprint decodes a previous Fingerprint; it is ignored (zero) unless
// it was taken from the same location src.
func parseFingerprint(p Fingerprint, src string) fingerprint {
	q, err := url.ParseQuery(string(p))
	if err != nil || q.Get("src") != src {
		return fingerprint{}
	}
	return fingerprint{
		src: src, etag: q.Get("etag"), lastModified: q.Get("last_modified"),
		size: q.Get("size"), mtime: q.Get("mtime"), sha256: q.Get("sha256"),
	}
}

// locationID is the short hash of a location that fingerprints carry, so that
// one taken from another location is not compared.
func locationID(location string) string {
	h := sha256.Sum256([]byte(location))
	return hex.EncodeToString(h[:8])
}
