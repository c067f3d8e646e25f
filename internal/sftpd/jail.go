package sftpd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/pkg/sftp"
)

// clientError is an error the client sees: a status code and a plain message.
type clientError struct {
	code error // an sftp.ErrSSHFx... status
	msg  string
}

func (e *clientError) Error() string { return e.msg }
func (e *clientError) Unwrap() error { return e.code }

func denied(format string, args ...any) error {
	return &clientError{sftp.ErrSSHFxPermissionDenied, "permission denied: " + fmt.Sprintf(format, args...)}
}

func failure(format string, args ...any) error {
	return &clientError{sftp.ErrSSHFxFailure, fmt.Sprintf(format, args...)}
}

var errNotFound = &clientError{sftp.ErrSSHFxNoSuchFile, "no such file or folder"}

// vpath is a client path inside the jail. Only the root, the four folders and
// files directly inside them exist.
type vpath struct {
	top  string // "inbox", ...; "" for the root
	name string // a file name inside top; "" for the root or a folder
	ok   bool   // false: the path cannot exist (unknown folder, too deep, reserved name)
}

// parsePath maps a client path to the jail. The request server has already made
// it absolute and cleaned it ("../x" from /inbox is "/x"); cleaning again keeps
// this safe on its own, and os.Root then guards every access.
func parsePath(p string) vpath {
	if strings.IndexByte(p, 0) >= 0 {
		return vpath{}
	}
	clean := path.Clean("/" + p)
	if clean == "/" {
		return vpath{ok: true}
	}
	parts := strings.Split(clean[1:], "/")
	if !slices.Contains(folders, parts[0]) || len(parts) > 2 {
		return vpath{}
	}
	v := vpath{top: parts[0], ok: true}
	if len(parts) == 2 {
		v.name = parts[1]
		if strings.HasPrefix(v.name, reservedPrefix) {
			v.ok = false
		}
	}
	return v
}

// rel is the path relative to the company folder.
func (v vpath) rel() string {
	switch {
	case v.top == "":
		return "."
	case v.name == "":
		return v.top
	}
	return v.top + "/" + v.name
}

// inboxFile reports whether v is a file name directly inside /inbox.
func (v vpath) inboxFile() bool { return v.ok && v.top == folderInbox && v.name != "" }

// maxNameLen bounds file names, leaving room in the 255-byte limit of most
// filesystems for the timestamp added in processing/, archive/ and results/.
const maxNameLen = 200

// checkNewName refuses names a client may not give a file.
func checkNewName(name string) error {
	switch {
	case strings.HasPrefix(name, reservedPrefix):
		return denied("names starting with %q are reserved", reservedPrefix)
	case len(name) > maxNameLen:
		return failure("the file name is longer than %d bytes", maxNameLen)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }):
		return failure("the file name contains control characters or a backslash")
	}
	return nil
}

// notWritable explains why the client cannot write at v.
func notWritable(v vpath) error {
	if v.ok && v.top != "" && v.top != folderInbox {
		return denied("/%s is read-only; upload files into /inbox", v.top)
	}
	if v.ok && v.top == folderInbox && v.name == "" {
		return denied("/inbox is a folder")
	}
	return denied("files can only be uploaded into /inbox")
}

// handlers serves one SFTP session, jailed to its company's folder. They
// implement pkg/sftp's request-server handler interfaces.
type handlers struct {
	s    *Server
	c    *company
	acct Account
	log  *slog.Logger
}

var (
	_ sftp.FileReader           = (*handlers)(nil)
	_ sftp.FileWriter           = (*handlers)(nil)
	_ sftp.PosixRenameFileCmder = (*handlers)(nil)
	_ sftp.LstatFileLister      = (*handlers)(nil)
)

// Fileread opens a file for reading, in any of the four folders.
func (h *handlers) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	v := parsePath(r.Filepath)
	if !v.ok || v.top == "" {
		return nil, errNotFound
	}
	if v.name == "" {
		return nil, failure("/%s is a folder", v.top)
	}
	f, err := h.c.root.Open(v.rel())
	if err != nil {
		return nil, fsError(h.log, "open", v.rel(), err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, failure("/%s is not a regular file", v.rel())
	}
	return f, nil
}

// Filewrite opens a file in /inbox for writing; everywhere else is read-only.
func (h *handlers) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	v := parsePath(r.Filepath)
	if !v.inboxFile() {
		if v.top == folderInbox && strings.HasPrefix(v.name, reservedPrefix) {
			return nil, checkNewName(v.name)
		}
		h.log.Warn("SFTP write refused", "path", r.Filepath)
		return nil, notWritable(v)
	}
	if err := checkNewName(v.name); err != nil {
		return nil, err
	}
	return h.s.openUpload(h.c, h.acct.User, v.name, r.Pflags(), h.log)
}

