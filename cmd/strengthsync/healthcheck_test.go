package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "store not writable: disk full\nmore detail", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/readyz", http.StatusFound)
	})
	// Answers only when the client gives up: the timeout, not the server, ends it.
	mux.HandleFunc("/hang", func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// A port nothing listens on: taken, then given back.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/readyz"
	ln.Close()

	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string // in the one line on stderr; "" means no output at all
	}{
		{"ready", []string{"--url", srv.URL + "/readyz"}, 0, ""},
		{"not ready says why", []string{"--url", srv.URL + "/busy"}, 1, "503 Service Unavailable: store not writable: disk full"},
		{"redirect is not healthy", []string{"--url", srv.URL + "/moved"}, 1, "302 Found"},
		{"nothing listening", []string{"--url", closed}, 1, "connection refused"},
		{"no answer in time", []string{"--url", srv.URL + "/hang", "--timeout", "50ms"}, 1, "deadline exceeded"},
		{"not a URL", []string{"--url", "127.0.0.1:8080/readyz"}, 2, "--url:"},
		{"zero timeout", []string{"--timeout", "0s"}, 2, "--timeout:"},
		{"no arguments", []string{"extra"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(t, append([]string{"healthcheck"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if tt.wantErr == "" {
				if stderr != "" {
					t.Errorf("stderr %q, want nothing", stderr)
				}
				return
			}
			if !strings.Contains(stderr, tt.wantErr) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.wantErr)
			}
		})
	}
}
