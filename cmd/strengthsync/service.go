package main

// The service: `serve` (web, feeds, API; with SQLite also the worker) and
// `worker` (queue consumer for a shared Redis). Everything here is wiring:
// flags in, pieces built, run until SIGTERM, drained, exit 0.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/google"
	"github.com/strengthsync/strengthsync/sync/queue"
	"github.com/strengthsync/strengthsync/sync/redisstore"
	"github.com/strengthsync/strengthsync/sync/seal"
	"github.com/strengthsync/strengthsync/sync/sqlite"
	"github.com/strengthsync/strengthsync/web"
)

// serviceFlags are the flags serve and worker share, parsed once.
type serviceFlags struct {
	addr         string
	data         string
	redisURL     string
	publicURL    string
	allowPrivate bool
	every        time.Duration
	workers      int
	syncTimeout  time.Duration
	claimIdle    time.Duration
	metricsAddr  string
	credentials  string
	// requireDurable refuses a Redis that would lose plans on restart.
	requireDurable bool
	// trustedProxies is --trusted-proxies (or STRENGTHSYNC_TRUSTED_PROXIES).
	trustedProxies string
	proxies        []netip.Prefix
	limits         sync.Limits
	// feedRate is --feed-rate: feed requests a second per feed token.
	feedRate float64
	// pushEvery and coalesce tune Google push (--push-poll-every,
	// --push-coalesce).
	pushEvery time.Duration
	coalesce  time.Duration
}

// hookURL is where Google posts notifications, or "" when push is off: it
// needs a public https address (Google refuses any other). A loopback
// http address is taken too, for a local fake of Google.
func (f *serviceFlags) hookURL() string {
	u, err := url.Parse(f.publicURL)
	if f.publicURL == "" || err != nil {
		return ""
	}
	h := u.Hostname()
	if u.Scheme != "https" && !(u.Scheme == "http" && (h == "127.0.0.1" || h == "localhost" || h == "::1")) {
		return ""
	}
	return strings.TrimRight(f.publicURL, "/") + "/hooks/google"
}

func (a *App) serviceCmds() []*cobra.Command { return []*cobra.Command{a.serveCmd(), a.workerCmd()} }

func (a *App) commonServiceFlags(cmd *cobra.Command, f *serviceFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", a.dataDir, "data directory: the SQLite file and the secret key file")
	fl.StringVar(&f.redisURL, "redis", "", "Redis URL (redis://host:6379/0) for the store and the queue; default $REDIS_URL")
	fl.BoolVar(&f.allowPrivate, "allow-private-sources", false,
		"let source URLs reach private, loopback and link-local addresses (a calendar at home; tests). Never on a shared service")
	fl.DurationVar(&f.every, "sync-every", 15*time.Minute, "time between scheduled syncs of a plan")
	fl.IntVar(&f.workers, "workers", 4, "syncs run at once by this process")
	fl.DurationVar(&f.syncTimeout, "sync-timeout", 5*time.Minute,
		"longest a sync may take; a crashed worker's hold on a plan expires after it")
	d := sync.DefaultLimits()
	fl.IntVar(&f.limits.Sources, "max-sources", d.Sources, "run calendars a plan may have")
	fl.IntVar(&f.limits.Busy, "max-busy", d.Busy, "busy calendars a plan may have")
	fl.IntVar(&f.limits.Events, "max-events", d.Events, "events read for one plan in its weeks, all calendars together, recurrences expanded")
	fl.IntVar(&f.limits.SourceBytes, "max-source-bytes", d.SourceBytes, "bytes of all calendars of one plan together, as fetched")
	fl.IntVar(&f.limits.PlanBytes, "max-plan-bytes", d.PlanBytes, "bytes a plan may store of its plan JSON and of its feed, each")
	fl.BoolVar(&f.requireDurable, "require-durable-redis", false,
		"refuse to start unless Redis keeps every write across a restart (appendonly yes)")
	fl.StringVar(&f.credentials, "google-credentials", "",
		"OAuth client file for Google (client_secret.json); default $STRENGTHSYNC_GOOGLE_CLIENT_ID and _SECRET, else no Google")
	fl.StringVar(&f.publicURL, "public-url", "",
		"where runners reach the service (https://strength.example), for feed links, Google's redirect and Google's push "+
			"notifications (https only); default http://localhost:PORT, and Google-connected plans are polled")
	fl.DurationVar(&f.pushEvery, "push-poll-every", 6*time.Hour,
		"time between scheduled syncs of a plan Google pushes changes of: polling is then only a safety net")
	fl.DurationVar(&f.coalesce, "push-coalesce", web.DefaultCoalesce,
		"how long Google's notifications for a plan are gathered before one sync is queued")
	fl.StringVar(&f.metricsAddr, "metrics-addr", "",
		"serve /metrics (and /healthz) on this address instead of the main one; a worker serves none when empty")
}

