package hubshare

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/store"
)

// BenchmarkMetadataRequests sends GET .../metadata for the demo company's
// people table from 8 concurrent clients over loopback HTTP, each request
// authenticated against the SQLite store (token lookup, recipient access,
// share lookup), and reports requests per second and the 99th percentile.
func BenchmarkMetadataRequests(b *testing.B) {
	e := newEnv(b)
	tok, _ := e.token(b, e.analyst.ID, time.Time{})
	url := e.srv.URL + "/delta-sharing/shares/demo/schemas/resource_planning/tables/people/metadata"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func() time.Duration {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	for range 200 { // warm up: connections, table snapshot cache
		get()
	}
	const workers = 8
	total := max(b.N, 20_000)
	b.ResetTimer()
	lat := make([]time.Duration, total)
	var wg sync.WaitGroup
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				lat[i] = get()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[total*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[total/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkQuery10000Files queries a shared table of 10,000 data files (one
// commit of 10,000 adds, then a checkpoint) and reports the time to the first
// byte and to the whole response, and the heap in use after.
func BenchmarkQuery10000Files(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	// An external table with 10,000 files, shared in a custom share.
	root := filepath.Join(b.TempDir(), "wide")
	ext, err := local.New(root)
	must(b, err)
	tbl := delta.NewTable(ext, "")
	s := &schema.StructType{Fields: []schema.StructField{{Name: "id", Type: schema.Long}, {Name: "day", Type: schema.Date}}}
	m, err := delta.NewMetadata(s, []string{"day"}, nil)
	must(b, err)
	must(b, tbl.Create(ctx, m, delta.Protocol{}))
	var actions []delta.Action
	for i := range 10_000 {
		day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%1000).Format("2006-01-02")
		actions = append(actions, delta.Action{Add: &delta.Add{Path: fmt.Sprintf("day=%s/part-%05d.parquet", day, i),
			PartitionValues: map[string]string{"day": day}, Size: 1000 + int64(i), ModificationTime: time.Now().UnixMilli(), DataChange: true,
			Stats: fmt.Sprintf(`{"numRecords":100,"minValues":{"id":%d},"maxValues":{"id":%d},"nullCount":{"id":0}}`, i*100, i*100+99)}})
	}
	for v := int64(0); v < 10; v++ { // reach a checkpoint
		_, err := tbl.Commit(ctx, v, actions[v*1000:(v+1)*1000])
		must(b, err)
	}
	sh, err := e.st.CreateShare(ctx, store.Share{CompanyID: e.demo.ID, Name: "wide"}, admin)
	must(b, err)
	_, err = e.st.AddSharedTable(ctx, store.SharedTable{ShareID: sh.ID, Schema: "s", Name: "wide", Location: root, History: true}, admin)
	must(b, err)
	tok, _ := e.token(b, e.analyst.ID, time.Time{})
	url := e.srv.URL + "/delta-sharing/shares/wide/schemas/s/tables/wide/query"
	var first, whole []time.Duration
	var lines int
	run := func() {
		req, _ := http.NewRequest("POST", url, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		must(b, err)
		r := bufio.NewReader(resp.Body)
		if _, err := r.ReadByte(); err != nil {
			b.Fatal(err)
		}
		first = append(first, time.Since(start))
		n := 1
		for {
			_, err := r.ReadSlice('\n')
			if err == io.EOF {
				break
			}
			if err != nil && err != bufio.ErrBufferFull {
				b.Fatal(err)
			}
			if err == nil {
				n++
			}
		}
		whole = append(whole, time.Since(start))
		resp.Body.Close()
		lines = n
	}
	run() // the table's snapshot is then cached, as in a running hub
	first, whole = nil, nil
	b.ResetTimer()
	for range max(b.N, 20) {
		run()
	}
	b.StopTimer()
	if lines < 10_002 {
		b.Fatalf("response had %d lines, want 10,000 files plus protocol and metadata", lines)
	}
	slices.Sort(first)
	slices.Sort(whole)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(first[len(first)/2].Microseconds())/1000, "first-byte-ms")
	b.ReportMetric(float64(whole[len(whole)/2].Microseconds())/1000, "whole-ms")
	b.ReportMetric(float64(whole[len(whole)-1].Microseconds())/1000, "whole-max-ms")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}

// BenchmarkServeFileBytes compares reading a 512 MiB file from disk (os.File
// to io.Discard) with downloading it through a server-signed URL over
// loopback HTTP. "cold" drops the page cache before every read (needs root:
// it writes /proc/sys/vm/drop_caches), so both read the device; "warm" reads
// from the page cache, where the disk side is a memory copy.
func BenchmarkServeFileBytes(b *testing.B) {
	e := newEnv(b)
	const size = 512 << 20
	key := "bench/big.parquet"
	path := filepath.Join(e.dir.Dir(), filepath.FromSlash(key))
	must(b, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	must(b, err)
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for range size / len(buf) {
		_, err := f.Write(buf)
		must(b, err)
	}
	must(b, f.Sync())
	must(b, f.Close())
	signed, _, err := e.signer.Sign(TablesStore, key, time.Hour)
	must(b, err)
	readDisk := func() time.Duration {
		start := time.Now()
		f, err := os.Open(path)
		must(b, err)
		n, err := io.CopyBuffer(io.Discard, f, make([]byte, 256<<10))
		must(b, err)
		f.Close()
		if n != size {
			b.Fatalf("read %d", n)
		}
		return time.Since(start)
	}
	readHTTP := func() time.Duration {
		start := time.Now()
		resp, err := http.Get(signed)
		must(b, err)
		n, err := io.CopyBuffer(io.Discard, resp.Body, make([]byte, 256<<10))
		must(b, err)
		resp.Body.Close()
		if n != size {
			b.Fatalf("downloaded %d", n)
		}
		return time.Since(start)
	}
	dropCaches := func() bool {
		return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0o200) == nil
	}
	for _, mode := range []string{"cold", "warm"} {
		b.Run(mode, func(b *testing.B) {
			if mode == "cold" && !dropCaches() {
				b.Skip("cannot drop the page cache (not root): no cold figure")
			}
			readDisk()
			readHTTP()
			var disk, web time.Duration
			n := max(b.N, 3)
			for range n {
				if mode == "cold" {
					dropCaches()
				}
				disk += readDisk()
				if mode == "cold" {
					dropCaches()
				}
				web += readHTTP()
			}
			b.ReportMetric(float64(size)*float64(n)/disk.Seconds()/(1<<20), "disk-MiB/s")
			b.ReportMetric(float64(size)*float64(n)/web.Seconds()/(1<<20), "url-MiB/s")
			b.ReportMetric(100*disk.Seconds()/web.Seconds(), "url-%-of-disk")
		})
	}
}
