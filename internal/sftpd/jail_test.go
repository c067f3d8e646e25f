package sftpd

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestJail tries every way out of the jail and every write outside /inbox.
func TestJail(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("acme-hr", acmePassword)
	put(t, c, "people.csv", []byte(peopleCSV))
	archived := e.waitArchived("acme", 1)[0]
	report := e.names("acme", folderResults)[0]
	put(t, c, "keep.tmp", []byte("temporary"))
	// Another company's file, and a secret outside the root, to aim at.
	put(t, e.client("globex-it", globexPassword), "secret.tmp", []byte("globex only"))
	outside := filepath.Join(filepath.Dir(e.root), "outside.txt")
	os.WriteFile(outside, []byte("not yours"), 0o600)
	// Symbolic links planted on the server's disk (a client cannot make them).
	os.Symlink("/etc/passwd", filepath.Join(e.root, "acme", "inbox", "passwd.tmp"))
	os.Symlink("../../globex/inbox", filepath.Join(e.root, "acme", "inbox", "globex.tmp"))
	os.Symlink(outside, filepath.Join(e.root, "acme", "results", "outside.txt"))

	create := func(p string) error {
		f, err := c.Create(p)
		if err == nil {
			f.Close()
		}
		return err
	}
	read := func(p string) error {
		f, err := c.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.ReadAll(f)
		return err
	}
	for _, tt := range []struct {
		name string
		op   func() error
		code uint32 // 0: any error
	}{
		// Traversal and absolute paths.
		{"create ../x", func() error { return create("../x") }, codePermissionDenied},
		{"create ../../x", func() error { return create("../../x") }, codePermissionDenied},
		{"create /etc/passwd", func() error { return create("/etc/passwd") }, codePermissionDenied},
		{"create inbox/../../other-company/x", func() error { return create("inbox/../../globex/x") }, codePermissionDenied},
		{"create /inbox/../../globex/inbox/x", func() error { return create("/inbox/../../globex/inbox/x") }, codePermissionDenied},
		{"read /etc/passwd", func() error { return read("/etc/passwd") }, codeNoSuchFile},
		{"read ../../../../etc/passwd", func() error { return read("../../../../etc/passwd") }, codeNoSuchFile},
		{"read other company", func() error { return read("/../globex/inbox/secret.tmp") }, codeNoSuchFile},
		{"list other company", func() error { _, err := c.ReadDir("/../globex/inbox"); return err }, codeNoSuchFile},
		{"rename into other company", func() error { return c.Rename("/inbox/keep.tmp", "/../globex/inbox/x") }, codePermissionDenied},
		// Symbolic links on disk lead nowhere outside the jail.
		{"read link to /etc/passwd", func() error { return read("/inbox/passwd.tmp") }, 0},
		{"write link to /etc/passwd", func() error { return create("/inbox/passwd.tmp") }, codePermissionDenied},
		{"list through link", func() error { return read("/inbox/globex.tmp/secret.tmp") }, codeNoSuchFile},
		{"read link outside root", func() error { return read("/results/outside.txt") }, 0},
		{"rename a link", func() error { return c.Rename("/inbox/passwd.tmp", "/inbox/people.csv") }, codePermissionDenied},
		// Links cannot be made.
		{"symlink to /etc/passwd", func() error { return c.Symlink("/etc/passwd", "/inbox/link") }, codePermissionDenied},
		{"symlink inside", func() error { return c.Symlink("../archive/"+archived, "/inbox/link.csv") }, codePermissionDenied},
		{"hard link", func() error { return c.Link("/archive/"+archived, "/inbox/again.csv") }, codePermissionDenied},
		{"readlink", func() error { _, err := c.ReadLink("/inbox/passwd.tmp"); return err }, codeFailure},
		// Writes outside /inbox.
		{"create at the root", func() error { return create("/people.csv") }, codePermissionDenied},
		{"create in archive", func() error { return create("/archive/x.csv") }, codePermissionDenied},
		{"create in results", func() error { return create("/results/x.json") }, codePermissionDenied},
		{"create in processing", func() error { return create("/processing/x.csv") }, codePermissionDenied},
		{"create in a subfolder", func() error { return create("/inbox/sub/x.csv") }, codePermissionDenied},
		{"overwrite the archive", func() error { return create("/archive/" + archived) }, codePermissionDenied},
		{"remove from archive", func() error { return c.Remove("/archive/" + archived) }, codePermissionDenied},
		{"remove from results", func() error { return c.Remove("/results/" + report) }, codePermissionDenied},
		{"rename out of inbox", func() error { return c.Rename("/inbox/keep.tmp", "/archive/keep.csv") }, codePermissionDenied},
		{"rename out of archive", func() error { return c.Rename("/archive/"+archived, "/inbox/again.csv") }, codePermissionDenied},
		{"chmod in results", func() error { return c.Chmod("/results/"+report, 0o777) }, codePermissionDenied},
		{"truncate", func() error { return c.Truncate("/inbox/keep.tmp", 1) }, codePermissionDenied},
		{"mkdir in inbox", func() error { return c.Mkdir("/inbox/sub") }, codePermissionDenied},
		{"mkdir at the root", func() error { return c.Mkdir("/new") }, codePermissionDenied},
		{"rmdir inbox", func() error { return c.RemoveDirectory("/inbox") }, codePermissionDenied},
		{"remove inbox", func() error { return c.Remove("/inbox") }, 0},
		{"rename a folder", func() error { return c.Rename("/inbox", "/box") }, codePermissionDenied},
		// The server's own files.
		{"create a reserved name", func() error { return create("/inbox/.trestle-meta-x") }, codePermissionDenied},
		{"rename to a reserved name", func() error { return c.Rename("/inbox/keep.tmp", "/inbox/.trestle-tmp-x") }, codePermissionDenied},
		// Names the server cannot keep.
		{"a name too long", func() error { return create("/inbox/" + strings.Repeat("a", 201)) }, codeFailure},
		{"a control character", func() error { return create("/inbox/a\nb.csv") }, codeFailure},
	} {
		err := tt.op()
		if err == nil {
			t.Errorf("%s: allowed", tt.name)
			continue
		}
		if tt.code != 0 && statusCode(err) != tt.code {
			t.Errorf("%s: %v (code %d), want code %d", tt.name, err, statusCode(err), tt.code)
		}
	}

	// Nothing changed outside the company's inbox.
	if got := e.names("", ""); strings.Join(got, ",") != "acme,globex" {
		t.Errorf("root holds %v", got)
	}
	if got := e.names("acme", ""); strings.Join(got, ",") != "archive,inbox,processing,results" {
		t.Errorf("acme's folder holds %v", got)
	}
	if got := e.names("acme", folderArchive); !slices.Equal(got, []string{archived}) {
		t.Errorf("archive holds %v", got)
	}
	if got := e.names("globex", folderInbox); strings.Join(got, ",") != "secret.tmp" {
		t.Errorf("globex's inbox holds %v", got)
	}
	if data, _ := os.ReadFile(outside); string(data) != "not yours" {
		t.Errorf("the file outside the root was changed: %q", data)
	}
	if n := len(e.proc.uploads()); n != 1 {
		t.Errorf("%d files processed, want 1", n)
	}
	// Refusals are logged.
	if !strings.Contains(e.logs.String(), "SFTP symbolic link refused") {
		t.Error("the refused symbolic link was not logged")
	}

	// What is allowed still works: read the results, remove one's own
	// temporary file.
	if err := read("/results/" + report); err != nil {
		t.Errorf("read a report: %v", err)
	}
	if err := c.Remove("/inbox/keep.tmp"); err != nil {
		t.Errorf("remove a temporary upload: %v", err)
	}
	if err := c.Chmod("/inbox/people.tmp", 0o600); statusCode(err) != codeNoSuchFile {
		t.Errorf("chmod of a missing file: %v", err)
	}
}

