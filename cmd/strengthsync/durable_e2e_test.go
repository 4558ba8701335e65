package main

// What the operator sees when the store would lose plans or cannot take
// writes: Redis without persistence, a Redis that refuses CONFIG, a full
// disk under SQLite.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/storetest"
)

// TestServiceRedisDurability: serve on a Redis without persistence warns
// in its log and on /readyz (still 200: it works until Redis restarts);
// with --require-durable-redis it refuses to start, exit 2, one line. A
// Redis that refuses CONFIG is said to be unchecked; one with the
// append-only file is not warned about.
func TestServiceRedisDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	for _, tc := range []struct {
		name    string
		opts    storetest.RedisOptions
		warning string // "" for none
	}{
		{"no persistence", storetest.RedisOptions{}, "every plan is lost when it restarts"},
		{"CONFIG refused", storetest.RedisOptions{Persist: true, Args: []string{"--rename-command", "CONFIG", ""}},
			"could not check Redis persistence"},
		{"append-only file", storetest.RedisOptions{Persist: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := storetest.StartRedis(t, tc.opts)
			env := svcEnv(t, nil)
			redisURL := "redis://" + rs.Addr + "/0"
			args := []string{"--redis", redisURL, "--data", t.TempDir()}
			if tc.warning != "" {
				var stderr bytes.Buffer
				code := Main(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--require-durable-redis"}, args...),
					Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return env[k] }, Now: time.Now})
				msg := strings.TrimSpace(stderr.String())
				if code != 2 || !strings.Contains(msg, "--require-durable-redis") || !strings.Contains(msg, tc.warning) ||
					strings.Contains(msg, "\n") {
					t.Errorf("--require-durable-redis: exit %d, %q", code, stderr.String())
				}
			}

			if tc.warning == "" {
				args = append(args, "--require-durable-redis")
			}
			s := startServe(t, env, args...)
			res, body := svcDo(t, http.MethodGet, s.base+"/readyz", "", nil)
			svcWant(t, res, body, http.StatusOK)
			if tc.warning == "" {
				if strings.Contains(string(body), "warning") || strings.Contains(s.log.String(), "persistence") {
					t.Errorf("durable Redis warned: %q\n%s", body, s.log.String())
				}
				return
			}
			if !strings.Contains(string(body), "warning: ") || !strings.Contains(string(body), tc.warning) {
				t.Errorf("/readyz body %q lacks the warning %q", body, tc.warning)
			}
			if !strings.Contains(s.log.String(), `"level":"WARN","msg":"`) || !strings.Contains(s.log.String(), tc.warning) {
				t.Errorf("the log lacks the warning %q:\n%s", tc.warning, s.log.String())
			}
		})
	}
}

// TestServiceDiskFull: serve keeps SQLite on a small disk that fills up.
// Syncs fail with "database or disk is full": the API says so for the plan
// (though the record cannot), and /readyz answers 503. Once space is back,
// both recover.
func TestServiceDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	disk := storetest.MountSmallDisk(t, "4m")
	cal := newSvcCal(t, svcRunsICS(false))
	env := svcEnv(t, nil)
	s := startServe(t, env, "--data", disk.Dir, "--allow-private-sources", "--sync-every", "2s")
	p := s.create(t, cal.url())
	if p.Status != "ok" {
		t.Fatalf("created plan: %+v", p)
	}
	res, body := svcDo(t, http.MethodGet, s.base+"/readyz", "", nil)
	svcWant(t, res, body, http.StatusOK)

	disk.Fill(t)
	cal.set(svcRunsICS(true))
	var v svcView
	svcEventually(t, "the plan to show the full disk", func() bool {
		v = s.view(t, p)
		return v.Status == "error" && strings.Contains(v.LastError, "full")
	})
	t.Logf("full disk: %s", v.LastError)
	svcEventually(t, "/readyz to fail on the full disk", func() bool {
		res, body = svcDo(t, http.MethodGet, s.base+"/readyz", "", nil)
		return res.StatusCode == http.StatusServiceUnavailable
	})
	if !strings.Contains(string(body), "store not writable") || !strings.Contains(string(body), "full") {
		t.Errorf("/readyz body: %q", body)
	}

	disk.Free(t)
	svcEventually(t, "the plan to sync again once space is back", func() bool {
		v = s.view(t, p)
		return v.Status == "ok" && v.LastError == ""
	})
	svcEventually(t, "/readyz to recover", func() bool {
		res, _ := svcDo(t, http.MethodGet, s.base+"/readyz", "", nil)
		return res.StatusCode == http.StatusOK
	})
	if res, ours := s.feed(t, p); res.StatusCode != http.StatusOK || len(ours) == 0 {
		t.Errorf("feed after recovery: %d, %d sessions", res.StatusCode, len(ours))
	}
}
