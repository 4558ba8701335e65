package web

import (
	"context"
	"log/slog"
	"net/http"
	stdsync "sync"
	"time"
)

// PushChannels tells Google's genuine push notifications from forged ones
// (https://developers.google.com/calendar/api/guides/push).
type PushChannels interface {
	// Owner returns the plan a channel ID belongs to, or "" for an ID
	// that cannot be one of ours. It does no I/O.
	Owner(channelID string) string
	// Check reports whether channelID is a live channel of the plan and
	// token its secret, comparing in constant time.
	Check(ctx context.Context, planID, channelID, token string) (bool, error)
}

// DefaultCoalesce is how long the webhook gathers a plan's notifications
// before it asks for one sync: a runner dragging a run about, or a coach
// pasting a week, sends a burst.
const DefaultCoalesce = 2 * time.Second

// googleHook receives Google's notifications: POST /hooks/google. It is
// cheap and hostile-proof: no body is read (Google sends none), a forged
// or unknown channel costs one small state read and starts nothing, the
// token is compared in constant time, each client address is rate
// limited, and the answer never waits for a sync. The first message of a
// channel ("sync") only says it works.
func (s *Server) googleHook(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		if r.ContentLength > 0 || readsAny(w, r) {
			http.Error(w, "no body expected", http.StatusRequestEntityTooLarge)
			return
		}
	}
	if s.Push == nil {
		http.NotFound(w, r)
		return
	}
	h := r.Header
	id := h.Get("X-Goog-Channel-ID")
	plan := s.Push.Owner(id)
	if plan == "" || !validPlanID(plan) {
		http.NotFound(w, r)
		return
	}
	ok, err := s.Push.Check(r.Context(), plan, id, h.Get("X-Goog-Channel-Token"))
	if err != nil {
		s.Log.Warn("push check failed", slog.String("plan_id", plan), slog.Any("error", err))
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch h.Get("X-Goog-Resource-State") {
	case "sync":
		// The channel's first message: nothing changed yet.
	case "exists", "not_exists":
		s.coalescer().notify(plan)
	}
	w.WriteHeader(http.StatusOK)
}

// readsAny reports whether a body of unknown length holds a byte.
func readsAny(w http.ResponseWriter, r *http.Request) bool {
	var b [1]byte
	n, _ := http.MaxBytesReader(w, r.Body, 1).Read(b[:])
	return n > 0
}

// coalescer turns a burst of notifications for a plan into one queued
// sync, window after the first of them.
type coalescer struct {
	window  time.Duration
	enqueue func(planID string)
	mu      stdsync.Mutex
	pending map[string]bool
}

func (c *coalescer) notify(planID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[planID] {
		return
	}
	c.pending[planID] = true
	time.AfterFunc(c.window, func() {
		c.mu.Lock()
		delete(c.pending, planID)
		c.mu.Unlock()
		c.enqueue(planID)
	})
}

func (s *Server) coalescer() *coalescer {
	s.hooksOnce.Do(func() {
		window := s.PushCoalesce
		if window <= 0 {
			window = DefaultCoalesce
		}
		s.hooks = &coalescer{window: window, pending: map[string]bool{}, enqueue: func(id string) {
			if err := s.Queue.Enqueue(s.bgCtx, id); err != nil {
				s.Log.Warn("pushed sync not queued", slog.String("plan_id", id), slog.Any("error", err))
			}
		}}
	})
	return s.hooks
}
