package delta

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestActionJSON(t *testing.T) {
	tests := []struct {
		name   string
		action Action
		json   string
	}{
		{"protocol", Action{Protocol: &Protocol{MinReaderVersion: 1, MinWriterVersion: 2}},
			`{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}`},
		{"protocol with features", Action{Protocol: &Protocol{MinReaderVersion: 3, MinWriterVersion: 7,
			ReaderFeatures: []string{"columnMapping"}, WriterFeatures: []string{"columnMapping", "identityColumns"}}},
			`{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["columnMapping"],"writerFeatures":["columnMapping","identityColumns"]}}`},
		{"metadata", Action{Metadata: &Metadata{ID: "af23c9d7-fff1-4a5a-a2c8-55c59bd782aa",
			Format: Format{Provider: "parquet", Options: map[string]string{}}, SchemaString: `{"type":"struct","fields":[]}`,
			PartitionColumns: []string{}, Configuration: map[string]string{"appendOnly": "true"}, CreatedTime: ptr[int64](1)}},
			`{"metaData":{"id":"af23c9d7-fff1-4a5a-a2c8-55c59bd782aa","format":{"provider":"parquet","options":{}},` +
				`"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{"appendOnly":"true"},"createdTime":1}}`},
		{"add", Action{Add: &Add{Path: "date=2017-12-10/part-000.c000.gz.parquet", PartitionValues: map[string]string{"date": "2017-12-10"},
			Size: 841454, ModificationTime: 1512909768000, DataChange: true, Stats: `{"numRecords":1}`, Tags: map[string]string{"k": "v"}}},
			`{"add":{"path":"date=2017-12-10/part-000.c000.gz.parquet","partitionValues":{"date":"2017-12-10"},"size":841454,` +
				`"modificationTime":1512909768000,"dataChange":true,"stats":"{\"numRecords\":1}","tags":{"k":"v"}}}`},
		{"remove", Action{Remove: &Remove{Path: "part-00001.snappy.parquet", DeletionTimestamp: ptr[int64](1515488792485), DataChange: true}},
			`{"remove":{"path":"part-00001.snappy.parquet","deletionTimestamp":1515488792485,"dataChange":true}}`},
		{"remove extended", Action{Remove: &Remove{Path: "a", DataChange: false, ExtendedFileMetadata: true,
			PartitionValues: map[string]string{"p": ""}, Size: ptr[int64](0)}},
			`{"remove":{"path":"a","dataChange":false,"extendedFileMetadata":true,"partitionValues":{"p":""},"size":0}}`},
		{"cdc", Action{CDC: &AddCDCFile{Path: "_change_data/cdc-00001-c.snappy.parquet", PartitionValues: map[string]string{}, Size: 1213}},
			`{"cdc":{"path":"_change_data/cdc-00001-c.snappy.parquet","partitionValues":{},"size":1213,"dataChange":false}}`},
		{"txn", Action{Txn: &Txn{AppID: "3ba13872-2d47-4e17-86a0-21afd2a22395", Version: 364475}},
			`{"txn":{"appId":"3ba13872-2d47-4e17-86a0-21afd2a22395","version":364475}}`},
		{"commitInfo", Action{CommitInfo: &CommitInfo{Timestamp: 1515491537026, Operation: "INSERT",
			OperationParameters: map[string]any{"mode": "Append", "partitionBy": "[]"},
			Extra:               map[string]json.RawMessage{"userId": json.RawMessage(`"100121"`)}}},
			`{"commitInfo":{"operation":"INSERT","operationParameters":{"mode":"Append","partitionBy":"[]"},"timestamp":1515491537026,"userId":"100121"}}`},
		{"unknown kind kept", Action{Unknown: &UnknownAction{Kind: "domainMetadata",
			Body: json.RawMessage(`{"domain":"delta.deltaTableFeatureX","configuration":"{\"key1\":\"value1\"}","removed":false}`)}},
			`{"domainMetadata":{"domain":"delta.deltaTableFeatureX","configuration":"{\"key1\":\"value1\"}","removed":false}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.action)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tt.json {
				t.Errorf("Marshal:\n got %s\nwant %s", got, tt.json)
			}
			var back Action
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(back, tt.action) {
				t.Errorf("round trip:\n got %+v\nwant %+v", back, tt.action)
			}
			if back.Kind() == "" {
				t.Error("Kind is empty")
			}
		})
	}
}

func TestActionDefaultsForRequiredFields(t *testing.T) {
	// Required maps and lists are written even when the Go value is nil.
	got, err := json.Marshal(Action{Add: &Add{Path: "f"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"add":{"path":"f","partitionValues":{},"size":0,"modificationTime":0,"dataChange":false}}`; string(got) != want {
		t.Errorf("add: got %s, want %s", got, want)
	}
	got, err = json.Marshal(Action{Metadata: &Metadata{ID: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"metaData":{"id":"x","format":{"provider":"","options":{}},"schemaString":"","partitionColumns":[],"configuration":{}}}`; string(got) != want {
		t.Errorf("metaData: got %s, want %s", got, want)
	}
	got, err = json.Marshal(Action{Protocol: &Protocol{MinReaderVersion: 3, MinWriterVersion: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[],"writerFeatures":[]}}`; string(got) != want {
		t.Errorf("protocol: got %s, want %s", got, want)
	}
}

func TestActionUnmarshal(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		kind    string
		wantErr string
	}{
		{"null members skipped", `{"add":null,"txn":{"appId":"a","version":1},"remove":null}`, "txn", ""},
		{"unknown fields ignored", `{"add":{"path":"f","partitionValues":{},"size":1,"modificationTime":2,"dataChange":true,"futureField":[1]}}`, "add", ""},
		{"null partition value", `{"add":{"path":"f","partitionValues":{"d":null},"size":1,"modificationTime":2,"dataChange":true}}`, "add", ""},
		{"two members", `{"add":{"path":"f"},"remove":{"path":"f"}}`, "", "one member"},
		{"empty object", `{}`, "", "one member"},
		{"not an object", `[1]`, "", "cannot unmarshal"},
		{"bad body", `{"add":{"size":"big"}}`, "", "add action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Action
			err := json.Unmarshal([]byte(tt.json), &a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if a.Kind() != tt.kind {
				t.Errorf("Kind = %q, want %q", a.Kind(), tt.kind)
			}
		})
	}
}

func TestMarshalRequiresOneKind(t *testing.T) {
	for _, a := range []Action{{}, {Add: &Add{}, Remove: &Remove{}}} {
		if _, err := json.Marshal(a); err == nil {
			t.Errorf("Marshal(%+v) succeeded", a)
		}
	}
}

func TestCommitFileRoundTrip(t *testing.T) {
	actions := []Action{
		{CommitInfo: &CommitInfo{Timestamp: 5, Operation: "WRITE"}},
		{Add: &Add{Path: "a <&> b", PartitionValues: map[string]string{}, Size: 3, DataChange: true}},
		{Txn: &Txn{AppID: "app", Version: 7, LastUpdated: ptr[int64](9)}},
	}
	var buf bytes.Buffer
	if err := EncodeCommit(&buf, actions); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(actions) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(actions), buf.String())
	}
	if !strings.Contains(lines[1], `"a <&> b"`) {
		t.Errorf("HTML characters escaped: %s", lines[1])
	}
	back, err := DecodeCommit(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, actions) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, actions)
	}
	if _, err := DecodeCommit(strings.NewReader("{\"add\":{}}\n{oops\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: error = %v, want one naming line 2", err)
	}
}

