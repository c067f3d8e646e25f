package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/trestle-dev/trestle/internal/childproc"
)

// Azurite, Microsoft's Azure Storage emulator, is the tests' Azure Blob
// service: the npm package "azurite" at the exact version
// testdata/azurite/package.json pins (with its package-lock.json), installed
// once per machine with "npm ci" into <cache>/trestle-test/azurite-<version>
// (XDG_CACHE_HOME or ~/.cache), never into the repository; scripts/test.sh
// pre-installs it the same way, so keep the two equal.

// Azurite's well-known development account and key (public, the same in
// every Azurite).
const (
	AzuriteAccount    = "devstoreaccount1"
	AzuriteAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// AzuriteServer is a container on a running Azurite Blob service, for one
// test.
type AzuriteServer struct {
	Endpoint   string // http://127.0.0.1:PORT/devstoreaccount1: the Blob service URL
	Account    string // AzuriteAccount
	AccountKey string // AzuriteAccountKey
	Container  string // new and empty, deleted when the test ends
}

// ContainerClient returns a shared-key client of the test's container.
func (a AzuriteServer) ContainerClient() (*container.Client, error) {
	cred, err := container.NewSharedKeyCredential(a.Account, a.AccountKey)
	if err != nil {
		return nil, err
	}
	return container.NewClientWithSharedKeyCredential(a.Endpoint+"/"+a.Container, cred, nil)
}

var azuriteSetup struct {
	once     sync.Once
	endpoint string
	err      error
	how      string
}

// Azurite returns a new, empty container on the test Azurite. The first call in
// a test binary starts the server (blob service only): Azurite from the cache
// folder, installed there first with npm if needed, on a free 127.0.0.1 port
// with a temporary data folder, running until the test binary exits (on Linux
// the kernel kills it then; see childproc.Start). $TRESTLE_TEST_AZURITE_URL
// (http://host:port/devstoreaccount1) uses an Azurite already running instead.
// Without the server the test is skipped, or fails in CI.
func Azurite(t testing.TB) AzuriteServer {
	t.Helper()
	s := &azuriteSetup
	s.once.Do(func() { s.endpoint, s.how, s.err = startAzurite(t) })
	if s.err != nil {
		Unavailable(t, "Azurite (the Azure Blob Storage emulator)", s.how, s.err)
	}
	srv := AzuriteServer{Endpoint: s.endpoint, Account: AzuriteAccount, AccountKey: AzuriteAccountKey,
		Container: "t-" + randomHex(8)}
	client, err := srv.ContainerClient()
	if err != nil {
		t.Fatalf("Azurite container client: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := client.Create(ctx, nil); err != nil {
		t.Fatalf("create test container %s on %s: %v", srv.Container, srv.Endpoint, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := client.Delete(ctx, nil); err != nil {
			t.Logf("delete test container %s: %v", srv.Container, err)
		}
	})
	return srv
}

// startAzurite installs and starts Azurite and returns its Blob endpoint. On
// failure it also returns how to provide the server.
func startAzurite(t testing.TB) (string, string, error) {
	how := "install Node.js and npm with access to the npm registry (scripts/test.sh pre-installs the pinned azurite package), or set TRESTLE_TEST_AZURITE_URL to a running Azurite's blob URL (http://127.0.0.1:10000/devstoreaccount1)"
	if u := os.Getenv("TRESTLE_TEST_AZURITE_URL"); u != "" {
		u = strings.TrimRight(u, "/")
		return u, how, waitHTTP(u, nil, 10*time.Second)
	}
	start := time.Now()
	dir, err := azuriteInstall()
	if err != nil {
		return "", how, err
	}
	sweepStale(azuriteDirPrefix)
	top, err := os.MkdirTemp("", azuriteDirPrefix)
	if err != nil {
		return "", how, err
	}
	if err := os.WriteFile(filepath.Join(top, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return "", how, err
	}
	data := filepath.Join(top, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		return "", how, err
	}
	main := azuriteBlobMain(dir)
	// A free port can be taken between choosing and binding it: try a few.
	for attempt := 0; ; attempt++ {
		var addr string
		if addr, err = freePort(); err == nil {
			endpoint := "http://" + addr + "/" + AzuriteAccount
			if err = runAzurite(main, addr, data, endpoint); err == nil {
				t.Logf("Azurite test server: %s at %s (data in %s; setup took %v)", dir, endpoint, data, time.Since(start).Round(time.Millisecond))
				return endpoint, how, nil
			}
		}
		if attempt == 2 {
			return "", how, err
		}
	}
}

// AzuriteBlobMain returns the path of Azurite's blob service script (run it
// with node), installing the pinned azurite package into the cache folder
// first if this machine does not have it. The benchmarks use it.
func AzuriteBlobMain() (string, error) {
	dir, err := azuriteInstall()
	if err != nil {
		return "", err
	}
	return azuriteBlobMain(dir), nil
}

func azuriteBlobMain(dir string) string {
	return filepath.Join(dir, "node_modules", "azurite", "dist", "src", "blob", "main.js")
}

// AzuriteArgs are the arguments after the script that start Azurite's blob
// service alone on addr (127.0.0.1:PORT), keeping its data in the folder
// data: any API version accepted, unsupported headers ignored, no access log
// and no telemetry.
func AzuriteArgs(addr, data string) []string {
	host, port, _ := strings.Cut(addr, ":")
	return []string{"--blobHost", host, "--blobPort", port, "--location", data,
		"--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry"}
}

// azuriteDirPrefix names the data folders of test Azurites in os.TempDir().
const azuriteDirPrefix = "trestle-azurite-"

// sweepStale removes the data folders (named prefix*) of test servers whose
// test binary has exited (the server dies with it, the folder stays).
func sweepStale(prefix string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(string(b)); err == nil && pid != os.Getpid() && childproc.Gone(pid) {
			os.RemoveAll(d)
		}
	}
}

// runAzurite starts Azurite's blob service with node (the node process itself
// is the child, so it dies with the test binary) and waits until it answers.
func runAzurite(main, addr, data, endpoint string) error {
	cmd := exec.Command("node", append([]string{main}, AzuriteArgs(addr, data)...)...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	exited, err := childproc.Start(cmd)
	if err != nil {
		return fmt.Errorf("start Azurite: %w", err)
	}
	if err := waitHTTP(endpoint, exited, 60*time.Second); err != nil {
		cmd.Process.Kill()
		return fmt.Errorf("Azurite on %s: %w: %s", addr, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// waitHTTP waits until url answers HTTP (any status), the process exits or
// the limit passes.
func waitHTTP(url string, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("exited before answering (%v)", err)
		default:
		}
		if resp, err := client.Get(url + "?comp=list"); err == nil {
			resp.Body.Close()
			return nil // any answer (403 without credentials) means it is up
		} else if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %v: %w", limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// azuriteTestdata returns the path of a file of testdata/azurite, found next
// to this source file so that it does not depend on the test's working
// directory.
func azuriteTestdata(name string) (string, error) {
	_, src, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate internal/testenv's source (runtime.Caller)")
	}
	p := filepath.Join(filepath.Dir(src), "testdata", "azurite", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("internal/testenv's testdata, located from its source file %s (tests built with -trimpath cannot find it): %w", src, err)
	}
	return p, nil
}

// azuriteInstall returns the folder holding node_modules/azurite, installing
// it first if this machine does not have it: "npm ci" from the pinned
// package.json and package-lock.json (npmInstall).
func azuriteInstall() (string, error) {
	pkgPath, err := azuriteTestdata("package.json")
	if err != nil {
		return "", err
	}
	pkg, err := os.ReadFile(pkgPath)
	if err != nil {
		return "", err
	}
	lockPath, err := azuriteTestdata("package-lock.json")
	if err != nil {
		return "", err
	}
	lock, err := os.ReadFile(lockPath)
	if err != nil {
		return "", err
	}
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(pkg, &p); err != nil {
		return "", fmt.Errorf("%s: %w", pkgPath, err)
	}
	version := p.Dependencies["azurite"]
	if version == "" || strings.ContainsAny(version, "^~<>=* ") {
		return "", fmt.Errorf("%s must pin an exact azurite version, has %q", pkgPath, version)
	}
	return npmInstall(npmPackage{name: "azurite", version: version,
		files: map[string][]byte{"package.json": pkg, "package-lock.json": lock},
		args:  []string{"ci", "--no-audit", "--no-fund", "--no-update-notifier", "--loglevel=error"}})
}
