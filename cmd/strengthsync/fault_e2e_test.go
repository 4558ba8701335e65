package main

// The fault suite: serve and workers are SIGKILLed at random moments while
// they sync, again and again, and Redis crashes once; afterwards every plan
// is there, syncs, and holds each session once, in its feed and in Google.

import (
	mathrand "math/rand/v2"
	"net/http"
	stdsync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/googlefake"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

// faultRounds is how many processes each fault test kills.
func faultRounds() int {
	if testing.Short() {
		return 5
	}
	return 20
}

// faultWorld is the runners of a fault test: plans from a URL and one
// from Google, whose coaches keep changing them.
type faultWorld struct {
	t     *testing.T
	g     *svcGoogle
	cal   *svcCal
	plans []svcPlan // the Google plan last
	rng   *mathrand.Rand
	// atWrite counts the kills that hit a write to Google.
	atWrite atomic.Int32
}

func newFaultWorld(t *testing.T, g *svcGoogle, cal *svcCal, s *svcServe) *faultWorld {
	w := &faultWorld{t: t, g: g, cal: cal, rng: mathrand.New(mathrand.NewPCG(7, 11))}
	for range 2 {
		w.plans = append(w.plans, s.create(t, cal.url()))
	}
	w.plans = append(w.plans, g.connect(t, s))
	return w
}

// change is the coaches' move in round i: Tuesdays turn easy, or back to
// intervals, so every sync has sessions to move.
func (w *faultWorld) change(i int) {
	w.cal.set(svcRunsICS(i%2 == 0))
	w.g.coachSetsTuesdays(w.t, i%2 == 0)
}

// poke asks for a sync of every plan. A serve that lives through many
// rounds may answer 429 (its API rate limit): the schedule syncs anyway.
func (w *faultWorld) poke(s *svcServe, limited bool) {
	for _, p := range w.plans {
		r, b := svcDo(w.t, http.MethodPost, s.base+"/api/plans/"+p.ID+"/sync", p.ManageToken, nil)
		if !limited || r.StatusCode != http.StatusTooManyRequests {
			svcWant(w.t, r, b, http.StatusAccepted)
		}
	}
}

// killSoon SIGKILLs p after a random pause, or, when atWrite is set, at
// the first write to Google if that comes first (the write is dropped).
func (w *faultWorld) killSoon(p *svcProc, atWrite bool) {
	var once stdsync.Once
	kill := func() { once.Do(func() { p.cmd.Process.Signal(syscall.SIGKILL) }) }
	if atWrite {
		w.g.fake.SetHook(func(kind string, _ int) googlefake.Action {
			switch kind {
			case "events.insert", "events.patch", "events.update", "events.delete":
				once.Do(func() {
					w.atWrite.Add(1)
					p.cmd.Process.Signal(syscall.SIGKILL)
				})
				return googlefake.Drop
			}
			return googlefake.Proceed
		})
	}
	timer := time.AfterFunc(time.Duration(w.rng.IntN(600))*time.Millisecond, kill)
	defer timer.Stop()
	<-p.done
	w.g.fake.SetHook(nil)
}

// converge asks serve for one more sync of every plan and checks the end
// state: each plan there and ok, each feed and the Google calendar holding
// every session once.
func (w *faultWorld) converge(s *svcServe) {
	t := w.t
	t.Helper()
	t0 := time.Now()
	w.poke(s, false)
	for _, p := range w.plans {
		svcEventually(t, "plan "+p.ID+" to sync after the kills", func() bool {
			v := s.view(t, p)
			return v.LastSync != nil && v.LastSync.After(t0) && v.Status == "ok"
		})
	}
	for _, p := range w.plans[:len(w.plans)-1] {
		res, ours := s.feed(t, p)
		if v := s.view(t, p); res.StatusCode != http.StatusOK || len(ours) == 0 || len(ours) != len(v.Sessions) {
			t.Errorf("plan %s: feed %d with %d sessions, the plan %d", p.ID, res.StatusCode, len(ours), len(v.Sessions))
		}
	}
	w.g.check(t, s, w.plans[len(w.plans)-1])
	if n := len(w.g.fake.Calendars()); n != 2 {
		t.Errorf("%d calendars in Google, want the primary and ours", n)
	}
}

// TestFaultKillServeSQLite SIGKILLs serve (web and worker in one process,
// SQLite) at random moments of its syncs, some at a write to Google.
func TestFaultKillServeSQLite(t *testing.T) {
	g := newSvcGoogle(t)
	cal := newSvcCal(t, svcRunsICS(false))
	env := svcEnv(t, g.env)
	args := []string{"--data", t.TempDir(), "--allow-private-sources", "--sync-timeout", "3s"}
	s, proc := startServeProc(t, env, append(args, "--sync-every", "1s")...)
	w := newFaultWorld(t, g, cal, s)
	for i := range faultRounds() {
		w.change(i)
		w.poke(s, false)
		w.killSoon(proc, i%2 == 0)
		s, proc = startServeProc(t, env, append(args, "--sync-every", "1s")...)
	}
	proc.term(t)
	s, proc = startServeProc(t, env, append(args, "--sync-every", "1h")...)
	w.converge(s)
	proc.term(t)
	t.Logf("%d kills, %d of them at a write to Google; Google: %s", faultRounds(), w.atWrite.Load(), g.fake.CountsString())
}

// TestFaultKillRedis SIGKILLs serve or one of two workers at random
// moments (Redis, with the append-only file), and once Redis itself.
func TestFaultKillRedis(t *testing.T) {
	rs := storetest.StartRedis(t, storetest.RedisOptions{Persist: true})
	redisURL := "redis://" + rs.Addr + "/0"
	g := newSvcGoogle(t)
	cal := newSvcCal(t, svcRunsICS(false))
	env := svcEnv(t, g.env)
	data := t.TempDir()
	serveArgs := []string{"--redis", redisURL, "--data", data, "--allow-private-sources", "--require-durable-redis"}
	workerArgs := []string{"worker", "--redis", redisURL, "--data", data, "--allow-private-sources",
		"--claim-idle", "1s", "--sync-timeout", "3s", "--workers", "2"}
	s, sp := startServeProc(t, env, append(serveArgs, "--sync-every", "1s")...)
	workers := []*svcProc{startProc(t, env, workerArgs...), startProc(t, env, workerArgs...)}
	w := newFaultWorld(t, g, cal, s)
	for i := range faultRounds() {
		w.change(i)
		w.poke(s, true)
		if i == faultRounds()/2 {
			rs.Restart(t, true) // a crash: the append-only file keeps every write
		}
		switch victim := w.rng.IntN(3); victim {
		case 0:
			w.killSoon(sp, false)
			s, sp = startServeProc(t, env, append(serveArgs, "--sync-every", "1s")...)
		default:
			w.killSoon(workers[victim-1], i%2 == 0)
			workers[victim-1] = startProc(t, env, workerArgs...)
		}
	}
	sp.term(t)
	workers[1].term(t)
	s, sp = startServeProc(t, env, append(serveArgs, "--sync-every", "1h")...)
	w.converge(s)
	sp.term(t)
	workers[0].term(t)
	t.Logf("%d kills, %d of them at a write to Google; Google: %s", faultRounds(), w.atWrite.Load(), g.fake.CountsString())
}
