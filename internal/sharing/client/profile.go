package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Profile types (the "type" field of version 2 profiles; version 1 profiles
// are TypeBearerToken).
const (
	TypeBearerToken            = "bearer_token"
	TypeOAuthClientCredentials = "oauth_client_credentials"
	TypeBasic                  = "basic"
)

// Profile is a Delta Sharing profile file: where the server is and how to
// authenticate to it.
type Profile struct {
	// Path is the file the profile was read from ("" when parsed from bytes).
	Path string
	// Version is shareCredentialsVersion: 1 or 2.
	Version int
	// Type is how requests are authenticated: TypeBearerToken (version 1, or
	// version 2 with that type), TypeOAuthClientCredentials or TypeBasic.
	Type string
	// Endpoint is the server's URL, without a trailing "/".
	Endpoint string

	// BearerToken and ExpirationTime (zero when absent) are for TypeBearerToken.
	BearerToken    string
	ExpirationTime time.Time

	// TokenEndpoint, ClientID, ClientSecret and Scope (optional) are for
	// TypeOAuthClientCredentials.
	TokenEndpoint string
	ClientID      string
	ClientSecret  string
	Scope         string

	// Username and Password are for TypeBasic.
	Username string
	Password string
}

// profileFile is the JSON of a profile file.
type profileFile struct {
	Version        *json.Number `json:"shareCredentialsVersion"`
	Type           string       `json:"type"`
	Endpoint       string       `json:"endpoint"`
	BearerToken    string       `json:"bearerToken"`
	ExpirationTime string       `json:"expirationTime"`
	TokenEndpoint  string       `json:"tokenEndpoint"`
	ClientID       string       `json:"clientId"`
	ClientSecret   string       `json:"clientSecret"`
	Scope          string       `json:"scope"`
	Username       string       `json:"username"`
	Password       string       `json:"password"`
}

// LoadProfile reads a profile file (config.share). Errors name the file and
// the field at fault. An expired bearer token is not an error here: New
// refuses it, before any request.
func LoadProfile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("delta sharing profile: %w", err)
	}
	p, err := parseProfile(data, path)
	if err != nil {
		return nil, err
	}
	p.Path = path
	return p, nil
}

// ParseProfile reads a profile from the contents of a profile file.
func ParseProfile(data []byte) (*Profile, error) { return parseProfile(data, "") }

func parseProfile(data []byte, path string) (*Profile, error) {
	where := "delta sharing profile"
	if path != "" {
		where += " " + path
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	}
	var f profileFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return nil, fail("not a valid JSON profile file: %v", err)
	}
	if f.Version == nil {
		return nil, fail(`"shareCredentialsVersion" is missing (want 1 or 2)`)
	}
	version, err := f.Version.Int64()
	if err != nil || (version != 1 && version != 2) {
		return nil, fail(`"shareCredentialsVersion" is %s; this client reads versions 1 and 2`, f.Version.String())
	}
	p := &Profile{Version: int(version), Type: f.Type}
	if p.Endpoint, err = checkURL(f.Endpoint); err != nil {
		return nil, fail(`"endpoint" %v`, err)
	}
	if version == 1 {
		// Version 1 has no type: a bearer token is all there is.
		p.Type = TypeBearerToken
	}
	required := func(name, v string) error {
		if strings.TrimSpace(v) == "" {
			return fail("%q is missing (required for %s profiles)", name, p.Type)
		}
		return nil
	}
	switch p.Type {
	case TypeBearerToken:
		if err := required("bearerToken", f.BearerToken); err != nil {
			return nil, err
		}
		p.BearerToken = strings.TrimSpace(f.BearerToken)
		if f.ExpirationTime != "" {
			if p.ExpirationTime, err = parseExpiry(f.ExpirationTime); err != nil {
				return nil, fail(`"expirationTime" %q is not an ISO 8601 time such as 2026-01-31T00:00:00Z`, f.ExpirationTime)
			}
		}
	case TypeOAuthClientCredentials:
		for _, r := range [][2]string{{"tokenEndpoint", f.TokenEndpoint}, {"clientId", f.ClientID}, {"clientSecret", f.ClientSecret}} {
			if err := required(r[0], r[1]); err != nil {
				return nil, err
			}
		}
		if p.TokenEndpoint, err = checkURL(f.TokenEndpoint); err != nil {
			return nil, fail(`"tokenEndpoint" %v`, err)
		}
		p.ClientID, p.ClientSecret, p.Scope = f.ClientID, f.ClientSecret, strings.TrimSpace(f.Scope)
	case TypeBasic:
		if err := required("username", f.Username); err != nil {
			return nil, err
		}
		p.Username, p.Password = f.Username, f.Password
	case "":
		return nil, fail(`"type" is missing: version 2 profiles name their type (%s, %s or %s)`,
			TypeOAuthClientCredentials, TypeBearerToken, TypeBasic)
	default:
		return nil, fail(`"type" %q is not supported (use %s, %s or %s)`, p.Type,
			TypeOAuthClientCredentials, TypeBearerToken, TypeBasic)
	}
	return p, nil
}

// checkURL requires an absolute http(s) URL and strips a trailing "/".
func checkURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("is missing")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// parseExpiry reads expirationTime: RFC 3339, or without a zone (UTC), or a
// date alone.
func parseExpiry(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02"} {
		var t time.Time
		if t, err = time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// TokenExpiredError is returned, before any request, when a profile's bearer
// token has passed its expirationTime.
type TokenExpiredError struct {
	// Profile is the profile file ("" when not read from a file).
	Profile string
	// Expiry is the token's expirationTime.
	Expiry time.Time
}

// Error is one line naming the profile and the expiry date.
func (e *TokenExpiredError) Error() string {
	where := "the profile"
	if e.Profile != "" {
		where = "profile " + e.Profile
	}
	return fmt.Sprintf("delta sharing: the bearer token of %s expired on %s; ask the data provider for a new profile file",
		where, e.Expiry.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// Expired reports whether the profile's bearer token has expired at now.
func (p *Profile) Expired(now time.Time) bool {
	return p.Type == TypeBearerToken && !p.ExpirationTime.IsZero() && !now.Before(p.ExpirationTime)
}

// checkExpiry returns a *TokenExpiredError when the bearer token expired.
func (p *Profile) checkExpiry(now time.Time) error {
	if p.Expired(now) {
		return &TokenExpiredError{Profile: p.Path, Expiry: p.ExpirationTime}
	}
	return nil
}
