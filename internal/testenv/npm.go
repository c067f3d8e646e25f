package testenv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// npmReadyMarker is written last into an install folder: its presence means
// the install is complete (scripts/test.sh writes the same file).
const npmReadyMarker = ".trestle-installed"

// npmPackage is a pinned npm package the tests install once per machine.
type npmPackage struct {
	// name and version name the install folder (<cache>/trestle-test/<name>-<version>).
	name, version string
	// files are written into the folder before npm runs (package.json, and
	// package-lock.json for "npm ci").
	files map[string][]byte
	// args are npm's arguments ("ci ..." or "install ...").
	args []string
}

// npmInstall returns the folder holding the package's node_modules,
// installing it first if this machine does not have it: npm runs in a
// temporary folder renamed into place, so concurrent test binaries and
// interrupted installs are safe (the loser of the rename discards its copy).
func npmInstall(p npmPackage) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", err
	}
	parent := filepath.Join(duckdbCacheRoot(), "trestle-test")
	dir := filepath.Join(parent, p.name+"-"+p.version)
	ready := func() bool {
		_, err := os.Stat(filepath.Join(dir, npmReadyMarker))
		return err == nil
	}
	if ready() {
		return dir, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, p.name+"-install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	for name, b := range p.files {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, p.args...)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm %s (%s@%s): %v\n%s", p.args[0], p.name, p.version, err, lastLines(out, 10))
	}
	if err := os.WriteFile(filepath.Join(tmp, npmReadyMarker), []byte(p.version+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if ready() { // another test binary won the race
			return dir, nil
		}
		if errors.Is(err, fs.ErrExist) || strings.Contains(err.Error(), "not empty") {
			return "", fmt.Errorf("%s exists but is not a finished install (remove it): %w", dir, err)
		}
		return "", err
	}
	return dir, nil
}
