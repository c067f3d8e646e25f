// Package sharing is a Delta Sharing protocol server: the open REST protocol
// (delta-io/delta-sharing PROTOCOL.md) through which Spark, pandas, Power BI,
// Databricks and Trestle's own connector read shared Delta tables.
//
// Server implements every endpoint of the protocol on top of three small seams:
// an Authenticator (bearer token -> Recipient), a Catalog (what a recipient may
// see: shares, schemas, tables, each table a delta.Table with a URL signer for
// its data files) and the delta package for reading snapshots, history and the
// change data feed. It knows nothing of SQL or of the hub: the hub's catalog
// (companies' published tables and extra shares) lives in a subpackage.
//
// Where PROTOCOL.md is silent the server follows what the reference server and
// the official clients expect (see docs/sharing.md): list page tokens are
// omitted on the last page, endStreamAction is written only when the client asked
// for it, names are case-insensitive, paths with doubled slashes are served.
package sharing
