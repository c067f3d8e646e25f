// Package hubshare is the hub's side of Delta Sharing: it answers the sharing
// server's two questions, who is asking (share tokens of hub users) and what they
// may read (every share of every company where the user has analytics access:
// the company's published tables, and any external Delta table added to a
// share), from the hub's store.
package hubshare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/bloburl"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/publish"
	"github.com/trestle-dev/trestle/internal/sharing"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
	"github.com/trestle-dev/trestle/internal/store"
)

// Hub implements sharing.Authenticator and sharing.Catalog over the store.
type Hub struct {
	st     store.Store
	tables blob.Store // where the publisher writes
	signer *fileurl.Signer
	log    func(err error)
	now    func() time.Time

	mu      sync.Mutex
	deltas  map[string]*delta.Table // by store name + root: tables keep their snapshot cache
	stores  map[string]blob.Store   // external locations, by store name
	configs map[string]shareConfig  // by share name key
}

// TablesStore is the name under which the published tables' store is
// registered with the signer.
const TablesStore = "tables"

// New returns the hub catalog. tables is the publisher's blob store; signer
// signs URLs of stores that cannot presign (it gets the stores registered).
func New(st store.Store, tables blob.Store, signer *fileurl.Signer) *Hub {
	signer.Register(TablesStore, tables)
	return &Hub{st: st, tables: tables, signer: signer, now: time.Now,
		deltas: map[string]*delta.Table{}, stores: map[string]blob.Store{}, configs: map[string]shareConfig{}}
}

// Authenticate implements sharing.Authenticator: a share token that exists, is
// neither revoked nor expired, and whose secret matches the stored hash.
func (h *Hub) Authenticate(ctx context.Context, bearer string) (sharing.Recipient, error) {
	id, secret, ok := auth.Parse(bearer)
	if !ok {
		return sharing.Recipient{}, sharing.ErrUnauthenticated
	}
	tok, err := h.st.ShareToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sharing.Recipient{}, sharing.ErrUnauthenticated
	}
	if err != nil {
		return sharing.Recipient{}, err
	}
	now := h.now()
	if tok.Kind == store.TokenClient || !auth.Verify(secret, tok.Hash) || !tok.Active(now) {
		// An OAuth client credential is not a bearer token: it only buys tokens
		// at the token endpoint.
		return sharing.Recipient{}, sharing.ErrUnauthenticated
	}
	h.touch(ctx, tok.ID, now)
	return sharing.Recipient{UserID: tok.UserID, TokenID: tok.ID}, nil
}

// touch records a token's use off the request path; the store writes it at
// most once a minute per token.
func (h *Hub) touch(ctx context.Context, id string, now time.Time) {
	go func() { _ = h.st.TouchShareToken(context.WithoutCancel(ctx), id, now) }()
}

