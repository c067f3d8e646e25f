package local

import (
	"testing"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/files/filestest"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

// open returns a destination on a new folder and a reader of that folder.
func open(t *testing.T, dir string, format files.Format) (sink.Sink, *filestest.Reader) {
	t.Helper()
	s, err := New(dir, string(format))
	if err != nil {
		t.Fatal(err)
	}
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := filestest.NewReader(store, format)
	return r.Track(s), r
}

func TestConformance(t *testing.T) {
	for _, format := range []files.Format{files.Parquet, files.CSV, files.Delta} {
		t.Run(string(format), func(t *testing.T) {
			sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) {
				return open(t, t.TempDir(), format)
			})
		})
	}
}
