package sftpd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

const peopleCSV = "employee_id,first_name,last_name\nE1,Ada,Lovelace\nE2,Alan,Turing\n"

func TestUploadIsProcessedOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.proc.set(func(p *fakeProcessor) {
		p.result = Result{Status: StatusInvalid, Message: "2 errors", Counts: map[string]int{"people.rows": 2},
			Errors: []FileError{{File: "people.csv", Line: 3, Column: "first_name", Message: "is empty"}, {Message: "no groups"}}}
	})
	c := e.client("acme-hr", acmePassword)
	before := time.Now().UTC().Add(-time.Second)
	put(t, c, "people.csv", []byte(peopleCSV)) // relative: lands in /inbox

	archived := e.waitArchived("acme", 1)
	time.Sleep(100 * time.Millisecond) // room for a second, wrong, call
	calls := e.proc.uploads()
	if len(calls) != 1 {
		t.Fatalf("processed %d times, want once", len(calls))
	}
	u := calls[0]
	if u.Name != "people.csv" || u.Size != int64(len(peopleCSV)) || u.Account != (Account{"acme-hr", "acme"}) || u.Recovered {
		t.Errorf("upload = %+v", u)
	}
	if want := filepath.Join(e.root, "acme", "processing") + string(filepath.Separator); !strings.HasPrefix(u.Path, want) {
		t.Errorf("path %s is not in %s", u.Path, want)
	}
	if got := e.proc.content(0); got != peopleCSV {
		t.Errorf("processor read %q", got)
	}
	if u.ReceivedAt.Before(before) || u.ReceivedAt.Location() != time.UTC {
		t.Errorf("received at %v", u.ReceivedAt)
	}
	stamp := u.ReceivedAt.Format(stampLayout)
	if archived[0] != stamp+"-people.csv" || u.ID != archived[0] {
		t.Errorf("archive = %v, want %s-people.csv", archived, stamp)
	}
	if got := e.names("acme", folderInbox); len(got) != 0 {
		t.Errorf("inbox still holds %v", got)
	}
	if got := e.names("acme", folderProcessing); len(got) != 0 {
		t.Errorf("processing still holds %v", got)
	}
	results := e.names("acme", folderResults)
	want := []string{"people.csv." + stamp + ".json", "people.csv." + stamp + ".txt"}
	if strings.Join(results, ",") != strings.Join(want, ",") {
		t.Fatalf("results = %v, want %v", results, want)
	}

	// The client reads the reports back.
	f, err := c.Open("/results/" + want[0])
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.NewDecoder(f).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if rep.Status != StatusInvalid || rep.File != "people.csv" || rep.User != "acme-hr" || rep.CompanyID != "acme" ||
		rep.SHA256 != u.SHA256 || rep.Counts["people.rows"] != 2 || len(rep.Errors) != 2 || rep.Archived != archived[0] {
		t.Errorf("report = %+v", rep)
	}
	txt, err := os.ReadFile(filepath.Join(e.root, "acme", folderResults, want[1]))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"File:      people.csv", "invalid: the file has errors", "people.rows 2",
		"Errors (2)", "people.csv, line 3, column first_name: is empty", "  no groups"} {
		if !strings.Contains(string(txt), s) {
			t.Errorf("text report lacks %q:\n%s", s, txt)
		}
	}
	// The archived file is the upload, readable by the client.
	f, err = c.Open("/archive/" + archived[0])
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if string(data) != peopleCSV {
		t.Errorf("archived content = %q", data)
	}
}