func (a *App) serveCmd() *cobra.Command {
	f := &serviceFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web service: API, feeds and pages (with the worker, unless --redis)",
		Long: `serve runs the HTTP service: the JSON API, the iCal feeds, the pages, /healthz,
/readyz and /metrics. By default it keeps plans in SQLite in --data and syncs
them itself. With --redis (or REDIS_URL) plans live in Redis and serve only
schedules syncs: run one or more ` + "`strengthsync worker`" + ` processes next to it.
SIGTERM stops accepting, finishes the requests and syncs in flight, and exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context(), f) },
	}
	a.commonServiceFlags(cmd, f)
	cmd.Flags().StringVar(&f.addr, "addr", ":8080", "address to listen on")
	cmd.Flags().Float64Var(&f.feedRate, "feed-rate", 5,
		"feed requests a second allowed per feed token (bursts of 60), never per client address")
	cmd.Flags().StringVar(&f.trustedProxies, "trusted-proxies", "",
		"CIDRs or addresses of reverse proxies whose X-Forwarded-For / Forwarded name the client (10.0.0.0/8,127.0.0.1); "+
			"default $STRENGTHSYNC_TRUSTED_PROXIES, else none")
	return cmd
}

func (a *App) workerCmd() *cobra.Command {
	f := &serviceFlags{}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Sync plans from the shared Redis queue (next to serve --redis)",
		Long: `worker takes sync jobs from the Redis queue that ` + "`serve --redis`" + ` fills and
runs them. Run as many as you like, anywhere that reaches Redis; give them the
same STRENGTHSYNC_SECRET_KEY (or --data with the same secret.key) as serve.
A worker that dies mid-sync leaves its job to another after --claim-idle.
SIGTERM finishes the syncs in flight and exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.worker(cmd.Context(), f) },
	}
	a.commonServiceFlags(cmd, f)
	cmd.Flags().DurationVar(&f.claimIdle, "claim-idle", time.Minute,
		"how long a job held by a silent (dead) worker waits before another worker takes it")
	return cmd
}