func TestCompaniesCannotSeeEachOther(t *testing.T) {
	e := newEnv(t, nil)
	acme := e.client("acme-hr", acmePassword)
	globex := e.client("globex-it", globexPassword)
	put(t, acme, "people.csv", []byte(peopleCSV))
	put(t, acme, "draft.tmp", []byte("acme draft"))
	e.waitArchived("acme", 1)

	for _, dir := range []string{"/", "/inbox", "/processing", "/archive", "/results"} {
		entries, err := globex.ReadDir(dir)
		if err != nil {
			t.Fatalf("globex lists %s: %v", dir, err)
		}
		for _, en := range entries {
			if dir != "/" {
				t.Errorf("globex sees %s/%s", dir, en.Name())
			}
		}
	}
	for _, p := range []string{"/../acme/inbox/draft.tmp", "../../acme/inbox/draft.tmp", "/acme/inbox/draft.tmp", "/inbox/draft.tmp"} {
		if _, err := globex.Stat(p); statusCode(err) != codeNoSuchFile {
			t.Errorf("globex stat %s: %v", p, err)
		}
	}
	// Same file name, separate files.
	put(t, globex, "draft.tmp", []byte("globex draft"))
	f, err := acme.Open("/inbox/draft.tmp")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if string(data) != "acme draft" {
		t.Errorf("acme reads %q", data)
	}
}
