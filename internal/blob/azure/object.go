package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azblobpkg "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
)

// getter fetches ranges of a blob with GETs conditional on the ETag it had
// when opened (blob.RangeGetter): a blob replaced while open fails to read
// instead of mixing two versions.
func (s *Store) getter(key string, etag azcore.ETag) func(ctx context.Context, off, count int64) (io.ReadCloser, error) {
	return func(ctx context.Context, off, count int64) (io.ReadCloser, error) {
		opts := &azblobpkg.DownloadStreamOptions{Range: azblobpkg.HTTPRange{Offset: off, Count: count}}
		if etag != "" {
			opts.AccessConditions = &azblobpkg.AccessConditions{
				ModifiedAccessConditions: &azblobpkg.ModifiedAccessConditions{IfMatch: &etag},
			}
		}
		resp, err := s.blobClient(key).DownloadStream(ctx, opts)
		if err != nil {
			var re *azcore.ResponseError
			if errors.As(err, &re) && re.StatusCode == http.StatusPreconditionFailed {
				return nil, fmt.Errorf("blob/azure: read %q: the object was replaced while open", key)
			}
			return nil, s.mapErr("read", key, err)
		}
		return resp.Body, nil
	}
}
