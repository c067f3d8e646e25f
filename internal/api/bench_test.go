package api_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
)

// BenchmarkListPeople serves GET people pages of 100 of the demo company over
// loopback HTTP (SQLite); bench/api measures the real binary under load.
func BenchmarkListPeople(b *testing.B) {
	e := newEnv(b, backends[0].url(b), envOptions{})
	client := e.srv.Client()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest("GET", e.srv.URL+path("demo", fmt.Sprintf("people?per_page=100&page=%d", i%5+1)), nil)
		req.Header.Set("Authorization", "Bearer "+e.editor)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.StatusCode)
		}
	}
}
