package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// MetadataOptions choose the snapshot whose metadata is read: the latest, or
// one version, or the one current at a timestamp.
type MetadataOptions struct {
	Version   *int64
	Timestamp string // ISO 8601, e.g. 2026-01-31T00:00:00Z
	// Format is FormatParquet (when "") or FormatDelta.
	Format string
}

// QueryOptions are the parameters of a query (POST .../query). At most one of
// Version, Timestamp and StartingVersion may be set; none means the latest
// snapshot.
type QueryOptions struct {
	// Version or Timestamp (ISO 8601) select a snapshot (time travel).
	Version   *int64
	Timestamp string
	// StartingVersion asks for the data-change files (add, remove) of the
	// commits from it to EndingVersion (the latest when nil), with their
	// historical metadata.
	StartingVersion *int64
	EndingVersion   *int64
	// PredicateHints are legacy SQL hints ("region = 'KS'"), and
	// JSONPredicateHints a JSON predicate tree: the server may skip files
	// that cannot match (best effort; filter the rows yourself).
	PredicateHints     []string
	JSONPredicateHints string
	// LimitHint asks for about that many rows (best effort).
	LimitHint *int64
	// MaxFiles pages the answer: the server sends at most MaxFiles files per
	// request, and the client follows the pages (0: one answer).
	MaxFiles int
	// Format is FormatParquet (when "") or FormatDelta.
	Format string
	// IncludeRefreshToken asks for a refresh token (latest snapshot only): see
	// Refresh.
	IncludeRefreshToken bool
}

// ChangesOptions are the parameters of a change data feed request (GET
// .../changes): one of StartingVersion and StartingTimestamp is required.
type ChangesOptions struct {
	StartingVersion   *int64
	EndingVersion     *int64
	StartingTimestamp string
	EndingTimestamp   string
	// IncludeHistoricalMetadata asks for the metaData of every commit in the
	// range that changed it (Result.History).
	IncludeHistoricalMetadata bool
	// MaxFiles pages the answer (0: one answer).
	MaxFiles int
	// Format is FormatParquet (when "") or FormatDelta.
	Format string
}

// queryBody is the JSON body of a query, with only the fields set.
type queryBody struct {
	PredicateHints      []string `json:"predicateHints,omitempty"`
	JSONPredicateHints  string   `json:"jsonPredicateHints,omitempty"`
	LimitHint           *int64   `json:"limitHint,omitempty"`
	Version             *int64   `json:"version,omitempty"`
	Timestamp           string   `json:"timestamp,omitempty"`
	StartingVersion     *int64   `json:"startingVersion,omitempty"`
	EndingVersion       *int64   `json:"endingVersion,omitempty"`
	MaxFiles            int      `json:"maxFiles,omitempty"`
	PageToken           string   `json:"pageToken,omitempty"`
	IncludeRefreshToken bool     `json:"includeRefreshToken,omitempty"`
	RefreshToken        string   `json:"refreshToken,omitempty"`
}

func (o QueryOptions) check() (string, error) {
	n := 0
	for _, set := range []bool{o.Version != nil, o.Timestamp != "", o.StartingVersion != nil} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return "", errors.New("delta sharing: query: set at most one of Version, Timestamp and StartingVersion")
	case o.EndingVersion != nil && o.StartingVersion == nil:
		return "", errors.New("delta sharing: query: EndingVersion needs StartingVersion")
	case o.MaxFiles < 0 || o.MaxFiles > 1<<31-1:
		return "", fmt.Errorf("delta sharing: query: MaxFiles %d is out of range", o.MaxFiles)
	}
	return checkFormat(o.Format)
}

// Metadata reads a table's protocol and metadata (GET .../metadata).
func (c *Client) Metadata(ctx context.Context, table Table, opts MetadataOptions) (*TableInfo, error) {
	format, err := checkFormat(opts.Format)
	if err != nil {
		return nil, err
	}
	if opts.Version != nil && opts.Timestamp != "" {
		return nil, errors.New("delta sharing: metadata: set Version or Timestamp, not both")
	}
	q := url.Values{}
	if opts.Version != nil {
		q.Set("version", strconv.FormatInt(*opts.Version, 10))
	}
	if opts.Timestamp != "" {
		q.Set("timestamp", opts.Timestamp)
	}
	cl := call{method: http.MethodGet, path: table.path() + "/metadata", query: q,
		header: http.Header{"Delta-Sharing-Capabilities": {capabilities(format)}}}
	s, err := c.openStream(ctx, cl.String(), format, false, func(ctx context.Context, _ string) (*http.Response, error) {
		return c.do(ctx, cl)
	})
	if err != nil {
		return nil, err
	}
	// Read to the end: an endStreamAction may still carry an error.
	for _, err := range s.Files() {
		if err != nil {
			return nil, err
		}
	}
	return &s.TableInfo, nil
}

// QueryStream starts a query: its TableInfo is read when it returns, its
// files are delivered by the Stream as they arrive.
func (c *Client) QueryStream(ctx context.Context, table Table, opts QueryOptions) (*Stream, error) {
	return c.queryStream(ctx, table, opts, "")
}