// Shares implements sharing.Catalog.
func (h *Hub) Shares(ctx context.Context, r sharing.Recipient) ([]sharing.Share, error) {
	access, err := h.st.RecipientAccess(ctx, r.UserID)
	if err != nil {
		return nil, err
	}
	var out []sharing.Share
	for _, a := range access {
		shares, err := h.st.Shares(ctx, a.Company.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range shares {
			out = append(out, sharing.Share{Name: s.Name, ID: s.ID})
		}
	}
	slices.SortFunc(out, func(a, b sharing.Share) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// shareConfig is a share and the tables it lists, as read from the store.
type shareConfig struct {
	share  store.Share
	listed []store.SharedTable
	at     time.Time
}

// configTTL is how long a share's configuration (its name and listed tables)
// is reused between requests. Who may read it is checked on every request.
const configTTL = 2 * time.Second

// config returns a share's configuration, cached for configTTL.
func (h *Hub) config(ctx context.Context, name string) (shareConfig, error) {
	key := store.NameKey(name)
	now := h.now()
	h.mu.Lock()
	c, ok := h.configs[key]
	h.mu.Unlock()
	if ok && now.Sub(c.at) < configTTL {
		return c, nil
	}
	sh, err := h.st.ShareByName(ctx, name)
	if err != nil {
		return shareConfig{}, err
	}
	listed, err := h.st.SharedTables(ctx, sh.ID)
	if err != nil {
		return shareConfig{}, err
	}
	c = shareConfig{share: sh, listed: listed, at: now}
	h.mu.Lock()
	h.configs[key] = c
	h.mu.Unlock()
	return c, nil
}

// Tables implements sharing.Catalog.
func (h *Hub) Tables(ctx context.Context, r sharing.Recipient, name string) (sharing.Share, []sharing.Table, error) {
	cfg, err := h.config(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return sharing.Share{}, nil, sharing.ErrNotFound
	}
	if err != nil {
		return sharing.Share{}, nil, err
	}
	sh := cfg.share
	access, err := h.st.RecipientAccess(ctx, r.UserID)
	if err != nil {
		return sharing.Share{}, nil, err
	}
	if !slices.ContainsFunc(access, func(a store.CompanyAccess) bool { return a.Company.ID == sh.CompanyID }) {
		return sharing.Share{}, nil, sharing.ErrNotFound
	}
	out := sharing.Share{Name: sh.Name, ID: sh.ID}
	var tables []sharing.Table
	if sh.Default {
		for _, t := range publish.Tables() {
			tables = append(tables, h.hubTable(sh, store.DefaultSchema, t.Name, t.Name))
		}
	}
	for _, st := range cfg.listed {
		if st.HubTable != "" {
			t := h.hubTable(sh, st.Schema, st.Name, st.HubTable)
			t.History, t.ID = st.History, st.ID
			tables = append(tables, t)
			continue
		}
		t, err := h.external(ctx, sh, st)
		if err != nil {
			return out, nil, err
		}
		tables = append(tables, t)
	}
	slices.SortFunc(tables, func(a, b sharing.Table) int {
		return strings.Compare(strings.ToLower(a.Schema+"."+a.Name), strings.ToLower(b.Schema+"."+b.Name))
	})
	return out, tables, nil
}

// hubTable is one of the company's published tables.
func (h *Hub) hubTable(sh store.Share, schema, name, hubTable string) sharing.Table {
	root := publish.TablePath(sh.CompanyID, hubTable)
	return sharing.Table{Share: sh.Name, ShareID: sh.ID, Schema: schema, Name: name, History: true,
		Delta: h.table(TablesStore, h.tables, root), Files: h.urls(TablesStore, h.tables)}
}

// external is a Delta table written by another tool, at a folder or S3 URL.
func (h *Hub) external(ctx context.Context, sh store.Share, st store.SharedTable) (sharing.Table, error) {
	sum := sha256.Sum256([]byte(st.Location))
	name := "ext-" + hex.EncodeToString(sum[:8])
	h.mu.Lock()
	b, ok := h.stores[name]
	h.mu.Unlock()
	if !ok {
		var err error
		if b, err = bloburl.Open(ctx, st.Location); err != nil {
			return sharing.Table{}, fmt.Errorf("shared table %s.%s.%s: %w", sh.Name, st.Schema, st.Name, err)
		}
		h.mu.Lock()
		h.stores[name] = b
		h.mu.Unlock()
		h.signer.Register(name, b)
	}
	return sharing.Table{Share: sh.Name, ShareID: sh.ID, Schema: st.Schema, Name: st.Name, ID: st.ID, History: st.History,
		Delta: h.table(name, b, ""), Files: h.urls(name, b)}, nil
}

// table returns the (cached) delta.Table at root in a store, so repeated
// requests reuse its snapshot and read only new commits.
func (h *Hub) table(storeName string, b blob.Store, root string) *delta.Table {
	key := storeName + "\x00" + root
	h.mu.Lock()
	defer h.mu.Unlock()
	if t, ok := h.deltas[key]; ok {
		return t
	}
	t := delta.NewTable(b, root)
	h.deltas[key] = t
	return t
}

// urls signs file URLs: presigned by the store when it can (S3), else by the
// hub's signer.
func (h *Hub) urls(storeName string, b blob.Store) sharing.URLSigner {
	return signer(func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
		return h.signer.FileURL(ctx, storeName, key, ttl)
	})
}

type signer func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)

func (f signer) SignURL(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	return f(ctx, key, ttl)
}
