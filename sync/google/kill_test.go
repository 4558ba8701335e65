package google_test

import (
	"bytes"
	"context"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	stdsync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/filestate"
	"github.com/strengthsync/strengthsync/sync/google"
	"github.com/strengthsync/strengthsync/sync/googlefake"
	"golang.org/x/oauth2"
)

// TestHelperSyncProcess is not a test of its own: TestKilledMidSync runs
// the test binary again with only this function, as a process it can
// SIGKILL, and the function does one sync against the parent's fake.
func TestHelperSyncProcess(t *testing.T) {
	if os.Getenv("STRENGTHSYNC_HELPER") != "sync" {
		t.Skip("helper process for TestKilledMidSync")
	}
	ctx := context.Background()
	hc := oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: os.Getenv("HELPER_TOKEN")}))
	c, err := google.New(ctx, google.Options{
		HTTPClient: hc, APIURL: os.Getenv("HELPER_API"), State: filestate.Open(os.Getenv("HELPER_STATE")),
		Sleep: func(context.Context, time.Duration) error { return nil }, MaxAttempts: 12,
	})
	if err == nil {
		_, _, err = syncOnce(ctx, c, "primary", "new")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
}

// TestKilledMidSync kills a syncing process with SIGKILL at random points
// (at a chosen request, before or after it takes effect, or after a
// random delay) at least fifteen times in thirty runs or more while the
// coach keeps changing the plan, then checks that one more run converges:
// every planned session once, nothing else, and quiet afterwards.
func TestKilledMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("starts thirty processes")
	}
	ctx := context.Background()
	w := newWorld(t)
	token := w.srv.MintToken(googlefake.ScopeAppCreated, googlefake.ScopeEventsReadonly)
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	// Runs with nothing left to write, or that finish before their timer,
	// are not killed: go on past thirty runs until half as many kills have
	// happened, within a bound.
	const runs, wantKills, maxRuns = 30, 15, 120
	killed, byRequest, byTimer, i := 0, 0, 0, 0
	for ; i < runs || (killed < wantKills && i < maxRuns); i++ {
		if i > 0 {
			w.coachTinkers(rng)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSyncProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STRENGTHSYNC_HELPER=sync", "HELPER_TOKEN="+token,
			"HELPER_API="+w.srv.APIURL(), "HELPER_STATE="+w.state.Path())
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		var mu stdsync.Mutex
		kill := func() {
			mu.Lock()
			defer mu.Unlock()
			if cmd.Process != nil {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		// A third of the runs die after a random delay, a third at one of
		// the first requests, a third at one of the first writes.
		mode := rng.IntN(3)
		timer := mode == 0
		target, drop, seen := 1+rng.IntN(4), rng.IntN(2) == 0, 0
		w.srv.SetHook(func(kind string, n int) googlefake.Action {
			if mode == 2 && !isWrite(kind) {
				return googlefake.Proceed
			}
			mu.Lock()
			seen++
			hit := !timer && seen == target
			mu.Unlock()
			if !hit {
				return googlefake.Proceed
			}
			kill()
			if drop {
				return googlefake.Drop // killed before the request lands
			}
			return googlefake.Proceed // killed after it lands
		})
		mu.Lock()
		err := cmd.Start()
		mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if timer {
			tm := time.AfterFunc(time.Duration(rng.IntN(400))*time.Millisecond, kill)
			defer tm.Stop()
		}
		err = cmd.Wait()
		w.srv.SetHook(nil)
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			killed++
			if timer {
				byTimer++
			} else {
				byRequest++
			}
			continue
		}
		if err != nil {
			t.Fatalf("run %d failed: %v\n%s", i, err, out.String())
		}
	}
	t.Logf("%d of %d runs killed (%d at a request, %d by timer)", killed, i, byRequest, byTimer)
	if killed < wantKills {
		t.Errorf("only %d runs were killed; the test proves little", killed)
	}

	plan, _, err := syncOnce(ctx, w.client(), "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	cal := stateCalendar(t, w)
	w.checkHolds(cal, plan)
	w.checkHand(w.client(), 0)
	for _, c := range w.srv.Calendars() {
		if c.Id != cal && c.Id != w.srv.Primary() && len(w.srv.Events(c.Id)) > 0 {
			t.Errorf("calendar %s holds events", c.Id)
		}
	}
	w.srv.ResetCounts()
	if _, ch, err := syncOnce(ctx, w.client(), "primary", "new"); err != nil || !ch.Empty() || w.srv.APICalls() > 2 {
		t.Errorf("the sync after: %v, %s, %s", err, changesString(ch), w.srv.CountsString())
	}
}

func isWrite(kind string) bool {
	switch kind {
	case "events.insert", "events.patch", "events.update", "events.delete", "calendars.insert":
		return true
	}
	return false
}

// coachTinkers changes the plan the way a coach does: moves a long run
// between Sunday and Friday (a session moves), or takes a tempo run out or
// puts it back (a session goes or comes).
func (w *world) coachTinkers(rng *mathrand.Rand) {
	w.t.Helper()
	wk := rng.IntN(weeks)
	mon := start.AddDays(7 * wk)
	if rng.IntN(2) == 0 {
		key := fmt.Sprintf("W%d long", wk+1)
		ev, _ := w.srv.Event("primary", w.runs[key])
		day := mon.AddDays(6)
		if ev.Start.DateTime == day.At(8*60, london).Format(time.RFC3339) {
			day = mon.AddDays(4)
		}
		s := day.At(8*60, london)
		if err := w.srv.MoveEvent("primary", w.runs[key], s, s.Add(150*time.Minute)); err != nil {
			w.t.Fatal(err)
		}
		return
	}
	key := fmt.Sprintf("W%d tempo", wk+1)
	if ev, ok := w.srv.Event("primary", w.runs[key]); ok && ev.Status != "cancelled" {
		if err := w.srv.DeleteEvent("primary", w.runs[key]); err != nil {
			w.t.Fatal(err)
		}
		return
	}
	w.run(key, "Tempo 40 min", mon.AddDays(3), 7*60, 60)
}
