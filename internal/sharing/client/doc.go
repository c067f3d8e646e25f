// Package client is a Delta Sharing protocol client, usable against any
// server: Trestle's own (internal/sharing), the reference server, Databricks.
//
// A Client is made from a profile file (LoadProfile): version 1 with a bearer
// token and an optional expiry, or version 2 with OAuth client credentials,
// whose access tokens are fetched and renewed automatically. It lists shares,
// schemas and tables (following page tokens), reads a table's version and
// metadata, and queries a table's files or its change data feed in either
// response format (parquet or delta), following maxFiles pages.
//
// Responses to metadata, query and changes requests are NDJSON streams. They
// are decoded line by line: QueryStream and ChangesStream deliver files as
// they arrive, so a table of 100,000 files never sits in memory as one body;
// Query and Changes collect them into a slice.
//
// Every request is retried with exponential backoff and full jitter on 429,
// 5xx and connection errors, honouring Retry-After; other 4xx are not retried.
// A protocol error body becomes an *Error.
//
// File URLs are pre-signed and expire. Download reports an expired URL as
// ErrURLExpired; a Refresher gets fresh URLs for the same snapshot (with the
// query's refresh token, or by asking for the same version again) and
// downloads through them.
package client
