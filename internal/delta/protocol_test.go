package delta

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestProtocolSupport(t *testing.T) {
	const plainSchema = handSchema
	const invariantSchema = `{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{\"delta.invariants\":\"{\\\"expression\\\": { \\\"expression\\\": \\\"x > 3\\\"} }\"}}]}`
	const generatedSchema = `{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{\"delta.generationExpression\":\"1\"}}]}`
	tests := []struct {
		name      string
		protocol  string
		config    string
		schema    string
		readErr   string // "" means readable
		writeErr  string // "" means writable
		writeSkip bool
	}{
		{"r1 w1", `{"minReaderVersion":1,"minWriterVersion":1}`, `{}`, plainSchema, "", "", false},
		{"r1 w2", `{"minReaderVersion":1,"minWriterVersion":2}`, `{}`, plainSchema, "", "", false},
		{"r1 w3", `{"minReaderVersion":1,"minWriterVersion":3}`, `{}`, plainSchema, "", "", false},
		{"r1 w3 check constraint", `{"minReaderVersion":1,"minWriterVersion":3}`, `{"delta.constraints.positive":"x > 0"}`, plainSchema, "", "CHECK constraint", false},
		{"r1 w4 change data feed", `{"minReaderVersion":1,"minWriterVersion":4}`, `{"delta.enableChangeDataFeed":"true"}`, plainSchema, "", "", false},
		{"r1 w4 generated column", `{"minReaderVersion":1,"minWriterVersion":4}`, `{}`, generatedSchema, "", `column "x" is a generated column`, false},
		{"r2 w5 no mapping", `{"minReaderVersion":2,"minWriterVersion":5}`, `{}`, plainSchema, "", "writer version 5", false},
		{"r2 w5 name mapping", `{"minReaderVersion":2,"minWriterVersion":5}`, `{"delta.columnMapping.mode":"name"}`, plainSchema, `column mapping mode "name"`, "", true},
		{"r3 w7 deletion vectors", `{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}`, `{}`, plainSchema, `reader feature "deletionVectors"`, "", true},
		{"r3 w7 timestampNtz", `{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["timestampNtz"],"writerFeatures":["timestampNtz","appendOnly"]}`, `{}`, plainSchema, "", "", false},
		{"r3 w7 change data feed", `{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[],"writerFeatures":["changeDataFeed"]}`, `{}`, plainSchema, "", "", false},
		{"r3 w7 unknown writer feature", `{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[],"writerFeatures":["rowTracking"]}`, `{}`, plainSchema, "", `writer feature "rowTracking"`, false},
		{"r3 w5", `{"minReaderVersion":3,"minWriterVersion":5,"readerFeatures":[]}`, `{}`, plainSchema, "requires writer version 7", "", true},
		{"r4", `{"minReaderVersion":4,"minWriterVersion":7,"readerFeatures":[],"writerFeatures":[]}`, `{}`, plainSchema, "reader version 4", "", true},
		{"missing minReaderVersion", `{"readerVersion":1,"writerVersion":2}`, `{}`, plainSchema, "reader version 0", "", true},
		{"w2 with an invariant", `{"minReaderVersion":1,"minWriterVersion":2}`, `{}`, invariantSchema, "", `column "x" has an invariant`, false},
		{"w7 invariants feature", `{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["invariants"]}`, `{}`, invariantSchema, "", `column "x" has an invariant`, false},
		{"w7 without invariants feature", `{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":[]}`, `{}`, invariantSchema, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := newStore(t)
			putLog(t, store, "t", 0,
				`{"protocol":`+tt.protocol+`}`,
				`{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"`+tt.schema+`","partitionColumns":[],"configuration":`+tt.config+`}}`)
			tbl := NewTable(store, "t")
			_, err := tbl.Snapshot(ctx)
			if tt.readErr != "" {
				if !errors.Is(err, ErrUnsupportedProtocol) || !strings.Contains(err.Error(), tt.readErr) {
					t.Fatalf("Snapshot error = %v, want ErrUnsupportedProtocol with %q", err, tt.readErr)
				}
				var pe *ProtocolError
				if !errors.As(err, &pe) || pe.Op != "read" {
					t.Errorf("error %v is not a read *ProtocolError", err)
				}
			} else if err != nil {
				t.Fatalf("Snapshot: %v", err)
			}
			if tt.writeSkip {
				return
			}
			_, err = tbl.Commit(ctx, 0, []Action{{Add: &Add{Path: "f", Size: 1, DataChange: true}}})
			if tt.writeErr != "" {
				if !errors.Is(err, ErrUnsupportedProtocol) || !strings.Contains(err.Error(), tt.writeErr) {
					t.Fatalf("Commit error = %v, want ErrUnsupportedProtocol with %q", err, tt.writeErr)
				}
			} else if err != nil {
				t.Fatalf("Commit: %v", err)
			}
		})
	}
}

func TestCommitRefusesUnsupportedUpgrade(t *testing.T) {
	tbl, _ := newTable(t)
	up := Protocol{MinReaderVersion: 3, MinWriterVersion: 7, ReaderFeatures: []string{"deletionVectors"}, WriterFeatures: []string{"deletionVectors"}}
	if _, err := tbl.Commit(context.Background(), 0, []Action{{Protocol: &up}}); !errors.Is(err, ErrUnsupportedProtocol) {
		t.Errorf("error = %v, want ErrUnsupportedProtocol", err)
	}
	if err := NewTable(newStore(t), "x").Create(context.Background(), testMetadata(t, nil), up); !errors.Is(err, ErrUnsupportedProtocol) {
		t.Errorf("Create error = %v, want ErrUnsupportedProtocol", err)
	}
}

