// Package google is strengthsync's Google Calendar adapter: a sync.Source
// that reads runs incrementally with sync tokens, a busy source over
// freebusy.query, and a sync.Sink that keeps strength sessions in a
// calendar, writing only the difference.
//
// It never writes an event it did not create: every event of ours carries
// the private extended property strengthsync=1 and a deterministic ID
// derived from the session's UID, and nothing without the mark is touched.
// The runner's hand wins: a session moved, renamed or deleted in Google
// stays as the runner left it. What the adapter remembers between runs
// (sync tokens, the calendar it created, what it last wrote) lives behind
// the State interface and is saved after every write, so a run killed at
// any point converges on the next one.
package google

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/strengthsync/strengthsync/oauth"
	"golang.org/x/oauth2"
	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// State keeps what the adapter must remember between runs. Values are
// opaque bytes; keys start with "google/". The CLI uses a JSON file
// (filestate), the service its store.
type State interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
}

// Options configure a Client.
type Options struct {
	// HTTPClient carries the OAuth token (oauth.Client). Required.
	HTTPClient *http.Client
	// APIURL is the Calendar API base [oauth.GoogleAPIURL].
	APIURL string
	// State is where sync tokens and write records live. Required.
	State State
	// Sleep waits between retries [a timer that honours ctx]. Tests pass
	// one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxAttempts bounds the tries of one request [8].
	MaxAttempts int
	// Backoff is the first pause between tries [1s]; pauses double, up
	// to 32 times this, each ±50%.
	Backoff time.Duration
	// PageSize is events.list's maxResults [250].
	PageSize int
	// CalendarName names the calendar google:new creates ["Strength training"].
	CalendarName string
	// Log receives retries and the runner's hand [discarded].
	Log *slog.Logger
}

// Client talks to one Google account.
type Client struct {
	svc *calendar.Service
	o   Options
	log *slog.Logger
}

// New builds a Client.
func New(ctx context.Context, o Options) (*Client, error) {
	if o.HTTPClient == nil || o.State == nil {
		return nil, errors.New("google: HTTPClient and State are required")
	}
	if o.APIURL == "" {
		o.APIURL = oauth.GoogleAPIURL
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 250
	}
	if o.CalendarName == "" {
		o.CalendarName = "Strength training"
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc, err := calendar.NewService(ctx, option.WithEndpoint(o.APIURL), option.WithHTTPClient(o.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("google: %w", err)
	}
	return &Client{svc: svc, o: o, log: log}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// ErrQuotaExceeded is Google's 403 quotaExceeded: the project's daily
// Calendar quota is spent, and retrying within minutes does not help.
var ErrQuotaExceeded = errors.New("Google Calendar usage limits exceeded (403 quotaExceeded): stopped; " +
	"nothing is lost, run again later (the daily quota resets at midnight Pacific time)")

// ErrScope is Google's 403 insufficientPermissions: the runner did not
// grant the scope the call needs.
var ErrScope = errors.New("Google did not grant the access this needs (403 insufficientPermissions): " +
	"run `strengthsync connect google` again and allow everything it asks for")

// ErrNotWritable is Google's 403 on writing to a calendar strengthsync
// may not write: with calendar.app.created it writes only to calendars it
// created itself.
var ErrNotWritable = errors.New("strengthsync may only write to calendars it created: use --to google:new")

// EventID is the Google event ID of the session with uid: base32hex,
// lowercase, without padding, which is Google's alphabet for client IDs
// (a-v, 0-9, 5 to 1024 characters; reference/events/insert, "id"). The
// same session always gets the same ID, so a retried insert can never
// make a second copy.
func EventID(uid string) string {
	id := strings.ToLower(base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(uid)))
	if len(id) < 5 || len(id) > 1024 {
		// Hex digits are inside the alphabet too.
		sum := sha256.Sum256([]byte(uid))
		return hex.EncodeToString(sum[:])
	}
	return id
}

// call runs f until it succeeds, retrying what Google's error guide says
// to retry (https://developers.google.com/calendar/api/guides/errors):
// 403 rateLimitExceeded and userRateLimitExceeded, 429 and 5xx, with
// exponential backoff and jitter, honouring Retry-After; and dropped
// connections, which deterministic IDs, If-Match and 409 handling make safe
// to repeat. 403 quotaExceeded stops at once with ErrQuotaExceeded, and a
// revoked grant with oauth.ErrRevoked, unwrapped so the runner sees its
// exact words.
func call[T any](ctx context.Context, c *Client, what string, f func(...googleapi.CallOption) (T, error)) (T, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = c.o.Backoff
	b.Multiplier = 2
	b.MaxInterval = 32 * c.o.Backoff
	b.Reset()
	for attempt := 1; ; attempt++ {
		v, err := f()
		if err == nil {
			return v, nil
		}
		retry, after, final := classify(err)
		if errors.Is(final, ErrScope) || errors.Is(final, ErrNotWritable) {
			return v, fmt.Errorf("%s: %w", what, final)
		} else if final != nil {
			return v, final
		}
		if !retry || attempt >= c.o.MaxAttempts || ctx.Err() != nil {
			return v, fmt.Errorf("%s: %w", what, err)
		}
		d := b.NextBackOff()
		if after > 0 {
			d = after
		}
		c.log.Debug("google: retrying", slog.String("call", what), slog.Int("attempt", attempt),
			slog.Duration("wait", d), slog.String("error", err.Error()))
		if err := c.o.Sleep(ctx, d); err != nil {
			return v, fmt.Errorf("%s: %w", what, err)
		}
	}
}

// classify decides what an error means: retry (after a server-given
// pause, if any), or give up with final in place of err.
func classify(err error) (retry bool, after time.Duration, final error) {
	if errors.Is(err, oauth.ErrRevoked) {
		return false, 0, oauth.ErrRevoked
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, 0, nil
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		reason := ""
		if len(ge.Errors) > 0 {
			reason = ge.Errors[0].Reason
		}
		after = retryAfter(ge.Header)
		switch {
		case ge.Code == http.StatusForbidden && (reason == "quotaExceeded" || reason == "dailyLimitExceeded"):
			return false, 0, ErrQuotaExceeded
		case ge.Code == http.StatusForbidden && reason == "insufficientPermissions":
			return false, 0, ErrScope
		case ge.Code == http.StatusForbidden && (reason == "requiredAccessLevel" || reason == "forbidden"):
			return false, 0, ErrNotWritable
		case ge.Code == http.StatusForbidden && (reason == "rateLimitExceeded" || reason == "userRateLimitExceeded"):
			return true, after, nil
		case ge.Code == http.StatusTooManyRequests, ge.Code >= 500:
			return true, after, nil
		}
		return false, 0, nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil && (re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests) {
			return true, 0, nil
		}
		return false, 0, nil
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
		return true, 0, nil
	}
	return false, 0, nil
}

// retryAfter reads Retry-After as seconds or an HTTP date; 0 when absent.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, 10*time.Minute)
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d, 10*time.Minute)
		}
	}
	return 0
}

// status returns the HTTP status of a Google API error, or 0.
func status(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}
