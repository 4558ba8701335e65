package main

// What the operator sees when the store would lose plans or cannot take
// writes: Redis without persistence, a Redis that refuses CONFIG, a full
// disk under SQLite.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
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

// TestServiceGoogleRevoked: the runner removes strengthsync in their
// Google account. The next sync refreshes once on the 401, Google refuses
// the grant, and the plan reads needs_reconnect with no next sync; its
// page offers to connect again, and doing so brings the plan back to ok
// with the sessions in place, each once.
func TestServiceGoogleRevoked(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newSvcGoogle(t)
	env := svcEnv(t, g.env)
	s := startServe(t, env, "--data", t.TempDir(), "--sync-every", "3s")
	gp := g.connect(t, s)
	g.check(t, s, gp)

	g.fake.RevokeAll()
	r, b := svcDo(t, http.MethodPost, s.base+"/api/plans/"+gp.ID+"/sync", gp.ManageToken, nil)
	svcWant(t, r, b, http.StatusAccepted)
	var v svcView
	svcEventually(t, "the plan to need a reconnect", func() bool {
		v = s.view(t, gp)
		return v.Status == "needs_reconnect"
	})
	if !strings.Contains(v.LastError, "strengthsync connect google") && !strings.Contains(v.LastError, "revoked") {
		t.Errorf("last_error %q does not say access was revoked", v.LastError)
	}
	res, body := svcDo(t, http.MethodGet, s.base+"/api/plans/"+gp.ID, gp.ManageToken, nil)
	var raw map[string]any
	json.Unmarshal(body, &raw)
	if res.StatusCode != http.StatusOK || raw["next_sync"] != nil {
		t.Errorf("a plan that needs a reconnect is still scheduled: next_sync %v", raw["next_sync"])
	}

	res, body = svcDo(t, http.MethodGet, s.base+"/plans/"+gp.ID+"?token="+gp.ManageToken, "", nil)
	svcWant(t, res, body, http.StatusOK)
	link := regexp.MustCompile(`href="(/auth/google/start\?plan=[a-v0-9]+&amp;token=[A-Za-z0-9_-]+)"`).FindSubmatch(body)
	if link == nil || !bytes.Contains(body, []byte("Connect Google again")) {
		t.Fatalf("the page offers no reconnect:\n%s", body)
	}
	loc := g.consent(t, s, strings.ReplaceAll(string(link[1]), "&amp;", "&"))
	if loc != "/plans/"+gp.ID+"?token="+gp.ManageToken+"&done=reconnected" {
		t.Errorf("reconnect went to %q", loc)
	}
	svcEventually(t, "the reconnected plan to sync", func() bool {
		v = s.view(t, gp)
		return v.Status == "ok"
	})
	g.check(t, s, gp)
	if n := len(g.fake.Calendars()); n != 2 {
		t.Errorf("%d calendars after the reconnect, want the primary and ours", n)
	}
}