func TestUploadByTemporaryName(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("acme-hr", acmePassword)
	put(t, c, "/inbox/people.csv.part", []byte(peopleCSV))
	put(t, c, "/inbox/.filezilla-123", []byte("groups"))
	time.Sleep(100 * time.Millisecond)
	if n := len(e.proc.uploads()); n != 0 {
		t.Fatalf("a file with a temporary name was processed (%d) before its rename", n)
	}
	// A temporary-to-temporary rename completes nothing.
	if err := c.Rename("/inbox/people.csv.part", "/inbox/people.csv.tmp"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename("/inbox/people.csv.tmp", "/inbox/people.csv"); err != nil {
		t.Fatal(err)
	}
	if err := c.PosixRename("/inbox/.filezilla-123", "groups.csv"); err != nil {
		t.Fatal(err)
	}
	e.waitArchived("acme", 2)
	calls := e.proc.uploads()
	if len(calls) != 2 || calls[0].Name != "people.csv" || calls[1].Name != "groups.csv" || e.proc.content(0) != peopleCSV {
		t.Errorf("calls = %+v", calls)
	}
	if got := e.names("acme", folderInbox); len(got) != 0 {
		t.Errorf("inbox still holds %v", got)
	}
}

func TestRenameOfFileStillOpenIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("acme-hr", acmePassword)
	f, err := c.Create("people.csv.part")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	if err := c.Rename("people.csv.part", "people.csv"); err == nil || !strings.Contains(err.Error(), "still open") {
		t.Errorf("rename of an open file: %v", err)
	}
	// A second writer of the same file is refused too.
	if _, err := c.Create("people.csv.part"); err == nil || !strings.Contains(err.Error(), "another session") {
		t.Errorf("second writer: %v", err)
	}
	f.Write([]byte(" and the rest"))
	f.Close()
	if err := c.Rename("people.csv.part", "people.csv"); err != nil {
		t.Fatal(err)
	}
	e.waitArchived("acme", 1)
	if got := e.proc.content(0); got != "half and the rest" {
		t.Errorf("processed %q", got)
	}
}

func TestUploadCutOffIsNotProcessed(t *testing.T) {
	for _, name := range []string{"people.csv", "people.csv.part"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			c, nc := e.clientConn("acme-hr", ssh.Password(acmePassword))
			f, err := c.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			chunk := bytes.Repeat([]byte("E1,Ada,Lovelace\n"), 16<<10) // 256 KiB
			if _, err := f.Write(chunk); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the first bytes on disk", func() bool {
				fi, err := os.Stat(filepath.Join(e.root, "acme", folderInbox, name))
				return err == nil && fi.Size() == int64(len(chunk))
			})
			nc.Close() // the network drops mid-transfer

			waitFor(t, "the cut-off report", func() bool { return len(e.reports("acme")) == 1 })
			rep := e.reports("acme")[0]
			if rep.Status != StatusFailed || !strings.Contains(rep.Message, "connection was lost") ||
				rep.Size != int64(len(chunk)) || rep.File != name || rep.User != "acme-hr" {
				t.Errorf("report = %+v", rep)
			}
			if got := e.names("acme", folderInbox); len(got) != 0 {
				t.Errorf("inbox still holds %v", got)
			}
			// Renaming what is left is impossible: nothing is left.
			c2 := e.client("acme-hr", acmePassword)
			if err := c2.Rename(name, "people2.csv"); statusCode(err) != codeNoSuchFile {
				t.Errorf("rename of the cut-off file: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
			if n := len(e.proc.uploads()); n != 0 || len(e.names("acme", folderArchive)) != 0 {
				t.Errorf("a cut-off upload was processed (%d calls)", n)
			}
		})
	}
}

func TestUploadWithHolesIsNotProcessed(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("acme-hr", acmePassword)
	f, err := c.Create("people.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("the end"), 100); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err == nil || !strings.Contains(err.Error(), "only 7 of the file's 107 bytes") {
		t.Errorf("close = %v", err)
	}
	if reps := e.reports("acme"); len(reps) != 1 || reps[0].Status != StatusFailed {
		t.Errorf("reports = %+v", reps)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(e.proc.uploads()); n != 0 {
		t.Errorf("processed %d times", n)
	}
}

func TestUploadTooLarge(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxUploadSize = 1 << 10 })
	c := e.client("acme-hr", acmePassword)
	f, err := c.Create("people.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, werr := f.Write(make([]byte, 2<<10))
	cerr := f.Close()
	if werr == nil || !strings.Contains(werr.Error(), "larger than the limit of 1 KiB") {
		t.Errorf("write = %v", werr)
	}
	if cerr == nil {
		t.Error("close of a refused upload succeeded")
	}
	waitFor(t, "the report", func() bool { return len(e.reports("acme")) == 1 })
	if rep := e.reports("acme")[0]; !strings.Contains(rep.Message, "larger than the limit") {
		t.Errorf("report = %+v", rep)
	}
	if n := len(e.proc.uploads()); n != 0 || len(e.names("acme", folderInbox)) != 0 {
		t.Errorf("processed %d times; inbox %v", n, e.names("acme", folderInbox))
	}
}

