package source

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trestle-dev/trestle/internal/testenv"
)

func TestS3(t *testing.T) {
	srv := testenv.S3(t)
	client := srv.Client()
	put := func(key, content string) {
		t.Helper()
		if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String(srv.Bucket), Key: aws.String(key), Body: strings.NewReader(content),
		}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	put("exports/employees.csv", rosterCSV)
	put("exports/jobs.ndjson", "{\"job_number\": \"24-017\", \"status\": \"A\"}\n{\"job_number\": \"24-018\", \"status\": \"P\"}\n")

	creds := S3{Endpoint: srv.Endpoint, Region: srv.Region, AccessKey: srv.AccessKey, SecretKey: "secret:s3"}
	secrets := NewSecrets(map[string]string{"s3": srv.SecretKey})
	cfg := Config{URL: "s3://" + srv.Bucket + "/exports/employees.csv", S3: creds}

	src := open(t, cfg, Options{Secrets: secrets})
	checkRows(t, mustReadAll(t, src), []rowData{
		{2, map[string]any{"employee_id": "1001", "name": "Ana", "email": "ana@example.com"}},
		{3, map[string]any{"employee_id": "1002", "name": "Bo", "email": ""}},
	})
	fp := src.Fingerprint()
	if !strings.Contains(string(fp), "etag=") {
		t.Fatalf("fingerprint %q has no ETag", fp)
	}

	// Unchanged: the GET with If-None-Match is answered 304, nothing to read.
	rt := &statusRecorder{next: http.DefaultTransport}
	src = open(t, cfg, Options{Secrets: secrets, Previous: fp, HTTPClient: &http.Client{Transport: rt}})
	if !src.Unchanged() || len(mustReadAll(t, src)) != 0 {
		t.Error("unchanged object not reported unchanged")
	}
	if src.Fingerprint() != fp || !SameContent(fp, src.Fingerprint()) {
		t.Errorf("fingerprint after 304: %q, want %q", src.Fingerprint(), fp)
	}
	if !slices.Equal(rt.statuses, []int{http.StatusNotModified}) {
		t.Errorf("the server answered %v, want one 304", rt.statuses)
	}
	// Replaced: read again.
	put("exports/employees.csv", rosterCSV+"1003,Cy,cy@example.com\n")
	src = open(t, cfg, Options{Secrets: secrets, Previous: fp})
	if src.Unchanged() || len(mustReadAll(t, src)) != 3 {
		t.Error("replaced object not read")
	}

	// Endpoint and region in the URL, as internal/blob/bloburl takes them;
	// the format from the key's extension.
	url := "s3://" + srv.Bucket + "/exports/jobs.ndjson?endpoint=" + srv.Endpoint + "&region=" + srv.Region
	src = open(t, Config{URL: url, S3: S3{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}}, Options{})
	checkRows(t, mustReadAll(t, src), []rowData{
		{1, map[string]any{"job_number": "24-017", "status": "A"}},
		{2, map[string]any{"job_number": "24-018", "status": "P"}},
	})

	t.Run("failures", func(t *testing.T) {
		missing := cfg
		missing.URL = "s3://" + srv.Bucket + "/exports/none.csv"
		openErr(t, missing, Options{Secrets: secrets}, ErrUnreachable, []string{"s3://" + srv.Bucket + "/exports/none.csv", "no such object"})
		noBucket := cfg
		noBucket.URL = "s3://no-such-bucket-qc/x.csv"
		openErr(t, noBucket, Options{Secrets: secrets}, ErrUnreachable, []string{`bucket "no-such-bucket-qc" does not exist`})
		bad := cfg
		bad.S3.SecretKey = "wrong-S3-secret"
		openErr(t, bad, Options{}, ErrAccessDenied, []string{"access denied"}, "wrong-S3-secret", srv.SecretKey)
		openErr(t, Config{URL: url + "&color=blue"}, Options{}, ErrConfig, []string{`unknown setting "color"`})
		openErr(t, Config{URL: url, S3: S3{Region: "eu-west-3"}}, Options{}, ErrConfig, []string{"region is given both in the url and under s3:"})
	})
}

// statusRecorder records the status of each response.
type statusRecorder struct {
	next     http.RoundTripper
	statuses []int
}

func (r *statusRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		r.statuses = append(r.statuses, resp.StatusCode)
	}
	return resp, err
}
