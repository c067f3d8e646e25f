package delta

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// Errors this package returns; test with errors.Is.
var (
	// ErrTableExists: Create found a log already there.
	ErrTableExists = errors.New("delta: table already exists")
	// ErrTableNotFound: the table has no log.
	ErrTableNotFound = errors.New("delta: table does not exist")
	// ErrVersionNotFound: the log has no such version.
	ErrVersionNotFound = errors.New("delta: version does not exist")
	// ErrTimestampTooEarly: time travel to a time before the first commit.
	ErrTimestampTooEarly = errors.New("delta: timestamp is before the table's first commit")
	// ErrConcurrentCommit: another writer committed the version first (see
	// ConflictError).
	ErrConcurrentCommit = errors.New("delta: concurrent commit")
	// ErrTxnApplied: a write carrying WriteOptions.Txn found that the table
	// already holds that application's transaction at that version or later, so
	// it committed nothing (an idempotent retry).
	ErrTxnApplied = errors.New("delta: transaction already applied")
	// ErrUnsupportedProtocol: the table needs reader or writer capabilities this
	// package lacks (see ProtocolError).
	ErrUnsupportedProtocol = errors.New("delta: unsupported table protocol")
	// ErrInvalidCommit: the actions do not form a valid commit.
	ErrInvalidCommit = errors.New("delta: invalid commit")
)

// ConflictError reports that another writer committed Version first. It matches
// ErrConcurrentCommit with errors.Is.
type ConflictError struct {
	Version int64 // the version this writer tried to write
}

// Error describes the conflict.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("delta: version %d was committed by another writer", e.Version)
}

// Is makes errors.Is(err, ErrConcurrentCommit) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConcurrentCommit }

// ProtocolError reports a protocol this package cannot read or write. It matches
// ErrUnsupportedProtocol with errors.Is.
type ProtocolError struct {
	Op       string // "read" or "write"
	Protocol Protocol
	Reason   string
}

// Error describes what is unsupported.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("delta: cannot %s table with protocol (reader %d, writer %d): %s; a newer client is needed",
		e.Op, e.Protocol.MinReaderVersion, e.Protocol.MinWriterVersion, e.Reason)
}

// Is makes errors.Is(err, ErrUnsupportedProtocol) true.
func (e *ProtocolError) Is(target error) bool { return target == ErrUnsupportedProtocol }

// Reader features this package implements. timestampNtz only adds a type the
// schema package knows; vacuumProtocolCheck asks nothing of readers;
// columnMapping is accepted only while the table's mapping mode is "none".
var supportedReaderFeatures = []string{"timestampNtz", "vacuumProtocolCheck", "columnMapping"}

// Writer features this package implements: appendOnly is enforced on commit;
// invariants are supported by refusing to write to a table whose schema has
// any (this package cannot evaluate them); the reader features above.
var supportedWriterFeatures = []string{"appendOnly", "invariants", "timestampNtz", "vacuumProtocolCheck", "columnMapping", "changeDataFeed"}

// DefaultProtocol is the protocol Create uses when given a zero Protocol:
// reader version 1, writer version 2.
var DefaultProtocol = Protocol{MinReaderVersion: 1, MinWriterVersion: 2}

const (
	configAppendOnly        = "delta.appendOnly"
	configColumnMappingMode = "delta.columnMapping.mode"
)

// checkRead reports whether this package can read a table with protocol p and
// metadata m.
func checkRead(p Protocol, m *Metadata) error {
	fail := func(reason string, args ...any) error {
		return &ProtocolError{Op: "read", Protocol: p, Reason: fmt.Sprintf(reason, args...)}
	}
	switch p.MinReaderVersion {
	case 1:
	case 2:
		if err := checkColumnMappingNone(m); err != nil {
			return fail("reader version 2 requires column mapping: %v", err)
		}
	case 3:
		if p.MinWriterVersion != 7 {
			return fail("reader version 3 requires writer version 7")
		}
		for _, f := range p.ReaderFeatures {
			if !slices.Contains(supportedReaderFeatures, f) {
				return fail("reader feature %q is not supported", f)
			}
		}
		if slices.Contains(p.ReaderFeatures, "columnMapping") {
			if err := checkColumnMappingNone(m); err != nil {
				return fail("%v", err)
			}
		}
	default:
		return fail("reader version %d is not supported (this client reads versions 1-3)", p.MinReaderVersion)
	}
	return nil
}