// Query runs a query and returns all its files.
func (c *Client) Query(ctx context.Context, table Table, opts QueryOptions) (*Result, error) {
	return collect(c.queryStream(ctx, table, opts, ""))
}

// Refresh asks again for the files of the latest-snapshot query that
// returned refreshToken (with IncludeRefreshToken), with fresh URLs: the same
// snapshot's files, matched by File.ID. opts should be the original query's
// (its predicates and paging); the answer carries a new refresh token.
func (c *Client) Refresh(ctx context.Context, table Table, refreshToken string, opts QueryOptions) (*Result, error) {
	if refreshToken == "" {
		return nil, errors.New("delta sharing: refresh: no refresh token")
	}
	return collect(c.RefreshStream(ctx, table, refreshToken, opts))
}

// RefreshStream is Refresh as a Stream.
func (c *Client) RefreshStream(ctx context.Context, table Table, refreshToken string, opts QueryOptions) (*Stream, error) {
	if opts.Version != nil || opts.Timestamp != "" || opts.StartingVersion != nil {
		return nil, errors.New("delta sharing: refresh: refresh tokens are for latest-snapshot queries only")
	}
	opts.IncludeRefreshToken = false
	return c.queryStream(ctx, table, opts, refreshToken)
}

func (c *Client) queryStream(ctx context.Context, table Table, opts QueryOptions, refreshToken string) (*Stream, error) {
	format, err := opts.check()
	if err != nil {
		return nil, err
	}
	body := queryBody{PredicateHints: opts.PredicateHints, JSONPredicateHints: opts.JSONPredicateHints, LimitHint: opts.LimitHint,
		Version: opts.Version, Timestamp: opts.Timestamp, StartingVersion: opts.StartingVersion, EndingVersion: opts.EndingVersion,
		MaxFiles: opts.MaxFiles}
	path := table.path() + "/query"
	header := http.Header{"Delta-Sharing-Capabilities": {capabilities(format)}}
	return c.openStream(ctx, "POST "+path, format, opts.StartingVersion != nil, func(ctx context.Context, pageToken string) (*http.Response, error) {
		b := body
		if pageToken == "" {
			// Refresh tokens go with the first page only; later pages resend
			// the same parameters with the page token.
			b.IncludeRefreshToken, b.RefreshToken = opts.IncludeRefreshToken, refreshToken
		}
		b.PageToken = pageToken
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		return c.do(ctx, call{method: http.MethodPost, path: path, body: raw, header: header})
	})
}

// ChangesStream starts a change data feed request: its TableInfo is read
// when it returns, its files are delivered by the Stream as they arrive.
func (c *Client) ChangesStream(ctx context.Context, table Table, opts ChangesOptions) (*Stream, error) {
	format, err := checkFormat(opts.Format)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	switch {
	case opts.StartingVersion == nil && opts.StartingTimestamp == "":
		return nil, errors.New("delta sharing: changes: set StartingVersion or StartingTimestamp")
	case opts.StartingVersion != nil && opts.StartingTimestamp != "":
		return nil, errors.New("delta sharing: changes: set StartingVersion or StartingTimestamp, not both")
	case opts.EndingVersion != nil && opts.EndingTimestamp != "":
		return nil, errors.New("delta sharing: changes: set EndingVersion or EndingTimestamp, not both")
	case opts.MaxFiles < 0 || opts.MaxFiles > 1<<31-1:
		return nil, fmt.Errorf("delta sharing: changes: MaxFiles %d is out of range", opts.MaxFiles)
	}
	if opts.StartingVersion != nil {
		q.Set("startingVersion", strconv.FormatInt(*opts.StartingVersion, 10))
	}
	if opts.StartingTimestamp != "" {
		q.Set("startingTimestamp", opts.StartingTimestamp)
	}
	if opts.EndingVersion != nil {
		q.Set("endingVersion", strconv.FormatInt(*opts.EndingVersion, 10))
	}
	if opts.EndingTimestamp != "" {
		q.Set("endingTimestamp", opts.EndingTimestamp)
	}
	if opts.IncludeHistoricalMetadata {
		q.Set("includeHistoricalMetadata", "true")
	}
	if opts.MaxFiles > 0 {
		q.Set("maxFiles", strconv.Itoa(opts.MaxFiles))
	}
	path := table.path() + "/changes"
	header := http.Header{"Delta-Sharing-Capabilities": {capabilities(format)}}
	return c.openStream(ctx, "GET "+path, format, true, func(ctx context.Context, pageToken string) (*http.Response, error) {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		if pageToken != "" {
			pq.Set("pageToken", pageToken)
		}
		return c.do(ctx, call{method: http.MethodGet, path: path, query: pq, header: header})
	})
}

// Changes reads a table's change data feed and returns all its files: cdf
// files where the commit recorded change data, otherwise its add (insert)
// and remove (delete) files.
func (c *Client) Changes(ctx context.Context, table Table, opts ChangesOptions) (*Result, error) {
	return collect(c.ChangesStream(ctx, table, opts))
}
