package sftpd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestPasswordDefaults(t *testing.T) {
	// A hash made with the real default parameters verifies, whatever the
	// current parameters are: a hash carries its own.
	enc, err := hashWith(defaultPasswordParams, "s3cret password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("hash = %q, want argon2id with m=65536,t=3,p=4", enc)
	}
	if !CheckPassword(enc, "s3cret password") {
		t.Error("the right password does not match")
	}
	if CheckPassword(enc, "s3cret passworD") {
		t.Error("a wrong password matches")
	}
}

func TestPasswordHelpers(t *testing.T) {
	a, b := mustHash(t, "pw one"), mustHash(t, "pw one")
	if a == b {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !CheckPassword(a, "pw one") || !CheckPassword(b, "pw one") {
		t.Error("the right password does not match")
	}
	if _, err := HashPassword(""); err == nil {
		t.Error("an empty password was hashed")
	}
	for _, bad := range []string{
		"", "plain", "$2a$10$abcdefghijklmnopqrstuv", // bcrypt is not accepted
		"$argon2id$v=19$m=4194304,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", // 4 GiB: refused
		strings.Replace(a, "$v=19$", "$v=16$", 1),
	} {
		if CheckPassword(bad, "pw one") {
			t.Errorf("CheckPassword(%q) = true", bad)
		}
	}
}

func TestAuthorizedKeys(t *testing.T) {
	k1, k2, k3 := newSigner(t).PublicKey(), newSigner(t).PublicKey(), newSigner(t).PublicKey()
	line := func(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
	file := "# the HR system\n\n" + line(k1) + " hr@acme\n" + `restrict,no-pty ` + line(k2) + "\n"
	keys, err := ParseAuthorizedKeys([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Comment != "hr@acme" || keys[0].Line != 3 || keys[1].Line != 4 {
		t.Fatalf("keys = %+v", keys)
	}
	pubs := []ssh.PublicKey{keys[0].Key, keys[1].Key}
	if !KeyAllowed(pubs, k1) || !KeyAllowed(pubs, k2) {
		t.Error("an authorized key is not allowed")
	}
	if KeyAllowed(pubs, k3) || KeyAllowed(nil, k1) || KeyAllowed(pubs, nil) {
		t.Error("a key that is not authorized is allowed")
	}

	for _, tt := range []struct{ in, want string }{
		{"\n\nnot a key\n", "line 3: not a public key"},
		{line(k1) + "\n" + `from="10.0.0.0/8" ` + line(k2), `line 2: the option "from" is not supported`},
		{`command="/bin/sh" ` + line(k2), `line 1: the option "command"`},
	} {
		if _, err := ParseAuthorizedKeys([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseAuthorizedKeys(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestHostKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "sftp_host_ed25519")
	k1, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Errorf("key type = %s, want ed25519", k1.PublicKey().Type())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()) {
		t.Error("the host key changed on the second start")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the key folder holds %d files, want 1 (no temporary file left)", len(entries))
	}

	os.Chmod(path, 0o644)
	if _, err := LoadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key: err = %v, want advice to chmod 600", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("garbage"), 0o600)
	if _, err := LoadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "not a private key") {
		t.Errorf("a damaged key: err = %v", err)
	}
}

func TestLoginByPassword(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("acme-hr", acmePassword)
	wd, err := c.Getwd()
	if err != nil || wd != "/inbox" {
		t.Errorf("start folder = %q, %v; want /inbox", wd, err)
	}
	entries, err := c.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range entries {
		got = append(got, en.Name())
	}
	if strings.Join(got, ",") != "inbox,processing,archive,results" {
		t.Errorf("root lists %v", got)
	}
	if names := e.names("acme", ""); strings.Join(names, ",") != "archive,inbox,processing,results" {
		t.Errorf("company folder on disk = %v", names)
	}
	if !strings.Contains(e.logs.String(), `msg="SFTP login" component=sftp user=acme-hr company=acme`) {
		t.Errorf("login not logged:\n%s", e.logs)
	}
}

func TestLoginByKey(t *testing.T) {
	e := newEnv(t, nil)
	c, _ := e.clientConn("acme-hr", ssh.PublicKeys(e.userKey))
	if _, err := c.ReadDir("/inbox"); err != nil {
		t.Fatal(err)
	}
	// Another key, or the right key for another user, is refused.
	if _, _, err := e.dial("acme-hr", ssh.PublicKeys(newSigner(t))); err == nil {
		t.Error("an unknown key logged in")
	}
	if _, _, err := e.dial("globex-it", ssh.PublicKeys(e.userKey)); err == nil {
		t.Error("acme's key logged in as globex")
	}
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LoginDelay = 200 * time.Millisecond })
	try := func(user, pw string) (string, time.Duration) {
		start := time.Now()
		_, _, err := e.dial(user, ssh.Password(pw))
		if err == nil {
			t.Fatalf("%s logged in with a wrong password", user)
		}
		return err.Error(), time.Since(start)
	}
	wrongMsg, wrongTook := try("acme-hr", "wrong password 1")
	unknownMsg, unknownTook := try("nobody", "wrong password 2")
	if wrongMsg != unknownMsg {
		t.Errorf("answers differ:\n wrong password: %s\n unknown user:   %s", wrongMsg, unknownMsg)
	}
	if wrongTook < 200*time.Millisecond || unknownTook < 200*time.Millisecond {
		t.Errorf("failed logins took %v and %v, want at least the 200ms login delay", wrongTook, unknownTook)
	}
	logs := e.logs.String()
	for _, want := range []string{
		`msg="SFTP login failed" component=sftp user=acme-hr remote=127.0.0.1:`,
		`msg="SFTP login failed" component=sftp user=nobody remote=127.0.0.1:`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "wrong password") {
		t.Errorf("a password was logged:\n%s", logs)
	}

	// The account store failing answers the same, and is logged as an error.
	e.accts.fail(errors.New("database is down"))
	if msg, _ := try("acme-hr", acmePassword); msg != wrongMsg {
		t.Errorf("store failure answered %q", msg)
	}
	if !strings.Contains(e.logs.String(), `level=ERROR msg="SFTP login failed: cannot check the account"`) {
		t.Errorf("store failure not logged as an error:\n%s", e.logs)
	}
}

func TestAccountWithBadCompanyIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.accts.add("evil", testUser{hash: mustHash(t, "pw"), company: "../globex"})
	if _, _, err := e.dial("evil", ssh.Password("pw")); err == nil {
		t.Fatal("an account whose company id is a path logged in")
	}
	if names := e.names("", ""); len(names) != 0 {
		t.Errorf("root folder on disk = %v, want empty", names)
	}
}

func TestConnectionLimits(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxConnections = 1; c.IdleTimeout = 300 * time.Millisecond })
	c := e.client("acme-hr", acmePassword)
	if _, _, err := e.dial("acme-hr", ssh.Password(acmePassword)); err == nil {
		t.Error("a second connection was accepted beyond MaxConnections=1")
	}
	if !strings.Contains(e.logs.String(), "too many connections") {
		t.Error("the refused connection was not logged")
	}
	time.Sleep(600 * time.Millisecond) // idle past IdleTimeout
	if _, err := c.ReadDir("/"); err == nil {
		t.Error("an idle connection was not closed")
	}
	// The slot is free again.
	waitFor(t, "the idle connection to be released", func() bool {
		sc, _, err := e.dial("acme-hr", ssh.Password(acmePassword))
		if err == nil {
			sc.Close()
		}
		return err == nil
	})
}

func TestNewChecksConfig(t *testing.T) {
	e := newEnv(t, nil)
	base := Config{HostKey: e.hostKey, Accounts: e.accts, Root: t.TempDir(), Processor: e.proc}
	for name, mut := range map[string]func(*Config){
		"host key": func(c *Config) { c.HostKey = nil }, "account": func(c *Config) { c.Accounts = nil },
		"processor": func(c *Config) { c.Processor = nil }, "root": func(c *Config) { c.Root = "" },
	} {
		c := base
		mut(&c)
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: err = %v", name, err)
		}
	}
	s, err := New(base)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Addr() != ":2022" {
		t.Errorf("default address = %q, want :2022", s.Addr())
	}
}
