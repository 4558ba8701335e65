package web

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	stdsync "sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/strengthsync/strengthsync/sync/seal"
)

type ctxKey int

const requestIDKey ctxKey = iota

// requestID returns the request's ID, as echoed in X-Request-ID.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// validRequestID accepts a caller's ID only when it is short and plain, so
// a header cannot smuggle anything into our logs.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recorder remembers the status and size of a response for the log line.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe wraps every request: a request ID in and out, the headers every
// answer carries, one log line, and a 500 instead of a dropped connection
// on a panic. The log line names the route pattern, never the path: paths
// of feeds and manage pages carry tokens.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = newRequestID()
		}
		h := w.Header()
		h.Set("X-Request-ID", id)
		// Manage links carry their token in the query: no page of ours may
		// pass its address on to another site.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w}
		// net/http removes a parsed multipart form's temporary files only
		// from the request it made, not from this copy: should a handler
		// ever parse one, nothing is left on disk.
		defer func() {
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
		}()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.LogAttrs(ctx, slog.LevelError, "panic", slog.String("request_id", id),
					slog.String("route", route(r)), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if rec.status == 0 {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			s.Log.LogAttrs(ctx, level, "request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("route", route(r)),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(rec, r)
	})
}

// route is the pattern the mux matched ("GET /feeds/{file}"), or a fixed
// word for requests no route took: the raw path may hold a token.
func route(r *http.Request) string {
	if r.Pattern != "" && r.Pattern != "/" {
		return r.Pattern
	}
	return "unmatched"
}

// limit refuses a client over its rate with 429 and Retry-After; key
// names the client (its address, or the token it presents).
func (s *Server) limit(l *limiter, key func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait := l.allow(key(r), time.Now()); wait > 0 {
			if r.Pattern == "GET /feeds/{file}" {
				s.Metrics.feedRequests.WithLabelValues(strconv.Itoa(http.StatusTooManyRequests)).Inc()
			}
			s.tooMany(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tooMany answers 429 with the whole seconds until a request may pass.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", retryAfter(wait))
	if isAPI(r) {
		writeError(w, http.StatusTooManyRequests, "too many requests: slow down", "")
	} else {
		http.Error(w, "too many requests: slow down", http.StatusTooManyRequests)
	}
}

func retryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}

// feedKey limits a feed by its token, whoever asks: calendar services
// fetch all their users' feeds from a few addresses, so a limit by address
// would let one busy feed starve everyone else's. The key is the token's
// hash, so the limiter's table holds no secret.
func feedKey(r *http.Request) string {
	return "feed:" + string(seal.HashToken(r.PathValue("file")))
}

// tokenKey names a manage token in the per-token limiter by its hash.
func tokenKey(hash []byte) string {
	return "manage:" + string(hash)
}

// limiter keeps a token bucket per client, in a table bounded by max
// entries: the client seen longest ago is evicted first, so a flood of
// addresses costs memory up to the bound and no more.
type limiter struct {
	limit Limit
	max   int

	mu      stdsync.Mutex
	order   *list.List // front: most recently seen
	clients map[string]*list.Element
}

type limiterEntry struct {
	key string
	lim *rate.Limiter
}

func newLimiter(l Limit, max int) *limiter {
	return &limiter{limit: l, max: max, order: list.New(), clients: map[string]*list.Element{}}
}

// allow takes a token for key, or says how long to wait for one.
func (l *limiter) allow(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var e *limiterEntry
	if el, ok := l.clients[key]; ok {
		l.order.MoveToFront(el)
		e = el.Value.(*limiterEntry)
	} else {
		e = &limiterEntry{key: key, lim: rate.NewLimiter(l.limit.Rate, l.limit.Burst)}
		l.clients[key] = l.order.PushFront(e)
		for l.order.Len() > l.max {
			old := l.order.Back()
			l.order.Remove(old)
			delete(l.clients, old.Value.(*limiterEntry).key)
		}
	}
	res := e.lim.ReserveN(now, 1)
	if !res.OK() {
		return time.Hour
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// size is how many clients the table holds.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}
