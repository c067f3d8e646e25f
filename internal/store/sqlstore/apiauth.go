package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/trestle-dev/trestle/internal/store"
)

// Stub: replaced by the real implementation.
var errAPIAuthTODO = errors.New("api auth: not implemented yet")

func (s *Store) CreateAPIClient(ctx context.Context, c store.APIClient, by store.Actor) (store.APIClient, error) {
	return c, errAPIAuthTODO
}
func (s *Store) APIClient(ctx context.Context, id string) (store.APIClient, error) {
	return store.APIClient{}, errAPIAuthTODO
}
func (s *Store) APIClients(ctx context.Context, companyID string) ([]store.APIClient, error) {
	return nil, errAPIAuthTODO
}
func (s *Store) RevokeAPIClient(ctx context.Context, id string, by store.Actor) error {
	return errAPIAuthTODO
}
func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken, by store.Actor) (store.APIToken, error) {
	return t, errAPIAuthTODO
}
func (s *Store) APIToken(ctx context.Context, id string) (store.APIToken, error) {
	return store.APIToken{}, errAPIAuthTODO
}
func (s *Store) APITokens(ctx context.Context, q store.APITokenQuery) ([]store.APIToken, error) {
	return nil, errAPIAuthTODO
}
func (s *Store) RevokeAPIToken(ctx context.Context, id string, by store.Actor) error {
	return errAPIAuthTODO
}
func (s *Store) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	return errAPIAuthTODO
}
func (s *Store) DeleteExpiredAPITokens(ctx context.Context, before time.Time) (int, error) {
	return 0, errAPIAuthTODO
}
