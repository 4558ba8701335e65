package google_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/filestate"
	"github.com/strengthsync/strengthsync/sync/google"
	"github.com/strengthsync/strengthsync/sync/googlefake"
)

// pushWorld is a fake Google with an injected clock, a receiver that keeps
// the tokens it is sent, and a client with its state in memory.
type pushWorld struct {
	srv     *googlefake.Server
	state   *filestate.Store
	dir     string
	c       *google.Client
	addr    string
	mu      stdsync.Mutex
	now     time.Time
	tokens  map[string]string // channel ID → token seen
	checked map[string]bool   // channel ID → its first message checked
	coach   string            // a second calendar
}

func newPushWorld(t *testing.T) *pushWorld {
	t.Helper()
	w := &pushWorld{now: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), dir: t.TempDir(), tokens: map[string]string{}, checked: map[string]bool{}}
	w.state = filestate.Open(filepath.Join(w.dir, "state.json"))
	w.srv = googlefake.New(googlefake.Options{Now: w.clock})
	t.Cleanup(w.srv.Close)
	hook := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		defer w.mu.Unlock()
		id, token := r.Header.Get("X-Goog-Channel-ID"), r.Header.Get("X-Goog-Channel-Token")
		w.tokens[id] = token
		// What the webhook would answer, as the message arrives.
		ok, err := google.CheckChannel(r.Context(), w.state, id, token, w.now)
		w.checked[id] = ok && err == nil
	}))
	t.Cleanup(hook.Close)
	w.addr = hook.URL + "/hooks/google"
	w.c = w.client(t)
	w.coach = w.srv.AddCalendar("Coach")
	return w
}