// Filecmd handles renames, removes and attribute changes in /inbox and refuses
// folders and links everywhere.
func (h *handlers) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Rename":
		return h.rename(r, false)
	case "Remove":
		v := parsePath(r.Filepath)
		if !v.inboxFile() {
			if !v.ok || v.top == "" {
				return errNotFound
			}
			return notWritable(v)
		}
		return h.s.remove(h.c, v.name, h.log)
	case "Setstat":
		v := parsePath(r.Filepath)
		if !v.ok {
			return errNotFound
		}
		if !v.inboxFile() {
			return notWritable(v)
		}
		if _, err := h.c.root.Lstat(v.rel()); err != nil {
			return fsError(h.log, "change", v.rel(), err)
		}
		if r.AttrFlags().Size {
			return denied("changing a file's size is not supported; upload the file again")
		}
		return nil // permissions, owner and times are accepted and ignored
	case "Mkdir":
		return denied("folders cannot be created; upload files into /inbox")
	case "Rmdir":
		return denied("folders cannot be removed")
	case "Symlink":
		h.log.Warn("SFTP symbolic link refused", "link", r.Target, "target", r.Filepath)
		return denied("symbolic links cannot be created")
	case "Link":
		return denied("hard links cannot be created")
	}
	return sftp.ErrSSHFxOpUnsupported
}

// PosixRename renames, replacing an existing target (posix-rename@openssh.com).
func (h *handlers) PosixRename(r *sftp.Request) error { return h.rename(r, true) }

func (h *handlers) rename(r *sftp.Request, replace bool) error {
	from, to := parsePath(r.Filepath), parsePath(r.Target)
	if !from.ok || from.top == "" || from.name == "" {
		if from.ok && from.top != "" {
			return denied("folders cannot be renamed")
		}
		return errNotFound
	}
	if from.top != folderInbox || to.top != folderInbox || to.name == "" {
		if to.top == folderInbox && strings.HasPrefix(to.name, reservedPrefix) {
			return checkNewName(to.name)
		}
		return denied("files can only be renamed inside /inbox")
	}
	if !to.ok {
		return checkNewName(to.name)
	}
	if err := checkNewName(to.name); err != nil {
		return err
	}
	return h.s.rename(h.c, h.acct.User, from.name, to.name, replace, h.log)
}

// Filelist lists a folder or describes a file.
func (h *handlers) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "List":
		return h.list(parsePath(r.Filepath))
	case "Stat":
		return h.stat(parsePath(r.Filepath), h.c.root.Stat)
	case "Readlink":
		return nil, failure("symbolic links are not supported")
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

// Lstat describes a file without following a symbolic link.
func (h *handlers) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	return h.stat(parsePath(r.Filepath), h.c.root.Lstat)
}

func (h *handlers) stat(v vpath, stat func(string) (os.FileInfo, error)) (sftp.ListerAt, error) {
	if !v.ok {
		return nil, errNotFound
	}
	fi, err := stat(v.rel())
	if err != nil {
		return nil, fsError(h.log, "read", v.rel(), err)
	}
	return listerAt{fi}, nil
}

func (h *handlers) list(v vpath) (sftp.ListerAt, error) {
	if !v.ok {
		return nil, errNotFound
	}
	if v.top == "" {
		var out listerAt
		for _, f := range folders {
			if fi, err := h.c.root.Lstat(f); err == nil {
				out = append(out, fi)
			}
		}
		return out, nil
	}
	if v.name != "" {
		return nil, failure("/%s is not a folder", v.rel())
	}
	entries, err := fs.ReadDir(h.c.root.FS(), v.top)
	if err != nil {
		return nil, fsError(h.log, "list", v.top, err)
	}
	out := make(listerAt, 0, len(entries))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), reservedPrefix) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) { // else: moved on meanwhile
				h.log.Warn("SFTP list: cannot describe a file", "path", v.top+"/"+e.Name(), "err", err)
			}
			continue
		}
		out = append(out, fi)
	}
	return out, nil
}

// listerAt serves a fixed list of files.
type listerAt []os.FileInfo

// ListAt copies entries from offset off into ls.
func (l listerAt) ListAt(ls []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(ls, l[off:])
	if n < len(ls) {
		return n, io.EOF
	}
	return n, nil
}
