package snowflake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/snowflakedb/gosnowflake"
)

func TestDriverConfigPassword(t *testing.T) {
	cfg, err := driverConfig(Options{Account: "myorg-acct", User: "loader", Password: "s3cret",
		Warehouse: "load_wh", Database: "analytics", Schema: "Sales EU", Role: "loader_role"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Account != "myorg-acct" || cfg.User != "loader" || cfg.Password != "s3cret" ||
		cfg.Authenticator != gosnowflake.AuthTypeSnowflake || cfg.PrivateKey != nil {
		t.Errorf("credentials: %+v", cfg)
	}
	if cfg.Warehouse != "LOAD_WH" || cfg.Database != "ANALYTICS" || cfg.Schema != `"Sales EU"` || cfg.Role != "LOADER_ROLE" {
		t.Errorf("session names: warehouse %q database %q schema %q role %q", cfg.Warehouse, cfg.Database, cfg.Schema, cfg.Role)
	}
	if tz := cfg.Params["TIMEZONE"]; tz == nil || *tz != "UTC" {
		t.Errorf("TIMEZONE = %v, want UTC", tz)
	}
	dsn, err := gosnowflake.DSN(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"loader:s3cret@myorg-acct.snowflakecomputing.com:443", "database=ANALYTICS",
		"schema=%22Sales+EU%22", "warehouse=LOAD_WH", "role=LOADER_ROLE", "TIMEZONE=UTC", "application=trestle"} {
		if !strings.Contains(dsn, part) {
			t.Errorf("DSN %s lacks %s", dsn, part)
		}
	}
	// The driver reads the DSN back to the same session.
	back, err := gosnowflake.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if back.Schema != `"Sales EU"` || back.Database != "ANALYTICS" || back.Password != "s3cret" {
		t.Errorf("ParseDSN(DSN) = schema %q database %q", back.Schema, back.Database)
	}

	def, err := driverConfig(Options{Account: "a", User: "u", Password: "p", Warehouse: "w", Database: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if def.Schema != "PUBLIC" || def.Role != "" {
		t.Errorf("defaults: schema %q role %q, want PUBLIC and none", def.Schema, def.Role)
	}
}

func TestDriverConfigErrors(t *testing.T) {
	ok := Options{Account: "a", User: "u", Password: "p", Warehouse: "w", Database: "d"}
	for _, c := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no account", func(o *Options) { o.Account = "" }, "account is required"},
		{"no warehouse", func(o *Options) { o.Warehouse = "" }, "warehouse is required"},
		{"no password", func(o *Options) { o.Password = "" }, "password is required"},
		{"unknown auth", func(o *Options) { o.Auth = "oauth" }, `auth "oauth" is not password or keypair`},
		{"keypair without key", func(o *Options) { o.Auth = "keypair" }, "private_key_path is required"},
		{"missing key file", func(o *Options) { o.Auth, o.PrivateKeyPath = "keypair", "/nonexistent/key.p8" }, "/nonexistent/key.p8"},
	} {
		o := ok
		c.edit(&o)
		if _, err := driverConfig(o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		rsaKey = k
	})
	return rsaKey
}

func writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// encryptPKCS8 encrypts a PKCS#8 key as openssl pkcs8 -topk8 -v2 aes-256-cbc
// does: PBES2, PBKDF2 with HMAC-SHA256, AES-256-CBC.
func encryptPKCS8(t *testing.T, der []byte, passphrase string) []byte {
	t.Helper()
	salt, iv := make([]byte, 16), make([]byte, 16)
	rand.Read(salt)
	rand.Read(iv)
	const iter = 2048
	key, err := pbkdf2.Key(sha256.New, passphrase, salt, iter, 32)
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(der)%16
	plain := append(append([]byte(nil), der...), []byte(strings.Repeat(string(rune(pad)), pad))...)
	block, _ := aes.NewCipher(key)
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(enc, plain)
	must := func(b []byte, err error) asn1.RawValue {
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	kdf := must(asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: iter,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}}))
	ivRaw := must(asn1.Marshal(iv))
	params := must(asn1.Marshal(pbes2Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: kdf},
		Cipher: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: ivRaw},
	}))
	out, err := asn1.Marshal(encryptedPrivateKeyInfo{Algo: pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: params}, Data: enc})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKeyPairConfig(t *testing.T) {
	key := testKey(t)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	plain := writePEM(t, "plain.p8", "PRIVATE KEY", der)
	encrypted := writePEM(t, "encrypted.p8", "ENCRYPTED PRIVATE KEY", encryptPKCS8(t, der, "correct horse"))
	pkcs1 := writePEM(t, "rsa.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))

	cases := []struct{ name, path, passphrase string }{
		{"unencrypted PKCS#8", plain, ""},
		{"unencrypted PKCS#8, passphrase ignored", plain, "unused"},
		{"encrypted PKCS#8 (PBKDF2-SHA256, AES-256-CBC)", encrypted, "correct horse"},
		{"PKCS#1", pkcs1, ""},
	}
	// Keys encrypted by openssl itself, when it is installed: its default
	// PBES2 parameters, scrypt, and 3DES.
	if _, err := exec.LookPath("openssl"); err == nil {
		for _, args := range [][]string{{"-v2", "aes-256-cbc"}, {"-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"}, {"-scrypt"}, {"-v2", "des3"}} {
			out := filepath.Join(t.TempDir(), "openssl.p8")
			cmd := exec.Command("openssl", append([]string{"pkcs8", "-topk8", "-in", plain, "-out", out, "-passout", "pass:open sesame"}, args...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Logf("openssl %v: %v: %s (case left out)", args, err, b)
				continue
			}
			cases = append(cases, struct{ name, path, passphrase string }{"openssl " + strings.Join(args, " "), out, "open sesame"})
		}
	} else {
		t.Log("openssl not installed: keys encrypted by openssl not tested")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := driverConfig(Options{Account: "a", User: "u", Auth: "keypair", PrivateKeyPath: c.path,
				PrivateKeyPassphrase: c.passphrase, Warehouse: "w", Database: "d"})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Authenticator != gosnowflake.AuthTypeJwt || cfg.Password != "" {
				t.Errorf("authenticator %v, password %q", cfg.Authenticator, cfg.Password)
			}
			if cfg.PrivateKey == nil || !cfg.PrivateKey.Equal(key) {
				t.Error("the loaded key differs from the generated one")
			}
		})
	}

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage.p8")
	os.WriteFile(garbage, []byte("not a key"), 0o600)
	for _, c := range []struct{ name, path, passphrase, want string }{
		{"wrong passphrase", encrypted, "wrong", "wrong passphrase"},
		{"no passphrase", encrypted, "", "the key is encrypted: set private_key_passphrase"},
		{"not RSA", writePEM(t, "ec.p8", "PRIVATE KEY", ecDER), "", "needs an RSA key"},
		{"not PEM", garbage, "", "no PEM block found"},
		{"certificate", writePEM(t, "cert.pem", "CERTIFICATE", []byte{1}), "", `PEM block "CERTIFICATE" is not a private key`},
	} {
		_, err := driverConfig(Options{Account: "a", User: "u", Auth: "keypair", PrivateKeyPath: c.path,
			PrivateKeyPassphrase: c.passphrase, Warehouse: "w", Database: "d"})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: err = %v, want %q naming the file", c.name, err, c.want)
		}
	}
}