// check validates the flags across each other; messages name the flag.
func (f *serviceFlags) check(getenv func(string) string) error {
	if f.redisURL == "" {
		f.redisURL = strings.TrimSpace(getenv(envRedisURL))
	}
	if f.redisURL != "" {
		if _, err := redis.ParseURL(f.redisURL); err != nil {
			return usageErr(fmt.Errorf("--redis: %s", redactPassword(err.Error(), f.redisURL)))
		}
	}
	if f.every < time.Second {
		return usageErr(fmt.Errorf("--sync-every: %v is too short (at least 1s)", f.every))
	}
	if f.workers < 1 {
		return usageErr(fmt.Errorf("--workers: %d: want at least 1", f.workers))
	}
	if f.feedRate < 0 || f.feedRate != f.feedRate {
		return usageErr(fmt.Errorf("--feed-rate: %v: want a positive number of requests a second", f.feedRate))
	}
	for _, l := range []struct {
		flag string
		v    int
	}{{"--max-sources", f.limits.Sources}, {"--max-busy", f.limits.Busy}, {"--max-events", f.limits.Events},
		{"--max-source-bytes", f.limits.SourceBytes}, {"--max-plan-bytes", f.limits.PlanBytes}} {
		if l.v < 1 {
			return usageErr(fmt.Errorf("%s: %d: want at least 1", l.flag, l.v))
		}
	}
	if f.pushEvery < time.Second || f.coalesce < 0 {
		return usageErr(fmt.Errorf("--push-poll-every %v / --push-coalesce %v: out of range", f.pushEvery, f.coalesce))
	}
	if f.syncTimeout < time.Second {
		return usageErr(fmt.Errorf("--sync-timeout: %v is too short (at least 1s)", f.syncTimeout))
	}
	if f.publicURL != "" {
		u, err := url.Parse(f.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return usageErr(fmt.Errorf("--public-url: %q: want http(s)://host[:port] with no path", f.publicURL))
		}
	}
	if f.data == "" {
		return usageErr(errors.New("--data: no data directory"))
	}
	if f.requireDurable && f.redisURL == "" {
		return usageErr(errors.New("--require-durable-redis: no --redis (or REDIS_URL) to check"))
	}
	if f.trustedProxies == "" {
		f.trustedProxies = getenv(envTrustedProxies)
	}
	proxies, err := web.ParseTrustedProxies(f.trustedProxies)
	if err != nil {
		return usageErr(fmt.Errorf("--trusted-proxies: %v", err))
	}
	f.proxies = proxies
	return nil
}

// parts are what serve and worker build from their flags.
type parts struct {
	log     *slog.Logger
	store   sync.Store
	rdb     redis.UniversalClient // nil with SQLite
	sealer  *seal.Sealer
	metrics *web.Metrics
	svc     *sync.Service
	google  *googleSetup // nil when no OAuth client is configured
	// notes are standing warnings for /readyz ("Redis has no persistence").
	notes []string
}

func (p *parts) close() {
	if p.store != nil {
		p.store.Close()
	}
	if p.rdb != nil {
		p.rdb.Close()
	}
}

