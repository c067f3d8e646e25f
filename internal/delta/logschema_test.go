package delta

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A hand-written schema of the Delta log's JSON actions, taken from the field
// tables of the protocol (PROTOCOL.md of delta-io/delta: "Actions"), and a small
// validator for it. It checks every line the writer produces independently of
// the Action types' own JSON code.

type fieldKind int

const (
	kString       fieldKind = iota
	kLong                   // a JSON integer that fits an int64
	kInt                    // a JSON integer that fits an int32
	kBool                   //
	kStringMap              // map[string]string
	kNullableMap            // map[string]string whose values may be null (partition values, tags)
	kStringArray            // array<string>
	kObject                 // any JSON object
	kFormat                 // metaData.format
	kDeletionVect           // add/remove.deletionVector
)

func (k fieldKind) String() string {
	return [...]string{"string", "long", "int", "boolean", "map<string,string>",
		"map<string,string|null>", "array<string>", "object", "format", "deletionVector"}[k]
}

type fieldSpec struct {
	kind     fieldKind
	required bool
}

// actionSpec lists an action's fields; open actions (commitInfo) may carry
// fields not listed, the others may not.
type actionSpec struct {
	fields map[string]fieldSpec
	open   bool
}

func req(k fieldKind) fieldSpec { return fieldSpec{k, true} }
func opt(k fieldKind) fieldSpec { return fieldSpec{k, false} }

var deltaActionSchema = map[string]actionSpec{
	"add": {fields: map[string]fieldSpec{
		"path": req(kString), "partitionValues": req(kNullableMap), "size": req(kLong),
		"modificationTime": req(kLong), "dataChange": req(kBool), "stats": opt(kString),
		"tags": opt(kNullableMap), "deletionVector": opt(kDeletionVect), "baseRowId": opt(kLong),
		"defaultRowCommitVersion": opt(kLong), "clusteringProvider": opt(kString),
	}},
	"remove": {fields: map[string]fieldSpec{
		"path": req(kString), "deletionTimestamp": opt(kLong), "dataChange": req(kBool),
		"extendedFileMetadata": opt(kBool), "partitionValues": opt(kNullableMap), "size": opt(kLong),
		"stats": opt(kString), "tags": opt(kNullableMap), "deletionVector": opt(kDeletionVect),
		"baseRowId": opt(kLong), "defaultRowCommitVersion": opt(kLong),
	}},
	"cdc": {fields: map[string]fieldSpec{
		"path": req(kString), "partitionValues": req(kNullableMap), "size": req(kLong),
		"dataChange": req(kBool), "tags": opt(kNullableMap),
	}},
	"metaData": {fields: map[string]fieldSpec{
		"id": req(kString), "name": opt(kString), "description": opt(kString), "format": req(kFormat),
		"schemaString": req(kString), "partitionColumns": req(kStringArray), "createdTime": opt(kLong),
		"configuration": req(kStringMap),
	}},
	"protocol": {fields: map[string]fieldSpec{
		"minReaderVersion": req(kInt), "minWriterVersion": req(kInt),
		"readerFeatures": opt(kStringArray), "writerFeatures": opt(kStringArray),
	}},
	"commitInfo": {open: true, fields: map[string]fieldSpec{
		"timestamp": opt(kLong), "inCommitTimestamp": opt(kLong), "operation": opt(kString),
		"operationParameters": opt(kObject),
	}},
	"txn": {fields: map[string]fieldSpec{
		"appId": req(kString), "version": req(kLong), "lastUpdated": opt(kLong),
	}},
}

var deletionVectorSchema = actionSpec{fields: map[string]fieldSpec{
	"storageType": req(kString), "pathOrInlineDv": req(kString), "offset": opt(kInt),
	"sizeInBytes": req(kInt), "cardinality": req(kLong),
}}

var formatSchema = actionSpec{fields: map[string]fieldSpec{
	"provider": req(kString), "options": opt(kStringMap),
}}

func decodeObject(raw json.RawMessage) (map[string]json.RawMessage, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return nil, fmt.Errorf("not a JSON object: %.60s", raw)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func checkInteger(raw json.RawMessage, lo, hi int64) error {
	s := string(bytes.TrimSpace(raw))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("%s is not an integer in [%d, %d]", s, lo, hi)
	}
	return nil
}

