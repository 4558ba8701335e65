package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/time/rate"
)

// Benchmarks of the two hot paths: serving a feed (calendar apps poll it)
// and a scheduled sync of a plan whose source did not change (the common
// case every 15 minutes). Both run on the real SQLite store.

// unlimited lifts the per-client rate limits: a benchmark is one client.
func unlimited(e *env) {
	e.srv.FeedLimit = Limit{Rate: rate.Inf}
	e.srv.APILimit = Limit{Rate: rate.Inf}
}

func BenchmarkFeed(b *testing.B) {
	e := newEnv(b, unlimited)
	c := e.create()
	p := path(b, c.FeedURL)
	etag := e.do(http.MethodGet, p, "", nil).Header.Get("ETag")
	h := e.srv.Handler()
	cases := []struct {
		name string
		hdr  []string
		want int
	}{
		{"full", nil, http.StatusOK},
		{"gzip", []string{"Accept-Encoding", "gzip"}, http.StatusOK},
		{"if-none-match", []string{"If-None-Match", etag}, http.StatusNotModified},
	}
	for _, tt := range cases {
		// In process: the handler, the store lookup and the body.
		b.Run("handler/"+tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, p, nil)
					for i := 0; i+1 < len(tt.hdr); i += 2 {
						req.Header.Set(tt.hdr[i], tt.hdr[i+1])
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != tt.want {
						b.Fatalf("status %d, want %d", rec.Code, tt.want)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
		// Over loopback TCP with keep-alive, as a client sees it.
		b.Run("http/"+tt.name, func(b *testing.B) {
			tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, e.ts.URL+p, nil)
					for i := 0; i+1 < len(tt.hdr); i += 2 {
						req.Header.Set(tt.hdr[i], tt.hdr[i+1])
					}
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					readBody(b, res)
					res.Body.Close()
					if res.StatusCode != tt.want {
						b.Fatalf("status %d, want %d", res.StatusCode, tt.want)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkSyncUnchanged: a sync whose source answers 304 costs a
// conditional GET and a few store reads; nothing is parsed or planned.
func BenchmarkSyncUnchanged(b *testing.B) {
	e := newEnv(b, unlimited)
	c := e.create()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := e.svc.SyncPlan(b.Context(), c.ID)
		if err != nil || !res.Skipped {
			b.Fatalf("sync: %+v %v, want skipped", res, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "syncs/s")
}