// serviceLog writes JSON lines at info level: one line per request and per
// sync, never a token.
func (a *App) serviceLog() *slog.Logger {
	return slog.New(slog.NewJSONHandler(a.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func (a *App) build(ctx context.Context, f *serviceFlags) (*parts, error) {
	p := &parts{log: a.serviceLog()}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	key, err := seal.LoadKey(a.Getenv, f.data)
	if err != nil {
		return nil, err
	}
	if p.sealer, err = seal.New(key); err != nil {
		return nil, err
	}
	if f.redisURL != "" {
		opts, _ := redis.ParseURL(f.redisURL) // checked by check
		p.rdb = redis.NewClient(opts)
		p.store = redisstore.New(p.rdb)
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := p.store.Ping(pctx); err != nil {
			p.close()
			return nil, fmt.Errorf("redis %s: %w", opts.Addr, err)
		}
		d := redisstore.CheckDurability(pctx, p.rdb)
		if f.requireDurable && !d.Durable() {
			p.close()
			return nil, usageErr(fmt.Errorf("--require-durable-redis: %s", d.Warning()))
		}
		if w := d.Warning(); w != "" {
			p.log.Warn(w, slog.String("redis", opts.Addr))
			p.notes = append(p.notes, "warning: "+w)
		}
	} else {
		path := filepath.Join(f.data, "strengthsync.db")
		if p.store, err = sqlite.Open(ctx, path); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	// Feed addresses are secrets: the store keeps them sealed.
	p.store = sync.SealURLs(p.store, p.sealer)
	if p.google, err = a.googleSetup(f, p); err != nil {
		p.close()
		return nil, err
	}
	opts := fetch.DefaultOptions()
	opts.AllowPrivate = f.allowPrivate
	opts.UserAgent = fetch.UserAgent(version)
	opts.Logger = p.log
	p.svc = &sync.Service{Store: p.store, Engine: &sync.Engine{Zone: ical.LoadLocation, Log: p.log}, Fetch: fetch.New(opts),
		Now: a.Now, Log: p.log, Every: f.every, LockTTL: f.syncTimeout, Limits: f.limits, PushEvery: f.pushEvery}
	if p.google != nil {
		p.svc.Google = p.google
	}
	return p, nil
}

// instrument builds the metrics on the queue and the store, and has the
// service report every source fetch to them.
func (p *parts) instrument(q web.QueueStats, now func() time.Time) {
	p.metrics = web.NewMetrics(web.MetricsConfig{Queue: q, Store: p.store, Unrecorded: p.svc.UnrecordedCount, Now: now})
	p.svc.ObserveFetch = p.metrics.ObserveFetch
}

// scheduler polls often enough for short test intervals, and never asks
// twice for a plan within half an interval.
func scheduler(p *parts, q queue.Queue, every time.Duration, now func() time.Time) *queue.Scheduler {
	return &queue.Scheduler{Store: p.store, Queue: q, Now: now, Log: p.log,
		Tick: min(15*time.Second, every/2), Grace: min(time.Minute, every/2)}
}

// handler is the worker's job: one instrumented sync.
func handler(p *parts) queue.Handler {
	syncer := p.metrics.Syncer(p.svc)
	return queue.HandlerFunc(func(ctx context.Context, id string) error {
		_, err := syncer.SyncPlan(ctx, id)
		if errors.Is(err, sync.ErrNotFound) {
			return nil // deleted since it was queued
		}
		if errors.Is(err, oauth.ErrRevoked) {
			return nil // recorded as needs_reconnect: only the runner can fix it
		}
		return err
	})
}

func (a *App) serve(ctx context.Context, f *serviceFlags) error {
	if err := f.check(a.Getenv); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	defer ln.Close()
	p, err := a.build(ctx, f)
	if err != nil {
		return err
	}
	defer p.close()
	public := strings.TrimRight(f.publicURL, "/")
	if public == "" {
		public = "http://localhost:" + portOf(ln.Addr())
		p.log.Warn("no --public-url: links name " + public + ", which only this machine can open")
	}

	var q queue.Queue
	var local *queue.Local
	if p.rdb != nil {
		q = queue.NewRedis(p.rdb, queue.RedisOptions{Log: p.log})
	} else {
		local = queue.NewLocal(f.workers, p.log)
		q = local
	}
	p.instrument(q, a.Now)
	srv := &web.Server{Store: p.store, Syncer: p.svc, Queue: q, Sealer: p.sealer, Zone: ical.LoadLocation, Limits: p.svc.Limits,
		PublicURL: public, Now: a.Now, Log: p.log, Metrics: p.metrics, TrustedProxies: f.proxies,
		Fetcher: p.svc.Fetch, SeparateMetrics: f.metricsAddr != "", Outcomes: p.svc, ReadyNotes: p.notes,
		FeedLimit: web.Limit{Rate: rate.Limit(f.feedRate), Burst: 60}}
	if f.metricsAddr != "" {
		ms, err := metricsServer(f.metricsAddr, p)
		if err != nil {
			return err
		}
		defer ms.Close()
	}
	if p.google != nil {
		p.google.metrics = p.metrics
		srv.Google = &web.GoogleAuth{Config: oauth.Config(p.google.cred, p.google.ends, public+"/auth/google/callback"),
			HTTPClient: p.google.httpClient()}
		srv.Unlink = p.google
		if p.google.hook != "" {
			srv.Push, srv.PushCoalesce = p.google, f.coalesce
		} else {
			p.log.Info("no https --public-url: Google-connected plans are polled every " + f.every.String())
		}
	}

	// Background work stops only after the HTTP side has drained, so a
	// request in flight can still enqueue.
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var bg stdsync.WaitGroup
	bg.Go(func() { scheduler(p, q, f.every, a.Now).Run(bgCtx) })
	if local != nil {
		bg.Go(func() {
			if err := local.Run(bgCtx, handler(p)); err != nil {
				p.log.Warn("worker drain", slog.Any("error", err))
			}
		})
	}

	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	mode := "sqlite"
	if p.rdb != nil {
		mode = "redis"
	}
	p.log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("public_url", public),
		slog.String("store", mode), slog.Bool("google", p.google != nil))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	p.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		p.log.Warn("http drain", slog.Any("error", err))
	}
	if err := srv.Drain(sctx); err != nil {
		p.log.Warn("first syncs cut short", slog.Any("error", err))
	}
	stopBG()
	bg.Wait()
	p.log.Info("stopped")
	return nil
}

func portOf(a net.Addr) string {
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "8080"
	}
	return port
}

func (a *App) worker(ctx context.Context, f *serviceFlags) error {
	if err := f.check(a.Getenv); err != nil {
		return err
	}
	if f.redisURL == "" {
		return usageErr(errors.New("worker needs --redis or REDIS_URL: with SQLite, serve runs the worker itself"))
	}
	if f.claimIdle < 100*time.Millisecond {
		return usageErr(fmt.Errorf("--claim-idle: %v is too short", f.claimIdle))
	}
	p, err := a.build(ctx, f)
	if err != nil {
		return err
	}
	defer p.close()
	q := queue.NewRedis(p.rdb, queue.RedisOptions{Workers: f.workers, MinIdle: f.claimIdle, Log: p.log})
	p.instrument(q, a.Now)
	if p.google != nil {
		p.google.metrics = p.metrics
	}
	if f.metricsAddr != "" {
		ms, err := metricsServer(f.metricsAddr, p)
		if err != nil {
			return err
		}
		defer ms.Close()
	}
	p.log.Info("worker started", slog.Int("workers", f.workers), slog.Bool("google", p.google != nil))
	// Run drains the jobs in flight when ctx ends (SIGTERM), then returns.
	if err := q.Run(ctx, handler(p)); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("worker: %w", err)
	}
	p.log.Info("stopped")
	return nil
}