func TestEmptyUploadIsProcessed(t *testing.T) {
	// An empty file is a complete upload; the Processor reports it.
	e := newEnv(t, nil)
	put(t, e.client("acme-hr", acmePassword), "people.csv", nil)
	e.waitArchived("acme", 1)
	if calls := e.proc.uploads(); len(calls) != 1 || calls[0].Size != 0 {
		t.Errorf("calls = %+v", calls)
	}
}

func TestProcessorFailures(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		e := newEnv(t, nil)
		e.proc.set(func(p *fakeProcessor) { p.err = errors.New("the hub database is unavailable") })
		put(t, e.client("acme-hr", acmePassword), "people.csv", []byte(peopleCSV))
		e.waitArchived("acme", 1)
		rep := e.reports("acme")[0]
		if rep.Status != StatusFailed || !strings.Contains(rep.Message, "the hub database is unavailable") {
			t.Errorf("report = %+v", rep)
		}
	})
	t.Run("panic", func(t *testing.T) {
		e := newEnv(t, nil)
		e.proc.set(func(p *fakeProcessor) { p.panics = true })
		put(t, e.client("acme-hr", acmePassword), "people.csv", []byte(peopleCSV))
		e.waitArchived("acme", 1)
		if rep := e.reports("acme")[0]; rep.Status != StatusFailed || !strings.Contains(rep.Message, "internal error") {
			t.Errorf("report = %+v", rep)
		}
	})
	t.Run("no status", func(t *testing.T) {
		e := newEnv(t, nil)
		e.proc.set(func(p *fakeProcessor) { p.result = Result{Message: "done"} })
		put(t, e.client("acme-hr", acmePassword), "people.csv", []byte(peopleCSV))
		e.waitArchived("acme", 1)
		if rep := e.reports("acme")[0]; rep.Status != StatusFailed || !strings.Contains(rep.Message, "no status") {
			t.Errorf("report = %+v", rep)
		}
	})
}

func TestQueueIsPerCompanyAndInOrder(t *testing.T) {
	e := newEnv(t, nil)
	block := make(chan struct{})
	e.proc.set(func(p *fakeProcessor) { p.block = block })
	acme := e.client("acme-hr", acmePassword)
	globex := e.client("globex-it", globexPassword)
	put(t, acme, "groups.csv", []byte("g"))
	<-e.proc.called // acme's first file is being processed (and blocks)
	put(t, acme, "people.csv", []byte("p"))
	put(t, acme, "groups.csv", []byte("g2")) // same name again: a new run
	put(t, globex, "people.csv", []byte("x"))
	if u := <-e.proc.called; u.Account.CompanyID != "globex" {
		t.Errorf("while acme's file is processed, %s's was started", u.Account.CompanyID)
	}
	close(block)
	e.waitArchived("acme", 3)
	e.waitArchived("globex", 1)
	var order []string
	for _, u := range e.proc.uploads() {
		if u.Account.CompanyID == "acme" {
			order = append(order, u.Name)
		}
	}
	if strings.Join(order, ",") != "groups.csv,people.csv,groups.csv" {
		t.Errorf("acme's files processed in order %v", order)
	}
	if e.proc.overlapped() {
		t.Error("two files of one company were processed at once")
	}
	if n := len(e.names("acme", folderResults)); n != 6 {
		t.Errorf("acme has %d result files, want 6", n)
	}
}

func TestRestartReprocessesInterruptedFile(t *testing.T) {
	e := newEnv(t, nil)
	e.proc.set(func(p *fakeProcessor) { p.block = make(chan struct{}) })
	put(t, e.client("acme-hr", acmePassword), "people.csv", []byte(peopleCSV))
	first := <-e.proc.called
	e.proc.set(func(p *fakeProcessor) { p.block = nil }) // for the next calls; the running one still waits
	e.restart()                                          // cancels the running Process; the file stays in processing/

	archived := e.waitArchived("acme", 1)
	calls := e.proc.uploads()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2 (interrupted, then again)", len(calls))
	}
	again := calls[1]
	if !again.Recovered || again.ID != first.ID || again.SHA256 != first.SHA256 || again.Name != "people.csv" ||
		again.Account.User != "acme-hr" || !again.ReceivedAt.Equal(first.ReceivedAt) {
		t.Errorf("reprocessed upload = %+v, first = %+v", again, first)
	}
	if archived[0] != first.ReceivedAt.Format(stampLayout)+"-people.csv" {
		t.Errorf("archived as %v", archived)
	}
	if reps := e.reports("acme"); len(reps) != 1 || reps[0].Status != StatusOK {
		t.Errorf("reports = %+v", reps)
	}
	if got := e.names("acme", folderProcessing); len(got) != 0 {
		t.Errorf("processing still holds %v", got)
	}
}

