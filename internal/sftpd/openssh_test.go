package sftpd

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/trestle-dev/trestle/internal/testenv"
)

// opensshClient runs the OpenSSH sftp command against an env, in batch mode,
// checking the server's host key against a known_hosts file.
type opensshClient struct {
	t       testing.TB
	e       *env
	dir     string
	keyFile string // private key, when logging in by key
	askpass string // script printing the password, when logging in by password
}

// newOpenSSH returns a client for the OpenSSH sftp command, or skips the test
// (fails it in CI) when the command is not installed.
func newOpenSSH(t testing.TB, e *env) *opensshClient {
	if _, err := exec.LookPath("sftp"); err != nil {
		testenv.Unavailable(t, "the OpenSSH sftp command", "install the OpenSSH client (Debian: apt-get install openssh-client) to run the OpenSSH client test", err)
	}
	o := &opensshClient{t: t, e: e, dir: t.TempDir()}
	kh := knownhosts.Line([]string{knownhosts.Normalize(e.srv.Addr())}, e.hostKey.PublicKey())
	if err := os.WriteFile(filepath.Join(o.dir, "known_hosts"), []byte(kh+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return o
}

// withKey makes a key pair, authorizes it for user and logs in with it.
func (o *opensshClient) withKey(user, company string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		o.t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		o.t.Fatal(err)
	}
	o.keyFile = filepath.Join(o.dir, "id_ed25519")
	if err := os.WriteFile(o.keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		o.t.Fatal(err)
	}
	sshPub, _ := ssh.NewPublicKey(pub)
	o.e.accts.add(user, testUser{company: company, keys: []ssh.PublicKey{sshPub}})
}

// withPassword logs in by password, given through SSH_ASKPASS.
func (o *opensshClient) withPassword(password string) {
	o.askpass = filepath.Join(o.dir, "askpass.sh")
	script := "#!/bin/sh\nprintf '%s\\n' '" + password + "'\n"
	if err := os.WriteFile(o.askpass, []byte(script), 0o700); err != nil {
		o.t.Fatal(err)
	}
}

// run runs the batch commands as user and returns the combined output.
func (o *opensshClient) run(user string, commands ...string) (string, error) {
	batch := filepath.Join(o.dir, "batch")
	if err := os.WriteFile(batch, []byte(strings.Join(commands, "\n")+"\n"), 0o600); err != nil {
		o.t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(o.e.srv.Addr())
	args := []string{"-P", port, "-F", "/dev/null",
		"-o", "UserKnownHostsFile=" + filepath.Join(o.dir, "known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10"}
	env := []string{"HOME=" + o.dir, "PATH=" + os.Getenv("PATH")}
	if o.keyFile != "" {
		args = append(args, "-i", o.keyFile, "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no", "-o", "BatchMode=yes")
	} else {
		// -b turns on BatchMode, which disables passwords; turn it off first (ssh
		// keeps the first value given) and let SSH_ASKPASS answer the prompt.
		args = append(args, "-o", "BatchMode=no", "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1")
		env = append(env, "SSH_ASKPASS="+o.askpass, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0")
	}
	args = append(args, "-b", batch)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sftp", append(args, user+"@127.0.0.1")...)
	cmd.Env = env
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestOpenSSHClient(t *testing.T) {
	e := newEnv(t, nil)
	local := t.TempDir()
	people := filepath.Join(local, "people.csv")
	groups := filepath.Join(local, "groups.csv")
	os.WriteFile(people, []byte(peopleCSV), 0o600)
	os.WriteFile(groups, []byte("code,name\nHR,Human resources\n"), 0o600)

	t.Run("key", func(t *testing.T) {
		o := newOpenSSH(t, e)
		o.withKey("acme-ops", "acme")
		out, err := o.run("acme-ops",
			"put "+people, // into the start folder, /inbox
			"put -p "+groups+" /inbox/groups.csv.part", // -p: sets times and mode on the handle
			"rename groups.csv.part groups.csv",
			"ls -l /",
		)
		if err != nil {
			t.Fatalf("sftp: %v\n%s", err, out)
		}
		for _, want := range []string{"inbox", "archive", "results", "processing"} {
			if !strings.Contains(out, want) {
				t.Errorf("ls / lacks %s:\n%s", want, out)
			}
		}
		e.waitArchived("acme", 2)
		var names []string
		for _, u := range e.proc.uploads() {
			names = append(names, u.Name+"/"+u.Account.User)
		}
		if strings.Join(names, ",") != "people.csv/acme-ops,groups.csv/acme-ops" {
			t.Errorf("processed %v", names)
		}
		// Refusals reach the OpenSSH client as errors; "-" lets the batch go on.
		out, err = o.run("acme-ops",
			"-put "+people+" /archive/x.csv",
			"-mkdir /inbox/sub",
			"-symlink /etc/passwd /inbox/link",
			"-get /../../../etc/passwd "+filepath.Join(local, "stolen"),
			"get /results/"+e.names("acme", folderResults)[0]+" "+filepath.Join(local, "report.json"),
		)
		if err != nil {
			t.Fatalf("sftp: %v\n%s", err, out)
		}
		if strings.Count(out, "Permission denied") < 3 || !strings.Contains(out, "not found") {
			t.Errorf("refusals not reported:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(local, "stolen")); err == nil {
			t.Error("/etc/passwd was downloaded")
		}
		if _, err := os.Stat(filepath.Join(local, "report.json")); err != nil {
			t.Errorf("the report was not downloaded: %v", err)
		}
	})

	t.Run("password", func(t *testing.T) {
		o := newOpenSSH(t, e)
		o.withPassword(globexPassword)
		out, err := o.run("globex-it", "put "+people, "ls /archive")
		if err != nil {
			t.Fatalf("sftp: %v\n%s", err, out)
		}
		e.waitArchived("globex", 1)

		o.withPassword("not the password")
		if out, err := o.run("globex-it", "ls"); err == nil {
			t.Errorf("a wrong password logged in:\n%s", out)
		}
	})
}
