package client

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// Response formats.
const (
	FormatParquet = "parquet"
	FormatDelta   = "delta"
)

// File kinds (File.Kind).
const (
	KindFile   = "file"   // a file of a snapshot
	KindAdd    = "add"    // a file added by a commit (data change)
	KindRemove = "remove" // a file removed by a commit (data change)
	KindCDF    = "cdf"    // a change data file, with a _change_type column
)

// Protocol is a table's protocol line: the reader version (and, in the delta
// format, the writer version and table features) a reader must implement.
type Protocol struct {
	MinReaderVersion int      `json:"minReaderVersion"`
	MinWriterVersion int      `json:"minWriterVersion,omitempty"`
	ReaderFeatures   []string `json:"readerFeatures,omitempty"`
	WriterFeatures   []string `json:"writerFeatures,omitempty"`
}

// Format is how a table's data files are encoded.
type Format struct {
	Provider string            `json:"provider"`
	Options  map[string]string `json:"options,omitempty"`
}

// Metadata is a table's metaData line.
type Metadata struct {
	ID               string            `json:"id"`
	Name             string            `json:"name,omitempty"`
	Description      string            `json:"description,omitempty"`
	Format           Format            `json:"format"`
	SchemaString     string            `json:"schemaString"`
	PartitionColumns []string          `json:"partitionColumns"`
	Configuration    map[string]string `json:"configuration,omitempty"`
	// CreatedTime is ms since the epoch (0 when absent).
	CreatedTime int64 `json:"createdTime,omitempty"`
	// Version is the version this metadata belongs to, set on time travel and
	// on historical metadata (-1 when absent).
	Version int64 `json:"-"`
	// Size and NumFiles are the snapshot's bytes and files (-1 when absent).
	Size     int64 `json:"-"`
	NumFiles int64 `json:"-"`
}

// Schema parses SchemaString (a Spark/Delta JSON schema).
func (m Metadata) Schema() (*schema.StructType, error) { return schema.Parse(m.SchemaString) }

// ColumnMappingMode is the table's delta.columnMapping.mode ("" or "none":
// data files use the schema's column names).
func (m Metadata) ColumnMappingMode() string { return m.Configuration["delta.columnMapping.mode"] }

// File is a data file handed out by a query or changes request, in either
// response format.
type File struct {
	// Kind is KindFile, KindAdd, KindRemove or KindCDF. In the delta format a
	// snapshot's add actions are KindFile, a data change's KindAdd.
	Kind string
	// URL is the pre-signed URL of the file (the action's path in the delta
	// format).
	URL string
	// ID identifies the file, stably across requests.
	ID string
	// Size is the file's size in bytes.
	Size int64
	// PartitionValues are the file's partition values ("" for null).
	PartitionValues map[string]string
	// Stats is the file's statistics as JSON ("" when absent).
	Stats string
	// Version is the commit (data changes) or snapshot (time travel) the file
	// belongs to; -1 when absent.
	Version int64
	// Timestamp is that commit's time (zero when absent).
	Timestamp time.Time
	// ExpirationTimestamp is when URL stops working (zero when unknown).
	ExpirationTimestamp time.Time
	// ChangeType is "insert" for KindAdd and "delete" for KindRemove; "" for
	// the others (change data files carry a _change_type column per row).
	ChangeType string
}

// Expired reports whether the file's URL has expired at now.
func (f File) Expired(now time.Time) bool {
	return !f.ExpirationTimestamp.IsZero() && !now.Before(f.ExpirationTimestamp)
}

// key identifies a file across two answers for the same files: snapshot files
// by id, data changes by kind, id and version.
func (f File) key() string {
	if f.Kind == KindFile {
		return f.ID
	}
	return fmt.Sprintf("%s/%s/%d", f.Kind, f.ID, f.Version)
}

// TableInfo is what every metadata, query and changes answer starts with.
type TableInfo struct {
	// Version is the Delta-Table-Version header: the snapshot's version, or
	// the starting version of data changes.
	Version int64
	// Format is the response format the server used (FormatParquet or
	// FormatDelta).
	Format   string
	Protocol Protocol
	Metadata Metadata
}

// Result is a whole query or changes answer.
type Result struct {
	TableInfo
	// Files are the answer's files, in the server's order, over all pages.
	Files []File
	// History holds the metaData lines after the first (historical metadata
	// of data changes), one per version, in order.
	History []Metadata
	// RefreshToken, when the query asked for one, gets fresh URLs for the
	// same snapshot (Client.Refresh).
	RefreshToken string
	// MinURLExpiration is the earliest expiry of the URLs, when the server said.
	MinURLExpiration time.Time
}

