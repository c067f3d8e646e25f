package bloburl

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trestle-dev/trestle/internal/blob/local"
	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func TestOpenLocal(t *testing.T) {
	dir := t.TempDir()
	for _, spec := range []string{filepath.Join(dir, "a"), "file://" + filepath.Join(dir, "b")} {
		st, err := Open(context.Background(), spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if _, ok := st.(*local.Store); !ok {
			t.Fatalf("%s: got %T, want a local store", spec, st)
		}
		if err := st.Put(context.Background(), "x/y.txt", strings.NewReader("hi")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"":                                "no storage location",
		"ftp://host/x":                    "unknown scheme",
		"s3:///prefix":                    "no bucket",
		"s3://key:secret@bucket/p":        "no credentials in the URL",
		"s3://bucket/p?colour=blue":       `unknown setting "colour"`,
		"s3://bucket/p?virtual_host=perh": "virtual_host must be true or false",
		"file://otherhost/x":              "local path",
	} {
		_, err := Open(context.Background(), spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", spec, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error shows the secret: %v", spec, err)
		}
	}
}

// TestOpenS3 writes and reads through an s3:// URL on the test S3 server;
// credentials come from the environment, as in production.
func TestOpenS3(t *testing.T) {
	srv := testenv.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	st, err := Open(context.Background(), "s3://"+srv.Bucket+"/tables?endpoint="+srv.Endpoint+"&region="+srv.Region)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*blobs3.Store); !ok {
		t.Fatalf("got %T, want an S3 store", st)
	}
	ctx := context.Background()
	if err := st.Put(ctx, "a/b.txt", bytes.NewReader([]byte("hello"))); err != nil {
		t.Fatal(err)
	}
	obj, err := st.Open(ctx, "a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	b, _ := io.ReadAll(obj)
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
	// The prefix from the URL path is where the object landed.
	if _, err := srv.Client().HeadObject(ctx, headInput(srv.Bucket, "tables/a/b.txt")); err != nil {
		t.Fatalf("object not under the URL's prefix: %v", err)
	}
}

func headInput(bucket, key string) *s3.HeadObjectInput {
	return &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
}
