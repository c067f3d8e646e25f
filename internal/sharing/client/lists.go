package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Share is a share the recipient may read.
type Share struct {
	Name string `json:"name"`
	ID   string `json:"id,omitempty"`
}

// Schema is a schema of a share.
type Schema struct {
	Name  string `json:"name"`
	Share string `json:"share"`
}

// Table names a shared table; lists also fill its optional ids.
type Table struct {
	Share   string `json:"share"`
	Schema  string `json:"schema"`
	Name    string `json:"name"`
	ShareID string `json:"shareId,omitempty"`
	ID      string `json:"id,omitempty"`
}

// String returns share.schema.name.
func (t Table) String() string { return t.Share + "." + t.Schema + "." + t.Name }

// ParseTable reads "share.schema.table" (the form the Python client uses
// after "profile#").
func ParseTable(s string) (Table, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return Table{}, fmt.Errorf("delta sharing: %q is not a table name of the form share.schema.table", s)
	}
	return Table{Share: parts[0], Schema: parts[1], Name: parts[2]}, nil
}

// path is the table's URL path under the endpoint.
func (t Table) path() string {
	return "/shares/" + url.PathEscape(t.Share) + "/schemas/" + url.PathEscape(t.Schema) + "/tables/" + url.PathEscape(t.Name)
}

// maxListPages bounds a list so that a server handing out page tokens
// forever cannot keep the client looping.
const maxListPages = 1_000_000

// list gets every page of a list request.
func list[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var out []T
	token := ""
	seen := map[string]bool{}
	for range maxListPages {
		q := url.Values{}
		if c.pageSize > 0 {
			q.Set("maxResults", strconv.Itoa(c.pageSize))
		}
		if token != "" {
			q.Set("pageToken", token)
		}
		var page struct {
			Items         []T     `json:"items"`
			NextPageToken *string `json:"nextPageToken"`
		}
		if err := c.getJSON(ctx, path, q, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		// The end: no token, or an empty one (which the Python client 1.0.5
		// would loop on).
		if page.NextPageToken == nil || *page.NextPageToken == "" {
			return out, nil
		}
		token = *page.NextPageToken
		if seen[token] {
			return nil, fmt.Errorf("delta sharing: GET %s: the server handed out the same page token twice", path)
		}
		seen[token] = true
	}
	return nil, fmt.Errorf("delta sharing: GET %s: more than %d pages", path, maxListPages)
}

// ListShares lists the shares the recipient may read.
func (c *Client) ListShares(ctx context.Context) ([]Share, error) {
	return list[Share](ctx, c, "/shares")
}

// GetShare returns one share.
func (c *Client) GetShare(ctx context.Context, share string) (Share, error) {
	var body struct {
		Share Share `json:"share"`
	}
	err := c.getJSON(ctx, "/shares/"+url.PathEscape(share), nil, &body)
	return body.Share, err
}

// ListSchemas lists the schemas of a share.
func (c *Client) ListSchemas(ctx context.Context, share string) ([]Schema, error) {
	return list[Schema](ctx, c, "/shares/"+url.PathEscape(share)+"/schemas")
}

// ListTables lists the tables of one schema of a share.
func (c *Client) ListTables(ctx context.Context, share, schema string) ([]Table, error) {
	return list[Table](ctx, c, "/shares/"+url.PathEscape(share)+"/schemas/"+url.PathEscape(schema)+"/tables")
}

// ListAllTables lists every table of a share with GET /shares/{share}/all-tables;
// when the server answers 404 there (it predates that endpoint), it lists the
// schemas and then each schema's tables, as the Python client does.
func (c *Client) ListAllTables(ctx context.Context, share string) ([]Table, error) {
	tables, err := list[Table](ctx, c, "/shares/"+url.PathEscape(share)+"/all-tables")
	var e *Error
	if err == nil || !errors.As(err, &e) || e.Status != http.StatusNotFound {
		return tables, err
	}
	c.log.Debug("delta sharing: all-tables not found, listing schemas", "share", share)
	schemas, err := c.ListSchemas(ctx, share)
	if err != nil {
		return nil, err
	}
	tables = nil
	for _, s := range schemas {
		t, err := c.ListTables(ctx, share, s.Name)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t...)
	}
	return tables, nil
}

// AllTables lists every table of every share the recipient may read.
func (c *Client) AllTables(ctx context.Context) ([]Table, error) {
	shares, err := c.ListShares(ctx)
	if err != nil {
		return nil, err
	}
	var out []Table
	for _, s := range shares {
		t, err := c.ListAllTables(ctx, s.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, t...)
	}
	return out, nil
}

// TableVersion returns a table's current version, or, when startingTimestamp
// (ISO 8601, e.g. 2026-01-31T00:00:00Z) is not "", the first version
// committed at or after it.
func (c *Client) TableVersion(ctx context.Context, table Table, startingTimestamp string) (int64, error) {
	q := url.Values{}
	if startingTimestamp != "" {
		q.Set("startingTimestamp", startingTimestamp)
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: table.path() + "/version", query: q})
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return tableVersion(resp, "GET "+table.path()+"/version")
}

// tableVersion reads the Delta-Table-Version header, which the protocol
// requires on version, metadata, query and changes answers.
func tableVersion(resp *http.Response, what string) (int64, error) {
	h := resp.Header.Get("Delta-Table-Version")
	if h == "" {
		return 0, fmt.Errorf("delta sharing: %s: the answer has no Delta-Table-Version header", what)
	}
	v, err := strconv.ParseInt(strings.TrimSpace(h), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("delta sharing: %s: Delta-Table-Version %q is not a version", what, h)
	}
	return v, nil
}
