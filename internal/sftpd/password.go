package sftpd

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2Params are the cost parameters of an argon2id hash.
type argon2Params struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	keyLen  uint32
	saltLen uint32
}

// defaultPasswordParams are the parameters of new hashes: RFC 9106's second
// recommended option (64 MiB, 3 passes, 4 lanes). Hashes keep their parameters,
// so raising these later does not invalidate stored hashes.
var defaultPasswordParams = argon2Params{memory: 64 * 1024, time: 3, threads: 4, keyLen: 32, saltLen: 16}

// passwordParams are the parameters in use; tests lower them.
var passwordParams = defaultPasswordParams

// Bounds on the parameters CheckPassword accepts from a stored hash, so that a
// damaged or hostile hash cannot exhaust memory or time.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
)

// hashSlots bounds how many hashes are computed at once, so that a burst of
// logins cannot exhaust memory (each hash holds its memory parameter).
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// HashPassword returns an argon2id hash of password in the PHC string format
// ("$argon2id$v=19$m=65536,t=3,p=4$salt$hash"), with a random salt. Store the
// string; check a password against it with CheckPassword.
func HashPassword(password string) (string, error) {
	return hashWith(passwordParams, password)
}

func hashWith(p argon2Params, password string) (string, error) {
	if password == "" {
		return "", errors.New("the password is empty")
	}
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := idKey(password, salt, p)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches encoded, a hash from
// HashPassword. It compares in constant time. When encoded is empty or not a
// valid hash (an unknown user, say), it still computes a hash with the current
// parameters and returns false, so that the answer takes as long either way.
func CheckPassword(encoded, password string) bool {
	p, salt, want, err := parseHash(encoded)
	if err != nil {
		// Spend the same time as a real check, then fail.
		idKey(password, make([]byte, passwordParams.saltLen), passwordParams)
		return false
	}
	got := idKey(password, salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1 && password != ""
}

func idKey(password string, salt []byte, p argon2Params) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, p.keyLen)
}

// parseHash splits "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
func parseHash(encoded string) (argon2Params, []byte, []byte, error) {
	var p argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("unsupported argon2 version")
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil {
		return p, nil, nil, errors.New("bad argon2 parameters")
	}
	if p.memory < 8 || p.memory > maxMemoryKiB || p.time < 1 || p.time > maxTime || threads < 1 || threads > 255 {
		return p, nil, nil, errors.New("argon2 parameters out of range")
	}
	p.threads = uint8(threads)
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("bad argon2 salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errors.New("bad argon2 hash")
	}
	p.keyLen = uint32(len(key))
	p.saltLen = uint32(len(salt))
	return p, salt, key, nil
}
