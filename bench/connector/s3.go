package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trestle-dev/trestle/internal/blob"
	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// s3Server is a running versitygw (posix backend) with one bucket: the
// S3-compatible server the tests use (internal/testenv/s3.go).
type s3Server struct {
	proc                 *child
	endpoint, region     string
	accessKey, secretKey string
	bucket               string
	client               *s3.Client
	log                  *os.File
}

// findVersityGW looks for the versitygw binary where the tests and
// scripts/test.sh keep it, without installing it.
func findVersityGW(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if bin := os.Getenv("TRESTLE_TEST_S3_BIN"); bin != "" {
		return bin, nil
	}
	cache, err := os.UserCacheDir()
	if err == nil {
		bin := filepath.Join(cache, "trestle-test", "versitygw-"+testenv.VersityGWVersion, "versitygw")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	if bin, err := exec.LookPath("versitygw"); err == nil {
		return bin, nil
	}
	return "", fmt.Errorf("versitygw not found: run scripts/test.sh once (it installs it), or go install %s@%s and pass --versitygw",
		testenv.VersityGWPackage, testenv.VersityGWVersion)
}

// startS3 starts versitygw on a free port with its data in dir and creates a
// bucket.
func startS3(ctx context.Context, bin, dir string) (*s3Server, error) {
	secret := make([]byte, 8)
	_, _ = rand.Read(secret)
	s := &s3Server{region: "us-east-1", accessKey: "trestle-bench", secretKey: "bench-" + hex.EncodeToString(secret),
		bucket: "bench"}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s.endpoint = "http://" + addr
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	if s.log, err = os.Create(filepath.Join(dir, "versitygw.log")); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", addr, "--region", s.region, "--quiet", "posix", data)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.accessKey, "ROOT_SECRET_ACCESS_KEY="+s.secretKey)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if s.proc, err = startWatched(cmd); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := hc.Get(s.endpoint + "/"); err == nil {
			resp.Body.Close()
			break // any answer (403 without credentials) means it is up
		}
		select {
		case <-s.proc.done:
			s.log.Close()
			return nil, fmt.Errorf("%s exited (%v): %s", bin, s.proc.err, tailFile(s.log.Name(), 2000))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s did not answer within 30 s: %s", bin, tailFile(s.log.Name(), 2000))
		}
	}
	s.client = s3.New(s3.Options{
		BaseEndpoint: aws.String(s.endpoint), Region: s.region, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.accessKey, s.secretKey, ""),
		// As internal/blob/s3 does for S3-compatible servers.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	if _, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		s.stop()
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	return s, nil
}

func (s *s3Server) stop() {
	if s == nil || s.proc == nil {
		return
	}
	s.proc.stop()
	s.log.Close()
}

// upload is the S3 baseline: the table's data files uploaded with
// PutObject under prefix, parallel at a time.
func (s *s3Server) upload(ctx context.Context, paths []string, prefix string, parallel int) error {
	return forEach(ctx, len(paths), parallel, func(ctx context.Context, i int) error {
		f, err := os.Open(paths[i])
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(s.bucket), Key: aws.String(fmt.Sprintf("%s/part-%05d.parquet", prefix, i)),
			Body: f, ContentLength: aws.Int64(fi.Size()),
		})
		return err
	})
}

// store is the bucket as a blob.Store (to verify what landed).
func (s *s3Server) blobs(ctx context.Context) (blob.Store, error) { return s.store(ctx) }

func (s *s3Server) where(prefix string) string { return "s3://" + s.bucket + "/" + prefix }

func (s *s3Server) store(ctx context.Context) (*blobs3.Store, error) {
	return blobs3.New(ctx, blobs3.Options{Bucket: s.bucket, Region: s.region, Endpoint: s.endpoint,
		AccessKey: s.accessKey, SecretKey: s.secretKey})
}

// destination is the connector destination of a prefix of the bucket; the
// credentials reach the sync process through its environment.
func (s *s3Server) destination(prefix, format string) (config.Destination, []string) {
	return config.Destination{Type: "s3", S3: &config.S3Config{Bucket: s.bucket, Prefix: prefix, Region: s.region,
			Endpoint: s.endpoint, Format: format, AccessKey: "${BENCH_S3_ACCESS_KEY}", SecretKey: "${BENCH_S3_SECRET_KEY}"}},
		[]string{"BENCH_S3_ACCESS_KEY=" + s.accessKey, "BENCH_S3_SECRET_KEY=" + s.secretKey}
}

// deletePrefix removes the objects under prefix.
func (s *s3Server) deletePrefix(ctx context.Context, prefix string) error {
	st, err := s.store(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for info, err := range st.List(ctx, prefix, "") {
		if err != nil {
			return err
		}
		if !strings.HasPrefix(info.Key, prefix) {
			continue
		}
		errs = append(errs, st.Delete(ctx, info.Key))
	}
	return errors.Join(errs...)
}