// metricsServer serves /metrics and /healthz on a listener of their own.
func metricsServer(addr string, p *parts) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", p.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	// A worker takes no traffic, but one whose store does not answer
	// cannot sync: /readyz says so, with the standing warnings (a Redis
	// without persistence) as serve's does.
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := p.store.Ping(ctx); err != nil {
			p.log.Warn("readyz: store unavailable", slog.Any("error", err))
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("store unavailable\n"))
			return
		}
		w.Write([]byte("ready\n"))
		for _, n := range p.notes {
			fmt.Fprintf(w, "warning: %s\n", n)
		}
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	p.log.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	return hs, nil
}

// googleSetup connects plans to Google: it is the Service's GoogleLinker
// (each plan's sealed token → a Calendar client) and the web's unlinker
// (our calendar deleted with the plan).
type googleSetup struct {
	cred    oauth.Credentials
	ends    oauth.Endpoints
	backoff time.Duration
	sealer  *seal.Sealer
	store   sync.Store
	log     *slog.Logger
	metrics *web.Metrics // set once built; counts every call to Google
	// hook is the push webhook's address; "" polls every plan.
	hook string
}

var (
	_ sync.GoogleLinker  = (*googleSetup)(nil)
	_ web.GoogleUnlinker = (*googleSetup)(nil)
	_ web.PushChannels   = (*googleSetup)(nil)
	_ sync.Watcher       = googleLink{}
)

