package sharing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// tokenCodec writes and reads the server's opaque tokens (list page tokens,
// query page tokens, refresh tokens): JSON, base64url, with an HMAC so a
// client cannot forge or alter one.
type tokenCodec struct {
	secret []byte
}

var errBadToken = errors.New("bad token")

func (c tokenCodec) encode(v any) string {
	body, _ := json.Marshal(v)
	mac := hmac.New(sha256.New, c.secret)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

func (c tokenCodec) decode(tok string, v any) error {
	b64, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return errBadToken
	}
	body, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return errBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return errBadToken
	}
	mac := hmac.New(sha256.New, c.secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)[:16]) {
		return errBadToken
	}
	if json.Unmarshal(body, v) != nil {
		return errBadToken
	}
	return nil
}

// listToken is the page token of a list request.
type listToken struct {
	Kind   string `json:"k"` // shares, schemas, tables, all-tables
	Share  string `json:"s,omitempty"`
	Schema string `json:"c,omitempty"`
	Offset int    `json:"o"`
}

// queryToken is the page token of a paged query or changes request: where the
// next page starts, for which table and parameters.
type queryToken struct {
	Table   string `json:"t"` // share.schema.table, lower case
	Version int64  `json:"v"` // the version the first page resolved
	Offset  int    `json:"o"`
	Params  string `json:"p"` // hash of the request's parameters
	Expires int64  `json:"e"` // ms
}

// refreshToken lets a client get fresh URLs for the same snapshot.
type refreshToken struct {
	Table   string `json:"t"`
	Version int64  `json:"v"`
	Expires int64  `json:"e"` // ms
}

// Lifetimes of query page tokens and refresh tokens (the reference server's).
const (
	pageTokenTTLMillis    = 259_200_000
	refreshTokenTTLMillis = 3_600_000
)
