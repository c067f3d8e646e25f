package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/trestle-dev/trestle/internal/blob"
	blobazure "github.com/trestle-dev/trestle/internal/blob/azure"
	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// azuriteServer is a running Azurite blob service with one container: the
// Azure emulator the tests use (internal/testenv/azurite.go).
type azuriteServer struct {
	proc      *child
	endpoint  string // http://127.0.0.1:PORT/devstoreaccount1
	container string
	client    *container.Client
	log       *os.File
}

// startAzurite starts Azurite's blob service (main, its script, or the tests'
// install, made if missing) on a free port with its data in dir and creates
// a container.
func startAzurite(ctx context.Context, main, dir string) (*azuriteServer, error) {
	if main == "" {
		var err error
		if main, err = testenv.AzuriteBlobMain(); err != nil {
			return nil, fmt.Errorf("install Azurite (npm package azurite, as the tests do): %w", err)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	a := &azuriteServer{endpoint: "http://" + addr + "/" + testenv.AzuriteAccount, container: "bench"}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	if a.log, err = os.Create(filepath.Join(dir, "azurite.log")); err != nil {
		return nil, err
	}
	cmd := exec.Command("node", append([]string{main}, testenv.AzuriteArgs(addr, data)...)...)
	cmd.Stdout, cmd.Stderr = a.log, a.log
	if a.proc, err = startWatched(cmd); err != nil {
		a.log.Close()
		return nil, fmt.Errorf("start Azurite %s: %w", main, err)
	}
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if resp, err := hc.Get(a.endpoint + "?comp=list"); err == nil {
			resp.Body.Close()
			break // any answer (403 without credentials) means it is up
		}
		select {
		case <-a.proc.done:
			a.log.Close()
			return nil, fmt.Errorf("Azurite exited (%v): %s", a.proc.err, tailFile(a.log.Name(), 2000))
		case <-ctx.Done():
			a.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			a.stop()
			return nil, fmt.Errorf("Azurite did not answer within 60 s: %s", tailFile(a.log.Name(), 2000))
		}
	}
	cred, err := container.NewSharedKeyCredential(testenv.AzuriteAccount, testenv.AzuriteAccountKey)
	if err == nil {
		a.client, err = container.NewClientWithSharedKeyCredential(a.endpoint+"/"+a.container, cred, nil)
	}
	if err == nil {
		_, err = a.client.Create(ctx, nil)
	}
	if err != nil {
		a.stop()
		return nil, fmt.Errorf("create container: %w", err)
	}
	return a, nil
}

func (a *azuriteServer) stop() {
	if a == nil || a.proc == nil {
		return
	}
	a.proc.stop()
	a.log.Close()
}

// upload is the Azure baseline: the table's data files uploaded under
// prefix with the SDK's own UploadFile (parallel block uploads, its default
// settings), parallel files at a time.
func (a *azuriteServer) upload(ctx context.Context, paths []string, prefix string, parallel int) error {
	return forEach(ctx, len(paths), parallel, func(ctx context.Context, i int) error {
		f, err := os.Open(paths[i])
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = a.client.NewBlockBlobClient(fmt.Sprintf("%s/part-%05d.parquet", prefix, i)).UploadFile(ctx, f, nil)
		return err
	})
}

// store is the container as a blob.Store (to verify what landed).
func (a *azuriteServer) blobs(ctx context.Context) (blob.Store, error) { return a.store(ctx) }

func (a *azuriteServer) where(prefix string) string { return a.container + "/" + prefix }

func (a *azuriteServer) store(ctx context.Context) (*blobazure.Store, error) {
	return blobazure.New(ctx, blobazure.Options{Account: testenv.AzuriteAccount, Container: a.container,
		Endpoint: a.endpoint, AccountKey: testenv.AzuriteAccountKey})
}

// destination is the connector destination of a folder of the container;
// the key reaches the sync process through its environment.
func (a *azuriteServer) destination(path, format string) (config.Destination, []string) {
	return config.Destination{Type: "azure", Azure: &config.AzureConfig{Account: testenv.AzuriteAccount,
			Container: a.container, Path: path, Endpoint: a.endpoint, Format: format, Auth: "key",
			AccountKey: "${BENCH_AZURE_KEY}"}},
		[]string{"BENCH_AZURE_KEY=" + testenv.AzuriteAccountKey}
}

// deletePrefix removes the blobs under prefix.
func (a *azuriteServer) deletePrefix(ctx context.Context, prefix string) error {
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for info, err := range st.List(ctx, prefix, "") {
		if err != nil {
			return err
		}
		errs = append(errs, st.Delete(ctx, info.Key))
	}
	return errors.Join(errs...)
}

// azureRun times the Azure destination (on Azurite) and its UploadFile
// baseline.
func (b *bench) azureRun(ctx context.Context, run int) error {
	if !b.o.azure {
		return nil
	}
	if b.az == nil && b.azErr == nil {
		logf("starting Azurite ...")
		b.az, b.azErr = startAzurite(ctx, b.o.azurite, filepath.Join(b.runDir, "azurite"))
		if b.azErr != nil {
			b.azErr = fmt.Errorf("Azurite cannot start: %w", b.azErr)
			logf("skipping Azure: %v", b.azErr)
		}
	}
	return b.objectStoreRun(ctx, run, objectRun{name: "azure", title: "Azure", baseline: "UploadFile", server: "Azurite",
		format: b.o.azureFormat}, b.az, b.azErr)
}
