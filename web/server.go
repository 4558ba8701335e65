// Package web is strengthsync's HTTP side: the JSON API that creates and
// manages plans, the iCal feeds calendar apps subscribe to, the HTML pages
// a runner uses (they work without JavaScript; a small script of ours only
// enhances them, and nothing is loaded from another origin), the Google
// consent flow, and the operational endpoints (/healthz, /readyz, /metrics).
//
// It serves what the worker stored and never plans on a request path, but
// for two bounded exceptions: the first sync of a new plan, and the home
// page's preview, which plans within FirstSyncWait and stores nothing. It owns the
// bearer tokens' life cycle — made, shown once, kept as hashes — and never
// lets a token into a log line: logs name route patterns, not paths.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	stdsync "sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// Syncer syncs one stored plan now; *sync.Service is one.
type Syncer interface {
	SyncPlan(ctx context.Context, id string) (sync.SyncResult, error)
}

// Queue takes "sync this plan" jobs for the worker; sync/queue's Local and
// Redis are two.
type Queue interface {
	Enqueue(ctx context.Context, planID string) error
	QueueStats
}

// GoogleUnlinker removes what a Google-connected plan made in the runner's
// account (our calendar) when the plan is deleted. A calendar already gone
// is not an error.
type GoogleUnlinker interface {
	Unlink(ctx context.Context, p *sync.PlanRecord) error
}

// OutcomeMemory holds sync outcomes the store could not record;
// *sync.Service is one.
type OutcomeMemory interface {
	Unrecorded(planID string) (sync.Outcome, bool)
}

// Limit is a per-client rate limit: Rate requests a second on average,
// bursts of Burst.
type Limit struct {
	Rate  rate.Limit
	Burst int
}