// The wire forms of NDJSON lines.
type wireLine struct {
	Protocol        *wireProtocol   `json:"protocol"`
	MetaData        *wireMetadata   `json:"metaData"`
	File            *wireFile       `json:"file"`
	Add             *wireFile       `json:"add"`
	Remove          *wireFile       `json:"remove"`
	CDF             *wireFile       `json:"cdf"`
	EndStreamAction *wireEnd        `json:"endStreamAction"`
	QueryStatus     json.RawMessage `json:"queryStatus"`
}

type wireProtocol struct {
	MinReaderVersion *int      `json:"minReaderVersion"`
	DeltaProtocol    *Protocol `json:"deltaProtocol"`
}

type wireMetadata struct {
	Metadata
	DeltaMetadata *Metadata `json:"deltaMetadata"`
	Version       *int64    `json:"version"`
	Size          *int64    `json:"size"`
	NumFiles      *int64    `json:"numFiles"`
}

func (w *wireMetadata) metadata() Metadata {
	m := w.Metadata
	if w.DeltaMetadata != nil {
		m = *w.DeltaMetadata
	}
	m.Version, m.Size, m.NumFiles = orMinus1(w.Version), orMinus1(w.Size), orMinus1(w.NumFiles)
	if m.PartitionColumns == nil {
		m.PartitionColumns = []string{}
	}
	return m
}

func orMinus1(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

type wireFile struct {
	URL                 string            `json:"url"`
	ID                  string            `json:"id"`
	PartitionValues     map[string]string `json:"partitionValues"`
	Size                int64             `json:"size"`
	Stats               json.RawMessage   `json:"stats"`
	Version             *int64            `json:"version"`
	Timestamp           *int64            `json:"timestamp"`
	ExpirationTimestamp *int64            `json:"expirationTimestamp"`
	DeltaSingleAction   *struct {
		Add    *wireAction `json:"add"`
		Remove *wireAction `json:"remove"`
		CDC    *wireAction `json:"cdc"`
	} `json:"deltaSingleAction"`
}

type wireAction struct {
	Path            string            `json:"path"`
	PartitionValues map[string]string `json:"partitionValues"`
	Size            *int64            `json:"size"`
	Stats           json.RawMessage   `json:"stats"`
	DeletionVector  json.RawMessage   `json:"deletionVector"`
}

type wireEnd struct {
	RefreshToken              string  `json:"refreshToken"`
	NextPageToken             string  `json:"nextPageToken"`
	MinURLExpirationTimestamp *int64  `json:"minUrlExpirationTimestamp"`
	ErrorMessage              *string `json:"errorMessage"`
}

// toFile maps a file line of either format to a File. kind is the line's
// wrapper key; changes says the answer is data changes (delta-format adds
// are then KindAdd rather than KindFile).
func (w *wireFile) toFile(kind string, changes bool) (File, error) {
	f := File{Kind: kind, URL: w.URL, ID: w.ID, Size: w.Size, PartitionValues: w.PartitionValues,
		Stats: statsString(w.Stats), Version: orMinus1(w.Version)}
	if w.Timestamp != nil {
		f.Timestamp = time.UnixMilli(*w.Timestamp).UTC()
	}
	if w.ExpirationTimestamp != nil && *w.ExpirationTimestamp > 0 {
		f.ExpirationTimestamp = time.UnixMilli(*w.ExpirationTimestamp).UTC()
	}
	if d := w.DeltaSingleAction; d != nil {
		var a *wireAction
		switch {
		case d.Add != nil:
			a, f.Kind = d.Add, KindFile
			if changes {
				f.Kind = KindAdd
			}
		case d.Remove != nil:
			a, f.Kind = d.Remove, KindRemove
		case d.CDC != nil:
			a, f.Kind = d.CDC, KindCDF
		default:
			return f, fmt.Errorf("file %s: deltaSingleAction has no add, remove or cdc action", w.ID)
		}
		if len(a.DeletionVector) > 0 && string(a.DeletionVector) != "null" {
			return f, fmt.Errorf("file %s has a deletion vector: this client cannot apply deletion vectors", w.ID)
		}
		f.URL, f.PartitionValues, f.Stats = a.Path, a.PartitionValues, statsString(a.Stats)
		if a.Size != nil {
			f.Size = *a.Size
		}
	}
	if f.URL == "" {
		return f, fmt.Errorf("a %s line has no url", kind)
	}
	if f.PartitionValues == nil {
		f.PartitionValues = map[string]string{}
	}
	switch f.Kind {
	case KindAdd:
		f.ChangeType = "insert"
	case KindRemove:
		f.ChangeType = "delete"
	}
	return f, nil
}

// statsString returns stats as JSON text: the protocol sends a JSON string
// holding JSON, some servers the object itself.
func statsString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
