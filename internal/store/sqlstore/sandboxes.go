package sqlstore

import (
	"context"
	"errors"

	"github.com/trestle-dev/trestle/internal/store"
)

// Stub: replaced by the real implementation.
var errSandboxTODO = errors.New("sandboxes: not implemented yet")

func (s *Store) SaveSandbox(ctx context.Context, sb store.Sandbox, by store.Actor) error {
	return errSandboxTODO
}
func (s *Store) Sandbox(ctx context.Context, sandboxID string) (store.Sandbox, error) {
	return store.Sandbox{}, errSandboxTODO
}
func (s *Store) Sandboxes(ctx context.Context) ([]store.Sandbox, error) {
	return nil, errSandboxTODO
}
func (s *Store) ResetCompanyData(ctx context.Context, t store.Tx) error {
	return errSandboxTODO
}