// Server is the HTTP service. Fill the fields, then call Handler once.
// Store, Syncer, Queue, Sealer and Zone are required.
type Server struct {
	Store  sync.Store
	Syncer Syncer
	Queue  Queue
	Sealer *seal.Sealer
	// Zone resolves a time zone name (ical.LoadLocation).
	Zone func(name string) (*time.Location, error)
	// PublicURL is where runners reach the service ("https://strength.example"),
	// used for feed and manage links and Google's redirect. Empty means the
	// request's own host over http, which suits local use only.
	PublicURL string
	Now       func() time.Time
	Log       *slog.Logger
	Metrics   *Metrics
	// Google enables "connect Google" (nil: the home page offers URLs only).
	Google *GoogleAuth
	// Unlink deletes a Google-connected plan's calendar on DELETE; nil
	// leaves the calendar in place (logged).
	Unlink GoogleUnlinker

	// FirstSyncWait bounds how long creating a plan waits for its first
	// sync before answering "syncing" [10s]. The sync goes on regardless.
	FirstSyncWait time.Duration
	// FeedLimit is per feed token, never per client address: Google's and
	// Apple's fetchers poll every user's feed from a few addresses [5/s,
	// burst 60]. APILimit is per client address for API calls and pages
	// [2/s, burst 20]. TokenLimit is per manage token, on top of APILimit,
	// for the routes that carry one [APILimit].
	FeedLimit, APILimit, TokenLimit Limit
	// MaxClients bounds each rate limiter's table of clients [10000]; the
	// least recently seen client is forgotten first.
	MaxClients int
	// TrustedProxies are the peers (a reverse proxy, a load balancer) whose
	// X-Forwarded-For and Forwarded headers name the client. Empty: the
	// headers are ignored and every client behind a proxy shares its limit.
	TrustedProxies []netip.Prefix
	// Fetcher reads a new plan's calendars before the plan is made, so a
	// source that can never work is refused (422) instead of stored. Nil
	// skips the check.
	Fetcher SourceFetcher
	// Planner plans the home page's previews from calendars Fetcher read
	// [a sync.Engine with Zone and Log].
	Planner Planner
	// SeparateMetrics leaves /metrics off the main handler: it is served on
	// its own listener (Metrics.Handler), out of the public's reach.
	SeparateMetrics bool
	// Limits bound each plan (sync.DefaultLimits); give the Service's, so
	// what the API accepts is what a sync takes.
	Limits sync.Limits
	// LockWait is how long a change to a plan waits for a sync of it in
	// flight before answering 503 [15s].
	LockWait time.Duration
	// Outcomes, when set, supplies the outcome of a sync the store could
	// not record, shown in place of the record's.
	Outcomes OutcomeMemory
	// ReadyNotes are warnings /readyz adds to its body without failing
	// ("Redis has no persistence: …").
	ReadyNotes []string
	// Push checks Google's push notifications (POST /hooks/google); nil
	// answers them 404, and plans are polled.
	Push PushChannels
	// PushCoalesce gathers a plan's notifications this long before one
	// sync is queued [DefaultCoalesce].
	PushCoalesce time.Duration
	// HookLimit is per client address on /hooks/google [20/s, burst 200]:
	// Google sends from few addresses, so it is looser than APILimit.
	HookLimit Limit

	// WriteProbeEvery is how often /readyz tries a small write to the
	// store; answers in between reuse the last result [10s].
	WriteProbeEvery time.Duration

	once     stdsync.Once
	handler  http.Handler
	pages    *template.Template
	feedLim  *limiter
	apiLim   *limiter
	tokenLim *limiter
	// crossOrigin refuses cross-site form posts; the public URL's origin
	// and the request's own host are same-origin.
	crossOrigin *http.CrossOriginProtection
	gz          *bodyCache
	probe       writeProbe
	// contacts bounds the first contacts (calendars read before a plan is
	// made) running at once, so creates cannot hold more bodies in memory
	// than the workers would.
	contacts  chan struct{}
	mux       *http.ServeMux
	hookLim   *limiter
	hooks     *coalescer
	hooksOnce stdsync.Once
	bg        stdsync.WaitGroup
	bgCtx     context.Context
	bgCancel  context.CancelFunc
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler returns the service's routes. It is built once; later calls return
// the same handler.
func (s *Server) Handler() http.Handler {
	s.once.Do(s.init)
	return s.handler
}

func (s *Server) init() {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Metrics == nil {
		s.Metrics = NewMetrics(MetricsConfig{Queue: s.Queue, Store: s.Store, Now: s.Now})
	}
	if s.FirstSyncWait <= 0 {
		s.FirstSyncWait = 10 * time.Second
	}
	if s.FeedLimit.Rate == 0 {
		s.FeedLimit = Limit{Rate: 5, Burst: 60}
	}
	if s.APILimit.Rate == 0 {
		s.APILimit = Limit{Rate: 2, Burst: 20}
	}
	if s.TokenLimit.Rate == 0 {
		s.TokenLimit = s.APILimit
	}
	if s.HookLimit.Rate == 0 {
		s.HookLimit = Limit{Rate: 20, Burst: 200}
	}
	if s.MaxClients <= 0 {
		s.MaxClients = 10000
	}
	if s.LockWait <= 0 {
		s.LockWait = 15 * time.Second
	}
	if s.WriteProbeEvery <= 0 {
		s.WriteProbeEvery = 10 * time.Second
	}
	if s.Planner == nil {
		s.Planner = &sync.Engine{Zone: s.Zone, Log: s.Log}
	}
	s.PublicURL = strings.TrimRight(s.PublicURL, "/")
	s.feedLim = newLimiter(s.FeedLimit, s.MaxClients)
	s.apiLim = newLimiter(s.APILimit, s.MaxClients)
	s.tokenLim = newLimiter(s.TokenLimit, s.MaxClients)
	s.hookLim = newLimiter(s.HookLimit, s.MaxClients)
	s.crossOrigin = http.NewCrossOriginProtection()
	if s.PublicURL != "" {
		if err := s.crossOrigin.AddTrustedOrigin(s.PublicURL); err != nil {
			s.Log.Warn("public URL is not an origin: forms are checked against the request's host only", slog.Any("error", err))
		}
	}
	s.gz = newBodyCache(32 << 20)
	s.contacts = make(chan struct{}, firstContacts)
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	s.pages = template.Must(template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/*.html"))

	mux := http.NewServeMux()
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.limit(s.apiLim, s.clientIP, h)) }
	feed := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.limit(s.feedLim, feedKey, h)) }
	form := func(pattern string, h http.HandlerFunc) { api(pattern, s.pageForm(h)) }

	api("POST /api/plans", s.apiCreate)
	api("GET /api/plans/{id}", s.apiGet)
	api("GET /api/plans/{id}/changes", s.apiChanges)
	api("PATCH /api/plans/{id}", s.apiPatch)
	api("DELETE /api/plans/{id}", s.apiDelete)
	api("POST /api/plans/{id}/sync", s.apiSync)
	api("POST /api/plans/{id}/feed-token", s.apiRotate)
	feed("GET /feeds/{file}", s.serveFeed)
	mux.Handle("POST /hooks/google", s.limit(s.hookLim, s.clientIP, http.HandlerFunc(s.googleHook)))

	mux.HandleFunc("GET /{$}", s.pageHome)
	form("POST /plans", s.pageCreate)
	form("POST /preview", s.pagePreview)
	api("GET /plans/{id}", s.pagePlan)
	form("POST /plans/{id}/settings", s.pageSettings)
	form("POST /plans/{id}/sync", s.pageSync)
	form("POST /plans/{id}/feed-token", s.pageRotate)
	form("POST /plans/{id}/delete", s.pageDelete)
	api("GET /auth/google/start", s.googleStart)
	api("GET /auth/google/callback", s.googleCallback)

	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if !s.SeparateMetrics {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}
	mux.HandleFunc("/", s.notFound)
	s.mux = mux

	s.handler = s.observe(mux)
}

// Drain waits for the first syncs still running after their create
// requests answered, or gives up and cancels them when ctx ends. Call it
// after http.Server.Shutdown.
func (s *Server) Drain(ctx context.Context) error {
	s.once.Do(s.init)
	done := make(chan struct{})
	go func() { s.bg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.bgCancel()
		<-done
		return ctx.Err()
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	notes := strings.Join(s.ReadyNotes, "\n")
	if notes != "" {
		notes = "\n" + notes + "\n"
	}
	if err := s.Store.Ping(ctx); err != nil {
		s.Log.LogAttrs(ctx, slog.LevelWarn, "store not reachable", slog.Any("error", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store not reachable\n" + notes))
		return
	}
	// A store that reads but cannot write (a full disk) fails every sync
	// while serving old feeds: not ready.
	if err := s.probe.check(ctx, s.Store, s.Now(), s.WriteProbeEvery); err != nil {
		s.Log.LogAttrs(ctx, slog.LevelWarn, "store not writable", slog.Any("error", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store not writable: " + oneLine(err.Error()) + "\n" + notes))
		return
	}
	w.Write([]byte("ok\n" + notes))
}

// writeProbe takes and releases a short lock, which is a write in every
// store, at most once per interval; the result is kept in between.
type writeProbe struct {
	mu   stdsync.Mutex
	at   time.Time
	last error
}

func (p *writeProbe) check(ctx context.Context, st sync.Store, now time.Time, every time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.at.IsZero() && now.Sub(p.at) < every && now.Sub(p.at) >= 0 {
		return p.last
	}
	p.at = now
	unlock, err := st.Lock(ctx, "readyz-write-probe", 5*time.Second)
	if errors.Is(err, sync.ErrLocked) {
		err = nil // another process's probe wrote: the store takes writes
	} else if err == nil {
		err = unlock(ctx)
	}
	p.last = err
	return err
}

// shown is p as the API and pages show it: with the outcome of a sync the
// store could not record, and no next sync for a plan that waits for the
// runner.
func (s *Server) shown(p *sync.PlanRecord) *sync.PlanRecord {
	cp := *p
	if s.Outcomes != nil {
		if o, ok := s.Outcomes.Unrecorded(p.ID); ok {
			cp.Status, cp.LastError, cp.LastSync = o.Status, o.LastError, o.LastSync
		}
	}
	if cp.NextSync.Equal(sync.Never) {
		cp.NextSync = time.Time{}
	}
	return &cp
}

// oneLine keeps an error on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// notFound answers what no route took. The catch-all route hides the
// mux's own 405s, so it asks the mux whether another method would match.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		if isAPI(r) {
			writeError(w, http.StatusMethodNotAllowed, "method not allowed", "")
		} else {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
		return
	}
	if isAPI(r) {
		writeError(w, http.StatusNotFound, "not found", "")
		return
	}
	http.Error(w, "not found", http.StatusNotFound)
}

// base is the public origin for links: PublicURL, or the request's host.
func (s *Server) base(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	return "http://" + r.Host
}

// secure reports whether cookies must be Secure: the public URL is https.
func (s *Server) secure() bool { return strings.HasPrefix(strings.ToLower(s.PublicURL), "https://") }

func (s *Server) feedURL(r *http.Request, token string) string {
	return s.base(r) + "/feeds/" + token + ".ics"
}

// webcalURL is the feed with the webcal scheme, which calendar apps open
// as "subscribe" (SPEC §6).
func webcalURL(feed string) string {
	u, err := url.Parse(feed)
	if err != nil {
		return feed
	}
	u.Scheme = "webcal"
	return u.String()
}

func (s *Server) manageURL(r *http.Request, id, token string) string {
	return s.base(r) + "/plans/" + id + "?token=" + token
}

// background runs f after the request that started it has answered,
// bounded by Drain.
func (s *Server) background(f func(ctx context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f(s.bgCtx)
	}()
}