func TestPathEncoding(t *testing.T) {
	tests := []struct{ path, encoded string }{
		{"part-00000-3935a07c.c000.snappy.parquet", "part-00000-3935a07c.c000.snappy.parquet"},
		{"date=2017-12-10/part-000.parquet", "date=2017-12-10/part-000.parquet"},
		{"region=north america/part 1.parquet", "region=north%20america/part%201.parquet"},
		{"a+b%c?d#e:f", "a%2Bb%25c%3Fd%23e%3Af"},
		{"name=O'Brien (x)!~*", "name=O'Brien%20(x)!~*"},
		{"city=Zürich/ñ.parquet", "city=Z%C3%BCrich/%C3%B1.parquet"},
		{"tab\there\"quote\\", "tab%09here%22quote%5C"},
		{"a@b&c$d,e", "a@b&c$d,e"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := EncodePath(tt.path); got != tt.encoded {
				t.Errorf("EncodePath(%q) = %q, want %q", tt.path, got, tt.encoded)
			}
			back, err := DecodePath(tt.encoded)
			if err != nil || back != tt.path {
				t.Errorf("DecodePath(%q) = %q, %v; want %q", tt.encoded, back, err, tt.path)
			}
		})
	}
	// Other writers may leave characters unescaped; decoding accepts them, and
	// '+' is a plus sign, not a space.
	for in, want := range map[string]string{"a b+c": "a b+c", "x%2fy": "x/y", "Zürich": "Zürich"} {
		if got, err := DecodePath(in); err != nil || got != want {
			t.Errorf("DecodePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := DecodePath("bad%zz"); err == nil {
		t.Error(`DecodePath("bad%zz") succeeded`)
	}
}

func TestCommitFileNames(t *testing.T) {
	if got := CommitFileName(0); got != "00000000000000000000.json" {
		t.Errorf("CommitFileName(0) = %q", got)
	}
	if got := CommitFileName(1234); got != "00000000000000001234.json" {
		t.Errorf("CommitFileName(1234) = %q", got)
	}
	tests := []struct {
		name string
		v    int64
		ok   bool
	}{
		{"00000000000000000000.json", 0, true},
		{"00000000000000000042.json", 42, true},
		{"00000000000000000042.checkpoint.parquet", 0, false},
		{"00000000000000000042.crc", 0, false},
		{"_last_checkpoint", 0, false},
		{"_staged_commits/00000000000000000001.3a0d65cd.json", 0, false},
		{"0000000000000000042.json", 0, false},
		{"0000000000000000004a.json", 0, false},
		{"00000000000000000004.00000000000000000006.compacted.json", 0, false},
	}
	for _, tt := range tests {
		v, ok := ParseCommitFileName(tt.name)
		if v != tt.v || ok != tt.ok {
			t.Errorf("ParseCommitFileName(%q) = %d, %v; want %d, %v", tt.name, v, ok, tt.v, tt.ok)
		}
	}
}
