package fileurl_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
)

func TestLoadOrCreateSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "fileurl.key")
	first, err := fileurl.LoadOrCreateSecret(path)
	if err != nil || len(first) != fileurl.SecretLen {
		t.Fatalf("create: %d bytes, %v; want %d bytes", len(first), err, fileurl.SecretLen)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode = %v, want 0600", fi.Mode().Perm())
	}
	if bytes.Equal(first, make([]byte, fileurl.SecretLen)) {
		t.Error("secret is all zeros")
	}
	again, err := fileurl.LoadOrCreateSecret(path)
	if err != nil || !bytes.Equal(again, first) {
		t.Errorf("load: %x, %v; want the created secret %x", again, err, first)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the secret (no temporary files left)", len(entries))
	}
	other, err := fileurl.LoadOrCreateSecret(filepath.Join(t.TempDir(), "k"))
	if err != nil || bytes.Equal(other, first) {
		t.Errorf("a second file: %x, %v; want a different secret", other, err)
	}
}

func TestLoadOrCreateSecretWrongSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(path, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := fileurl.LoadOrCreateSecret(path); err == nil {
		t.Error("a 9-byte secret file: no error")
	}
}

// TestLoadOrCreateSecretConcurrent: callers racing to create the file all get the same secret.
func TestLoadOrCreateSecretConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	got := make([][]byte, 16)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			var err error
			if got[i], err = fileurl.LoadOrCreateSecret(path); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range got {
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("caller %d got %x, caller 0 %x", i, got[i], got[0])
		}
	}
}
