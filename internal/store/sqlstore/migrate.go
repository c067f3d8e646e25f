package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/trestle-dev/trestle/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// SchemaStatus says which schema version a database has and which this binary knows.
type SchemaStatus struct {
	Current int64 // the database's version (0: empty database)
	Latest  int64 // the newest version this binary can migrate to
}

func (d *dialect) provider(db *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations/"+d.name)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(d.goose, db, sub, goose.WithDisableGlobalRegistry(true))
}

// SchemaStatus reports the database's schema version and the binary's.
func (s *Store) SchemaStatus(ctx context.Context) (SchemaStatus, error) {
	p, err := s.d.provider(s.w)
	if err != nil {
		return SchemaStatus{}, err
	}
	return schemaStatus(ctx, p)
}

func schemaStatus(ctx context.Context, p *goose.Provider) (SchemaStatus, error) {
	var st SchemaStatus
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return st, fmt.Errorf("read schema version: %w", err)
	}
	st.Current = cur
	for _, src := range p.ListSources() {
		st.Latest = max(st.Latest, src.Version)
	}
	return st, nil
}

// Migrate brings the schema to the newest version this binary knows. It refuses a
// database whose schema is newer than the binary (store.ErrSchemaTooNew).
func (s *Store) Migrate(ctx context.Context) (from, to int64, err error) {
	p, err := s.d.provider(s.w)
	if err != nil {
		return 0, 0, err
	}
	st, err := schemaStatus(ctx, p)
	if err != nil {
		return 0, 0, err
	}
	if st.Current > st.Latest {
		return st.Current, st.Current, fmt.Errorf("%w: the database is at version %d and this trestle knows up to %d; upgrade trestle",
			store.ErrSchemaTooNew, st.Current, st.Latest)
	}
	if _, err := p.Up(ctx); err != nil {
		return st.Current, st.Current, fmt.Errorf("migrate schema: %w", err)
	}
	return st.Current, st.Latest, nil
}
