package mysql

import (
	"context"
	"database/sql"
	"testing"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// open opens a Sink on a fresh database and a reader of it; inserts forces
// the INSERT fallback, as after a server refused LOAD DATA LOCAL.
func open(t *testing.T, inserts bool) (*Sink, *reader) {
	t.Helper()
	dsn := testenv.MariaDBURL(t)
	s, err := New(context.Background(), Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	ms := s.(*Sink)
	ms.noLocalInfile.Store(inserts)
	cfg, err := ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params = nil
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ms, &reader{db: db}
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) {
		s, r := open(t, false)
		return s, r
	})
}

// TestConformanceInserts runs the suite on the INSERT fallback.
func TestConformanceInserts(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) {
		s, r := open(t, true)
		return s, r
	})
}
