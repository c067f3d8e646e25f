// Package local is the local-folder destination of the connector: the files
// sink (package files) over a folder of the local filesystem (blob/local),
// in the parquet, csv or delta format.
//
// Tables are kept as package files documents: a folder of Parquet part files,
// one CSV file, or a Delta table per table. Full loads of the parquet format
// are swapped in with folder renames, so readers never see a half-loaded
// table, and a load interrupted by a crash is completed or discarded when the
// folder is next opened (New) or the table next loaded.
package local

import (
	"context"
	"fmt"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
)

// New returns a destination writing tables in format ("parquet", the default
// when empty, "csv" or "delta") into the folder dir, which is created if
// missing. Closing it releases the folder.
func New(dir, format string) (sink.Sink, error) {
	f, err := files.ParseFormat(format)
	if err != nil {
		return nil, fmt.Errorf("local destination %s: %w", dir, err)
	}
	store, err := local.New(dir)
	if err != nil {
		return nil, fmt.Errorf("local destination: %w", err)
	}
	s, err := files.New(context.Background(), store, f)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("local destination %s: %w", dir, err)
	}
	return &folderSink{Sink: s, store: store}, nil
}

// folderSink is a files sink that owns its folder's store.
type folderSink struct {
	*files.Sink
	store *local.Store
}

// Close releases the folder.
func (s *folderSink) Close() error {
	err := s.Sink.Close()
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	return err
}