// checkWrite reports whether this package can write to a table with protocol p
// and metadata m. Writers must also be able to read.
func checkWrite(p Protocol, m *Metadata) error {
	if err := checkRead(p, m); err != nil {
		var pe *ProtocolError
		if errors.As(err, &pe) {
			pe.Op = "write"
		}
		return err
	}
	fail := func(reason string, args ...any) error {
		return &ProtocolError{Op: "write", Protocol: p, Reason: fmt.Sprintf(reason, args...)}
	}
	switch p.MinWriterVersion {
	case 1:
		return nil
	case 2:
	case 3, 4:
		// Version 3 adds CHECK constraints and version 4 generated columns (and the
		// change data feed, which Merge writes): refuse tables that use what this
		// client cannot enforce.
		if m != nil {
			for k := range m.Configuration {
				if strings.HasPrefix(k, "delta.constraints.") {
					return fail("table has a CHECK constraint (%s), which this client cannot enforce", k)
				}
			}
			if p.MinWriterVersion == 4 {
				if s, err := m.Schema(); err == nil {
					if col := findFieldMetadata(s, "", "delta.generationExpression"); col != "" {
						return fail("column %q is a generated column, which this client cannot compute", col)
					}
				}
			}
		}
	case 7:
		for _, f := range p.WriterFeatures {
			if !slices.Contains(supportedWriterFeatures, f) {
				return fail("writer feature %q is not supported", f)
			}
		}
		if slices.Contains(p.WriterFeatures, "columnMapping") {
			if err := checkColumnMappingNone(m); err != nil {
				return fail("%v", err)
			}
		}
		if !slices.Contains(p.WriterFeatures, "invariants") {
			return nil
		}
	default:
		return fail("writer version %d is not supported (this client writes versions 1 to 4 and 7)", p.MinWriterVersion)
	}
	// Column invariants are in force: refuse tables that declare any.
	if m == nil {
		return nil
	}
	s, err := m.Schema()
	if err != nil {
		return fmt.Errorf("delta: table schema: %w", err)
	}
	if col := findInvariant(s, ""); col != "" {
		return fail("column %q has an invariant (delta.invariants), which this client cannot enforce", col)
	}
	return nil
}

func checkColumnMappingNone(m *Metadata) error {
	if m == nil {
		return nil
	}
	if mode := m.Configuration[configColumnMappingMode]; mode != "" && mode != "none" {
		return fmt.Errorf("column mapping mode %q is not supported", mode)
	}
	return nil
}

func findInvariant(t schema.DataType, path string) string {
	return findFieldMetadata(t, path, "delta.invariants")
}

// findFieldMetadata returns the path of the first field whose metadata has key.
func findFieldMetadata(t schema.DataType, path, key string) string {
	switch t := t.(type) {
	case *schema.StructType:
		for _, f := range t.Fields {
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			if _, ok := f.Metadata[key]; ok {
				return p
			}
			if c := findFieldMetadata(f.Type, p, key); c != "" {
				return c
			}
		}
	case *schema.ArrayType:
		return findFieldMetadata(t.ElementType, path+".element", key)
	case *schema.MapType:
		if c := findFieldMetadata(t.KeyType, path+".key", key); c != "" {
			return c
		}
		return findFieldMetadata(t.ValueType, path+".value", key)
	}
	return ""
}

// appendOnly reports whether the table is append-only: the feature is supported
// (writer versions 2-6, or 7 with appendOnly listed) and delta.appendOnly is true.
func appendOnly(p Protocol, m *Metadata) bool {
	supported := (p.MinWriterVersion >= 2 && p.MinWriterVersion <= 6) ||
		(p.MinWriterVersion == 7 && slices.Contains(p.WriterFeatures, "appendOnly"))
	return supported && m != nil && strings.EqualFold(m.Configuration[configAppendOnly], "true")
}
