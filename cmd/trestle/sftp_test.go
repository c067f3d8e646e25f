package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// The SFTP drop end to end: an account made with the CLI logs in to
// `trestle serve` with a real SFTP client, uploads the templates (one under a
// temporary name, renamed), and each is applied in replace mode with a report
// in results/ and a row in the import history; a bad file changes nothing.
func TestSFTPDropAppliesTemplates(t *testing.T) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		out, err := exec.Command(bin, append(args, "--data-dir", dir)...).CombinedOutput()
		if err != nil {
			t.Fatalf("trestle %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("company", "create", "--name", "Acme", "--slug", "acme")
	out := run("sftp", "user", "add", "--company", "acme", "--user", "acme-drop", "--generate-password")
	m := regexp.MustCompile(`password \(shown once, stored hashed\): (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password printed:\n%s", out)
	}
	s := startServe(t, "--data-dir", dir)
	s.waitReady(t, 30*time.Second)
	var addr string
	select {
	case addr = <-s.sftp:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not log the SFTP address")
	}
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "acme-drop", Auth: []ssh.AuthMethod{ssh.Password(m[1])},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	put := func(name, tmp, content string) {
		t.Helper()
		target := "/inbox/" + name
		if tmp != "" {
			target = "/inbox/" + tmp
		}
		f, err := c.Create(target)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(f, content); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if tmp != "" {
			if err := c.Rename(target, "/inbox/"+name); err != nil {
				t.Fatal(err)
			}
		}
	}
	// report waits for the n-th report of name and returns its status and text.
	report := func(name string, n int) (string, string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			entries, _ := c.ReadDir("/results")
			var found []string
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), name+".") && strings.HasSuffix(e.Name(), ".json") {
					found = append(found, e.Name())
				}
			}
			if len(found) >= n {
				f, err := c.Open("/results/" + found[n-1])
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(f)
				f.Close()
				var r struct {
					Result struct {
						Status string
					}
					Status string
				}
				_ = json.Unmarshal(b, &r)
				return r.Result.Status + r.Status, string(b)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("no report %d for %s", n, name)
		return "", ""
	}
	put("groups.csv", "", "code,name,timezone\nKS,Kansas,America/Chicago\n")
	if st, text := report("groups.csv", 1); st != "ok" {
		t.Fatalf("groups.csv: %s", text)
	}
	put("job_titles.csv", "job_titles.csv.part", "code,name,group_codes\nAPP,Apprentice,All\n")
	if st, text := report("job_titles.csv", 1); st != "ok" {
		t.Fatalf("job_titles.csv: %s", text)
	}
	var people strings.Builder
	people.WriteString("employee_id,first_name,last_name,group_codes,job_title\n")
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&people, "E%d,Pat,Worker%d,KS,APP\n", i, i)
	}
	put("people.csv", "", people.String())
	if st, text := report("people.csv", 1); st != "ok" {
		t.Fatalf("people.csv: %s", text)
	}
	// A bad file: reported with its line and column, nothing changes.
	put("people.csv", "", "employee_id,first_name,last_name,group_codes,job_title\nE1,Pat,Worker1,ZZ,APP\n")
	st, text := report("people.csv", 2)
	if st != "invalid" || !strings.Contains(text, "group_codes") {
		t.Fatalf("bad people.csv: %s", text)
	}
	hub, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(dir, "trestle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	ctx := context.Background()
	co, err := hub.Company(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	_ = hub.View(ctx, co.ID, func(tx store.Tx) error {
		n, err = tx.People().Count(ctx, store.Query{})
		return err
	})
	if n != 4 {
		t.Fatalf("%d people in the hub, want 4", n)
	}
	runs, err := hub.Imports(ctx, co.ID, 0)
	if err != nil || len(runs) != 4 || runs[0].Status != store.ImportInvalid || runs[1].Status != store.ImportApplied || runs[0].Source != "sftp" {
		t.Fatalf("import history: %+v (%v)", runs, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "sftp", "companies", co.ID, "archive")); len(entries) != 4 {
		t.Errorf("archive holds %d files, want 4", len(entries))
	}
	hist := run("import", "history", "--company", "acme")
	if !strings.Contains(hist, "sftp") || !strings.Contains(hist, "invalid") {
		t.Errorf("import history:\n%s", hist)
	}
}
