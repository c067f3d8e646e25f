package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// stubServer is a hand-written server, for answers our server never gives.
func stubServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// stubClient is a v1 client of a stub server.
func stubClient(t *testing.T, url string) *Client {
	p, err := ParseProfile(fmt.Appendf(nil, `{"shareCredentialsVersion":1,"endpoint":%q,"bearerToken":"x"}`, url))
	must(t, err)
	c, err := New(p, Options{Retry: fastRetry})
	must(t, err)
	return c
}

const (
	protocolLine = `{"protocol":{"minReaderVersion":1}}`
	metadataLine = `{"metaData":{"id":"m1","format":{"provider":"parquet"},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[]}}`
)

func fileLine(i int, pad string) string {
	return fmt.Sprintf(`{"file":{"url":"https://bucket.example.com/t/part-%05d.parquet?X-Sig=%s","id":"f%d","partitionValues":{},"size":%d,"stats":"{\"numRecords\":1}"}}`, i, pad, i, 1000+i)
}

func ndjsonHeaders(w http.ResponseWriter, caps string) {
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Delta-Table-Version", "7")
	if caps != "" {
		w.Header().Set("delta-sharing-capabilities", caps)
	}
}

// TestFilesArriveIncrementally: a server sends 20,000 file lines and holds
// the rest of its answer until the client has received the first 100 through
// the iterator; memory held while reading stays far below the answer's size.
func TestFilesArriveIncrementally(t *testing.T) {
	const total = 20_000
	pad := strings.Repeat("s", 600) // URLs as long as real pre-signed ones
	release := make(chan struct{})
	srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) {
		ndjsonHeaders(w, "responseformat=parquet")
		fmt.Fprintln(w, protocolLine)
		fmt.Fprintln(w, metadataLine)
		for i := range total {
			if i == 100 {
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
					return
				case <-time.After(10 * time.Second):
					return // the client never got the first files: the test fails below
				}
			}
			fmt.Fprintln(w, fileLine(i, pad))
		}
	})
	c := stubClient(t, srv.URL)
	bodySize := total * len(fileLine(0, pad))
	var ms runtime.MemStats
	heap := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	var peak uint64
	s, err := c.QueryStream(context.Background(), people, QueryOptions{})
	must(t, err)
	if s.Version != 7 || s.Metadata.ID != "m1" {
		t.Fatalf("stream info = %+v", s.TableInfo)
	}
	n := 0
	for f, err := range s.Files() {
		must(t, err)
		if f.ID != fmt.Sprintf("f%d", n) || f.Size != int64(1000+n) {
			t.Fatalf("file %d = %+v", n, f)
		}
		n++
		switch {
		case n == 100:
			close(release) // got 100 files while the server still holds the rest
		case n%2000 == 0:
			peak = max(peak, heap())
		}
	}
	if n != total {
		t.Fatalf("got %d files, want %d", n, total)
	}
	growth := int64(peak) - int64(base)
	t.Logf("answer %d bytes; heap grew by %d bytes while reading it", bodySize, growth)
	// Buffering the answer would hold all of it; streaming holds a few lines
	// and the decoder's buffers. The heap is the whole test binary's (the race
	// detector and the HTTP server add their own), so the bound is loose.
	if growth > int64(bodySize/3) {
		t.Errorf("reading a %d-byte answer held %d more bytes of heap", bodySize, growth)
	}
}

func TestStreamEndings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		caps  string
		lines []string
		noVer bool
		want  string // error text; "" for success
	}{
		{"complete", "responseformat=parquet;includeendstreamaction=true",
			[]string{protocolLine, metadataLine, fileLine(0, ""), `{"endStreamAction":{"minUrlExpirationTimestamp":1}}`}, false, ""},
		{"error message", "responseformat=parquet;includeendstreamaction=true",
			[]string{protocolLine, metadataLine, fileLine(0, ""), `{"endStreamAction":{"errorMessage":"disk on fire"}}`}, false,
			"the server failed while answering: disk on fire"},
		{"cut", "responseformat=parquet;includeendstreamaction=true",
			[]string{protocolLine, metadataLine, fileLine(0, "")}, false, "ended before its endStreamAction"},
		{"no end asked by the server", "", []string{protocolLine, metadataLine, fileLine(0, "")}, false, ""},
		{"no version header", "", []string{protocolLine, metadataLine}, true, "no Delta-Table-Version header"},
		{"file before metadata", "", []string{protocolLine, fileLine(0, ""), metadataLine}, false, "came before the metaData line"},
		{"no metadata", "", []string{protocolLine}, false, "no metaData line"},
		{"delta without asking", "", []string{`{"protocol":{"deltaProtocol":{"minReaderVersion":1,"minWriterVersion":2}}}`, metadataLine}, false,
			"asked for the parquet format and got delta"},
		{"deletion vector", "responseformat=delta", []string{`{"protocol":{"deltaProtocol":{"minReaderVersion":3,"minWriterVersion":7}}}`,
			`{"metaData":{"deltaMetadata":{"id":"m1","format":{"provider":"parquet"},"schemaString":"{}","partitionColumns":[]}}}`,
			`{"file":{"id":"a","deltaSingleAction":{"add":{"path":"https://x/y","size":1,"partitionValues":{},"deletionVector":{"storageType":"u"}}}}}`},
			false, "cannot apply deletion vectors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) {
				ndjsonHeaders(w, tc.caps)
				if tc.noVer {
					w.Header().Del("Delta-Table-Version")
				}
				for _, l := range tc.lines {
					fmt.Fprintln(w, l)
				}
			})
			format := FormatParquet
			if strings.Contains(tc.caps, "delta") {
				format = FormatDelta
			}
			res, err := stubClient(t, srv.URL).Query(context.Background(), people, QueryOptions{Format: format})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.want == "" && len(res.Files) != 1:
				t.Errorf("files = %+v", res.Files)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestStreamStopsEarly(t *testing.T) {
	srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) {
		ndjsonHeaders(w, "")
		fmt.Fprintln(w, protocolLine)
		fmt.Fprintln(w, metadataLine)
		for i := range 1000 {
			fmt.Fprintln(w, fileLine(i, ""))
		}
	})
	s, err := stubClient(t, srv.URL).QueryStream(context.Background(), people, QueryOptions{})
	must(t, err)
	n := 0
	for _, err := range s.Files() {
		must(t, err)
		if n++; n == 3 {
			break
		}
	}
	for _, err := range s.Files() {
		if err == nil || !strings.Contains(err.Error(), "can be read once") {
			t.Errorf("second iteration: %v", err)
		}
	}
	must(t, s.Close())
}
