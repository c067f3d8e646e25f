package fileurl

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretLen is the size of the secret LoadOrCreateSecret reads or creates.
const SecretLen = 32

// LoadOrCreateSecret returns the signing secret kept in the file at path: its
// SecretLen raw bytes. If the file does not exist it creates it (and its folder,
// mode 0700) with SecretLen bytes from crypto/rand, mode 0600. The new file is
// written beside path and hard-linked into place, so concurrent callers all end
// up with the same secret and none ever reads a partly written file. A file of
// another size is an error. Keeping the secret across restarts keeps the URLs
// already handed out valid; replacing the file revokes them all.
func LoadOrCreateSecret(path string) ([]byte, error) {
	secret, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fileurl: create the folder of the secret: %w", err)
	}
	f, err := os.CreateTemp(dir, ".secret-tmp-") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("fileurl: create secret: %w", err)
	}
	defer os.Remove(f.Name())
	key := make([]byte, SecretLen)
	rand.Read(key) // never fails (it crashes the program instead)
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(key)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(f.Name(), path)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("fileurl: create secret %s: %w", path, err)
	}
	return readSecret(path) // ours, or the one another caller linked first
}

func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("fileurl: read secret: %w", err)
	}
	if len(b) != SecretLen {
		return nil, fmt.Errorf("fileurl: secret file %s has %d bytes, want %d", path, len(b), SecretLen)
	}
	return b, nil
}