func checkKind(k fieldKind, raw json.RawMessage) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		return fmt.Errorf("null, want %s", k)
	}
	switch k {
	case kString:
		var s string
		return json.Unmarshal(raw, &s)
	case kLong:
		return checkInteger(raw, math.MinInt64, math.MaxInt64)
	case kInt:
		return checkInteger(raw, math.MinInt32, math.MaxInt32)
	case kBool:
		var b bool
		return json.Unmarshal(raw, &b)
	case kStringMap, kNullableMap:
		m, err := decodeObject(raw)
		if err != nil {
			return err
		}
		for key, v := range m {
			if k == kNullableMap && string(v) == "null" {
				continue
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("value of %q: %w", key, err)
			}
		}
		return nil
	case kStringArray:
		if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			return fmt.Errorf("not a JSON array: %.60s", raw)
		}
		var a []string
		return json.Unmarshal(raw, &a)
	case kObject:
		_, err := decodeObject(raw)
		return err
	case kFormat:
		return checkObject(formatSchema, raw)
	case kDeletionVect:
		return checkObject(deletionVectorSchema, raw)
	}
	return fmt.Errorf("unknown kind %d", k)
}

func checkObject(spec actionSpec, raw json.RawMessage) error {
	m, err := decodeObject(raw)
	if err != nil {
		return err
	}
	var errs []string
	for name, f := range spec.fields {
		v, ok := m[name]
		if !ok {
			if f.required {
				errs = append(errs, fmt.Sprintf("missing required field %q", name))
			}
			continue
		}
		if err := checkKind(f.kind, v); err != nil {
			errs = append(errs, fmt.Sprintf("field %q: %v", name, err))
		}
	}
	if !spec.open {
		for name := range m {
			if _, ok := spec.fields[name]; !ok {
				errs = append(errs, fmt.Sprintf("unknown field %q", name))
			}
		}
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// validateActionLine checks one line of a commit file and returns its action kind.
func validateActionLine(line []byte) (string, error) {
	m, err := decodeObject(line)
	if err != nil {
		return "", err
	}
	if len(m) != 1 {
		return "", fmt.Errorf("a line must hold exactly one action, has %d keys", len(m))
	}
	for kind, body := range m {
		spec, ok := deltaActionSchema[kind]
		if !ok {
			return kind, fmt.Errorf("unknown action %q", kind)
		}
		if err := checkObject(spec, body); err != nil {
			return kind, fmt.Errorf("%s: %w", kind, err)
		}
		return kind, checkActionRules(kind, body)
	}
	panic("unreachable")
}

// checkActionRules checks the protocol's rules beyond field types.
func checkActionRules(kind string, body json.RawMessage) error {
	m, _ := decodeObject(body)
	switch kind {
	case "protocol":
		var p struct {
			R int `json:"minReaderVersion"`
			W int `json:"minWriterVersion"`
		}
		json.Unmarshal(body, &p)
		if p.R < 1 || p.W < 1 {
			return fmt.Errorf("protocol versions %d/%d", p.R, p.W)
		}
		if _, ok := m["readerFeatures"]; (p.R == 3) != ok {
			return fmt.Errorf("protocol: readerFeatures must be present exactly when minReaderVersion is 3")
		}
		if _, ok := m["writerFeatures"]; (p.W == 7) != ok {
			return fmt.Errorf("protocol: writerFeatures must be present exactly when minWriterVersion is 7")
		}
	case "metaData":
		var md struct {
			Schema string `json:"schemaString"`
			Format struct {
				Provider string `json:"provider"`
			} `json:"format"`
		}
		json.Unmarshal(body, &md)
		if md.Format.Provider != "parquet" {
			return fmt.Errorf("metaData: format provider %q", md.Format.Provider)
		}
		var s struct {
			Type   string            `json:"type"`
			Fields []json.RawMessage `json:"fields"`
		}
		if err := json.Unmarshal([]byte(md.Schema), &s); err != nil || s.Type != "struct" {
			return fmt.Errorf("metaData: schemaString is not a struct type: %v", err)
		}
		for _, f := range s.Fields {
			if err := checkObject(actionSpec{fields: map[string]fieldSpec{
				"name": req(kString), "nullable": req(kBool), "metadata": req(kObject),
				"type": req(kString), // the writer tests use primitive types only
			}}, f); err != nil {
				return fmt.Errorf("metaData: schema field: %w", err)
			}
		}
	case "add":
		if st, ok := m["stats"]; ok {
			var s string
			json.Unmarshal(st, &s)
			if err := checkObject(actionSpec{open: true, fields: map[string]fieldSpec{
				"numRecords": req(kLong), "minValues": opt(kObject), "maxValues": opt(kObject),
				"nullCount": opt(kObject), "tightBounds": opt(kBool),
			}}, json.RawMessage(s)); err != nil {
				return fmt.Errorf("add: stats: %w", err)
			}
		}
	}
	if v, ok := m["path"]; ok && string(v) == `""` {
		return fmt.Errorf("%s: empty path", kind)
	}
	return nil
}

func TestLogActionsMatchSchema(t *testing.T) {
	_, store := crossCheckTable(t)
	commits, err := filepath.Glob(filepath.Join(store.Dir(), filepath.FromSlash(testRoot), "_delta_log", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(commits) != 4 {
		t.Fatalf("%d commit files, want 4 (create, append, merge, txn): %v", len(commits), commits)
	}
	seen := map[string]int{}
	for _, c := range commits {
		f, err := os.Open(c)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		n := 0
		kinds := map[string]bool{}
		for sc.Scan() {
			n++
			line := sc.Bytes()
			kind, err := validateActionLine(line)
			if err != nil {
				t.Errorf("%s line %d: %v\n%s", filepath.Base(c), n, err, line)
			}
			seen[kind]++
			kinds[kind] = true
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if n == 0 || !kinds["commitInfo"] {
			t.Errorf("%s: %d lines, commitInfo %v", filepath.Base(c), n, kinds["commitInfo"])
		}
		if strings.HasSuffix(c, "00000000000000000000.json") && (!kinds["protocol"] || !kinds["metaData"]) {
			t.Errorf("version 0 lacks protocol or metaData: %v", kinds)
		}
	}
	for kind := range deltaActionSchema {
		if seen[kind] == 0 {
			t.Errorf("the table's log has no %s action, so its schema was not exercised", kind)
		}
	}
	t.Logf("validated actions: %v", seen)
}

// TestLogSchemaValidatorRejects makes sure the validator is not vacuous.
func TestLogSchemaValidatorRejects(t *testing.T) {
	bad := []string{
		`{"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":1}}`,                        // no dataChange
		`{"add":{"path":"a.parquet","partitionValues":{},"size":"1","modificationTime":1,"dataChange":true}}`,    // size a string
		`{"add":{"path":"a.parquet","partitionValues":{},"size":1.5,"modificationTime":1,"dataChange":true}}`,    // size not an integer
		`{"add":{"path":"a","partitionValues":{"p":1},"size":1,"modificationTime":1,"dataChange":true}}`,         // partition value a number
		`{"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"x":1}}`,        // unknown field
		`{"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"stats":"{}"}}`, // stats without numRecords
		`{"remove":{"path":"a"}}`,
		`{"cdc":{"path":"a","size":1,"dataChange":false}}`,
		`{"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"{}","partitionColumns":[]}}`,
		`{"protocol":{"minReaderVersion":3,"minWriterVersion":7}}`,
		`{"protocol":{"minReaderVersion":1}}`,
		`{"txn":{"appId":"a","version":null}}`,
		`{"commitInfo":{"timestamp":"now"}}`,
		`{"add":{},"remove":{}}`,
		`{"domainMetadata":{}}`,
		`[1]`,
	}
	for _, line := range bad {
		if _, err := validateActionLine([]byte(line)); err == nil {
			t.Errorf("accepted %s", line)
		}
	}
	good := []string{
		`{"add":{"path":"a","partitionValues":{"p":null},"size":1,"modificationTime":1,"dataChange":true,"stats":"{\"numRecords\":3}"}}`,
		`{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[],"writerFeatures":["appendOnly"]}}`,
		`{"commitInfo":{"timestamp":1,"engineInfo":"x"}}`,
		`{"txn":{"appId":"a","version":3,"lastUpdated":5}}`,
	}
	for _, line := range good {
		if _, err := validateActionLine([]byte(line)); err != nil {
			t.Errorf("rejected %s: %v", line, err)
		}
	}
}
