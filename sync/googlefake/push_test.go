package googlefake_test

import (
	"net/http"
	"net/http/httptest"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/googlefake"
	calendar "google.golang.org/api/calendar/v3"
)

// notice is one notification as the receiver saw it.
type notice struct {
	channel, token, state, number, resource, expiration string
	body                                                int64
}

func receiver(t *testing.T) (string, func() []notice) {
	t.Helper()
	var mu stdsync.Mutex
	var got []notice
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		h := r.Header
		got = append(got, notice{h.Get("X-Goog-Channel-ID"), h.Get("X-Goog-Channel-Token"), h.Get("X-Goog-Resource-State"),
			h.Get("X-Goog-Message-Number"), h.Get("X-Goog-Resource-ID"), h.Get("X-Goog-Channel-Expiration"), r.ContentLength})
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/hooks/google", func() []notice {
		mu.Lock()
		defer mu.Unlock()
		return append([]notice(nil), got...)
	}
}

// TestWatch follows guides/push: a sync message first, then exists on
// every change, nothing after expiry or stop, and the errors of a bad
// watch or stop.
func TestWatch(t *testing.T) {
	now := t0
	var mu stdsync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := googlefake.New(googlefake.Options{Now: clock})
	t.Cleanup(s.Close)
	svc := newService(t, s)
	addr, got := receiver(t)

	ch, err := svc.Events.Watch("primary", &calendar.Channel{Id: "plan1-a", Type: "web_hook", Address: addr, Token: "secret"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if ch.Kind != "api#channel" || ch.ResourceId == "" || ch.Expiration != t0.Add(googlefake.DefaultChannelTTL).UnixMilli() {
		t.Fatalf("watch answered %+v", ch)
	}
	s.WaitNotifications()
	if n := got(); len(n) != 1 || n[0].state != "sync" || n[0].number != "1" || n[0].token != "secret" || n[0].channel != "plan1-a" ||
		n[0].resource != ch.ResourceId || n[0].body > 0 || n[0].expiration != t0.Add(googlefake.DefaultChannelTTL).Format(http.TimeFormat) {
		t.Fatalf("first message %+v", n)
	}
	if _, err := s.AddRun(s.Primary(), "Easy 5k", t0.Add(24*time.Hour), t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.WaitNotifications()
	if n := got(); len(n) != 2 || n[1].state != "exists" || n[1].number != "2" {
		t.Fatalf("after a change %+v", n)
	}
	// A second channel on the same calendar shares its resource ID; a
	// shorter expiration is kept.
	ch2, err := svc.Events.Watch("primary", &calendar.Channel{Id: "plan1-b", Type: "web_hook", Address: addr,
		Expiration: t0.Add(time.Hour).UnixMilli()}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if ch2.ResourceId != ch.ResourceId || ch2.Expiration != t0.Add(time.Hour).UnixMilli() {
		t.Fatalf("second channel %+v", ch2)
	}
	if _, err := svc.Events.Watch("primary", &calendar.Channel{Id: "plan1-b", Type: "web_hook", Address: addr}).Do(); err == nil {
		t.Fatal("a channel ID in use was accepted")
	}
	if _, err := svc.Events.Watch("primary", &calendar.Channel{Id: "x", Type: "web_hook", Address: "http://example.com/h"}).Do(); err == nil {
		t.Fatal("a plain-http public address was accepted")
	}
	s.WaitNotifications()
	mu.Lock()
	now = t0.Add(2 * time.Hour) // plan1-b has expired
	mu.Unlock()
	before := len(got())
	id, err := s.AddRun(s.Primary(), "Long 20k", t0.Add(48*time.Hour), t0.Add(50*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s.WaitNotifications()
	if n := got()[before:]; len(n) != 1 || n[0].channel != "plan1-a" || n[0].number != "3" {
		t.Fatalf("after plan1-b expired %+v", n)
	}
	if err := svc.Channels.Stop(&calendar.Channel{Id: "plan1-a", ResourceId: ch.ResourceId}).Do(); err != nil {
		t.Fatal(err)
	}
	if err := svc.Channels.Stop(&calendar.Channel{Id: "plan1-a", ResourceId: ch.ResourceId}).Do(); err == nil {
		t.Fatal("stopping a stopped channel answered no error")
	} else if code, _ := apiCode(err); code != http.StatusNotFound {
		t.Fatalf("stopping a stopped channel: %v", err)
	}
	before = len(got())
	if err := s.DeleteEvent(s.Primary(), id); err != nil {
		t.Fatal(err)
	}
	s.WaitNotifications()
	if n := got()[before:]; len(n) != 0 {
		t.Fatalf("a stopped channel still notified: %+v", n)
	}
	if s.Count("events.watch") != 4 || s.Count("channels.stop") != 2 {
		t.Fatalf("counts %s", s.CountsString())
	}
}
