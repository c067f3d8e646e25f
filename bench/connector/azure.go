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

// uploadFiles is the Azure baseline: the table's data files uploaded under
// prefix with the SDK's own UploadFile (parallel block uploads, its default
// settings), parallel files at a time.
func (a *azuriteServer) uploadFiles(ctx context.Context, paths []string, prefix string, parallel int) error {
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
	info := b.src.info
	up := measurement{Run: run, Name: "azure/upload", Rows: info.Rows, Bytes: info.Bytes,
		Label: fmt.Sprintf("Azure baseline: SDK UploadFile of the data files (%d at once)", b.o.parallel)}
	m := measurement{Run: run, Name: "azure/sync-full", Label: "trestle connector sync --full into Azure (Azurite, " + b.o.azureFormat + ")"}
	if b.az == nil && b.azErr == nil {
		logf("starting Azurite ...")
		b.az, b.azErr = startAzurite(ctx, b.o.azurite, filepath.Join(b.runDir, "azurite"))
		if b.azErr != nil {
			b.azErr = fmt.Errorf("Azurite cannot start: %w", b.azErr)
			logf("skipping Azure: %v", b.azErr)
		}
	}
	if b.azErr != nil {
		up.Skipped, m.Skipped = b.azErr.Error(), b.azErr.Error()
		b.rep.add(up)
		b.rep.add(m)
		return stopped(ctx)
	}
	paths, _, err := b.src.dataFiles(ctx)
	if err != nil {
		return err
	}
	logf("run %d: Azure baseline: UploadFile of %d files ...", run, len(paths))
	prefix := fmt.Sprintf("baseline-%d", run)
	start := time.Now()
	err = b.az.uploadFiles(ctx, paths, prefix, b.o.parallel)
	up.Seconds = time.Since(start).Seconds()
	up.Error = errText(err)
	b.rep.add(up)
	_ = b.az.deletePrefix(context.WithoutCancel(ctx), prefix+"/")
	if err := stopped(ctx); err != nil {
		return err
	}

	logf("run %d: trestle connector sync --full into Azure ...", run)
	prefix = fmt.Sprintf("sync-%d", run)
	defer func() { _ = b.az.deletePrefix(context.WithoutCancel(ctx), prefix+"/") }()
	d, env := b.az.destination(prefix, b.o.azureFormat)
	c, err := newConnector(filepath.Join(b.runDir, fmt.Sprintf("azure-%d", run)), b.hub.profile, d, env...)
	if err != nil {
		m.Error = err.Error()
		b.rep.add(m)
		return stopped(ctx)
	}
	m, _, err = b.measureSync(ctx, c, true, m)
	if errors.Is(err, errNotImplemented) {
		m.Skipped = "the Azure destination is " + m.Skipped
		logf("run %d: skipped: %s", run, m.Skipped)
	}
	if err == nil {
		err = b.verifyAzure(ctx, prefix+"/", info.Rows)
		m.Error = errText(err)
	}
	if err == nil && up.Error == "" {
		ratio := m.Seconds / up.Seconds
		b.rep.check(check{Run: run, Name: "Azure: sync time / UploadFile time", Value: ratio,
			Shown: fmt.Sprintf("%.2f", ratio), Target: fmt.Sprintf("<= %.1f", targetFileRatio), Met: ratio <= targetFileRatio})
	}
	b.rep.add(m)
	return stopped(ctx)
}

// verifyAzure counts the rows of the Parquet blobs that landed under prefix.
func (b *bench) verifyAzure(ctx context.Context, prefix string, rows int64) error {
	st, err := b.az.store(ctx)
	if err != nil {
		return err
	}
	n, files, err := parquetRows(ctx, st, prefix)
	if err != nil {
		return fmt.Errorf("verify azure %s/%s: %w", b.az.container, prefix, err)
	}
	if n != rows {
		return fmt.Errorf("verify azure %s/%s: %d Parquet blobs hold %d rows, want %d", b.az.container, prefix, files, n, rows)
	}
	return nil
}
