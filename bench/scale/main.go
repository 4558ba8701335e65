// Command scale measures strengthsync at a size: N plans whose URL sources
// a loopback server answers in the styles real platforms use (ETag and 304,
// Last-Modified only, no validators, an ETag that changes with every
// answer), a share of them changing between cycles. It runs the real
// binaries: serve and two workers on Redis, then serve alone on the
// embedded SQLite store, and prints Markdown tables for the README.
//
//	go run ./bench/scale                 # 10,000 plans, both stores
//	go run ./bench/scale --plans 1000 --store sqlite
//	go run ./bench/scale --schedule 100000   # the scheduler alone, simulated
//
// CPU is read per process from /proc (user + system), so other work on a
// shared machine costs wall time, not the numbers per sync. It is a
// benchmark, not a test: go test never runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"github.com/strengthsync/strengthsync/bench/internal/benchkit"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/redisstore"
	"github.com/strengthsync/strengthsync/sync/seal"
	"github.com/strengthsync/strengthsync/sync/sqlite"
)

type config struct {
	plans    int
	change   float64
	stores   string
	bin      string
	redis    string
	workers  int
	feedRate int
	schedule int
	keep     bool
}

func main() {
	var c config
	flag.IntVar(&c.plans, "plans", 10000, "plans to sync")
	flag.Float64Var(&c.change, "change", 0.05, "share of sources that change between cycles")
	flag.StringVar(&c.stores, "store", "redis,sqlite", "stores to run: redis, sqlite or both")
	flag.StringVar(&c.bin, "bin", "", "strengthsync binary [built from ./cmd/strengthsync]")
	flag.StringVar(&c.redis, "redis-server", "redis-server", "redis-server binary")
	flag.IntVar(&c.workers, "workers", 4, "syncs at once per process (--workers of serve and worker)")
	flag.IntVar(&c.feedRate, "feed-rate", 200, "feed requests per second while measuring feed latency")
	flag.IntVar(&c.schedule, "schedule", 0, "instead: simulate the scheduler alone over this many plans with a fake queue")
	flag.BoolVar(&c.keep, "keep", false, "keep the work directory")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "strengthsync-scale-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(work)
	}
	benchkit.Header("go run ./bench/scale")
	if c.schedule > 0 {
		return simulateScheduler(ctx, c, work)
	}
	if c.bin, err = benchkit.Build(c.bin, work); err != nil {
		return err
	}
	src, err := startSources(c.plans)
	if err != nil {
		return err
	}
	defer src.close()
	for _, store := range strings.Split(c.stores, ",") {
		var err error
		switch strings.TrimSpace(store) {
		case "redis":
			err = runRedis(ctx, c, work, src)
		case "sqlite":
			err = runSQLite(ctx, c, work, src)
		default:
			err = fmt.Errorf("--store %q: want redis or sqlite", store)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// setup is one store's run: the processes, the store as the bench sees it,
// and the feed tokens of the plans it made.
type setup struct {
	name   string
	procs  []*benchkit.Proc // ours: serve and workers
	redis  *benchkit.Proc   // nil on SQLite
	store  sync.Store
	base   string
	tokens []string
	ids    []string
	bytes  func() (int64, string) // the store's size, and how it was read
}

func runRedis(ctx context.Context, c config, work string, src *sources) error {
	dir := filepath.Join(work, "redis")
	os.MkdirAll(dir, 0o700)
	raddr, err := benchkit.FreeAddr()
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(raddr)
	rs, err := benchkit.Start("redis-server", dir, nil, c.redis, "--bind", host, "--port", port, "--save", "", "--appendonly", "no", "--dir", dir)
	if err != nil {
		return err
	}
	defer rs.Stop()
	url := "redis://" + raddr + "/0"
	var store *redisstore.Store
	for range 100 {
		if store, err = redisstore.Open(ctx, url); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	base := redisMemory(ctx, url)
	hexKey, sealer, err := benchkit.NewKey()
	if err != nil {
		return err
	}
	env := []string{seal.EnvKey + "=" + hexKey, "REDIS_URL=" + url}
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return err
	}
	common := []string{"--redis", url, "--allow-private-sources", "--sync-every", "30m", "--workers", strconv.Itoa(c.workers), "--data", dir}
	serve, err := benchkit.Start("serve", dir, env, c.bin, append([]string{"serve", "--addr", addr, "--feed-rate", "1e9"}, common...)...)
	if err != nil {
		return err
	}
	defer serve.Stop()
	var procs = []*benchkit.Proc{serve}
	for i := range 2 {
		w, err := benchkit.Start(fmt.Sprintf("worker%d", i+1), dir, env, c.bin, append([]string{"worker"}, common...)...)
		if err != nil {
			return err
		}
		defer w.Stop()
		procs = append(procs, w)
	}
	if err := benchkit.WaitHTTP(ctx, "http://"+addr+"/healthz", serve); err != nil {
		return err
	}
	s := &setup{name: "Redis: serve + 2 workers", procs: procs, redis: rs, store: sync.SealURLs(store, sealer), base: "http://" + addr,
		bytes: func() (int64, string) { return redisMemory(ctx, url) - base, "Redis used_memory" }}
	return measure(ctx, c, s, src, sealer)
}

func redisMemory(ctx context.Context, url string) int64 {
	cmd := exec.CommandContext(ctx, "redis-cli", "-u", url, "info", "memory")
	out, err := cmd.Output()
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

func runSQLite(ctx context.Context, c config, work string, src *sources) error {
	dir := filepath.Join(work, "sqlite")
	os.MkdirAll(dir, 0o700)
	hexKey, sealer, err := benchkit.NewKey()
	if err != nil {
		return err
	}
	env := []string{seal.EnvKey + "=" + hexKey, "REDIS_URL="}
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return err
	}
	serve, err := benchkit.Start("serve", dir, env, c.bin, "serve", "--addr", addr, "--feed-rate", "1e9", "--data", dir, "--allow-private-sources",
		"--sync-every", "30m", "--workers", strconv.Itoa(c.workers))
	if err != nil {
		return err
	}
	defer serve.Stop()
	if err := benchkit.WaitHTTP(ctx, "http://"+addr+"/healthz", serve); err != nil {
		return err
	}
	db := filepath.Join(dir, "strengthsync.db")
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("serve made no %s: %w", db, err)
	}
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	size := func() int64 {
		var n int64
		for _, suffix := range []string{"", "-wal"} {
			if st, err := os.Stat(db + suffix); err == nil {
				n += st.Size()
			}
		}
		return n
	}
	base := size()
	s := &setup{name: "SQLite: serve alone", procs: []*benchkit.Proc{serve}, store: sync.SealURLs(store, sealer), base: "http://" + addr,
		bytes: func() (int64, string) { return size() - base, "SQLite file + WAL" }}
	return measure(ctx, c, s, src, sealer)
}

// cycle is one pass over every plan.
type cycle struct {
	name     string
	changed  int
	wall     time.Duration
	span     time.Duration // first sync finished → last sync finished
	cpu      time.Duration // ours
	storeCPU time.Duration // redis-server
	written  int64         // by our processes (wchar)
	failed   int
	feed     *latency
}

func measure(ctx context.Context, c config, s *setup, src *sources, sealer *seal.Sealer) error {
	if err := createPlans(ctx, s, src, sealer, c.plans); err != nil {
		return err
	}
	var (
		cycles []cycle
		last   time.Time
	)
	for _, step := range []struct {
		name   string
		change float64
		feed   bool
	}{
		{"first sync (all new)", 0, false},
		{"unchanged", 0, false},
		{fmt.Sprintf("%.0f%% changed", c.change*100), c.change, false},
		{"unchanged, with feed load", 0, true},
	} {
		// The scheduler leaves a plan alone for a minute (its Grace) after
		// asking for it; in service the next ask is 15 minutes later.
		time.Sleep(time.Until(last.Add(70 * time.Second)))
		last = time.Now()
		changed := src.change(step.change)
		cy, err := runCycle(ctx, c, s, step.name, changed, step.feed)
		if err != nil {
			return err
		}
		cycles = append(cycles, cy)
	}
	report(c, s, cycles)
	return nil
}

func createPlans(ctx context.Context, s *setup, src *sources, sealer *seal.Sealer, n int) error {
	now := time.Now()
	s.ids, s.tokens = make([]string, n), make([]string, n)
	return benchkit.Each(n, func(i int) error {
		id := fmt.Sprintf("scale%06d", i)
		feed := seal.NewToken()
		sealed, err := sealer.Seal([]byte(feed), []byte(id))
		if err != nil {
			return err
		}
		p := &sync.PlanRecord{ID: id, ManageTokenHash: seal.HashToken(seal.NewToken()),
			FeedTokenHash: seal.HashToken(feed), FeedTokenSealed: sealed,
			Sources: []string{src.url(i)}, TimeZone: "Europe/London", Status: sync.StatusNew,
			NextSync: sync.Never, Created: now, Updated: now}
		if err := s.store.CreatePlan(ctx, p); err != nil {
			return err
		}
		s.ids[i], s.tokens[i] = id, feed
		return nil
	})
}

// runCycle makes every plan due and waits until none is.
func runCycle(ctx context.Context, c config, s *setup, name string, changed int, feed bool) (cycle, error) {
	cy := cycle{name: name, changed: changed}
	cpu0, w0 := s.cpu(), s.written()
	var st0 time.Duration
	if s.redis != nil {
		st0 = s.redis.CPU()
	}
	t0 := time.Now()
	if err := s.due(ctx, t0); err != nil {
		return cy, err
	}
	var stopFeed func() *latency
	if feed {
		stopFeed = loadFeeds(s, c.feedRate)
	}
	for {
		ids, err := s.store.DuePlans(ctx, time.Now(), 1)
		if err != nil {
			return cy, err
		}
		if len(ids) == 0 {
			break
		}
		if time.Since(t0) > 30*time.Minute {
			return cy, fmt.Errorf("%s: cycle %q still running after 30 minutes", s.name, name)
		}
		time.Sleep(200 * time.Millisecond)
	}
	cy.wall = time.Since(t0)
	if stopFeed != nil {
		cy.feed = stopFeed()
	}
	cy.cpu, cy.written = s.cpu()-cpu0, s.written()-w0
	if s.redis != nil {
		cy.storeCPU = s.redis.CPU() - st0
	}
	first, last := time.Time{}, time.Time{}
	for _, id := range s.ids {
		p, err := s.store.GetPlan(ctx, id)
		if err != nil {
			return cy, err
		}
		if p.Status != sync.StatusOK {
			cy.failed++
			if cy.failed == 1 {
				fmt.Fprintf(os.Stderr, "%s: plan %s: %s %s\n", name, id, p.Status, p.LastError)
			}
		}
		if first.IsZero() || p.LastSync.Before(first) {
			first = p.LastSync
		}
		if p.LastSync.After(last) {
			last = p.LastSync
		}
	}
	cy.span = last.Sub(first)
	fmt.Fprintf(os.Stderr, "%s, %s: %v wall, %v CPU\n", s.name, name, cy.wall.Round(time.Millisecond), cy.cpu)
	return cy, nil
}

func (s *setup) cpu() time.Duration {
	var d time.Duration
	for _, p := range s.procs {
		d += p.CPU()
	}
	return d
}

func (s *setup) written() int64 {
	var n int64
	for _, p := range s.procs {
		n += p.Written()
	}
	return n
}

// due makes every plan due at t, as the scheduler finds them every 15
// minutes; the bench's own store calls are not measured.
func (s *setup) due(ctx context.Context, t time.Time) error {
	return benchkit.Each(len(s.ids), func(i int) error {
		p, err := s.store.GetPlan(ctx, s.ids[i])
		if err != nil {
			return err
		}
		p.NextSync = t
		return s.store.UpdatePlan(ctx, p)
	})
}

// latency is what the feed load saw.
type latency struct {
	mu    stdsync.Mutex
	times []time.Duration
	codes map[int]int
}

func (l *latency) pct(p float64) time.Duration {
	if len(l.times) == 0 {
		return 0
	}
	slices.Sort(l.times)
	return l.times[min(len(l.times)-1, int(math.Ceil(p*float64(len(l.times))))-1)]
}

// loadFeeds polls random feeds at rate per second, as calendar apps do:
// most with the ETag they hold (304), some in full.
func loadFeeds(s *setup, rate int) (stop func() *latency) {
	l := &latency{codes: map[int]int{}}
	tr := &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	etags := make([]atomic.Value, len(s.tokens))
	done := make(chan struct{})
	var wg stdsync.WaitGroup
	jobs := make(chan int, 64)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				req, _ := http.NewRequest(http.MethodGet, s.base+"/feeds/"+s.tokens[i]+".ics", nil)
				if tag, ok := etags[i].Load().(string); ok && mrand.IntN(5) > 0 {
					req.Header.Set("If-None-Match", tag)
				}
				t := time.Now()
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				d := time.Since(t)
				if tag := res.Header.Get("ETag"); tag != "" {
					etags[i].Store(tag)
				}
				l.mu.Lock()
				l.times = append(l.times, d)
				l.codes[res.StatusCode]++
				l.mu.Unlock()
			}
		}()
	}
	go func() {
		defer close(jobs)
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				select {
				case jobs <- mrand.IntN(len(s.tokens)):
				default: // the server is behind: that shows in the latency
				}
			}
		}
	}()
	return func() *latency {
		close(done)
		wg.Wait()
		tr.CloseIdleConnections()
		return l
	}
}

