package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// --metrics-addr moves /metrics off the public listener onto its own.
func TestServeMetricsAddr(t *testing.T) {
	s := startServe(t, map[string]string{}, "--data", t.TempDir(), "--metrics-addr", "127.0.0.1:0")
	res, _ := svcDo(t, http.MethodGet, s.base+"/metrics", "", nil)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main listener: %d, want 404", res.StatusCode)
	}
	l := s.log.lines("metrics listening")
	if len(l) == 0 {
		t.Fatalf("no metrics listener logged:\n%s", s.log.String())
	}
	res, body := svcDo(t, http.MethodGet, "http://"+l[0]["addr"].(string)+"/metrics", "", nil)
	if res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("go_goroutines")) {
		t.Errorf("/metrics on --metrics-addr: %d", res.StatusCode)
	}
}

// A bad --trusted-proxies (or its variable) is bad usage: exit 2, one line
// naming the flag and the entry.
func TestServeTrustedProxiesBad(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--trusted-proxies", "10.0.0.0/8,proxy.example"}, nil},
		{nil, map[string]string{"STRENGTHSYNC_TRUSTED_PROXIES": "proxy.example"}},
	} {
		var stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		code := Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tt.args...),
			Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return tt.env[k] }, Now: time.Now})
		cancel()
		out := strings.TrimSpace(stderr.String())
		if code != 2 || strings.Count(out, "\n") != 0 || !strings.Contains(out, "--trusted-proxies") || !strings.Contains(out, "proxy.example") {
			t.Errorf("%v %v: exit %d, stderr %q; want 2 and one line naming the flag", tt.args, tt.env, code, out)
		}
	}
}

func TestServeFeedRateBad(t *testing.T) {
	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--feed-rate", "-1"},
		Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }, Now: time.Now})
	out := strings.TrimSpace(stderr.String())
	if code != 2 || strings.Count(out, "\n") != 0 || !strings.Contains(out, "--feed-rate") {
		t.Errorf("exit %d, stderr %q; want 2 and one line naming --feed-rate", code, out)
	}
}
