package delta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// Protocol is the protocol action: the reader and writer versions (and, from
// reader version 3 / writer version 7, the table features) a client must implement
// to read or write the table.
type Protocol struct {
	MinReaderVersion int `json:"minReaderVersion"`
	MinWriterVersion int `json:"minWriterVersion"`
	// ReaderFeatures exists only when MinReaderVersion is 3.
	ReaderFeatures []string `json:"readerFeatures,omitempty"`
	// WriterFeatures exists only when MinWriterVersion is 7.
	WriterFeatures []string `json:"writerFeatures,omitempty"`
}

// MarshalJSON writes the protocol; with reader version 3 (writer version 7) it
// writes readerFeatures (writerFeatures) even when empty, as the protocol requires.
func (p Protocol) MarshalJSON() ([]byte, error) {
	type plain Protocol
	out := struct {
		plain
		ReaderFeatures *[]string `json:"readerFeatures,omitempty"`
		WriterFeatures *[]string `json:"writerFeatures,omitempty"`
	}{plain: plain(p)}
	if p.MinReaderVersion == 3 || len(p.ReaderFeatures) > 0 {
		rf := nonNil(p.ReaderFeatures)
		out.ReaderFeatures = &rf
	}
	if p.MinWriterVersion == 7 || len(p.WriterFeatures) > 0 {
		wf := nonNil(p.WriterFeatures)
		out.WriterFeatures = &wf
	}
	return marshal(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Format says how the table's data files are encoded.
type Format struct {
	Provider string            `json:"provider"`
	Options  map[string]string `json:"options"`
}

// Metadata is the metaData action: the table's identity, schema, partitioning and
// configuration. The latest one in the log wins.
type Metadata struct {
	ID               string            `json:"id"`
	Name             string            `json:"name,omitempty"`
	Description      string            `json:"description,omitempty"`
	Format           Format            `json:"format"`
	SchemaString     string            `json:"schemaString"`
	PartitionColumns []string          `json:"partitionColumns"`
	Configuration    map[string]string `json:"configuration"`
	// CreatedTime is milliseconds since the Unix epoch, or nil.
	CreatedTime *int64 `json:"createdTime,omitempty"`
}

// MarshalJSON writes the metadata with its required maps and lists present even
// when empty ({} and [] rather than null).
func (m Metadata) MarshalJSON() ([]byte, error) {
	type plain Metadata
	c := plain(m)
	if c.Format.Options == nil {
		c.Format.Options = map[string]string{}
	}
	if c.PartitionColumns == nil {
		c.PartitionColumns = []string{}
	}
	if c.Configuration == nil {
		c.Configuration = map[string]string{}
	}
	return marshal(c)
}

// Schema parses SchemaString.
func (m *Metadata) Schema() (*schema.StructType, error) { return schema.Parse(m.SchemaString) }

// NewMetadata returns metadata for a new Parquet table with a fresh random id, the
// given schema and partition columns (which must name top-level columns), and
// createdTime set to now.
func NewMetadata(s *schema.StructType, partitionColumns []string, configuration map[string]string) (Metadata, error) {
	if err := s.Validate(); err != nil {
		return Metadata{}, err
	}
	now := nowMillis()
	m := Metadata{
		ID:               newGUID(),
		Format:           Format{Provider: "parquet", Options: map[string]string{}},
		SchemaString:     s.String(),
		PartitionColumns: append([]string{}, partitionColumns...),
		Configuration:    configuration,
		CreatedTime:      &now,
	}
	return m, m.validate()
}

func (m *Metadata) validate() error {
	if m.ID == "" {
		return errors.New("delta: metadata without an id")
	}
	s, err := m.Schema()
	if err != nil {
		return fmt.Errorf("delta: metadata schema: %w", err)
	}
	for _, c := range m.PartitionColumns {
		if _, ok := s.Field(c); !ok {
			return fmt.Errorf("delta: partition column %q is not a column of the schema", c)
		}
	}
	return nil
}

// Add is the add action: a logical file that is part of the table. Path is a URI
// reference (see EncodePath); a later add for the same path replaces this one.
type Add struct {
	Path             string            `json:"path"`
	PartitionValues  map[string]string `json:"partitionValues"`
	Size             int64             `json:"size"`
	ModificationTime int64             `json:"modificationTime"` // ms since the epoch
	DataChange       bool              `json:"dataChange"`
	// Stats is the per-file statistics as a JSON string (see Stats).
	Stats string            `json:"stats,omitempty"`
	Tags  map[string]string `json:"tags,omitempty"`
	// BaseRowID, DefaultRowCommitVersion and ClusteringProvider belong to the row
	// tracking and clustering features; they are kept so rewritten actions do not
	// lose them.
	BaseRowID               *int64 `json:"baseRowId,omitempty"`
	DefaultRowCommitVersion *int64 `json:"defaultRowCommitVersion,omitempty"`
	ClusteringProvider      string `json:"clusteringProvider,omitempty"`
}

// MarshalJSON writes the add with partitionValues present ({} when empty).
func (a Add) MarshalJSON() ([]byte, error) {
	type plain Add
	c := plain(a)
	if c.PartitionValues == nil {
		c.PartitionValues = map[string]string{}
	}
	return marshal(c)
}

// Remove returns the remove action that takes this file out of the table at time
// t, carrying its partition values, size and tags (extendedFileMetadata).
func (a Add) Remove(t int64, dataChange bool) Remove {
	size := a.Size
	return Remove{
		Path:                    a.Path,
		DeletionTimestamp:       &t,
		DataChange:              dataChange,
		ExtendedFileMetadata:    true,
		PartitionValues:         nonNilMap(a.PartitionValues),
		Size:                    &size,
		Tags:                    a.Tags,
		BaseRowID:               a.BaseRowID,
		DefaultRowCommitVersion: a.DefaultRowCommitVersion,
	}
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Remove is the remove action: a logical file leaves the table. It stays in the
// snapshot as a tombstone (for vacuum) until it expires.
type Remove struct {
	Path string `json:"path"`
	// DeletionTimestamp is milliseconds since the epoch, or nil.
	DeletionTimestamp *int64 `json:"deletionTimestamp,omitempty"`
	DataChange        bool   `json:"dataChange"`
	// ExtendedFileMetadata true means PartitionValues, Size and Tags are present.
	ExtendedFileMetadata    bool              `json:"extendedFileMetadata,omitempty"`
	PartitionValues         map[string]string `json:"partitionValues,omitempty"`
	Size                    *int64            `json:"size,omitempty"`
	Stats                   string            `json:"stats,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
	BaseRowID               *int64            `json:"baseRowId,omitempty"`
	DefaultRowCommitVersion *int64            `json:"defaultRowCommitVersion,omitempty"`
}

// AddCDCFile is the cdc action: a change data file written by this commit. It
// does not change the table's data, so DataChange is always false.
type AddCDCFile struct {
	Path            string            `json:"path"`
	PartitionValues map[string]string `json:"partitionValues"`
	Size            int64             `json:"size"`
	DataChange      bool              `json:"dataChange"`
	Tags            map[string]string `json:"tags,omitempty"`
}

// MarshalJSON writes the cdc action with partitionValues present ({} when empty).
func (c AddCDCFile) MarshalJSON() ([]byte, error) {
	type plain AddCDCFile
	p := plain(c)
	if p.PartitionValues == nil {
		p.PartitionValues = map[string]string{}
	}
	return marshal(p)
}

// Txn is the txn action (a transaction identifier): the progress of an
// application that writes to the table idempotently. The latest version per
// AppID wins.
type Txn struct {
	AppID   string `json:"appId"`
	Version int64  `json:"version"`
	// LastUpdated is milliseconds since the epoch, or nil.
	LastUpdated *int64 `json:"lastUpdated,omitempty"`
}

// CommitInfo is the commitInfo action: free-form provenance of a commit. The
// members this package knows are fields; every other member is kept in Extra
// and written back unchanged.
type CommitInfo struct {
	// Timestamp is when the commit was made, ms since the epoch (0: absent).
	Timestamp int64
	// InCommitTimestamp is set by writers of tables with In-Commit Timestamps.
	InCommitTimestamp *int64
	// Operation names the operation ("WRITE", "CREATE TABLE", "DELETE").
	Operation string
	// OperationParameters are the operation's parameters.
	OperationParameters map[string]any
	// Extra holds the other members as raw JSON.
	Extra map[string]json.RawMessage
}

var commitInfoKnown = []string{"timestamp", "inCommitTimestamp", "operation", "operationParameters"}

// MarshalJSON writes the known members, then Extra, in key order.
func (c CommitInfo) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(c.Extra)+4)
	for k, v := range c.Extra {
		out[k] = v
	}
	for _, k := range commitInfoKnown {
		delete(out, k)
	}
	if c.Timestamp != 0 {
		out["timestamp"] = c.Timestamp
	}
	if c.InCommitTimestamp != nil {
		out["inCommitTimestamp"] = *c.InCommitTimestamp
	}
	if c.Operation != "" {
		out["operation"] = c.Operation
	}
	if c.OperationParameters != nil {
		out["operationParameters"] = c.OperationParameters
	}
	return marshal(out)
}

// UnmarshalJSON reads a commitInfo object of any shape.
func (c *CommitInfo) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = CommitInfo{}
	if v, ok := raw["timestamp"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &c.Timestamp); err != nil {
			return fmt.Errorf("commitInfo.timestamp: %w", err)
		}
	}
	if v, ok := raw["inCommitTimestamp"]; ok && string(v) != "null" {
		var ts int64
		if err := json.Unmarshal(v, &ts); err != nil {
			return fmt.Errorf("commitInfo.inCommitTimestamp: %w", err)
		}
		c.InCommitTimestamp = &ts
	}
	if v, ok := raw["operation"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &c.Operation); err != nil {
			return fmt.Errorf("commitInfo.operation: %w", err)
		}
	}
	if v, ok := raw["operationParameters"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &c.OperationParameters); err != nil {
			return fmt.Errorf("commitInfo.operationParameters: %w", err)
		}
	}
	for _, k := range commitInfoKnown {
		delete(raw, k)
	}
	if len(raw) > 0 {
		c.Extra = raw
	}
	return nil
}

// Action is one line of a commit file: exactly one of its fields is set. In JSON
// it is a single-key object naming the kind, {"add":{...}}.
type Action struct {
	Protocol   *Protocol
	Metadata   *Metadata
	Add        *Add
	Remove     *Remove
	CDC        *AddCDCFile
	Txn        *Txn
	CommitInfo *CommitInfo
	// Unknown is an action kind this package does not interpret (domainMetadata,
	// for one). The protocol lets clients ignore unrecognized actions; replay
	// does, and writing the action back reproduces it unchanged.
	Unknown *UnknownAction
}

// UnknownAction is an action of a kind this package does not interpret.
type UnknownAction struct {
	Kind string          // the JSON key, e.g. "domainMetadata"
	Body json.RawMessage // the value, as read
}

// Action kinds, the keys of an action's JSON object.
const (
	kindProtocol   = "protocol"
	kindMetadata   = "metaData"
	kindAdd        = "add"
	kindRemove     = "remove"
	kindCDC        = "cdc"
	kindTxn        = "txn"
	kindCommitInfo = "commitInfo"
)

// Kind returns the action's JSON key ("add", "metaData", ...), or "" when no
// field is set.
func (a Action) Kind() string {
	switch {
	case a.Protocol != nil:
		return kindProtocol
	case a.Metadata != nil:
		return kindMetadata
	case a.Add != nil:
		return kindAdd
	case a.Remove != nil:
		return kindRemove
	case a.CDC != nil:
		return kindCDC
	case a.Txn != nil:
		return kindTxn
	case a.CommitInfo != nil:
		return kindCommitInfo
	case a.Unknown != nil:
		return a.Unknown.Kind
	}
	return ""
}

func (a Action) count() int {
	n := 0
	for _, set := range []bool{a.Protocol != nil, a.Metadata != nil, a.Add != nil, a.Remove != nil,
		a.CDC != nil, a.Txn != nil, a.CommitInfo != nil, a.Unknown != nil} {
		if set {
			n++
		}
	}
	return n
}

// MarshalJSON writes the single-key object; it fails unless exactly one field
// is set.
func (a Action) MarshalJSON() ([]byte, error) {
	if n := a.count(); n != 1 {
		return nil, fmt.Errorf("delta: an action must have exactly one kind set, this one has %d", n)
	}
	var body any
	switch {
	case a.Protocol != nil:
		body = a.Protocol
	case a.Metadata != nil:
		body = a.Metadata
	case a.Add != nil:
		body = a.Add
	case a.Remove != nil:
		body = a.Remove
	case a.CDC != nil:
		body = a.CDC
	case a.Txn != nil:
		body = a.Txn
	case a.CommitInfo != nil:
		body = a.CommitInfo
	default:
		if a.Unknown.Kind == "" || len(a.Unknown.Body) == 0 {
			return nil, errors.New("delta: unknown action without a kind or body")
		}
		body = a.Unknown.Body
	}
	b, err := marshal(body)
	if err != nil {
		return nil, err
	}
	return marshal(map[string]json.RawMessage{a.Kind(): b})
}

// UnmarshalJSON reads a single-key action object. Members whose value is null are
// skipped; exactly one must remain.
func (a *Action) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var kind string
	var body json.RawMessage
	keys := make([]string, 0, len(raw))
	for k, v := range raw {
		if string(v) == "null" {
			continue
		}
		keys = append(keys, k)
		kind, body = k, v
	}
	if len(keys) != 1 {
		sort.Strings(keys)
		return fmt.Errorf("delta: an action must be an object with one member, got %v", keys)
	}
	*a = Action{}
	var target any
	switch kind {
	case kindProtocol:
		a.Protocol = new(Protocol)
		target = a.Protocol
	case kindMetadata:
		a.Metadata = new(Metadata)
		target = a.Metadata
	case kindAdd:
		a.Add = new(Add)
		target = a.Add
	case kindRemove:
		a.Remove = new(Remove)
		target = a.Remove
	case kindCDC:
		a.CDC = new(AddCDCFile)
		target = a.CDC
	case kindTxn:
		a.Txn = new(Txn)
		target = a.Txn
	case kindCommitInfo:
		a.CommitInfo = new(CommitInfo)
		target = a.CommitInfo
	default:
		a.Unknown = &UnknownAction{Kind: kind, Body: append(json.RawMessage(nil), body...)}
		return nil
	}
	if err := json.Unmarshal(body, target); err != nil {
		return fmt.Errorf("delta: %s action: %w", kind, err)
	}
	return nil
}

// marshal is json.Marshal without HTML escaping: '<', '>' and '&' in paths and
// expressions are written as themselves.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
