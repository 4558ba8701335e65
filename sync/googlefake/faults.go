package googlefake

import (
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"strconv"
)

// Fault is a failure the fake can answer with instead of doing the work.
// The bodies follow https://developers.google.com/calendar/api/guides/errors.
type Fault int

// Faults.
const (
	FaultNone Fault = iota
	// Fault429 is 429 Too Many Requests, reason rateLimitExceeded.
	Fault429
	// FaultRateLimit is 403 rateLimitExceeded: retry with backoff.
	FaultRateLimit
	// FaultUserRateLimit is 403 userRateLimitExceeded: retry with backoff.
	FaultUserRateLimit
	// FaultQuota is 403 quotaExceeded ("Calendar usage limits exceeded"):
	// the daily limit, not worth retrying soon.
	FaultQuota
	// Fault500 is 500 backendError.
	Fault500
	// Fault503 is 503 backendError.
	Fault503
	// FaultDrop closes the connection before the request takes effect.
	FaultDrop
	// FaultDropAfter lets the request take effect, then closes the
	// connection without an answer.
	FaultDropAfter
)

var faultNames = [...]string{"none", "429", "403-rateLimitExceeded", "403-userRateLimitExceeded",
	"403-quotaExceeded", "500", "503", "drop", "drop-after"}

// String names the fault for test logs.
func (f Fault) String() string {
	if f < 0 || int(f) >= len(faultNames) {
		return "fault(" + strconv.Itoa(int(f)) + ")"
	}
	return faultNames[f]
}

// Transient lists the faults a well-behaved client retries: all but
// FaultQuota.
var Transient = []Fault{Fault429, FaultRateLimit, FaultUserRateLimit, Fault500, Fault503, FaultDrop, FaultDropAfter}

// Faults configures random fault injection.
type Faults struct {
	// Rate is the probability, 0–1, that a request fails.
	Rate float64
	// Seed makes the sequence of failures repeatable.
	Seed uint64
	// Kinds are the faults to pick from, uniformly [Transient].
	Kinds []Fault
	// Only limits injection to request kinds for which it returns true
	// [all requests, OAuth included].
	Only func(kind string) bool
	// RetryAfter, when positive, is sent as Retry-After (seconds) with
	// 429 and 503 answers.
	RetryAfter int
}

// InjectFaults makes requests fail at random from now on; a zero Rate
// stops it. Faults queued with FailNext come first.
func (s *Server) InjectFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = f.Rate
	s.rng = mathrand.New(mathrand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	s.kinds = f.Kinds
	if len(s.kinds) == 0 {
		s.kinds = Transient
	}
	s.only = f.Only
	s.retryAfter = f.RetryAfter
}

// FailNext makes the next n requests (that InjectFaults' Only accepts, if
// set) fail with f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.next = append(s.next, f)
	}
}

// Injected returns how many times each fault was injected since the last
// ResetCounts.
func (s *Server) Injected() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[Fault]int{}
	for k, v := range s.injected {
		m[k] = v
	}
	return m
}

// pickFault decides the fate of one request; s.mu is held.
func (s *Server) pickFault(kind string) Fault {
	if s.only != nil && !s.only(kind) {
		return FaultNone
	}
	f := FaultNone
	switch {
	case len(s.next) > 0:
		f, s.next = s.next[0], s.next[1:]
	case s.rate > 0 && s.rng != nil && s.rng.Float64() < s.rate:
		f = s.kinds[s.rng.IntN(len(s.kinds))]
	}
	if f != FaultNone {
		s.injected[f]++
	}
	return f
}

func writeFault(w http.ResponseWriter, f Fault, retryAfter int) {
	switch f {
	case Fault429:
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		writeError(w, http.StatusTooManyRequests, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded")
	case FaultRateLimit:
		writeError(w, http.StatusForbidden, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded")
	case FaultUserRateLimit:
		writeError(w, http.StatusForbidden, "usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded")
	case FaultQuota:
		writeError(w, http.StatusForbidden, "usageLimits", "quotaExceeded", "Calendar usage limits exceeded.")
	case Fault500:
		writeError(w, http.StatusInternalServerError, "global", "backendError", "Backend Error")
	case Fault503:
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		writeError(w, http.StatusServiceUnavailable, "global", "backendError", "Service Unavailable")
	default:
		panic(fmt.Sprintf("googlefake: cannot write fault %v", f))
	}
}

// apiError is Google's JSON error envelope.
type apiError struct {
	Error struct {
		Errors  []apiErrorItem `json:"errors"`
		Code    int            `json:"code"`
		Message string         `json:"message"`
	} `json:"error"`
}

type apiErrorItem struct {
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// writeError answers in the format of the Calendar API's error guide.
func writeError(w http.ResponseWriter, code int, domain, reason, msg string) {
	var e apiError
	e.Error.Code = code
	e.Error.Message = msg
	e.Error.Errors = []apiErrorItem{{Domain: domain, Reason: reason, Message: msg}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(e)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
