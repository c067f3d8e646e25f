package sqlstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func backends(t *testing.T) map[string]string {
	return map[string]string{
		"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "hub.db"),
		"postgres": "",
	}
}

func openURL(t *testing.T, backend, url string, opts ...Option) *Store {
	t.Helper()
	if backend == "postgres" {
		url = testenv.PostgresURL(t)
	}
	s, err := Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrationGivesCompaniesDefaultShares migrates a database holding companies
// and memberships from schema 1: each company gets its default share, and every
// membership is without analytics access.
func TestMigrationGivesCompaniesDefaultShares(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url, WithoutMigrate())
			p, err := s.d.provider(s.w)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 1); err != nil {
				t.Fatal(err)
			}
			user := uuid.NewString()
			companies := map[string]string{uuid.NewString(): "acme", uuid.NewString(): "beta"}
			exec := func(b *sqlBuilder) {
				t.Helper()
				if _, err := s.w.ExecContext(ctx, b.String(), b.args...); err != nil {
					t.Fatal(err)
				}
			}
			now := s.d.ts(s.now())
			exec(s.d.build().sql("INSERT INTO users (id, email, name, created_at) VALUES (").arg(user).sql(", 'a@example.com', 'A', ").arg(now).sql(")"))
			for id, slug := range companies {
				exec(s.d.build().sql("INSERT INTO companies (id, slug, name, timezone, created_at) VALUES (").arg(id).sql(", ").arg(slug).
					sql(", ").arg(strings.ToUpper(slug)).sql(", 'UTC', ").arg(now).sql(")"))
				exec(s.d.build().sql("INSERT INTO memberships (user_id, company_id, permission, created_at, updated_at) VALUES (").arg(user).
					sql(", ").arg(id).sql(", 'viewer', ").arg(now).sql(", ").arg(now).sql(")"))
			}
			if from, to, err := s.Migrate(ctx); err != nil || from != 1 || to < 2 {
				t.Fatalf("migrate: %d -> %d, %v", from, to, err)
			}
			all, err := s.AllShares(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 2 {
				t.Fatalf("shares after migration: %+v", all)
			}
			for _, sh := range all {
				if !sh.Default || companies[sh.CompanyID] != sh.Name || !isUUID(sh.ID) || sh.CreatedAt.IsZero() {
					t.Errorf("default share %+v", sh)
				}
			}
			ms, err := s.Memberships(ctx, user)
			if err != nil || len(ms) != 2 || ms[0].Analytics || ms[1].Analytics {
				t.Fatalf("memberships after migration: %+v, %v", ms, err)
			}
			// The migration can be undone and done again.
			if _, err := p.DownTo(ctx, 1); err != nil {
				t.Fatalf("down: %v", err)
			}
			if _, _, err := s.Migrate(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
		})
	}
}

// TestShareTokenHistoryHasNoHash: the change history records token changes under
// the user, and never the secret's hash.
func TestShareTokenHistoryHasNoHash(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url)
			u, err := s.CreateUser(ctx, planning.User{Email: "ana@example.com", Name: "Ana"}, store.Console("test"))
			if err != nil {
				t.Fatal(err)
			}
			id, secret, _ := auth.NewToken(auth.ShareTokenPrefix)
			hash := auth.Hash(secret)
			if _, err := s.CreateShareToken(ctx, store.ShareToken{ID: id, UserID: u.ID, Name: "laptop", Hash: hash}, store.Console("test")); err != nil {
				t.Fatal(err)
			}
			if err := s.RevokeShareToken(ctx, id, store.Console("test")); err != nil {
				t.Fatal(err)
			}
			rows, err := s.r.QueryContext(ctx, "SELECT entity_id, entity_key, operation, before, after FROM change_history WHERE entity = 'share_token' ORDER BY seq")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var ops []string
			for rows.Next() {
				var entityID, key, op string
				var before, after []byte
				if err := rows.Scan(&entityID, &key, &op, &before, &after); err != nil {
					t.Fatal(err)
				}
				ops = append(ops, op)
				if entityID != u.ID || key != id {
					t.Errorf("history row names %s/%s, want the user %s and token %s", entityID, key, u.ID, id)
				}
				doc := string(before) + string(after)
				for _, leak := range []string{"hash", secret, hex.EncodeToString(hash), base64.StdEncoding.EncodeToString(hash)} {
					if strings.Contains(doc, leak) {
						t.Errorf("history holds %q: %s", leak, doc)
					}
				}
				if !strings.Contains(doc, "laptop") {
					t.Errorf("history row without the token: %s", doc)
				}
			}
			if strings.Join(ops, ",") != "create,update" {
				t.Errorf("token history = %v", ops)
			}
			// What is stored is the hash, not the secret.
			var stored []byte
			if err := s.r.QueryRowContext(ctx, "SELECT hash FROM share_tokens").Scan(&stored); err != nil || !bytes.Equal(stored, hash) {
				t.Errorf("stored hash %x, %v", stored, err)
			}
		})
	}
}
