package azure

import (
	"strings"
	"testing"

	blobazure "github.com/trestle-dev/trestle/internal/blob/azure"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/files/filestest"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// open returns a destination on a new container of the test Azurite (under a
// path) and a reader of it.
func open(t *testing.T, format files.Format) (sink.Sink, *filestest.Reader) {
	t.Helper()
	srv := testenv.Azurite(t)
	o := Options{Account: srv.Account, Container: srv.Container, Path: "exports/acme", Endpoint: srv.Endpoint,
		AccountKey: srv.AccountKey, Format: string(format)}
	s, err := New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	store, err := blobazure.New(t.Context(), blobazure.Options{Account: o.Account, Container: o.Container,
		Prefix: o.Path, Endpoint: o.Endpoint, AccountKey: o.AccountKey})
	if err != nil {
		t.Fatal(err)
	}
	r := filestest.NewReader(store, format)
	return r.Track(s), r
}

func TestConformance(t *testing.T) {
	for _, format := range []files.Format{files.Parquet, files.Delta} {
		t.Run(string(format), func(t *testing.T) {
			sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) { return open(t, format) })
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{},
		{Account: "a"},
		{Account: "a", Container: "c", Format: "xml"},
		{Account: "a", Container: "c", Auth: "key"},
		{Account: "a", Container: "c", Auth: "service_principal", ClientID: "x"},
	} {
		if _, err := New(t.Context(), o); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", o)
		} else if !strings.Contains(err.Error(), "azure destination") {
			t.Errorf("New(%+v) = %v, want an error saying it is the azure destination", o, err)
		}
	}
}

func TestDescribe(t *testing.T) {
	o := Options{Account: "onelake", Container: "ws", Path: "Sales.Lakehouse/Tables", AccountKey: "secret", ClientSecret: "s2"}
	if got, want := Describe(o), "azure://onelake/ws/Sales.Lakehouse/Tables"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
