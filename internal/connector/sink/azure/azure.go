// Package azure is the Azure destination of the connector: the files sink
// (package files) over a container and folder of Azure Blob Storage or Azure
// Data Lake Storage Gen2 (blob/azure), or over a Microsoft Fabric lakehouse
// through OneLake, in the parquet or delta format (csv works too).
//
// The Blob API has no rename, so a full load of the parquet format is swapped
// in by copying its staged files into the table folder server-side (Copy
// Blob) and deleting the previous ones: while that runs, a reader listing the
// folder may see old and new files together. The delta format commits a load
// atomically (the commit file is created with If-None-Match: *) and is the
// right choice when something reads the tables while they load, and the one
// a Fabric lakehouse's Tables folder shows as tables. See package files for
// the layouts.
package azure

import (
	"context"
	"fmt"

	blobazure "github.com/trestle-dev/trestle/internal/blob/azure"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
)

// Options configure an Azure destination (config.AzureConfig).
type Options struct {
	// Account is the storage account name; "onelake" for Fabric. Required.
	Account string
	// Container is the container (file system); for Fabric, the workspace.
	// Required.
	Container string
	// Path is the folder of the tables in the container ("exports/acme"; for
	// Fabric "MyLakehouse.Lakehouse/Tables" or
	// "MyLakehouse.Lakehouse/Files/exports"); empty for the container's root.
	Path string
	// Endpoint is the Blob service URL; empty means
	// https://<account>.blob.core.windows.net. Fabric:
	// https://onelake.blob.fabric.microsoft.com.
	Endpoint string
	// Format is "parquet" (the default when empty), "delta" or "csv".
	Format string
	// Auth is "key", "sas", "service_principal" or "default"; empty means key
	// when AccountKey is set, sas when SASToken is, else default.
	Auth string
	// AccountKey is the shared key, for auth key.
	AccountKey string
	// SASToken is a shared access signature, for auth sas.
	SASToken string
	// TenantID, ClientID and ClientSecret identify a service principal, for
	// auth service_principal.
	TenantID, ClientID, ClientSecret string
}

// New returns a destination writing tables into the container's folder. For
// the parquet format it lists the staging folder to finish or discard loads a
// previous process left half done, so it contacts the service.
func New(ctx context.Context, o Options) (sink.Sink, error) {
	f, err := files.ParseFormat(o.Format)
	if err != nil {
		return nil, fmt.Errorf("azure destination: %w", err)
	}
	store, err := blobazure.New(ctx, blobazure.Options{
		Account: o.Account, Container: o.Container, Prefix: o.Path, Endpoint: o.Endpoint,
		Auth: o.Auth, AccountKey: o.AccountKey, SASToken: o.SASToken,
		TenantID: o.TenantID, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
	})
	if err != nil {
		return nil, fmt.Errorf("azure destination: %w", err)
	}
	s, err := files.New(ctx, store, f)
	if err != nil {
		return nil, fmt.Errorf("azure destination %s: %w", Describe(o), err)
	}
	return s, nil
}

// Describe names the destination's place without secrets:
// "azure://<account>/<container>/<path>".
func Describe(o Options) string {
	d := "azure://" + o.Account + "/" + o.Container
	if o.Path != "" {
		d += "/" + o.Path
	}
	return d
}
