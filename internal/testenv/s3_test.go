package testenv

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestS3(t *testing.T) {
	a, b := S3(t), S3(t)
	if a.Endpoint != b.Endpoint {
		t.Errorf("two calls started two servers: %s and %s", a.Endpoint, b.Endpoint)
	}
	if a.Bucket == b.Bucket {
		t.Errorf("two calls share bucket %s", a.Bucket)
	}
	_, err := a.Client().PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(a.Bucket), Key: aws.String("k"), Body: strings.NewReader("x"),
	})
	if err != nil {
		t.Fatalf("put into the test bucket: %v", err)
	}
	// The server implements conditional writes: a second If-None-Match put fails.
	_, err = a.Client().PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(a.Bucket), Key: aws.String("k"), Body: strings.NewReader("y"), IfNoneMatch: aws.String("*"),
	})
	if err == nil || !strings.Contains(err.Error(), "PreconditionFailed") {
		t.Errorf("conditional put over an existing key = %v, want PreconditionFailed", err)
	}
}

// TestS3VersionPinnedOnce: scripts/test.sh installs the same versitygw version.
func TestS3VersionPinnedOnce(t *testing.T) {
	b, err := os.ReadFile("../../scripts/test.sh")
	if err != nil {
		t.Skipf("scripts/test.sh: %v", err)
	}
	if !strings.Contains(string(b), "vgw_version="+VersityGWVersion+"\n") {
		t.Errorf("scripts/test.sh does not install versitygw %s; keep it equal to VersityGWVersion", VersityGWVersion)
	}
}
