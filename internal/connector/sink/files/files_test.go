package files_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/files/filestest"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/delta"
)

var formats = []files.Format{files.Parquet, files.CSV, files.Delta}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]files.Format{"": files.Parquet, "parquet": files.Parquet, " CSV ": files.CSV, "Delta": files.Delta} {
		if got, err := files.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := files.ParseFormat("json"); err == nil || !strings.Contains(err.Error(), `"json"`) {
		t.Errorf("ParseFormat(json) = %v, want an error naming it", err)
	}
}

func TestTableRefused(t *testing.T) {
	store, _ := newStore(t, "rename")
	tests := []struct {
		name string
		tbl  sink.Table
	}{
		{"empty name", sink.Table{Schema: people}},
		{"slash", sink.Table{Name: "a/b", Schema: people}},
		{"underscore", sink.Table{Name: "_trestle_staging", Schema: people}},
		{"dot", sink.Table{Name: ".hidden", Schema: people}},
		{"dot dot", sink.Table{Name: "..", Schema: people}},
		{"no columns", sink.Table{Name: "t", Schema: arrow.NewSchema(nil, nil)}},
		{"unsupported type", sink.Table{Name: "t", Schema: arrow.NewSchema([]arrow.Field{{Name: "u", Type: arrow.PrimitiveTypes.Uint64}}, nil)}},
		{"missing key", sink.Table{Name: "t", Schema: people, Key: []string{"nope"}}},
	}
	for _, f := range formats {
		s := newSink(t, store, f)
		for _, tc := range tests {
			if _, err := s.BeginFull(t.Context(), tc.tbl); err == nil {
				t.Errorf("%s: BeginFull of %s succeeded", f, tc.name)
			}
			if _, err := s.BeginIncremental(t.Context(), tc.tbl); err == nil || errors.Is(err, sink.ErrNoIncremental) {
				t.Errorf("%s: BeginIncremental of %s = %v, want an error about the table", f, tc.name, err)
			}
		}
	}
}

func TestNoIncremental(t *testing.T) {
	store, _ := newStore(t, "rename")
	for _, tc := range []struct {
		format files.Format
		key    []string
	}{{files.Parquet, []string{"id"}}, {files.CSV, []string{"id"}}, {files.Delta, nil}} {
		l, err := newSink(t, store, tc.format).BeginIncremental(t.Context(), sink.Table{Name: "t", Schema: people, Key: tc.key})
		if l != nil || !errors.Is(err, sink.ErrNoIncremental) || !strings.Contains(err.Error(), "table t") {
			t.Errorf("%s with key %q: BeginIncremental = %v, %v; want ErrNoIncremental naming the table", tc.format, tc.key, l, err)
		}
	}
}

func TestCSVLine(t *testing.T) {
	tests := []struct {
		fields []string
		nulls  []bool
		want   string
	}{
		{[]string{"a", "b"}, nil, "a,b\n"},
		{[]string{"", "x"}, []bool{true, false}, ",x\n"},
		{[]string{"", ""}, []bool{false, true}, `"",` + "\n"},
		{[]string{`say "hi"`, "a,b", "two\nlines", " lead", "\ttab", "trail "}, nil,
			`"say ""hi""","a,b","two` + "\n" + `lines"," lead","` + "\t" + `tab",trail ` + "\n"},
		{[]string{"日本", "🎉"}, nil, "日本,🎉\n"},
	}
	for _, tc := range tests {
		if got := files.CSVLine(tc.fields, tc.nulls); got != tc.want {
			t.Errorf("CSVLine(%q, %v) = %q, want %q", tc.fields, tc.nulls, got, tc.want)
		}
	}
}

// TestCSVValues checks the text of each type in the file.
func TestCSVValues(t *testing.T) {
	store, _ := newStore(t, "rename")
	s := newSink(t, store, files.CSV)
	rec := sinktest.Batch(sinktest.AllTypes, sinktest.AllTypesRows()...)
	load(t, s, sink.Table{Name: "all", Schema: sinktest.AllTypes}, rec)
	obj, err := store.Open(t.Context(), "all.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	var b bytes.Buffer
	b.ReadFrom(obj)
	lines := strings.Split(b.String(), "\n")
	if lines[0] != "id,i32,i16,i8,f32,f64,flag,Text Col,bin,day,ts,ts_ntz,dec18,dec38,tags,attrs,point" {
		t.Errorf("header = %q", lines[0])
	}
	for _, want := range []string{
		"1,-2147483648,32767,-128,1.5,3.141592653589793,true,plain,AAEC/w==,2024-02-29,2024-03-10T12:34:56.123456Z,1999-12-31T23:59:59.999999,12345678901234.5678,1234567890123456789012345678.0123456789,",
		`"[""a"",""b, c"",null]","{""k1"":""v1"",""k 2"":null}","{""label"":""x"",""n"":7,""ids"":[1,2]}"`,
		`1e-300,false,`, `,"",1970-01-01,`, ",-0.0001,-9999999999999999999999999999.9999999999,[],{},",
		"\n3,,,,,,,,,,,,,,,,\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the file lacks %q:\n%s", want, b.String())
		}
	}
}

