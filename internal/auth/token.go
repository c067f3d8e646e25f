// Package auth makes and checks bearer tokens: the share tokens Delta Sharing
// recipients present. It is pure logic; storing tokens is the store's job.
//
// A token reads "<prefix>_<id>_<secret>", e.g. "trs_4fK9aZ1bQx_9Qe…" (the secret is
// 43 characters). The id is not secret: it names the token in lists, logs and the
// store, so a server finds the token's record by id and then checks the secret
// against the stored hash. Only the hash of the secret is ever stored.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// ShareTokenPrefix starts every share token Trestle issues.
const ShareTokenPrefix = "trs"

const (
	// IDLen is the length of a token's id: 10 base62 characters (about 59 bits),
	// enough to make a clash between tokens practically impossible.
	IDLen = 10
	// SecretLen is the length of a token's secret: 43 base62 characters, that is
	// 256 bits from crypto/rand.
	SecretLen = 43
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewToken makes a new token with crypto/rand and returns its id, its secret, and
// the whole token to hand to the holder ("<prefix>_<id>_<secret>"). The prefix
// should be short lower-case letters or digits, such as ShareTokenPrefix; it tells
// people and secret scanners what the string is.
func NewToken(prefix string) (id, secret, full string) {
	id = randomBase62(IDLen)
	secret = randomBase62(SecretLen)
	return id, secret, prefix + "_" + id + "_" + secret
}

// randomBase62 returns n characters drawn uniformly from the base62 alphabet.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		rand.Read(buf) // never fails (crypto/rand.Read crashes the program rather than return an error)
		for _, b := range buf {
			// 248 = 4*62: rejecting bytes at or above it keeps every character
			// equally likely.
			if b < 248 && len(out) < n {
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out)
}

// Parse splits a token into its id and secret. It checks the shape only (a
// non-empty prefix, then an id and a secret of the right length and alphabet);
// whether the token is known and valid is for Verify and the store to say.
func Parse(full string) (id, secret string, ok bool) {
	i := strings.LastIndexByte(full, '_')
	if i < 0 {
		return "", "", false
	}
	j := strings.LastIndexByte(full[:i], '_')
	if j <= 0 {
		return "", "", false
	}
	id, secret = full[j+1:i], full[i+1:]
	if len(id) != IDLen || len(secret) != SecretLen || !isBase62(id) || !isBase62(secret) || !isPrefix(full[:j]) {
		return "", "", false
	}
	return id, secret, true
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func isPrefix(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}

// Hash returns the SHA-256 of a token's secret; it is what the store keeps.
//
// A fast hash is right here, unlike for passwords: the secret is 256 random bits,
// so no guessing or precomputation can find it from the hash whatever the hash
// costs, and a slow hash (bcrypt, argon2) would only add its cost to every request
// the token authenticates. Stealing the stored hashes therefore gives no usable
// tokens.
func Hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Verify reports whether secret matches hash, in time that does not depend on
// where they differ (subtle.ConstantTimeCompare).
func Verify(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(Hash(secret), hash) == 1
}