func report(c config, s *setup, cycles []cycle) {
	n := len(s.ids)
	fmt.Printf("### %s, %d plans\n\n", s.name, n)
	fmt.Println("| cycle | changed | wall | first→last sync | syncs/s | CPU ours (ms/sync) | CPU store (ms/sync) | written by ours, files + sockets + logs (B/sync) | failed |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, cy := range cycles {
		fmt.Printf("| %s | %d | %.1f s | %.1f s | %.0f | %.2f | %.2f | %d | %d |\n", cy.name, cy.changed,
			cy.wall.Seconds(), cy.span.Seconds(), float64(n)/cy.wall.Seconds(),
			ms(cy.cpu)/float64(n), ms(cy.storeCPU)/float64(n), cy.written/int64(n), cy.failed)
	}
	unchanged, changed := cycles[1], cycles[2]
	perUnchanged := ms(unchanged.cpu) / float64(n)
	perChanged := math.NaN()
	if changed.changed > 0 {
		perChanged = (ms(changed.cpu) - perUnchanged*float64(n-changed.changed)) / float64(changed.changed)
	}
	size, how := s.bytes()
	fmt.Println()
	fmt.Printf("- CPU per unchanged sync: %.2f ms in our processes (+ %.2f ms in redis-server); per changed sync: %.1f ms (from the %s cycle)\n",
		perUnchanged, ms(unchanged.storeCPU)/float64(n), perChanged, changed.name)
	fmt.Printf("- store per plan: %.1f KB (%s, %d bytes for %d plans)\n", float64(size)/float64(n)/1024, how, size, n)
	fmt.Printf("- serve's RSS: %.0f MB", float64(s.procs[0].RSS())/(1<<20))
	for _, p := range s.procs[1:] {
		fmt.Printf("; %s's: %.0f MB", p.Name, float64(p.RSS())/(1<<20))
	}
	fmt.Println()
	if l := cycles[3].feed; l != nil {
		fmt.Printf("- feed latency during the last cycle at %d requests/s (80%% conditional): p50 %.2f ms, p99 %.2f ms over %d requests %v\n",
			c.feedRate, ms(l.pct(0.5)), ms(l.pct(0.99)), len(l.times), l.codes)
	}
	fmt.Println()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// sources serves each plan's calendar in one of four platform styles.
type sources struct {
	srv     *http.Server
	addr    string
	mu      stdsync.RWMutex
	version []int // per plan: bumped when its calendar changes
	stamp   time.Time
	hits    atomic.Int64
}

func startSources(n int) (*sources, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sources{addr: l.Addr().String(), version: make([]int, n), stamp: time.Now().UTC().Truncate(time.Second)}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ErrorLog: log.New(io.Discard, "", 0)}
	go s.srv.Serve(l)
	return s, nil
}

