package snowflake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"

	"github.com/snowflakedb/gosnowflake"
	"golang.org/x/crypto/scrypt"
)

// Authentication methods of Options.Auth.
const (
	AuthPassword = "password"
	AuthKeyPair  = "keypair"
)

// defaultThreads is how many files upload at once when Options.Threads is 0.
const defaultThreads = 4

// driverConfig returns the gosnowflake configuration of o: the account, the
// user and their credentials, the session's defaults (warehouse, database,
// schema, role; see sessionName) and TIMEZONE = UTC, so timestamps with a
// time zone are stored with offset +00:00. A key pair's private key is read
// from o.PrivateKeyPath (see loadPrivateKey).
func driverConfig(o Options) (*gosnowflake.Config, error) {
	for _, f := range []struct{ name, v string }{{"account", o.Account}, {"user", o.User}, {"warehouse", o.Warehouse}, {"database", o.Database}} {
		if f.v == "" {
			return nil, fmt.Errorf("snowflake: %s is required", f.name)
		}
	}
	utc := "UTC"
	cfg := &gosnowflake.Config{
		Account:     o.Account,
		User:        o.User,
		Warehouse:   sessionName(o.Warehouse),
		Database:    sessionName(o.Database),
		Schema:      sessionName(schemaOrDefault(o.Schema)),
		Role:        sessionName(o.Role),
		Application: "trestle",
		Params:      map[string]*string{"TIMEZONE": &utc},
	}
	switch o.Auth {
	case "", AuthPassword:
		if o.Password == "" {
			return nil, errors.New("snowflake: password is required with password authentication (or set auth: keypair)")
		}
		cfg.Authenticator = gosnowflake.AuthTypeSnowflake
		cfg.Password = o.Password
	case AuthKeyPair:
		if o.PrivateKeyPath == "" {
			return nil, errors.New("snowflake: private_key_path is required with keypair authentication")
		}
		key, err := loadPrivateKey(o.PrivateKeyPath, o.PrivateKeyPassphrase)
		if err != nil {
			return nil, fmt.Errorf("snowflake: %w", err)
		}
		cfg.Authenticator = gosnowflake.AuthTypeJwt
		cfg.PrivateKey = key
	default:
		return nil, fmt.Errorf("snowflake: auth %q is not %s or %s", o.Auth, AuthPassword, AuthKeyPair)
	}
	return cfg, nil
}

func schemaOrDefault(s string) string {
	if s == "" {
		return "PUBLIC"
	}
	return s
}

// loadPrivateKey reads an RSA private key from a PEM file: PKCS#8, either
// plain ("PRIVATE KEY") or encrypted with a passphrase ("ENCRYPTED PRIVATE
// KEY", PBES2 with PBKDF2 or scrypt and AES-CBC or 3DES, as openssl pkcs8
// writes it), or PKCS#1 ("RSA PRIVATE KEY").
func loadPrivateKey(path, passphrase string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	key, err := parsePrivateKey(data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	return key, nil
}

func parsePrivateKey(data []byte, passphrase string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found (expected -----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)")
	}
	der := block.Bytes
	switch block.Type {
	case "RSA PRIVATE KEY":
		if _, legacy := block.Headers["DEK-Info"]; legacy {
			return nil, errors.New("legacy PEM encryption is not supported; convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc")
		}
		return x509.ParsePKCS1PrivateKey(der)
	case "ENCRYPTED PRIVATE KEY":
		if passphrase == "" {
			return nil, errors.New("the key is encrypted: set private_key_passphrase")
		}
		plain, err := decryptPKCS8(der, []byte(passphrase))
		if err != nil {
			return nil, err
		}
		der = plain
	case "PRIVATE KEY":
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS#8: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is a %T; Snowflake key-pair authentication needs an RSA key", k)
	}
	return rk, nil
}

// Object identifiers of PKCS#5 v2 (RFC 8018), scrypt (RFC 7914) and the
// ciphers.
var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Cipher pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

type scryptParams struct {
	Salt      []byte
	N         int
	R         int
	P         int
	KeyLength int `asn1:"optional"`
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo (PBES2) into the DER of a
// PKCS#8 PrivateKeyInfo.
func decryptPKCS8(der, passphrase []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, fmt.Errorf("parse encrypted PKCS#8: %w", err)
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("encryption %v is not supported (PBES2 only; re-encrypt with: openssl pkcs8 -topk8 -v2 aes-256-cbc)", info.Algo.Algorithm)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("parse PBES2 parameters: %w", err)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Cipher.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("parse cipher IV: %w", err)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch c := params.Cipher.Algorithm; {
	case c.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case c.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case c.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case c.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("cipher %v is not supported (AES-CBC or 3DES-CBC)", c)
	}
	key, err := deriveKey(params.KDF, passphrase, keyLen)
	if err != nil {
		return nil, err
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, err
	}
	data := info.Data
	if len(iv) != block.BlockSize() || len(data) == 0 || len(data)%block.BlockSize() != 0 {
		return nil, errors.New("encrypted key data is damaged")
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > block.BlockSize() || pad > len(out) {
		return nil, errors.New("wrong passphrase (or damaged key)")
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, errors.New("wrong passphrase (or damaged key)")
		}
	}
	return out[:len(out)-pad], nil
}

// deriveKey derives the cipher key from the passphrase with PBKDF2 or scrypt.
func deriveKey(kdf pkix.AlgorithmIdentifier, passphrase []byte, keyLen int) ([]byte, error) {
	switch {
	case kdf.Algorithm.Equal(oidPBKDF2):
		var p pbkdf2Params
		if _, err := asn1.Unmarshal(kdf.Parameters.FullBytes, &p); err != nil {
			return nil, fmt.Errorf("parse PBKDF2 parameters: %w", err)
		}
		var h func() hash.Hash
		switch prf := p.PRF.Algorithm; {
		case len(prf) == 0 || prf.Equal(oidHMACSHA1):
			h = sha1.New
		case prf.Equal(oidHMACSHA224):
			h = sha256.New224
		case prf.Equal(oidHMACSHA256):
			h = sha256.New
		case prf.Equal(oidHMACSHA384):
			h = sha512.New384
		case prf.Equal(oidHMACSHA512):
			h = sha512.New
		default:
			return nil, fmt.Errorf("PBKDF2 function %v is not supported", prf)
		}
		if p.KeyLength != 0 && p.KeyLength != keyLen {
			return nil, fmt.Errorf("PBKDF2 key length %d does not fit the cipher (%d)", p.KeyLength, keyLen)
		}
		return pbkdf2.Key(h, string(passphrase), p.Salt, p.Iterations, keyLen)
	case kdf.Algorithm.Equal(oidScrypt):
		var p scryptParams
		if _, err := asn1.Unmarshal(kdf.Parameters.FullBytes, &p); err != nil {
			return nil, fmt.Errorf("parse scrypt parameters: %w", err)
		}
		return scrypt.Key(passphrase, p.Salt, p.N, p.R, p.P, keyLen)
	}
	return nil, fmt.Errorf("key derivation %v is not supported (PBKDF2 or scrypt)", kdf.Algorithm)
}
