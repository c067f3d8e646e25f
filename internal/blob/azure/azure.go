// Package azure is a blob.Store on Azure Blob Storage: a container (and an
// optional folder in it) of a storage account, with or without the
// hierarchical namespace of Azure Data Lake Storage Gen2, or a Microsoft
// Fabric lakehouse through OneLake's Blob endpoint. It speaks the Blob REST
// API through the Azure SDK (azblob).
//
// Guarantees: Put stores a block blob that becomes visible all at once, so
// readers see the old blob or the whole new one. A body of up to
// SingleUploadLimit bytes (256 MiB by default) goes up with one Put Blob
// request: one whose length is known (a file, a seekable reader) straight
// from it, a stream of unknown length after spooling it (in memory up to
// 4 MiB, then in a temporary file), since a request needs its length first.
// A longer body is streamed as blocks (BlockSize each, Concurrency at a
// time, so memory stays bounded whatever the size) made visible by the final
// Put Block List. One request per object is also what the service (and
// Azurite, many times over) handles fastest. PutIfAbsent sends the same requests
// with "If-None-Match: *" on the one that makes the blob visible: the service
// refuses it (409 BlobAlreadyExists or 412 ConditionNotMet) when the blob
// exists, atomically, so of concurrent writers exactly one wins; both answers
// map to blob.ErrExist. Azurite, which the tests run against, honours the
// condition too.
//
// Objects are read with ranged GETs conditional on the ETag seen at Open, so
// an object replaced while open gives an error rather than a mix of two
// versions. Listing is a flat listing of the prefix in the service's
// lexicographic order; "startAfter" is applied by skipping, as the Blob API
// has no such parameter. On accounts with a hierarchical namespace (ADLS
// Gen2, OneLake) folders are entries of their own, marked hdi_isfolder; they
// are not objects here and are left out of listings and Stat.
//
// The store is a blob.Copier: Copy is a server-side Copy Blob within the
// account, waited for until it completes (within one account the service
// copies synchronously as a rule).
package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	azblobpkg "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/trestle-dev/trestle/internal/blob"
)

// Auth methods of Options.Auth.
const (
	AuthKey              = "key"               // shared key: Options.AccountKey
	AuthSAS              = "sas"               // shared access signature: Options.SASToken
	AuthServicePrincipal = "service_principal" // Entra ID app: TenantID, ClientID, ClientSecret
	AuthDefault          = "default"           // the Azure default credential chain
)

// Defaults of Options.BlockSize, Options.Concurrency and
// Options.SingleUploadLimit.
const (
	DefaultBlockSize         = 4 << 20
	DefaultConcurrency       = 4
	DefaultSingleUploadLimit = 256 << 20
)

// Options configure a Store.
type Options struct {
	// Account is the storage account name ("contoso"; "onelake" for Fabric,
	// "devstoreaccount1" for Azurite). Required.
	Account string
	// Container holds the objects; for Fabric, the workspace. Required.
	Container string
	// Prefix is prepended to every key ("exports/acme"; for Fabric
	// "MyLakehouse.Lakehouse/Files/exports" or "MyLakehouse.Lakehouse/Tables").
	// Optional.
	Prefix string
	// Endpoint is the Blob service URL: empty means
	// https://<account>.blob.core.windows.net; Azurite is
	// http://127.0.0.1:<port>/devstoreaccount1, Fabric OneLake
	// https://onelake.blob.fabric.microsoft.com. A Data Lake (".dfs.") host is
	// turned into its Blob (".blob.") twin, which this store speaks.
	Endpoint string
	// Auth is AuthKey, AuthSAS, AuthServicePrincipal or AuthDefault. Empty
	// means AuthKey when AccountKey is set, AuthSAS when SASToken is, else
	// AuthDefault.
	Auth string
	// AccountKey is the account's shared key (base64), for AuthKey.
	AccountKey string
	// SASToken is a shared access signature ("sv=...&sig=...", with or without
	// the leading "?") for the container or account, for AuthSAS.
	SASToken string
	// TenantID, ClientID and ClientSecret identify a service principal, for
	// AuthServicePrincipal.
	TenantID, ClientID, ClientSecret string
	// BlockSize is the size of each block of a streamed upload (and of each
	// buffer it holds); 0 means DefaultBlockSize. At least 1 MiB.
	BlockSize int64
	// Concurrency is how many blocks of one upload are sent at once; 0 means
	// DefaultConcurrency. An upload holds at most Concurrency blocks in memory.
	Concurrency int
	// SingleUploadLimit is the largest object stored with one Put Blob
	// request; larger ones go up as blocks. 0 means DefaultSingleUploadLimit;
	// at most 5000 MiB, the service's limit for one request.
	SingleUploadLimit int64
	// HTTPClient sends the requests; nil means the SDK's default.
	HTTPClient *http.Client
}

