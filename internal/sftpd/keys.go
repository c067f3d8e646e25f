package sftpd

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/crypto/ssh"
)

// AuthorizedKey is one public key from an authorized_keys file.
type AuthorizedKey struct {
	// Key is the public key.
	Key ssh.PublicKey
	// Comment is the text after the key, often "user@host".
	Comment string
	// Line is the 1-based line the key was on.
	Line int
}

// harmlessKeyOptions are the authorized_keys options that only forbid things the
// SFTP server never offers anyway, so they may be present. Any other option
// (from=, command=, expiry-time=, cert-authority, ...) would restrict or change
// how the key may be used, which this server does not enforce, so a key with it
// is refused rather than silently accepted with fewer restrictions.
var harmlessKeyOptions = map[string]bool{
	"restrict": true, "no-pty": true, "no-port-forwarding": true,
	"no-agent-forwarding": true, "no-x11-forwarding": true, "no-user-rc": true,
}

// ParseAuthorizedKeys parses public keys in OpenSSH authorized_keys format: one
// key a line ("ssh-ed25519 AAAA... comment"); blank lines and lines starting with
// '#' are skipped. Errors name the line.
func ParseAuthorizedKeys(data []byte) ([]AuthorizedKey, error) {
	var keys []AuthorizedKey
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, comment, options, _, err := ssh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("authorized keys, line %d: not a public key in OpenSSH format (\"ssh-ed25519 AAAA... comment\")", i+1)
		}
		for _, o := range options {
			name, _, _ := strings.Cut(o, "=")
			if !harmlessKeyOptions[strings.ToLower(name)] {
				return nil, fmt.Errorf("authorized keys, line %d: the option %q is not supported; remove it", i+1, name)
			}
		}
		if _, ok := key.(*ssh.Certificate); ok {
			return nil, fmt.Errorf("authorized keys, line %d: certificates are not supported; give the plain public key", i+1)
		}
		keys = append(keys, AuthorizedKey{Key: key, Comment: comment, Line: i + 1})
	}
	return keys, nil
}

// KeyAllowed reports whether offered is one of keys. It compares every key, in
// constant time for keys of equal length, so that the time taken does not tell
// which key matched.
func KeyAllowed(keys []ssh.PublicKey, offered ssh.PublicKey) bool {
	if offered == nil {
		return false
	}
	want := offered.Marshal()
	found := 0
	for _, k := range keys {
		if k != nil {
			found |= subtle.ConstantTimeCompare(k.Marshal(), want)
		}
	}
	return found == 1
}

// LoadOrCreateHostKey returns the server's host key from the private key file at
// path. On first start, when the file does not exist, it generates an ed25519 key
// and writes it there (OpenSSH format, mode 0600, creating the folder with mode
// 0700). A key file that other users can read or write is refused, as sshd does.
func LoadOrCreateHostKey(path string) (ssh.Signer, error) {
	if s, err := loadHostKey(path); !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate SFTP host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "trestle sftp host key")
	if err != nil {
		return nil, fmt.Errorf("generate SFTP host key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create folder for the SFTP host key %s: %w", dir, err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(dir, ".trestle-tmp-hostkey-"+hex.EncodeToString(rnd[:]))
	if err := writeSynced(tmp, pem.EncodeToMemory(block), 0o600); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("write SFTP host key %s: %w", path, err)
	}
	defer os.Remove(tmp)
	// Link fails if another process wrote the key meanwhile; then use theirs.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadHostKey(path)
		}
		return nil, fmt.Errorf("write SFTP host key %s: %w", path, err)
	}
	return ssh.NewSignerFromKey(priv)
}

func loadHostKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read SFTP host key %s: %w", path, err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("read SFTP host key %s: %w", path, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("SFTP host key %s can be read or written by other users (mode %04o); run: chmod 600 %s",
				path, fi.Mode().Perm(), path)
		}
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("SFTP host key %s is not a private key Trestle can read (%v); move it away to generate a new one", path, err)
	}
	return signer, nil
}

func writeSynced(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