// googleSetup reads the OAuth client (--google-credentials or the
// environment) and the endpoints; no client means no Google.
func (a *App) googleSetup(f *serviceFlags, p *parts) (*googleSetup, error) {
	ends, cred, backoff, err := a.googleEnv()
	if err != nil {
		return nil, err
	}
	if f.credentials != "" || cred == nil {
		c, err := oauth.LoadCredentials(f.credentials, a.Getenv)
		if errors.Is(err, oauth.ErrNoClient) {
			return nil, nil
		}
		if err != nil {
			return nil, usageErr(err)
		}
		cred = &c
	}
	return &googleSetup{cred: *cred, ends: ends, backoff: backoff, sealer: p.sealer, store: p.store, log: p.log,
		hook: f.hookURL()}, nil
}

// httpClient talks to Google with every call counted.
func (g *googleSetup) httpClient() *http.Client {
	rt := http.DefaultTransport
	if g.metrics != nil {
		rt = g.metrics.GoogleTransport(rt)
	}
	return &http.Client{Transport: rt, Timeout: time.Minute}
}

// tokenKey keeps a refreshed token in the plan's state, sealed: the plan
// record is rewritten by every sync and would put the old one back.
const tokenKey = "service/google-token"

func (g *googleSetup) token(ctx context.Context, p *sync.PlanRecord, state sync.StateStore) (*oauth2.Token, error) {
	tok, err := g.open(p, p.GoogleTokenSealed)
	if err != nil {
		return nil, err
	}
	b, ok, err := state.Get(ctx, tokenKey)
	if err != nil || !ok {
		return tok, err
	}
	refreshed, err := g.open(p, b)
	// A refreshed token belongs to the grant it was refreshed from: after a
	// reconnect the record holds a new grant, and the old one is dead.
	if err != nil || refreshed.RefreshToken != tok.RefreshToken {
		return tok, nil
	}
	return refreshed, nil
}