func (s *sources) close() { s.srv.Close() }

func (s *sources) url(i int) string { return fmt.Sprintf("http://%s/cal/%d/training.ics", s.addr, i) }

// change bumps the calendars of share of the plans and returns how many.
func (s *sources) change(share float64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int(math.Round(share * float64(len(s.version))))
	for _, i := range mrand.Perm(len(s.version))[:n] {
		s.version[i]++
	}
	return n
}

// Styles, by plan number modulo 10: 0-4 ETag with 304 (TrainingPeaks,
// Final Surge), 5-6 Last-Modified only with 304, 7-8 no validators at all
// (a body every time, same bytes), 9 a new ETag on every answer and no 304
// (some platforms stamp the generation time).
func (s *sources) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 {
		http.NotFound(w, r)
		return
	}
	i, err := strconv.Atoi(parts[1])
	if err != nil || i < 0 || i >= len(s.version) {
		http.NotFound(w, r)
		return
	}
	s.mu.RLock()
	v := s.version[i]
	s.mu.RUnlock()
	etag := fmt.Sprintf(`"%d-%d"`, i, v)
	modified := s.stamp.Add(time.Duration(v) * time.Hour)
	switch style := i % 10; {
	case style <= 4:
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	case style <= 6:
		w.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
		if t, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !modified.After(t) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	case style == 9:
		w.Header().Set("ETag", fmt.Sprintf(`"%d-%d-%d"`, i, v, time.Now().UnixNano()))
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Write(calendar(i, v, s.stamp))
}