// TestAbortLeavesPrevious: an aborted load, or one whose context ends, of
// each format leaves the table as it was, nothing staged, and no goroutine.
func TestAbortLeavesPrevious(t *testing.T) {
	tbl := sink.Table{Name: "people", Schema: people, Key: []string{"id"}}
	for _, f := range formats {
		for _, how := range []string{"abort", "cancel"} {
			t.Run(string(f)+"/"+how, func(t *testing.T) {
				store, _ := newStore(t, "rename")
				s := newSink(t, store, f)
				load(t, s, tbl, peopleRows("old", 1, 2))
				before := keys(t, store, "")
				goroutines := runtime.NumGoroutine()
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				l, err := s.BeginFull(ctx, tbl)
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Write(ctx, peopleRows("new", 3)); err != nil {
					t.Fatal(err)
				}
				if how == "cancel" {
					cancel()
					deadline := time.Now().Add(5 * time.Second)
					for l.Write(t.Context(), peopleRows("new", 4)) == nil && time.Now().Before(deadline) {
						time.Sleep(time.Millisecond) // the load notices the end of its context
					}
					if err := l.Commit(t.Context()); err == nil {
						t.Fatal("Commit of a load whose context ended succeeded")
					}
				}
				if err := l.Abort(t.Context()); err != nil {
					t.Fatalf("Abort: %v", err)
				}
				noLeak(t, goroutines)
				if got, w := rows(t, store, f, tbl.Name), want(peopleRows("old", 1, 2)); !slices.Equal(got, w) {
					t.Errorf("table holds %q, want %q", got, w)
				}
				if after := keys(t, store, ""); !slices.Equal(after, before) {
					t.Errorf("store held %q, now %q", before, after)
				}
			})
		}
	}
}

// TestDeltaCommitCancelled: a Commit whose context ends reports truly
// whether the overwrite was committed, and its goroutine is gone.
func TestDeltaCommitCancelled(t *testing.T) {
	store, _ := newStore(t, "rename")
	s := newSink(t, store, files.Delta)
	tbl := sink.Table{Name: "people", Schema: people}
	load(t, s, tbl, peopleRows("old", 1))
	l := begin(t, s, tbl, peopleRows("new", 2))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := l.Commit(ctx)
	<-files.Exited(l)
	v, verr := delta.NewTable(store, tbl.Name).LatestVersion(t.Context())
	if verr != nil {
		t.Fatal(verr)
	}
	if committed := v == 2; committed != (err == nil) {
		t.Errorf("Commit = %v but the table is at version %d", err, v)
	}
	if err := l.Abort(t.Context()); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
}

// TestCopyFileSizeChecked: a data file that is not as long as announced is
// refused, stored nowhere, and the load then refuses to commit.
func TestCopyFileSizeChecked(t *testing.T) {
	rec := peopleRows("c", 1)
	defer rec.Release()
	data := sinktest.ParquetFile(t, rec)
	for _, f := range []files.Format{files.Parquet, files.Delta} {
		for _, size := range []int64{int64(len(data)) - 1, int64(len(data)) + 1} {
			store, _ := newStore(t, "rename")
			s := newSink(t, store, f)
			tbl := sink.Table{Name: "people", Schema: people}
			l := begin(t, s, tbl)
			err := l.(sink.FileCopier).CopyFile(t.Context(), sink.DataFile{Name: "p.parquet", Size: size, Rows: 1}, bytes.NewReader(data))
			if err == nil || !strings.Contains(err.Error(), "p.parquet") {
				t.Errorf("%s: CopyFile with size %d of %d bytes = %v, want an error naming the file", f, size, len(data), err)
			}
			if err := l.Commit(t.Context()); err == nil {
				t.Errorf("%s: Commit after a failed CopyFile succeeded", f)
			}
			l.Abort(t.Context())
			if left := keys(t, store, ""); len(left) > 0 {
				t.Errorf("%s: the store holds %q after the aborted load", f, left)
			}
		}
	}
}

// TestRollFiles: part files (parquet) and data files (delta) hold at most
// the row limit.
func TestRollFiles(t *testing.T) {
	for _, f := range []files.Format{files.Parquet, files.Delta} {
		store, _ := newStore(t, "rename")
		s := newSink(t, store, f)
		files.SetRowsPerFile(s, 10)
		tbl := sink.Table{Name: "people", Schema: people}
		ids := make([]int64, 25)
		for i := range ids {
			ids[i] = int64(i)
		}
		load(t, s, tbl, peopleRows("r", ids[:7]...), peopleRows("r", ids[7:]...))
		var n int
		if f == files.Parquet {
			parts, err := filestest.PartFiles(t.Context(), store, tbl.Name)
			if err != nil {
				t.Fatal(err)
			}
			n = len(parts)
		} else {
			snap, err := delta.NewTable(store, tbl.Name).Snapshot(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			n = snap.NumFiles()
		}
		if n != 3 {
			t.Errorf("%s: 25 rows at 10 per file made %d files, want 3", f, n)
		}
		if got, w := rows(t, store, f, tbl.Name), want(peopleRows("r", ids...)); !slices.Equal(got, w) {
			t.Errorf("%s: rows = %q, want %q", f, got, w)
		}
	}
}