func (g *googleSetup) open(p *sync.PlanRecord, sealed []byte) (*oauth2.Token, error) {
	plain, err := g.sealer.Open(sealed, []byte(p.ID))
	if err != nil {
		return nil, fmt.Errorf("google token: %w", err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(plain, &tok); err != nil || tok.RefreshToken == "" {
		return nil, errors.New("google token: damaged: connect Google again")
	}
	return &tok, nil
}

// client builds the plan's authorised Calendar client.
func (g *googleSetup) client(ctx context.Context, p *sync.PlanRecord, state sync.StateStore) (*google.Client, *http.Client, error) {
	tok, err := g.token(ctx, p, state)
	if err != nil {
		return nil, nil, err
	}
	base := g.httpClient()
	// Refreshes outlive the call that made the client: a context of their own.
	rctx := context.WithValue(context.Background(), oauth2.HTTPClient, base)
	src := oauth.NewSource(rctx, oauth.Config(g.cred, g.ends, ""), tok, func(t *oauth2.Token) {
		b, err := json.Marshal(t)
		if err == nil {
			b, err = g.sealer.Seal(b, []byte(p.ID))
		}
		if err == nil {
			err = state.Put(context.Background(), tokenKey, b)
		}
		if err != nil {
			g.log.Warn("refreshed google token not saved", slog.String("plan_id", p.ID), slog.Any("error", err))
		}
	})
	hc := &http.Client{Transport: &oauth.Transport{Source: src, Base: base.Transport}, Timeout: time.Minute}
	c, err := google.New(ctx, google.Options{HTTPClient: hc, APIURL: g.ends.APIURL, State: state, Backoff: g.backoff, Log: g.log})
	if err != nil {
		return nil, nil, err
	}
	return c, hc, nil
}

// Link is sync.GoogleLinker: the plan's Google source, busy calendars and sink.
func (g *googleSetup) Link(ctx context.Context, p *sync.PlanRecord, state sync.StateStore) (sync.GoogleLink, error) {
	c, _, err := g.client(ctx, p, state)
	if err != nil {
		return nil, err
	}
	return googleLink{c: c, calendar: sinkSpec(p), owner: p.ID, hook: g.hook}, nil
}

// Owner is web.PushChannels: a channel ID starts with its plan's ID.
func (g *googleSetup) Owner(channelID string) string { return google.ChannelOwner(channelID) }

// Check is web.PushChannels: the channel is one of the plan's, live, and
// the token its own.
func (g *googleSetup) Check(ctx context.Context, planID, channelID, token string) (bool, error) {
	return google.CheckChannel(ctx, sync.PlanState{Store: g.store, PlanID: planID}, channelID, token, time.Now())
}

// sinkSpec is where a plan's sessions go: the calendar it names, else one
// of its own ("new").
func sinkSpec(p *sync.PlanRecord) string {
	if p.GoogleCalendarID != "" {
		return p.GoogleCalendarID
	}
	return "new"
}

type googleLink struct {
	c        *google.Client
	calendar string
	owner    string // the plan's ID
	hook     string // the push webhook; "" when push is off
}

// Watch is sync.Watcher: a channel on each calendar, when push is on.
func (l googleLink) Watch(ctx context.Context, ids []string, now time.Time) (time.Time, error) {
	if l.hook == "" {
		return time.Time{}, nil
	}
	return l.c.Watch(ctx, ids, google.WatchOptions{Address: l.hook, Owner: l.owner, Now: now})
}

func (l googleLink) Source(id string) sync.Source { return l.c.Source(id) }
func (l googleLink) Busy(id string) sync.Source   { return l.c.Busy(id) }
func (l googleLink) Sink() sync.Sink              { return l.c.Sink(l.calendar) }

// Unlink deletes the calendar the plan created in Google (or, when the
// plan writes into a calendar of the runner's, removes our sessions from
// it) and revokes the grant. Access already revoked leaves nothing to do.
func (g *googleSetup) Unlink(ctx context.Context, p *sync.PlanRecord) error {
	state := sync.PlanState{Store: g.store, PlanID: p.ID}
	c, hc, err := g.client(ctx, p, state)
	if err != nil {
		return err
	}
	// Channels first: a deleted plan must not be notified (and synced)
	// again. One not stopped expires on its own within a week.
	if err := c.StopWatching(ctx, time.Now()); err != nil && !errors.Is(err, oauth.ErrRevoked) {
		g.log.Warn("push channels not stopped", slog.String("plan_id", p.ID), slog.Any("error", err))
	}
	sink := c.Sink(sinkSpec(p))
	if p.GoogleCalendarID != "" {
		now := time.Now()
		_, err = sink.Apply(ctx, nil, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0), false)
	} else {
		var id string
		if id, err = sink.CalendarID(ctx); err == nil && id != "" {
			err = deleteCalendar(ctx, hc, g.ends.APIURL, id)
		}
	}
	if errors.Is(err, oauth.ErrRevoked) {
		g.log.Info("google access already revoked: nothing to remove", slog.String("plan_id", p.ID))
		return nil
	}
	if err != nil {
		return err
	}
	if tok, terr := g.token(ctx, p, state); terr == nil {
		if err := oauth.Revoke(ctx, g.httpClient(), g.ends.RevokeURL, tok); err != nil {
			g.log.Warn("google grant not revoked", slog.String("plan_id", p.ID), slog.Any("error", err))
		}
	}
	return nil
}

// deleteCalendar removes a calendar we created; one already gone is fine
// (https://developers.google.com/calendar/api/v3/reference/calendars/delete).
func deleteCalendar(ctx context.Context, hc *http.Client, apiURL, id string) error {
	svc, err := calendar.NewService(ctx, option.WithHTTPClient(hc), option.WithEndpoint(apiURL))
	if err != nil {
		return err
	}
	err = svc.Calendars.Delete(id).Context(ctx).Do()
	var ge *googleapi.Error
	if errors.As(err, &ge) && (ge.Code == http.StatusNotFound || ge.Code == http.StatusGone) {
		return nil
	}
	return err
}
