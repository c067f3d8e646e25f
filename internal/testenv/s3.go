package testenv

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/trestle-dev/trestle/internal/childproc"
)

// The S3-compatible server the tests run: Versity S3 Gateway (versitygw) with its
// posix backend, a real server that implements conditional writes
// (If-None-Match: *). scripts/test.sh installs the same version; keep them equal.
const (
	VersityGWPackage = "github.com/versity/versitygw/cmd/versitygw"
	VersityGWVersion = "v1.8.0"
)

// S3Server is a bucket on a running S3-compatible server, for one test.
type S3Server struct {
	Endpoint  string // http://127.0.0.1:PORT; use path-style addressing
	Region    string
	AccessKey string
	SecretKey string
	Bucket    string // new and empty, emptied and removed when the test ends
}

// Client returns an S3 client for the server.
func (s S3Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       s.Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

var (
	s3Once   sync.Once
	s3Shared S3Server // without Bucket
	s3Err    error
	s3How    string
)

// S3 returns a new, empty bucket on the test S3 server. The first call in a test
// binary starts the server: versitygw from $TRESTLE_TEST_S3_BIN, from PATH, or
// installed once with "go install" into the user's cache folder. It listens on a
// free 127.0.0.1 port with a temporary data folder and runs until the test binary
// exits (on Linux the kernel kills it then; see childproc.Start). Each test gets its
// own bucket. Without the server the test is skipped, or fails in CI.
func S3(t testing.TB) S3Server {
	t.Helper()
	s3Once.Do(func() { s3Shared, s3How, s3Err = startS3(t) })
	if s3Err != nil {
		Unavailable(t, "the S3 test server (versitygw)", s3How, s3Err)
	}
	srv := s3Shared
	srv.Bucket = "t-" + randomHex(8)
	client := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(srv.Bucket)}); err != nil {
		t.Fatalf("create test bucket %s on %s: %v", srv.Bucket, srv.Endpoint, err)
	}
	t.Cleanup(func() { removeBucket(t, client, srv.Bucket) })
	return srv
}

// removeBucket empties and removes a test bucket, logging what fails.
func removeBucket(t testing.TB, client *s3.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Logf("empty test bucket %s: %v", bucket, err)
			return
		}
		if len(page.Contents) == 0 {
			continue
		}
		var ids []types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		if _, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(bucket), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		}); err != nil {
			t.Logf("empty test bucket %s: %v", bucket, err)
			return
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Logf("remove test bucket %s: %v", bucket, err)
	}
}

// startS3 finds or installs versitygw and starts it. On failure it also returns
// how to provide the server.
func startS3(t testing.TB) (S3Server, string, error) {
	how := fmt.Sprintf("set TRESTLE_TEST_S3_BIN to a versitygw binary, or let the tests install it with network access to the Go module proxy (go install %s@%s)", VersityGWPackage, VersityGWVersion)
	bin, err := versityGW(t)
	if err != nil {
		return S3Server{}, how, err
	}
	sweepStaleDirs()
	top, err := os.MkdirTemp("", staleDirPrefix)
	if err != nil {
		return S3Server{}, how, err
	}
	// The owner's pid lets a later run remove this folder once the owner is gone.
	if err := os.WriteFile(filepath.Join(top, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return S3Server{}, how, err
	}
	dataDir := filepath.Join(top, "data")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		return S3Server{}, how, err
	}
	srv := S3Server{Region: "us-east-1", AccessKey: "trestle-test", SecretKey: "trestle-test-" + randomHex(8)}
	// A free port can be taken between choosing and binding it: try a few.
	for attempt := 0; ; attempt++ {
		var addr string
		addr, err = freePort()
		if err == nil {
			srv.Endpoint = "http://" + addr
			err = runVersityGW(bin, addr, dataDir, srv)
		}
		if err == nil {
			t.Logf("S3 test server: %s at %s (data in %s)", bin, srv.Endpoint, dataDir)
			return srv, how, nil
		}
		if attempt == 2 {
			return S3Server{}, how, err
		}
	}
}

// staleDirPrefix names the temporary folders of test servers in os.TempDir().
const staleDirPrefix = "trestle-versitygw-"

// sweepStaleDirs removes the data folders of test servers whose test binary has
// exited (the server dies with it, the folder stays).
func sweepStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), staleDirPrefix+"*"))
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

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// runVersityGW starts the server and waits until it answers HTTP.
func runVersityGW(bin, addr, dataDir string, srv S3Server) error {
	cmd := exec.Command(bin, "--port", addr, "--region", srv.Region, "--quiet", "posix", dataDir)
	// Credentials through the environment keep them out of the process list.
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+srv.AccessKey, "ROOT_SECRET_ACCESS_KEY="+srv.SecretKey)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	exited, err := childproc.Start(cmd)
	if err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("%s exited before answering (%v): %s", bin, err, strings.TrimSpace(out.String()))
		default:
		}
		if resp, err := client.Get(srv.Endpoint + "/"); err == nil {
			resp.Body.Close()
			return nil // any HTTP answer (403 without credentials) means it is up
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return fmt.Errorf("%s did not answer on %s within 30s: %s", bin, addr, strings.TrimSpace(out.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// versityGW returns the path of a versitygw binary, installing it if needed.
func versityGW(t testing.TB) (string, error) {
	if bin := os.Getenv("TRESTLE_TEST_S3_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("TRESTLE_TEST_S3_BIN: %w", err)
		}
		return bin, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "trestle-test", "versitygw-"+VersityGWVersion)
	bin := filepath.Join(dir, "versitygw")
	if isVersityGW(bin) {
		return bin, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil && isVersityGW(p) {
		return p, nil
	}
	// Install into a temporary folder and rename into place, so a concurrent test
	// binary or an interrupted install never leaves half a binary at bin.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	t.Logf("installing %s@%s into %s (once; takes a few minutes)", VersityGWPackage, VersityGWVersion, dir)
	cmd := exec.CommandContext(ctx, "go", "install", VersityGWPackage+"@"+VersityGWVersion)
	cmd.Dir = tmp // outside any module or workspace
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %v: %s", VersityGWPackage, VersityGWVersion, err, lastLines(out, 10))
	}
	if err := os.Rename(filepath.Join(tmp, "versitygw"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// isVersityGW reports whether path is a versitygw binary built from the pinned
// version (as recorded by the Go toolchain in the binary).
func isVersityGW(path string) bool {
	info, err := buildinfo.ReadFile(path)
	return err == nil && info.Main.Path == "github.com/versity/versitygw" && info.Main.Version == VersityGWVersion
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil // keep the start, where startup errors are
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