func TestAppendOnly(t *testing.T) {
	ctx := context.Background()
	tbl := NewTable(newStore(t), testRoot)
	if err := tbl.Create(ctx, testMetadata(t, map[string]string{"delta.appendOnly": "true"}), Protocol{}); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tbl, 0, addFile("a", "r", 1))
	snap := mustSnapshot(t, tbl)
	rm := removeFile(t, snap, "region=r/a")
	if _, err := tbl.Commit(ctx, 1, []Action{rm}); !errors.Is(err, ErrInvalidCommit) || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("remove from append-only table: error = %v", err)
	}
	// Rearranging data (dataChange false) is allowed.
	rm.Remove.DataChange = false
	compacted := addFile("a-compacted", "r", 1)
	compacted.Add.DataChange = false
	mustCommit(t, tbl, 1, rm, compacted)
}

func TestInvalidCommits(t *testing.T) {
	tbl, _ := newTable(t)
	md := testMetadata(t, nil)
	badMD := md
	badMD.PartitionColumns = []string{"nope"}
	add := func(p string) Action { return Action{Add: &Add{Path: p, DataChange: true}} }
	tests := []struct {
		name    string
		actions []Action
		want    string
	}{
		{"two metadata", []Action{{Metadata: &md}, {Metadata: &md}}, "more than one protocol or metaData"},
		{"two protocols", []Action{{Protocol: &DefaultProtocol}, {Protocol: &DefaultProtocol}}, "more than one protocol or metaData"},
		{"bad protocol", []Action{{Protocol: &Protocol{MinReaderVersion: 3, MinWriterVersion: 2}}}, "needs writer version 7"},
		{"features without v3", []Action{{Protocol: &Protocol{MinReaderVersion: 1, MinWriterVersion: 2, ReaderFeatures: []string{}}}}, "readerFeatures exist only"},
		{"bad partition column", []Action{{Metadata: &badMD}}, `partition column "nope"`},
		{"added twice", []Action{add("a"), add("a")}, "added twice"},
		{"added twice, encoded differently", []Action{add("a b"), add("a%20b")}, "added twice"},
		{"removed twice", []Action{{Remove: &Remove{Path: "a"}}, {Remove: &Remove{Path: "a"}}}, "removed twice"},
		{"add and remove", []Action{add("a"), {Remove: &Remove{Path: "a"}}}, "both added and removed"},
		{"empty path", []Action{add("")}, "empty path"},
		{"bad escape", []Action{add("a%zz")}, "invalid URL escape"},
		{"cdc with data change", []Action{{CDC: &AddCDCFile{Path: "c", DataChange: true}}}, "dataChange true"},
		{"two txns for an app", []Action{{Txn: &Txn{AppID: "a"}}, {Txn: &Txn{AppID: "a"}}}, `two txn actions for app "a"`},
		{"txn without app", []Action{{Txn: &Txn{}}}, "without an appId"},
		{"two commitInfos", []Action{{CommitInfo: &CommitInfo{}}, {CommitInfo: &CommitInfo{}}}, "more than one commitInfo"},
		{"empty action", []Action{{}}, "0 kinds"},
		{"action with two kinds", []Action{{Add: &Add{Path: "a"}, Txn: &Txn{AppID: "x"}}}, "2 kinds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tbl.Commit(context.Background(), 0, tt.actions)
			if !errors.Is(err, ErrInvalidCommit) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrInvalidCommit with %q", err, tt.want)
			}
		})
	}
	if s := mustSnapshot(t, tbl); s.Version != 0 {
		t.Errorf("invalid commits changed the table: %v", s)
	}
}

func TestCommitInfoPlacement(t *testing.T) {
	tbl, _ := newTable(t)
	v := mustCommit(t, tbl, 0, addFile("a", "r", 1),
		Action{CommitInfo: &CommitInfo{Timestamp: 42, Operation: "MERGE", Extra: map[string]json.RawMessage{"engineInfo": json.RawMessage(`"trestle"`)}}})
	actions, err := tbl.ReadCommit(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	ci := actions[0].CommitInfo
	if ci == nil || ci.Timestamp != 42 || ci.Operation != "MERGE" || string(ci.Extra["engineInfo"]) != `"trestle"` || len(actions) != 2 {
		t.Errorf("actions = %+v", actions)
	}
}

// TestCreateWithChangeDataFeed checks that a table created with the change data feed
// on gets writer version 4, as the protocol requires.
func TestCreateWithChangeDataFeed(t *testing.T) {
	ctx := context.Background()
	tbl := NewTable(newStore(t), "cdf")
	m, err := NewMetadata(testSchema(), nil, map[string]string{ConfigEnableChangeDataFeed: "true"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tbl.Create(ctx, m, Protocol{}); err != nil {
		t.Fatal(err)
	}
	snap, err := tbl.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := snap.Protocol; p.MinReaderVersion != 1 || p.MinWriterVersion != 4 {
		t.Fatalf("protocol = %+v, want reader 1, writer 4", p)
	}
}