func TestRestartAfterKill(t *testing.T) {
	// What a killed process leaves behind: files in processing/ (one with its
	// note of who uploaded it, one without, one put there by hand), an upload in
	// progress in inbox/, a temporary upload, a half-written report.
	e := newEnv(t, nil)
	e.stop()
	dir := filepath.Join(e.root, "acme")
	write := func(rel, data string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o750)
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write("processing/20260101T090000.000Z-groups.csv", "g")
	write("processing/.trestle-meta-20260101T090000.000Z-groups.csv", `{"user":"acme-hr"}`)
	write("processing/20260101T090001.000Z-people.csv", "p")
	write("processing/by-hand.csv", "h")
	write("processing/.trestle-meta-20251231T000000.000Z-gone.csv", `{"user":"x"}`)
	write("inbox/tags.csv", "half a fi")
	write("inbox/tags.csv.part", "resumable")
	write("results/.trestle-tmp-0123", "{")
	for _, f := range []string{"archive", "results"} {
		os.MkdirAll(filepath.Join(dir, f), 0o750)
	}
	e.start()

	e.waitArchived("acme", 3)
	calls := e.proc.uploads()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3", len(calls))
	}
	var got []string
	for _, u := range calls {
		if !u.Recovered {
			t.Errorf("%s: Recovered = false", u.Name)
		}
		got = append(got, fmt.Sprintf("%s/%s", u.Name, u.Account.User))
	}
	// Oldest first; the file put there by hand sorts after the stamped ones.
	if strings.Join(got, ",") != "groups.csv/acme-hr,people.csv/,by-hand.csv/" {
		t.Errorf("reprocessed %v", got)
	}
	if want := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC); !calls[0].ReceivedAt.Equal(want) {
		t.Errorf("received at %v, want %v", calls[0].ReceivedAt, want)
	}
	if got := e.names("acme", folderProcessing); len(got) != 0 {
		t.Errorf("processing still holds %v", got)
	}
	if got := e.names("acme", folderInbox); strings.Join(got, ",") != "tags.csv.part" {
		t.Errorf("inbox = %v, want only the temporary upload", got)
	}
	var cut bool
	for _, r := range e.reports("acme") {
		if r.File == "tags.csv" && r.Status == StatusFailed && strings.Contains(r.Message, "server stopped during the upload") {
			cut = true
		}
	}
	if !cut {
		t.Errorf("no report for the upload cut off by the crash: %+v", e.reports("acme"))
	}
	for _, n := range e.names("acme", folderResults) {
		if strings.HasPrefix(n, ".trestle-") {
			t.Errorf("half-written report %s left", n)
		}
	}
}

func TestShutdownCutsOffUploads(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("acme-hr", acmePassword, sftp.UseConcurrentWrites(true))
	f, err := c.Create("people.csv")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("E1,Ada\n"))
	e.stop()
	f.Close()
	if reps := e.reports("acme"); len(reps) != 1 || !strings.Contains(reps[0].Message, "connection was lost") {
		t.Errorf("reports = %+v", reps)
	}
	if n := len(e.proc.uploads()); n != 0 {
		t.Errorf("processed %d times", n)
	}
}

func TestServeStopsOnContextAndLetsProcessingFinish(t *testing.T) {
	e := newEnv(t, nil)
	e.stop()
	block := make(chan struct{})
	e.proc.set(func(p *fakeProcessor) { p.block = block })
	srv, err := New(Config{Addr: "127.0.0.1:0", HostKey: e.hostKey, Accounts: e.accts, Root: e.root,
		Processor: e.proc, Log: slog.New(slog.NewTextHandler(e.logs, nil)), ShutdownTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	put(t, e.client("acme-hr", acmePassword), "people.csv", []byte(peopleCSV))
	<-e.proc.called
	cancel()
	select {
	case <-done:
		t.Fatal("Serve returned while a file was being processed")
	case <-time.After(100 * time.Millisecond):
	}
	if _, _, err := e.dial("acme-hr", ssh.Password(acmePassword)); err == nil {
		t.Error("a login succeeded while the server was stopping")
	}
	close(block)
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if got := e.names("acme", folderArchive); len(got) != 1 {
		t.Errorf("archive = %v: the file being processed did not finish", got)
	}
}
