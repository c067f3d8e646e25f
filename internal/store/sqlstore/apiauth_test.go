package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

var apiBy = store.Console("test")

func mustT(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func readScopes() []store.Scope { return []store.Scope{store.ScopeRead} }

// TestAPIAuthMigration: schema 5 adds api_clients and api_tokens to a database
// at schema 4, and can be undone and done again.
func TestAPIAuthMigration(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url, WithoutMigrate())
			p, err := s.d.provider(s.w)
			mustT(t, err)
			_, err = p.UpTo(ctx, 4)
			mustT(t, err)
			c, err := s.CreateCompany(ctx, planning.Company{Slug: "acme", Name: "Acme", Timezone: "UTC"}, apiBy)
			mustT(t, err)
			_, err = p.UpTo(ctx, 5)
			mustT(t, err)
			_, err = s.CreateAPIClient(ctx, store.APIClient{ID: "client1", CompanyID: c.ID, Name: "Sync", Scopes: readScopes(), Hash: []byte{1}}, apiBy)
			mustT(t, err)
			if _, err := p.DownTo(ctx, 4); err != nil {
				t.Fatalf("down: %v", err)
			}
			if _, err := s.APIClients(ctx, c.ID); err == nil {
				t.Fatal("api_clients is still there after going down to schema 4")
			}
			if _, _, err := s.Migrate(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			if list, err := s.APIClients(ctx, c.ID); err != nil || len(list) != 0 {
				t.Fatalf("clients after up again: %v, %v", list, err)
			}
		})
	}
}

// TestAPIAuthGoesWithCompanyAndUser: a deleted company (which the store does not
// do yet; here by hand) takes its clients and their tokens with it and gets no
// new ones; a deleted user takes their personal tokens.
func TestAPIAuthGoesWithCompanyAndUser(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url)
			var companies []planning.Company
			for _, slug := range []string{"gone", "kept"} {
				c, err := s.CreateCompany(ctx, planning.Company{Slug: slug, Name: strings.ToUpper(slug), Timezone: "UTC"}, apiBy)
				mustT(t, err)
				companies = append(companies, c)
				_, err = s.CreateAPIClient(ctx, store.APIClient{ID: "cl-" + slug, CompanyID: c.ID, Name: slug, Scopes: readScopes(), Hash: []byte{1}}, apiBy)
				mustT(t, err)
				_, err = s.CreateAPIToken(ctx, store.APIToken{ID: "at-" + slug, Kind: store.APITokenAccess, ClientID: "cl-" + slug, Scopes: readScopes(), Hash: []byte{2}}, apiBy)
				mustT(t, err)
			}
			var users []planning.User
			for _, name := range []string{"gone", "kept"} {
				u, err := s.CreateUser(ctx, planning.User{Email: name + "@example.com", Name: name}, apiBy)
				mustT(t, err)
				users = append(users, u)
				_, err = s.CreateAPIToken(ctx, store.APIToken{ID: "pt-" + name, Kind: store.APITokenPersonal, UserID: u.ID, Scopes: readScopes(), Hash: []byte{3}}, apiBy)
				mustT(t, err)
			}
			// The change history does not cascade; it goes first.
			for _, step := range []struct{ stmt, id string }{
				{"DELETE FROM change_history WHERE company_id = ", companies[0].ID},
				{"DELETE FROM companies WHERE id = ", companies[0].ID},
				{"DELETE FROM users WHERE id = ", users[0].ID},
			} {
				b := s.d.build().sql(step.stmt).arg(step.id)
				if _, err := s.w.ExecContext(ctx, b.String(), b.args...); err != nil {
					t.Fatalf("%s: %v", step.stmt, err)
				}
			}
			for _, id := range []string{"at-gone", "pt-gone"} {
				if _, err := s.APIToken(ctx, id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("token %s: %v", id, err)
				}
			}
			if _, err := s.APIClient(ctx, "cl-gone"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("client of the deleted company: %v", err)
			}
			for _, id := range []string{"at-kept", "pt-kept"} {
				if _, err := s.APIToken(ctx, id); err != nil {
					t.Errorf("token %s: %v", id, err)
				}
			}
			_, err := s.CreateAPIClient(ctx, store.APIClient{ID: "cl-late", CompanyID: companies[0].ID, Name: "late", Scopes: readScopes(), Hash: []byte{1}}, apiBy)
			if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), companies[0].ID) {
				t.Errorf("client for a deleted company: %v", err)
			}
			_, err = s.CreateAPIToken(ctx, store.APIToken{ID: "pt-late", Kind: store.APITokenPersonal, UserID: users[0].ID, Scopes: readScopes(), Hash: []byte{1}}, apiBy)
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("token for a deleted user: %v", err)
			}
		})
	}
}

