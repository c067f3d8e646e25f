package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"github.com/trestle-dev/trestle/internal/csvimport"
	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/sftpd"
	"github.com/trestle-dev/trestle/internal/store"
)

// sftpFlags are serve's settings for the SFTP drop.
type sftpFlags struct {
	addr      string
	holdAbove float64
}

// enabled reports whether serve runs the SFTP server.
func (f sftpFlags) enabled() bool { return f.addr != "" && f.addr != "off" }

// sftpRoot is the folder of the companies' SFTP folders; sftpHostKey the
// server's persistent host key.
func (g *globals) sftpRoot() string { return filepath.Join(g.dataDir, "sftp", "companies") }
func (g *globals) sftpHostKey() string {
	return filepath.Join(g.dataDir, "sftp", "ssh_host_ed25519_key")
}

// startSFTP starts the SFTP drop: uploads of the CSV templates into a
// company's inbox/ replace its people and projects. The returned channel
// gets Serve's outcome once ctx is done.
func startSFTP(ctx context.Context, g *globals, st store.Store, f sftpFlags) (<-chan error, error) {
	key, err := sftpd.LoadOrCreateHostKey(g.sftpHostKey())
	if err != nil {
		return nil, err
	}
	srv, err := sftpd.New(sftpd.Config{Addr: f.addr, HostKey: key, Accounts: sftpAccounts{st: st}, Root: g.sftpRoot(),
		Processor: sftpProcessor{st: st, holdAbove: f.holdAbove}, Log: g.log})
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(); err != nil {
		return nil, fmt.Errorf("SFTP server: %w (set --sftp-addr, or --sftp-addr off to run without it)", err)
	}
	g.log.Info("SFTP drop listening", "addr", srv.Addr(), "folders", g.sftpRoot())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	return done, nil
}

// sftpAccounts checks SFTP logins against the store's accounts.
type sftpAccounts struct{ st store.Store }

// Authenticate checks a password; an unknown user costs a hash all the same.
func (a sftpAccounts) Authenticate(ctx context.Context, user, password string) (sftpd.Account, error) {
	acc, err := a.st.SFTPAccount(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		sftpd.CheckPassword("", password)
		return sftpd.Account{}, sftpd.ErrBadCredentials
	}
	if err != nil {
		return sftpd.Account{}, err
	}
	if acc.PasswordHash == "" {
		sftpd.CheckPassword("", password)
		return sftpd.Account{}, sftpd.ErrBadCredentials
	}
	if !sftpd.CheckPassword(acc.PasswordHash, password) {
		return sftpd.Account{}, sftpd.ErrBadCredentials
	}
	return sftpd.Account{User: acc.Username, CompanyID: acc.CompanyID}, nil
}

// AuthenticateKey checks a public key against the account's authorized keys.
func (a sftpAccounts) AuthenticateKey(ctx context.Context, user string, key ssh.PublicKey) (sftpd.Account, error) {
	acc, err := a.st.SFTPAccount(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return sftpd.Account{}, sftpd.ErrBadCredentials
	}
	if err != nil {
		return sftpd.Account{}, err
	}
	keys, err := sftpd.ParseAuthorizedKeys([]byte(acc.AuthorizedKeys))
	if err != nil {
		return sftpd.Account{}, err
	}
	pub := make([]ssh.PublicKey, len(keys))
	for i, k := range keys {
		pub[i] = k.Key
	}
	if !sftpd.KeyAllowed(pub, key) {
		return sftpd.Account{}, sftpd.ErrBadCredentials
	}
	return sftpd.Account{User: acc.Username, CompanyID: acc.CompanyID}, nil
}

// sftpProcessor applies an uploaded template in replace mode (a snapshot:
// people and projects missing from people.csv or projects.csv become
// inactive). Applying the same file again changes nothing, so reprocessing
// after a crash is safe.
type sftpProcessor struct {
	st        store.Store
	holdAbove float64
}

// Process imports the upload and reports the outcome.
func (p sftpProcessor) Process(ctx context.Context, u sftpd.Upload) (sftpd.Result, error) {
	rep, err := csvimport.ImportFiles(ctx, p.st, u.Account.CompanyID, []csvimport.File{{Name: u.Name, Path: u.Path}},
		csvimport.Options{Mode: ingest.Replace, Source: planning.SourceSFTP, Actor: u.Account.User, HoldAbove: p.holdAbove})
	if err != nil {
		return sftpd.Result{}, err
	}
	res := sftpd.Result{Message: rep.Run.Message, Counts: map[string]int{}}
	switch rep.Run.Status {
	case store.ImportApplied, store.ImportUnchanged:
		res.Status = sftpd.StatusOK
	case store.ImportInvalid:
		res.Status = sftpd.StatusInvalid
	case store.ImportHeld:
		res.Status = sftpd.StatusHeld
	default:
		res.Status = sftpd.StatusFailed
	}
	for kind, n := range rep.Run.Counts {
		res.Counts[kind+".created"] = n.Created
		res.Counts[kind+".updated"] = n.Updated
		res.Counts[kind+".deactivated"] = n.Deactivated
		res.Counts[kind+".unchanged"] = n.Unchanged
	}
	for _, pr := range rep.Problems {
		res.Errors = append(res.Errors, sftpd.FileError{File: pr.File, Line: pr.Line, Column: pr.Column, Message: pr.Message})
	}
	if rep.More > 0 {
		res.Errors = append(res.Errors, sftpd.FileError{Message: fmt.Sprintf("and %d more problems", rep.More)})
	}
	return res, nil
}
