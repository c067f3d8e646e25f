// Package sftpd is Trestle's SFTP drop: an SSH server that speaks only SFTP,
// where each company's systems upload CSV files that are then handed to a
// Processor (the import engine) one at a time.
//
// The package knows nothing of the database or of CSV: accounts come from an
// Accounts implementation and uploads go to a Processor. Helpers for Accounts
// implementations live here too: HashPassword and CheckPassword (argon2id) and
// ParseAuthorizedKeys and KeyAllowed (OpenSSH authorized_keys).
//
// # The jail
//
// An account belongs to one company. Its sessions see only the company's folder,
// <Root>/<company id>/, created on first login, as the SFTP root:
//
//	/inbox/        upload here (the start folder: "put people.csv" lands here)
//	/processing/   files being processed (read-only)
//	/archive/      processed files, as <timestamp>-<name> (read-only)
//	/results/      one report per file: <name>.<timestamp>.json and .txt (read-only)
//
// Every file access goes through an os.Root opened on the company folder, so no
// path (with "..", absolute, or through a symbolic link) can reach outside it.
// Paths are also checked lexically first: only files directly inside the four
// folders exist for the client. Clients cannot create folders, symbolic links or
// hard links, and can write, rename and remove files only inside /inbox.
// processing/ is visible so that a client can see its file is being worked on,
// but read-only like archive/ and results/. Names starting with ".trestle-" are
// the server's own (hidden, never accessible). Attribute changes (permissions,
// times) on inbox files are accepted and ignored; size changes are refused.
//
// # When an upload is complete
//
// A file in /inbox is complete, and handed on, when either
//   - the client closes it after writing, every byte from 0 to its size was
//     written (no holes) and no write failed; or
//   - the client renames a file from a temporary name to a final name. Temporary
//     names start with "." (".filezilla…") or end in .tmp, .temp, .part,
//     .filepart, .upload or .uploading (case-insensitive). Closing a file with a
//     temporary name completes nothing; renaming a file still open for writing is
//     refused.
//
// Only one session at a time may write a given inbox file. An upload that is
// cut off (the connection drops, goes idle past Config.IdleTimeout, or the server
// stops while the file is open), that fails (a write error, larger than
// Config.MaxUploadSize), or whose bytes do not cover the whole file is not
// processed: the file is removed and a "failed" report saying why is written to
// /results. Resuming a cut-off upload is therefore not supported; the client
// uploads the file again. Files with final names left in inbox/ by a crash are
// handled the same way on the next start; files with temporary names are kept.
//
// # Processing
//
// On completion the file moves atomically (one rename) from inbox/<name> to
// processing/<timestamp>-<name>, with a small hidden note of who uploaded it, and
// is queued for its company. Each company has one queue, processed in order, one
// file at a time (Config.Workers companies at once). The worker computes the
// file's size and SHA-256, calls Processor.Process, writes
// results/<name>.<timestamp>.json (a Report) and a human-readable .txt next to it
// (each written to a temporary file and renamed, so a client never reads half a
// report), then moves the file to archive/<timestamp>-<name>. The timestamp is
// the UTC time the upload completed, e.g. 20260314T101502.123Z.
//
// If the Processor returns an error, the run is reported with status "failed"
// and the file is archived. If the server stops while a file is being
// processed (Process returns after its context is cancelled) or is killed
// anywhere between the move to processing/ and the move to archive/, the file is
// still in processing/, and the next Serve processes it again, in order, before
// anything uploaded later (Upload.Recovered is then true). The Processor must
// therefore be idempotent: processing the same upload again must not apply it
// twice (record Upload.ID, with the SHA-256, in the same transaction as the
// changes, and answer a second run of a recorded ID with the recorded outcome),
// and it must apply a file all or nothing.
//
// One server at a time may use a Root folder.
package sftpd
