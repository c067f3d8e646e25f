package delta

import (
	"fmt"
	"net/url"
	"strings"
)

// The path of an add, remove or cdc action is a URI (RFC 2396), relative to the
// table's root or absolute; it must be decoded to get the file's path.

// EncodePath turns a relative file path ("region=north america/part-0.parquet")
// into the URI form stored in actions ("region=north%20america/part-0.parquet").
// Slashes separate segments and stay; letters, digits and the RFC 2396 marks
// - _ . ! ~ * ' ( ) stay, and so do = @ & $ , which are legal in a path segment
// (Hive-style partition directories use =). Every other byte, including ':'
// (which would read as a URI scheme), '+', '%', '?', '#', space and all non-ASCII
// bytes, is percent-encoded with upper-case hex digits.
func EncodePath(p string) string { return percentEncode(p, pathByteKept) }

// percentEncode replaces every byte of s for which keep is false by %XX, with
// upper-case hex digits.
func percentEncode(s string, keep func(byte) bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func pathByteKept(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'()/=@&$,", c) >= 0
}

// DecodePath turns an action's path back into a file path: percent escapes are
// decoded ('+' stays a plus sign; this is not form encoding). It fails on a
// malformed escape.
func DecodePath(p string) (string, error) {
	s, err := url.PathUnescape(p)
	if err != nil {
		return "", fmt.Errorf("delta: path %q: %w", p, err)
	}
	return s, nil
}

// isAbsoluteURI reports whether an action path has a scheme ("s3://...",
// "file:/..."), which is how the protocol writes absolute paths.
func isAbsoluteURI(p string) bool {
	u, err := url.Parse(p)
	return err == nil && u.Scheme != ""
}