// Store is a blob.Store on an Azure Blob Storage container.
type Store struct {
	client      *container.Client
	where       string // "container <name> of account <account>", for errors
	prefix      string // "" or ends in "/"
	blockSize   int64
	concurrency int
	singleLimit int64
}

var (
	_ blob.Store  = (*Store)(nil)
	_ blob.Copier = (*Store)(nil)
)

// New returns a Store for opts. It does not contact the service.
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.Account == "" {
		return nil, errors.New("blob/azure: no storage account given")
	}
	if opts.Container == "" {
		return nil, errors.New("blob/azure: no container given")
	}
	prefix := strings.Trim(opts.Prefix, "/")
	if prefix != "" {
		if err := blob.CheckKey(prefix); err != nil {
			return nil, fmt.Errorf("blob/azure: prefix: %w", err)
		}
		prefix += "/"
	}
	containerURL, err := ContainerURL(opts.Account, opts.Container, opts.Endpoint)
	if err != nil {
		return nil, err
	}
	var co container.ClientOptions
	if opts.HTTPClient != nil {
		co.Transport = opts.HTTPClient
	}
	co.Retry = policy.RetryOptions{MaxRetries: 4}
	auth := opts.Auth
	if auth == "" {
		switch {
		case opts.AccountKey != "":
			auth = AuthKey
		case opts.SASToken != "":
			auth = AuthSAS
		default:
			auth = AuthDefault
		}
	}
	var client *container.Client
	switch auth {
	case AuthKey:
		if opts.AccountKey == "" {
			return nil, errors.New("blob/azure: auth key needs the account key")
		}
		cred, cerr := container.NewSharedKeyCredential(opts.Account, opts.AccountKey)
		if cerr != nil {
			return nil, fmt.Errorf("blob/azure: account key of %s: %w", opts.Account, cerr)
		}
		client, err = container.NewClientWithSharedKeyCredential(containerURL, cred, &co)
	case AuthSAS:
		sas := strings.TrimPrefix(strings.TrimSpace(opts.SASToken), "?")
		if sas == "" {
			return nil, errors.New("blob/azure: auth sas needs the SAS token")
		}
		if _, qerr := url.ParseQuery(sas); qerr != nil {
			return nil, fmt.Errorf("blob/azure: the SAS token is not a URL query (sv=...&sig=...): %w", qerr)
		}
		client, err = container.NewClientWithNoCredential(containerURL+"?"+sas, &co)
	case AuthServicePrincipal:
		if opts.TenantID == "" || opts.ClientID == "" || opts.ClientSecret == "" {
			return nil, errors.New("blob/azure: auth service_principal needs the tenant id, client id and client secret")
		}
		cred, cerr := azidentity.NewClientSecretCredential(opts.TenantID, opts.ClientID, opts.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: co.Transport}})
		if cerr != nil {
			return nil, fmt.Errorf("blob/azure: service principal %s of tenant %s: %w", opts.ClientID, opts.TenantID, cerr)
		}
		client, err = container.NewClient(containerURL, cred, &co)
	case AuthDefault:
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return nil, fmt.Errorf("blob/azure: the default Azure credential chain: %w", cerr)
		}
		client, err = container.NewClient(containerURL, cred, &co)
	default:
		return nil, fmt.Errorf("blob/azure: auth %q is not key, sas, service_principal or default", opts.Auth)
	}
	if err != nil {
		return nil, fmt.Errorf("blob/azure: client for %s: %w", containerURL, err)
	}
	s := &Store{client: client, where: fmt.Sprintf("container %q of account %q", opts.Container, opts.Account),
		prefix: prefix, blockSize: opts.BlockSize, concurrency: opts.Concurrency}
	if s.blockSize == 0 {
		s.blockSize = DefaultBlockSize
	}
	if s.blockSize < 1<<20 {
		return nil, fmt.Errorf("blob/azure: block size %d is below the minimum of 1 MiB", s.blockSize)
	}
	if s.concurrency <= 0 {
		s.concurrency = DefaultConcurrency
	}
	switch s.singleLimit = opts.SingleUploadLimit; {
	case s.singleLimit == 0:
		s.singleLimit = DefaultSingleUploadLimit
	case s.singleLimit < 0 || s.singleLimit > maxSingleUpload:
		return nil, fmt.Errorf("blob/azure: single upload limit %d is not between 1 and %d bytes", s.singleLimit, int64(maxSingleUpload))
	}
	return s, nil
}

