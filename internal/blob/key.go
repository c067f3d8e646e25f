package blob

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckKey reports whether key is a valid object key, the same for every Store:
// slash-separated, relative (no leading "/"), with no empty, "." or ".." segment,
// valid UTF-8 and no NUL or backslash (a separator on some filesystems). The error
// names the key and what is wrong with it.
func CheckKey(key string) error {
	bad := func(why string) error { return fmt.Errorf("blob: invalid key %q: %s", key, why) }
	switch {
	case key == "":
		return bad("empty key")
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	case strings.ContainsRune(key, 0):
		return bad("contains a NUL byte")
	case strings.ContainsRune(key, '\\'):
		return bad(`contains a backslash; keys are separated by "/"`)
	case strings.HasPrefix(key, "/"):
		return bad(`absolute key; keys are relative to the store's root and must not start with "/"`)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return bad(`empty segment ("//" or a trailing "/")`)
		case ".", "..":
			return bad(fmt.Sprintf("segment %q is not allowed; keys must not step out of the store's root", seg))
		}
	}
	return nil
}
