package testenv

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
)

func TestAzurite(t *testing.T) {
	a, b := Azurite(t), Azurite(t)
	if a.Endpoint != b.Endpoint {
		t.Errorf("two calls started two servers: %s and %s", a.Endpoint, b.Endpoint)
	}
	if a.Container == b.Container {
		t.Errorf("two calls share container %s", a.Container)
	}
	ca, err := a.ContainerClient()
	if err != nil {
		t.Fatal(err)
	}
	bb := ca.NewBlockBlobClient("k")
	if _, err := bb.Upload(t.Context(), streaming.NopCloser(strings.NewReader("x")), nil); err != nil {
		t.Fatalf("put into the test container: %v", err)
	}
	// The server implements conditional writes: a second If-None-Match put fails.
	any := azcore.ETagAny
	_, err = bb.Upload(t.Context(), streaming.NopCloser(strings.NewReader("y")), &blockblob.UploadOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &any}},
	})
	if !bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
		t.Errorf("conditional put over an existing blob = %v, want BlobAlreadyExists or ConditionNotMet", err)
	}
	// Containers are isolated: b does not see a's blob.
	cb, err := b.ContainerClient()
	if err != nil {
		t.Fatal(err)
	}
	page, err := cb.NewListBlobsFlatPager(nil).NextPage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(page.Segment.BlobItems); n != 0 {
		t.Errorf("a new container lists %d blobs, want none", n)
	}
}

// TestAzuritePinnedOnce: scripts/test.sh installs from the same package.json
// and package-lock.json, and the lock file pins the same azurite version.
func TestAzuritePinnedOnce(t *testing.T) {
	b, err := os.ReadFile("../../scripts/test.sh")
	if err != nil {
		t.Skipf("scripts/test.sh: %v", err)
	}
	if !strings.Contains(string(b), "azurite_pkg=internal/testenv/testdata/azurite/package.json") {
		t.Error("scripts/test.sh does not install azurite from internal/testenv/testdata/azurite/package.json")
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	for path, v := range map[string]any{"testdata/azurite/package.json": &pkg, "testdata/azurite/package-lock.json": &lock} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	want := pkg.Dependencies["azurite"]
	if got := lock.Packages["node_modules/azurite"].Version; want == "" || got != want {
		t.Errorf("package-lock.json locks azurite %q, package.json pins %q; run npm install in testdata/azurite", got, want)
	}
}