// ContainerURL is the URL of a container: endpoint (default
// https://<account>.blob.core.windows.net, a ".dfs." host turned into
// ".blob.") followed by the container's name.
func ContainerURL(account, containerName, endpoint string) (string, error) {
	if endpoint == "" {
		endpoint = "https://" + account + ".blob.core.windows.net"
	}
	u, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("blob/azure: endpoint %q is not an http(s) URL", endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("blob/azure: endpoint %q has a query; give a SAS token as the SAS token", endpoint)
	}
	u.Host = strings.Replace(u.Host, ".dfs.", ".blob.", 1)
	return u.String() + "/" + url.PathEscape(containerName), nil
}

// Client is the container client the store uses.
func (s *Store) Client() *container.Client { return s.client }

func (s *Store) path(key string) string { return s.prefix + key }

func (s *Store) blobClient(key string) *azblobpkg.Client {
	return s.client.NewBlobClient(s.path(key))
}

// mapErr wraps err from operation op on key, turning the service's answers
// into the blob package's errors.
func (s *Store) mapErr(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch {
		case re.ErrorCode == string(bloberror.ContainerNotFound):
			return fmt.Errorf("blob/azure: %s %q: %s does not exist: %w", op, key, s.where, err)
		case op == "put-if-absent" && (re.StatusCode == http.StatusConflict || re.StatusCode == http.StatusPreconditionFailed):
			return fmt.Errorf("blob/azure: %s %q: %w", op, key, blob.ErrExist)
		case re.StatusCode == http.StatusNotFound:
			return fmt.Errorf("blob/azure: %s %q: %w", op, key, blob.ErrNotExist)
		}
	}
	return fmt.Errorf("blob/azure: %s %q in %s: %w", op, key, s.where, err)
}

// isFolder reports whether metadata marks a hierarchical-namespace folder.
func isFolder(md map[string]*string) bool {
	for k, v := range md {
		if strings.EqualFold(k, "hdi_isfolder") && v != nil && strings.EqualFold(*v, "true") {
			return true
		}
	}
	return false
}

// props fetches an object's properties; folders are not objects.
func (s *Store) props(ctx context.Context, op, key string) (azblobpkg.GetPropertiesResponse, error) {
	if err := blob.CheckKey(key); err != nil {
		return azblobpkg.GetPropertiesResponse{}, err
	}
	p, err := s.blobClient(key).GetProperties(ctx, nil)
	if err != nil {
		return p, s.mapErr(op, key, err)
	}
	if isFolder(p.Metadata) {
		return p, fmt.Errorf("blob/azure: %s %q: a folder, not an object: %w", op, key, blob.ErrNotExist)
	}
	return p, nil
}