// TestAPITokensTableChecks: the table itself refuses tokens of the wrong shape
// and an access token in another company than its client's.
func TestAPITokensTableChecks(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url)
			a, err := s.CreateCompany(ctx, planning.Company{Slug: "a", Name: "A", Timezone: "UTC"}, apiBy)
			mustT(t, err)
			b, err := s.CreateCompany(ctx, planning.Company{Slug: "b", Name: "B", Timezone: "UTC"}, apiBy)
			mustT(t, err)
			u, err := s.CreateUser(ctx, planning.User{Email: "u@example.com", Name: "U"}, apiBy)
			mustT(t, err)
			_, err = s.CreateAPIClient(ctx, store.APIClient{ID: "cl", CompanyID: a.ID, Name: "cl", Scopes: readScopes(), Hash: []byte{1}}, apiBy)
			mustT(t, err)
			for i, row := range []struct {
				kind                  string
				client, company, user any
				wantOK                bool
				what                  string
			}{
				{"access", "cl", a.ID, nil, true, "a good access token"},
				{"personal", nil, nil, u.ID, true, "a good personal token"},
				{"access", nil, a.ID, nil, false, "an access token without a client"},
				{"access", "cl", nil, nil, false, "an access token without a company"},
				{"access", "cl", b.ID, nil, false, "an access token in another company than its client's"},
				{"access", "cl", a.ID, u.ID, false, "an access token with a user"},
				{"personal", nil, nil, nil, false, "a personal token without a user"},
				{"personal", "cl", a.ID, u.ID, false, "a personal token with a client"},
				{"refresh", nil, nil, u.ID, false, "an unknown kind"},
			} {
				q := s.d.build().sql("INSERT INTO api_tokens (id, kind, client_id, company_id, user_id, scopes, secret_hash, created_at) VALUES (").
					arg(fmt.Sprintf("t%d", i)).sql(", ").arg(row.kind).sql(", ").arg(row.client).sql(", ").arg(row.company).sql(", ").
					arg(row.user).sql(", 'read', ").arg([]byte{1}).sql(", ").arg(s.d.ts(time.Now())).sql(")")
				_, err := s.w.ExecContext(ctx, q.String(), q.args...)
				if (err == nil) != row.wantOK {
					t.Errorf("%s: err = %v", row.what, err)
				}
			}
		})
	}
}

// TestRevokeAPIClientRacesTokens: tokens issued while the client is being
// revoked are either revoked with it or refused; none stays active.
func TestRevokeAPIClientRacesTokens(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url)
			c, err := s.CreateCompany(ctx, planning.Company{Slug: "race", Name: "Race", Timezone: "UTC"}, apiBy)
			mustT(t, err)
			_, err = s.CreateAPIClient(ctx, store.APIClient{ID: "racer", CompanyID: c.ID, Name: "Racer", Scopes: readScopes(), Hash: []byte{1}}, apiBy)
			mustT(t, err)
			// Four issuers create tokens until they are refused; the client is
			// revoked once some tokens exist, while the issuers are at work.
			const issuers = 4
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				created int
				refused int
				started = make(chan struct{})
				once    sync.Once
			)
			for w := range issuers {
				wg.Go(func() {
					for i := 0; i < 500; i++ {
						_, err := s.CreateAPIToken(ctx, store.APIToken{ID: fmt.Sprintf("race%d-%d", w, i), Kind: store.APITokenAccess, ClientID: "racer",
							Scopes: readScopes(), Hash: []byte{2}}, apiBy)
						mu.Lock()
						if err == nil {
							created++
						} else {
							refused++
						}
						enough := created >= 20
						mu.Unlock()
						if enough {
							once.Do(func() { close(started) })
						}
						if err != nil {
							if !strings.Contains(err.Error(), "revoked") {
								t.Errorf("token %d-%d: %v", w, i, err)
							}
							return
						}
					}
				})
			}
			wg.Go(func() {
				<-started
				if err := s.RevokeAPIClient(ctx, "racer", apiBy); err != nil {
					t.Errorf("revoke: %v", err)
				}
			})
			wg.Wait()
			toks, err := s.APITokens(ctx, store.APITokenQuery{ClientID: "racer"})
			mustT(t, err)
			if len(toks) != created || refused != issuers {
				t.Errorf("%d tokens stored, %d created, %d refused; want every created one stored and each of %d issuers refused once",
					len(toks), created, refused, issuers)
			}
			for _, tok := range toks {
				if tok.Active(time.Now()) {
					t.Errorf("token %s of the revoked client is active", tok.ID)
				}
			}
			t.Logf("%s: %d tokens revoked with the client, %d issuers refused", backend, len(toks), refused)
		})
	}
}

// TestAPIQueriesUseIndexes: on SQLite, the lists and the clean-up of expired
// tokens read through their indexes, not the whole table.
func TestAPIQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s := openURL(t, "sqlite", backends(t)["sqlite"])
	for _, tc := range []struct{ query, index string }{
		{"SELECT " + apiClientCols + " FROM api_clients WHERE company_id = 'x' ORDER BY created_at, id", "api_clients_company"},
		{"SELECT " + apiTokenCols + " FROM api_tokens WHERE user_id = 'x' AND kind = 'personal' ORDER BY created_at, id", "api_tokens_user"},
		{"SELECT " + apiTokenCols + " FROM api_tokens WHERE client_id = 'x' ORDER BY created_at, id", "api_tokens_client"},
		{"DELETE FROM api_tokens WHERE id IN (SELECT id FROM api_tokens WHERE kind = 'access' AND expires_at < 'x' LIMIT 1000)", "api_tokens_expires"},
	} {
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tc.query)
		mustT(t, err)
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			mustT(t, rows.Scan(&id, &parent, &notused, &detail))
			plan = append(plan, detail)
		}
		rows.Close()
		if text := strings.Join(plan, "; "); !strings.Contains(text, tc.index) {
			t.Errorf("%s\nplan: %s\nwant index %s", tc.query, text, tc.index)
		}
	}
}
