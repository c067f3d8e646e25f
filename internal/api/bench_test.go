package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkListPeople serves GET people pages of 100 of the demo company over
// loopback HTTP (SQLite); bench/api measures the real binary under load.
func BenchmarkListPeople(b *testing.B) {
	e := newEnv(b, backends[0].url(b), envOptions{})
	client := e.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			req, _ := http.NewRequest("GET", e.srv.URL+path("demo", fmt.Sprintf("people?per_page=100&page=%d", i%5+1)), nil)
			req.Header.Set("Authorization", "Bearer "+e.editor)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Error(res.StatusCode)
				return
			}
		}
	})
}

// BenchmarkUpsertPerson sends PUT .../people/by-employee-id/{id} (an update of
// one of 50 people per goroutine, through ingest) over loopback HTTP, on each
// backend.
func BenchmarkUpsertPerson(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			e := newEnv(b, be.url(b), envOptions{})
			client := e.srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			var g atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				me := g.Add(1)
				for i := 0; pb.Next(); i++ {
					id := fmt.Sprintf("B%d-%d", me, i%50)
					body := fmt.Sprintf(`{"first_name":"Bench","last_name":"Run %d","group_codes":["KS"],"job_title":"APP","email":"%s@bench.example.com"}`, i, strings.ToLower(id))
					req, _ := http.NewRequest("PUT", e.srv.URL+path("demo", "people", "by-employee-id", id), strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+e.editor)
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode >= 300 {
						b.Error(res.StatusCode)
						return
					}
				}
			})
		})
	}
}