// Stat describes the object with the given key.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	p, err := s.props(ctx, "stat", key)
	if err != nil {
		return blob.Info{}, err
	}
	return blob.Info{Key: key, Size: deref(p.ContentLength), ModTime: deref(p.LastModified).UTC()}, nil
}

// Open returns the object with the given key; its content is fetched as it is
// read, with ctx: the object is usable until ctx is done.
func (s *Store) Open(ctx context.Context, key string) (blob.Object, error) {
	p, err := s.props(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	var etag azcore.ETag
	if p.ETag != nil {
		etag = *p.ETag
	}
	return blob.NewRangedObject(ctx, "blob/azure", key, deref(p.ContentLength), s.getter(key, etag)), nil
}

// Put writes the object, replacing any object with the same key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, "put", key, r, false)
}

// PutIfAbsent writes the object only if no object has the key: the request
// that makes it visible carries If-None-Match: *.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, "put-if-absent", key, r, true)
}

// Delete removes the object; deleting a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.CheckKey(key); err != nil {
		return err
	}
	_, err := s.blobClient(key).Delete(ctx, nil)
	if err := s.mapErr("delete", key, err); err != nil && !errors.Is(err, blob.ErrNotExist) {
		return err
	}
	return nil
}

// List yields the objects whose keys start with prefix and sort after
// startAfter, in the service's lexicographic order, a page (up to 5000) at a
// time.
func (s *Store) List(ctx context.Context, prefix, startAfter string) iter.Seq2[blob.Info, error] {
	return func(yield func(blob.Info, error) bool) {
		pager := s.client.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
			Prefix: to(s.prefix + prefix), Include: container.ListBlobsInclude{Metadata: true},
		})
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				yield(blob.Info{}, s.mapErr("list prefix", prefix, err))
				return
			}
			if page.Segment == nil {
				continue
			}
			for _, item := range page.Segment.BlobItems {
				if item == nil || item.Name == nil || item.Properties == nil || isFolder(item.Metadata) {
					continue
				}
				key, ok := strings.CutPrefix(*item.Name, s.prefix)
				if !ok || key <= startAfter {
					continue
				}
				info := blob.Info{Key: key, Size: deref(item.Properties.ContentLength),
					ModTime: deref(item.Properties.LastModified).UTC()}
				if !yield(info, nil) {
					return
				}
			}
		}
	}
}

// Copy copies the object at from to to with a server-side Copy Blob,
// replacing any object at to, and waits until the copy completes.
func (s *Store) Copy(ctx context.Context, from, to string) error {
	if err := blob.CheckKey(from); err != nil {
		return err
	}
	if err := blob.CheckKey(to); err != nil {
		return err
	}
	op := fmt.Sprintf("copy to %q from", to)
	dst := s.blobClient(to)
	resp, err := dst.StartCopyFromURL(ctx, s.blobClient(from).URL(), nil)
	if err != nil {
		return s.mapErr(op, from, err)
	}
	status := deref(resp.CopyStatus)
	for delay := 50 * time.Millisecond; status == azblobpkg.CopyStatusTypePending; delay = min(2*delay, 2*time.Second) {
		select {
		case <-ctx.Done():
			if resp.CopyID != nil {
				_, _ = dst.AbortCopyFromURL(context.WithoutCancel(ctx), *resp.CopyID, nil)
			}
			return fmt.Errorf("blob/azure: %s %q: %w", op, from, ctx.Err())
		case <-time.After(delay):
		}
		p, err := dst.GetProperties(ctx, nil)
		if err != nil {
			return s.mapErr(op, from, err)
		}
		status = deref(p.CopyStatus)
		if status == azblobpkg.CopyStatusTypeFailed || status == azblobpkg.CopyStatusTypeAborted {
			return fmt.Errorf("blob/azure: %s %q in %s: the copy %s: %s", op, from, s.where, status, deref(p.CopyStatusDescription))
		}
	}
	if status != "" && status != azblobpkg.CopyStatusTypeSuccess {
		return fmt.Errorf("blob/azure: %s %q in %s: the copy ended %s", op, from, s.where, status)
	}
	return nil
}

func to[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