// calendar is a TrainingPeaks-style plan around today: six workouts a
// week for 20 weeks, all-day, with descriptions; about 40 KB. A new
// version moves one workout's title.
func calendar(plan, version int, now time.Time) []byte {
	rng := mrand.New(mrand.NewPCG(uint64(plan), 7))
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//TrainingPeaks//Calendar Feed//EN\r\nCALSCALE:GREGORIAN\r\n")
	fmt.Fprintf(&b, "X-WR-CALNAME:Marathon plan %d\r\nX-WR-TIMEZONE:Europe/London\r\n", plan)
	monday := now.AddDate(0, 0, -int((now.Weekday()+6)%7)-7*8)
	titles := []string{"Easy Run", "Intervals 6x800m", "Tempo 3 x 10 min", "Recovery jog", "Long Run", "Hill repeats 8x60s", "Progression run"}
	for week := range 20 {
		for day := range 7 {
			if day == 4 {
				continue // rest
			}
			d := monday.AddDate(0, 0, week*7+day)
			title := titles[(day+rng.IntN(2))%len(titles)]
			if day == 6 {
				title = "Long Run"
			}
			if version > 0 && week == 9 && day == 1 {
				title = fmt.Sprintf("Intervals %dx400m", 6+version)
			}
			fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:tp-%d-%d-%d@trainingpeaks.com\r\nDTSTAMP:20261201T080000Z\r\n", plan, week, day)
			fmt.Fprintf(&b, "DTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%s\r\n", d.Format("20060102"), d.AddDate(0, 0, 1).Format("20060102"))
			fmt.Fprintf(&b, "SUMMARY:%s\r\nDESCRIPTION:Planned: %d min\\, %.1f km. Warm up 15 min easy\\, then the main set as wr\r\n itten. Keep it conversational unless stated. Coach notes: fuel\\, sleep\\, hy\r\n drate. Week %d of 20.\r\nEND:VEVENT\r\n",
				title, 30+rng.IntN(90), 5+rng.Float64()*20, week+1)
		}
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}