func (w *pushWorld) client(t *testing.T) *google.Client {
	t.Helper()
	c, err := google.New(context.Background(), google.Options{HTTPClient: w.srv.Client(googlefake.ScopeCalendar),
		APIURL: w.srv.APIURL(), State: w.state, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seen returns the token the webhook saw for a channel and whether its
// first message checked, under the lock the webhook writes them with.
func (w *pushWorld) seen(id string) (token string, checked bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tokens[id], w.checked[id]
}

// restart replaces the state file, as a restart with a fresh store does;
// the webhook reads the state under the same lock.
func (w *pushWorld) restart(t *testing.T, name string) {
	w.mu.Lock()
	w.state = filestate.Open(filepath.Join(w.dir, name))
	w.mu.Unlock()
	w.c = w.client(t)
}

func (w *pushWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *pushWorld) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

func (w *pushWorld) watch(t *testing.T, cals ...string) time.Time {
	t.Helper()
	at, err := w.c.Watch(context.Background(), cals, google.WatchOptions{Address: w.addr, Owner: "plan1", Now: w.clock()})
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func ids(chs []googlefake.Channel) []string {
	var out []string
	for _, c := range chs {
		out = append(out, c.ID)
	}
	return out
}

// TestWatchRenewal drives channels through a week with an injected clock:
// created once, kept while fresh, renewed a day before expiry (the old one
// stopped), created again after expiring unseen or after the state is
// lost, and all stopped with the plan.
func TestWatchRenewal(t *testing.T) {
	w := newPushWorld(t)
	ctx := context.Background()
	primary := w.srv.Primary()

	renew := w.watch(t, primary)
	first := w.srv.Channels()
	if len(first) != 1 || first[0].Calendar != primary || google.ChannelOwner(first[0].ID) != "plan1" {
		t.Fatalf("channels after the first watch: %+v", first)
	}
	if want := w.clock().Add(googlefake.DefaultChannelTTL - 24*time.Hour); !renew.Equal(want) {
		t.Fatalf("renew at %v, want %v", renew, want)
	}
	w.srv.WaitNotifications()
	firstToken, firstChecked := w.seen(first[0].ID)
	if !firstChecked {
		t.Fatal("the channel's first message arrived before the channel was known")
	}
	ok, err := google.CheckChannel(ctx, w.state, first[0].ID, firstToken, w.clock())
	if err != nil || !ok {
		t.Fatalf("the token Google sent does not check: %v %v", ok, err)
	}
	for _, forged := range []struct{ id, token string }{{first[0].ID, "guess"}, {first[0].ID, ""}, {"plan1=0000", firstToken}} {
		if ok, _ := google.CheckChannel(ctx, w.state, forged.id, forged.token, w.clock()); ok {
			t.Errorf("forged %+v checks", forged)
		}
	}

	// Fresh: nothing asked of Google.
	w.advance(5 * 24 * time.Hour)
	calls := w.srv.Count("events.watch")
	w.watch(t, primary)
	if w.srv.Count("events.watch") != calls {
		t.Fatal("a fresh channel was renewed")
	}
	// Within a day of expiry: renewed, the old one stopped.
	w.advance(36 * time.Hour)
	w.watch(t, primary)
	second := w.srv.Channels()
	if len(second) != 1 || second[0].ID == first[0].ID || w.srv.Count("channels.stop") != 1 {
		t.Fatalf("after renewal: %v, %s", ids(second), w.srv.CountsString())
	}
	if ok, _ := google.CheckChannel(ctx, w.state, first[0].ID, firstToken, w.clock()); ok {
		t.Fatal("the renewed-away channel still checks")
	}
	// Expired while the service was down: created again, nothing to stop.
	w.advance(8 * 24 * time.Hour)
	stops := w.srv.Count("channels.stop")
	w.watch(t, primary)
	third := w.srv.Channels()
	if len(third) != 2 || w.srv.Count("channels.stop") != stops {
		t.Fatalf("after expiry: %v, %s", ids(third), w.srv.CountsString())
	}
	// State lost on a restart: a channel is created again.
	w.restart(t, "restored.json")
	w.watch(t, primary)
	if n := len(w.srv.Channels()); n != 3 {
		t.Fatalf("after a lost state %d channels, want 3 (the lost one lives until it expires)", n)
	}
	// A second calendar read, then the first dropped: its channel stopped.
	coach := w.coach
	w.watch(t, primary, coach)
	live := w.srv.Count("channels.stop")
	w.watch(t, coach)
	if w.srv.Count("channels.stop") != live+1 {
		t.Fatalf("dropping a calendar stopped no channel: %s", w.srv.CountsString())
	}
	// The service moves to another address: the channel follows it.
	stops = w.srv.Count("channels.stop")
	if _, err := w.c.Watch(ctx, []string{coach}, google.WatchOptions{Address: w.addr + "?moved", Owner: "plan1", Now: w.clock()}); err != nil {
		t.Fatal(err)
	}
	if w.srv.Count("channels.stop") != stops+1 {
		t.Fatalf("a new address kept the old channel: %s", w.srv.CountsString())
	}
	// The plan goes: every channel stopped, the state forgotten.
	before := len(w.srv.Channels())
	if err := w.c.StopWatching(ctx, w.clock()); err != nil {
		t.Fatal(err)
	}
	if after := len(w.srv.Channels()); after != before-1 {
		t.Fatalf("StopWatching left %d of %d channels", after, before)
	}
	if _, ok, _ := w.state.Get(ctx, "google/channels"); ok {
		t.Fatal("channels still in the state")
	}
}

// FuzzChannelOwner: whatever a notification's X-Goog-Channel-ID holds,
// reading its owner never panics, never returns part of the random tail,
// and gives back the owner of every ID Watch makes.
func FuzzChannelOwner(f *testing.F) {
	f.Add("plan1=0123456789abcdef0123")
	f.Add("01234567-89ab-cdef-0123456789ab")
	f.Add("=")
	f.Add("a==b")
	f.Fuzz(func(t *testing.T, id string) {
		owner := google.ChannelOwner(id)
		if owner != "" && (strings.Contains(owner, "=") || !strings.HasPrefix(id, owner+"=") || len(id) == len(owner)+1) {
			t.Fatalf("ChannelOwner(%q) = %q", id, owner)
		}
		if !strings.Contains(id, "=") && id != "" {
			if got := google.ChannelOwner(id + "=0a1b"); got != id {
				t.Fatalf("ChannelOwner(%q) = %q, want %q", id+"=0a1b", got, id)
			}
		}
	})
}
