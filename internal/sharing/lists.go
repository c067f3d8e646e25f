package sharing

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxPageSize is the largest and default page of a list request.
const maxPageSize = 500

// page reads maxResults and pageToken and returns the slice bounds of the page
// and the next page token ("" on the last page).
func (s *Server) page(q *request, kind, share, schema string, total int) (from, to int, next string, err error) {
	size := maxPageSize
	if v := q.r.URL.Query().Get("maxResults"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 32)
		switch {
		case perr != nil:
			return 0, 0, "", badRequest("expected a number but the string didn't have the appropriate format (maxResults=%q)", v)
		case n < 0 || n > maxPageSize:
			return 0, 0, "", badRequest("Acceptable values of 'maxResults' are 0 to %d, inclusive.", maxPageSize)
		}
		size = int(n)
	}
	if tok := q.r.URL.Query().Get("pageToken"); tok != "" {
		var t listToken
		if s.tokens.decode(tok, &t) != nil || t.Kind != kind || !strings.EqualFold(t.Share, share) ||
			!strings.EqualFold(t.Schema, schema) || t.Offset < 0 {
			return 0, 0, "", badRequest("invalid 'nextPageToken'")
		}
		from = min(t.Offset, total)
	}
	to = min(from+size, total)
	if to < total {
		next = s.tokens.encode(listToken{Kind: kind, Share: share, Schema: schema, Offset: to})
	}
	return from, to, next, nil
}

// writeList answers a list request: {"items": [...], "nextPageToken"?}.
func writeList[T any](q *request, items []T, next string) error {
	body := struct {
		Items []T    `json:"items"`
		Next  string `json:"nextPageToken,omitempty"`
	}{Items: items, Next: next}
	if body.Items == nil {
		body.Items = []T{}
	}
	return writeJSON(q.w, body)
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(v)
}

type shareJSON struct {
	Name string `json:"name"`
	ID   string `json:"id,omitempty"`
}

func (s *Server) listShares(q *request) error {
	shares, err := s.cfg.Catalog.Shares(q.ctx, q.recipient)
	if err != nil {
		return err
	}
	from, to, next, err := s.page(q, "shares", "", "", len(shares))
	if err != nil {
		return err
	}
	items := make([]shareJSON, 0, to-from)
	for _, sh := range shares[from:to] {
		items = append(items, shareJSON{Name: sh.Name, ID: sh.ID})
	}
	return writeList(q, items, next)
}

// tables returns a share's tables, or 404 when the recipient cannot see it.
func (s *Server) tables(q *request, share string) (Share, []Table, error) {
	q.access.Share = share
	sh, tables, err := s.cfg.Catalog.Tables(q.ctx, q.recipient, share)
	if errors.Is(err, ErrNotFound) {
		return sh, nil, notFound("share '%s' not found", share)
	}
	return sh, tables, err
}

func (s *Server) getShare(q *request, share string) error {
	sh, _, err := s.tables(q, share)
	if err != nil {
		return err
	}
	return writeJSON(q.w, map[string]shareJSON{"share": {Name: sh.Name, ID: sh.ID}})
}

type schemaJSON struct {
	Name  string `json:"name"`
	Share string `json:"share"`
}

func (s *Server) listSchemas(q *request, share string) error {
	sh, tables, err := s.tables(q, share)
	if err != nil {
		return err
	}
	var names []string
	for _, t := range tables {
		if !slices.Contains(names, t.Schema) {
			names = append(names, t.Schema)
		}
	}
	slices.Sort(names)
	from, to, next, err := s.page(q, "schemas", sh.Name, "", len(names))
	if err != nil {
		return err
	}
	items := make([]schemaJSON, 0, to-from)
	for _, n := range names[from:to] {
		items = append(items, schemaJSON{Name: n, Share: sh.Name})
	}
	return writeList(q, items, next)
}

type tableJSON struct {
	Name    string `json:"name"`
	Schema  string `json:"schema"`
	Share   string `json:"share"`
	ShareID string `json:"shareId,omitempty"`
	ID      string `json:"id,omitempty"`
}

// listTables lists the tables of one schema, or of the whole share when schema
// is "" (all-tables).
func (s *Server) listTables(q *request, share, schema string) error {
	sh, tables, err := s.tables(q, share)
	if err != nil {
		return err
	}
	kind := "all-tables"
	if schema != "" {
		kind = "tables"
		q.access.Schema = schema
		var in []Table
		for _, t := range tables {
			if strings.EqualFold(t.Schema, schema) {
				in = append(in, t)
			}
		}
		if len(in) == 0 {
			return notFound("[Share/Schema] '%s/%s' does not exist, please contact your share provider for further information.", share, schema)
		}
		tables = in
	}
	from, to, next, err := s.page(q, kind, sh.Name, schema, len(tables))
	if err != nil {
		return err
	}
	items := make([]tableJSON, 0, to-from)
	for _, t := range tables[from:to] {
		items = append(items, tableJSON{Name: t.Name, Schema: t.Schema, Share: sh.Name, ShareID: t.ShareID, ID: t.ID})
	}
	return writeList(q, items, next)
}
