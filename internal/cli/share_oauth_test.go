package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/store"
)

// TestShareProfileOAuth: --oauth writes a version 2 profile whose client
// credential is stored hashed, as a client (not a bearer token).
func TestShareProfileOAuth(t *testing.T) {
	c := newCLI(t, "sqlite")
	c.ok("company", "create", "--name", "Acme", "--slug", "acme")
	c.ok("user", "create", "--email", "bi@acme.com", "--name", "BI", "--company", "acme=viewer", "--analytics")
	out := filepath.Join(t.TempDir(), "bi.share")
	c.ok("share", "profile", "--user", "bi@acme.com", "--oauth", "--endpoint", "https://hub.acme.com/delta-sharing", "--out", out)
	raw, err := os.ReadFile(out)
	must(t, err)
	var p profileV2
	must(t, json.Unmarshal(raw, &p))
	if p.ShareCredentialsVersion != 2 || p.Type != "oauth_client_credentials" || p.TokenEndpoint != "https://hub.acme.com/oauth/token" ||
		p.Endpoint != "https://hub.acme.com/delta-sharing" || p.ClientID == "" || p.ClientSecret == "" {
		t.Fatalf("profile = %s", raw)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("profile mode: %v %v", fi.Mode(), err)
	}
	tok, err := c.store().ShareToken(context.Background(), p.ClientID)
	must(t, err)
	if tok.Kind != store.TokenClient || !auth.Verify(p.ClientSecret, tok.Hash) {
		t.Fatalf("stored client %+v", tok)
	}
	list, _ := c.ok("share", "token", "list", "--user", "bi@acme.com")
	mustContain(t, "token list", list, p.ClientID, "client")
}
