package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// This file holds what the API and the pages share: validating a plan's
// inputs, creating, changing and deleting plans, and the manage token check.

// apiError is a failure with the status and message a client sees. Field
// names the bad input in JSON terms ("settings.per_week", "sources[1]").
type apiError struct {
	Status int
	Msg    string
	Field  string
	// RetryAfter, when set, is sent as Retry-After (429 and 503).
	RetryAfter time.Duration
}

func (e *apiError) Error() string { return e.Msg }

func badField(field, format string, a ...any) *apiError {
	msg := fmt.Sprintf(format, a...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &apiError{Status: http.StatusBadRequest, Msg: msg, Field: field}
}

var (
	errMissingToken = &apiError{Status: http.StatusUnauthorized, Msg: "missing token: send Authorization: Bearer <manage_token>"}
	// errNoPlan answers both an unknown plan and a wrong token, so a
	// caller learns nothing about which plans exist.
	errNoPlan = &apiError{Status: http.StatusNotFound, Msg: "not found"}
	errBusy   = &apiError{Status: http.StatusServiceUnavailable, Msg: "a sync of this plan is running: try again in a few seconds",
		RetryAfter: 5 * time.Second}
)

// unavailableError is a store that could not answer (down, unreachable,
// timed out): the client sees 503 and Retry-After, since trying again is
// the right move, and the cause is logged once at the edge.
type unavailableError struct {
	what string
	err  error
}

func (e *unavailableError) Error() string { return e.what + ": " + e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

// storeFailed wraps a store error that is not a plain "not found" or
// "locked" answer; those keep their meaning.
func storeFailed(what string, err error) error {
	if err == nil || errors.Is(err, sync.ErrNotFound) || errors.Is(err, sync.ErrLocked) {
		return err
	}
	var ue *unavailableError
	if errors.As(err, &ue) {
		return err
	}
	return &unavailableError{what: what, err: err}
}

// storeRetryAfter is what a 503 for a store that is down asks clients to wait.
const storeRetryAfter = 10 * time.Second

// planInput is a plan as a runner describes it, before validation.
type planInput struct {
	Sources  []string
	Busy     []string
	TimeZone string
	Settings sync.SettingsJSON
	// GoogleToken is the OAuth token as JSON, for a Google-connected plan.
	GoogleToken []byte
}

// validate checks every field and names the first bad one. With
// zoneOptional an empty time zone passes: create then takes the
// calendar's own (X-WR-TIMEZONE), as the CLI does.
func (s *Server) validate(in *planInput, google, zoneOptional bool) error {
	var fe *sync.FieldError
	if lerr := s.Limits.CheckCalendars(in.Sources, in.Busy); errors.As(lerr, &fe) {
		return badField(fe.Field, "%s", fe.Msg)
	}
	var err *apiError
	if in.Sources, err = s.checkSources("sources", in.Sources, google, 1); err != nil {
		return err
	}
	if in.Busy, err = s.checkSources("busy", in.Busy, google, 0); err != nil {
		return err
	}
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		if !zoneOptional {
			return badField("timezone", "required (an IANA name such as Europe/London)")
		}
	} else if _, zerr := s.Zone(in.TimeZone); zerr != nil {
		return badField("timezone", "unknown time zone %q", in.TimeZone)
	}
	if _, serr := in.Settings.Apply(rules.DefaultSettings()); serr != nil {
		if errors.As(serr, &fe) {
			return badField("settings."+fe.Field, "%s", fe.Msg)
		}
		return badField("settings", "%v", serr)
	}
	return nil
}

// checkSources accepts http, https and webcal URLs, and google:ID when the
// plan is connected to Google. Whether an address is private is decided
// when it is fetched: the dial-time guard sees through DNS and redirects.
func (s *Server) checkSources(field string, list []string, google bool, min int) ([]string, *apiError) {
	if len(list) < min {
		return nil, badField(field, "give at least %d calendar URL", min)
	}
	out := make([]string, 0, len(list))
	for i, src := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		src = strings.TrimSpace(src)
		if id, ok := strings.CutPrefix(src, "google:"); ok {
			if !google {
				return nil, badField(f, "google: calendars need a plan connected to Google (start at /auth/google/start)")
			}
			if id == "" || id == "new" || strings.ContainsAny(id, " \t\r\n") {
				return nil, badField(f, "name a calendar, e.g. google:primary")
			}
			out = append(out, src)
			continue
		}
		if len(src) > 2048 {
			return nil, badField(f, "URL longer than 2048 characters")
		}
		u, err := url.Parse(src)
		if err != nil || u.Host == "" {
			return nil, badField(f, "not a URL (want https://, http:// or webcal://)")
		}
		switch strings.ToLower(u.Scheme) {
		case "https", "http", "webcal":
		default:
			return nil, badField(f, "only https://, http:// and webcal:// URLs are supported")
		}
		out = append(out, src)
	}
	return out, nil
}

// created is what a new plan's creator sees, once.
type created struct {
	ID          string `json:"id"`
	FeedURL     string `json:"feed_url"`
	WebcalURL   string `json:"webcal_url"`
	ManageURL   string `json:"manage_url"`
	ManageToken string `json:"manage_token"`
	Status      string `json:"status"`
	LastError   string `json:"last_error"`
	// Warning says a calendar could not be read just now (a transient
	// failure): the plan was made and its syncs keep trying.
	Warning string `json:"warning,omitempty"`
}

// createChecked makes a plan from validated input after reading its
// calendars (firstContact), all within FirstSyncWait: a calendar that can
// never be read is a 422 naming it and nothing is stored. An empty time
// zone becomes the first calendar's own, else fallbackZone, else a 400.
func (s *Server) createChecked(r *http.Request, in planInput, fallbackZone string) (*created, error) {
	deadline := time.Now().Add(s.FirstSyncWait)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	warning, err := s.firstContact(ctx, &in)
	cancel()
	if err != nil {
		return nil, err
	}
	if in.TimeZone == "" {
		in.TimeZone = fallbackZone
	}
	if in.TimeZone == "" {
		return nil, badField("timezone", "required: the calendar names no time zone (X-WR-TIMEZONE); give an IANA name such as Europe/London")
	}
	out, err := s.create(r, in, deadline)
	if err != nil {
		return nil, err
	}
	out.Warning = warning
	return out, nil
}

// create stores a validated plan and queues its first sync, waiting for it
// until deadline. The first sync runs in the worker pool like every other,
// so creating plans cannot run more syncs at once than there are workers.
// A first sync that fails still leaves the plan created, with status
// "error" and the reason in last_error: the runner fixes the source with
// PATCH (a transient failure is also retried on a backoff schedule).
func (s *Server) create(r *http.Request, in planInput, deadline time.Time) (*created, error) {
	ctx := r.Context()
	id := newPlanID()
	manage, feed := seal.NewToken(), seal.NewToken()
	sealedFeed, err := s.Sealer.Seal([]byte(feed), []byte(id))
	if err != nil {
		return nil, fmt.Errorf("seal feed token: %w", err)
	}
	now := s.Now()
	p := &sync.PlanRecord{
		ID: id, ManageTokenHash: seal.HashToken(manage),
		FeedTokenHash: seal.HashToken(feed), FeedTokenSealed: sealedFeed,
		Sources: in.Sources, Busy: in.Busy, TimeZone: in.TimeZone, Settings: in.Settings,
		Status: sync.StatusNew,
		// Due at once: should this process die before the first sync
		// ends, the scheduler picks the plan up.
		NextSync: now, Created: now, Updated: now,
	}
	if in.GoogleToken != nil {
		if p.GoogleTokenSealed, err = s.Sealer.Seal(in.GoogleToken, []byte(id)); err != nil {
			return nil, fmt.Errorf("seal google token: %w", err)
		}
	}
	if err := s.Store.CreatePlan(ctx, p); err != nil {
		return nil, storeFailed("create plan", err)
	}
	s.Log.LogAttrs(ctx, slog.LevelInfo, "plan created", slog.String("request_id", requestID(ctx)),
		slog.String("plan_id", id), slog.Int("sources", len(p.Sources)), slog.Bool("google", p.GoogleTokenSealed != nil))

	// Should the queue refuse, the plan is due now and the scheduler
	// queues it.
	_ = s.enqueue(ctx, id)
	status, lastError := s.awaitFirstSync(ctx, id, deadline)
	out := &created{ID: id, FeedURL: s.feedURL(r, feed), ManageURL: s.manageURL(r, id, manage), ManageToken: manage,
		Status: sync.StatusSyncing}
	out.WebcalURL = webcalURL(out.FeedURL)
	if status != sync.StatusNew {
		out.Status, out.LastError = status, lastError
	}
	return out, nil
}

// awaitFirstSync watches the store until the plan's first sync is recorded,
// deadline passes or the request ends, and returns the plan's status and
// error then. The store is what a worker in another process writes to.
func (s *Server) awaitFirstSync(ctx context.Context, id string, until time.Time) (status, lastError string) {
	deadline := time.NewTimer(max(0, time.Until(until)))
	defer deadline.Stop()
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 250*time.Millisecond) {
		p, err := s.Store.GetPlan(ctx, id)
		if err != nil {
			return sync.StatusNew, ""
		}
		if p.Status != sync.StatusNew {
			return p.Status, p.LastError
		}
		select {
		case <-deadline.C:
			return p.Status, p.LastError
		case <-ctx.Done():
			return p.Status, p.LastError
		case <-time.After(delay):
		}
	}
}

// authorize finds plan id and checks token against its manage token hash.
// A missing token is 401 before anything is looked up. An unknown plan and
// a wrong token are the same 404 after the same work: one lookup, one hash,
// one constant-time comparison (against a dummy hash when there is no
// plan), so neither the answer nor its time says whether the plan exists.
// Each token has its own rate limit (TokenLimit).
func (s *Server) authorize(ctx context.Context, id, token string) (*sync.PlanRecord, error) {
	if token == "" {
		return nil, errMissingToken
	}
	hash := seal.HashToken(token)
	if wait := s.tokenLim.allow(tokenKey(hash), time.Now()); wait > 0 {
		return nil, &apiError{Status: http.StatusTooManyRequests, Msg: "too many requests: slow down", RetryAfter: wait}
	}
	// The token's index first: a wrong token and a plan that does not
	// exist both end at this one small read, so neither answer is slower.
	owner, err := s.Store.PlanIDByManageToken(ctx, hash)
	if err != nil && !errors.Is(err, sync.ErrNotFound) {
		return nil, storeFailed("find plan", err)
	}
	if err != nil || subtle.ConstantTimeCompare([]byte(owner), []byte(id)) != 1 {
		return nil, errNoPlan
	}
	p, err := s.lookupPlan(ctx, id)
	if err != nil && !errors.Is(err, sync.ErrNotFound) {
		return nil, storeFailed("get plan", err)
	}
	if !tokenMatches(hash, p) {
		return nil, errNoPlan
	}
	return p, nil
}

// lookupPlan reads plan id, keeping what cannot be an ID away from the
// store (it cannot exist either).
func (s *Server) lookupPlan(ctx context.Context, id string) (*sync.PlanRecord, error) {
	if !validPlanID(id) {
		return nil, sync.ErrNotFound
	}
	return s.Store.GetPlan(ctx, id)
}

// tokenMatches compares a token's hash with the plan's in constant time;
// with no plan it compares with dummyHash, so both paths do the same work.
func tokenMatches(hash []byte, p *sync.PlanRecord) bool {
	want := dummyHash
	if p != nil {
		want = p.ManageTokenHash
	}
	return subtle.ConstantTimeCompare(hash, want) == 1 && p != nil
}

// dummyHash stands in for a plan that does not exist, so that path does
// the same work as a wrong token.
var dummyHash = seal.HashToken("no such plan")

// bearer reads "Authorization: Bearer <token>".
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// planPatch is a change to a plan; nil fields stay as they are.
type planPatch struct {
	Sources  []string           `json:"sources"`
	Busy     []string           `json:"busy"`
	TimeZone *string            `json:"timezone"`
	Settings *sync.SettingsJSON `json:"settings"`
}

// update applies a patch under the plan's lock and asks for a sync.
func (s *Server) update(ctx context.Context, id string, patch planPatch) (*sync.PlanRecord, error) {
	var out *sync.PlanRecord
	err := s.mutate(ctx, id, func(p *sync.PlanRecord) error {
		in := planInput{Sources: p.Sources, Busy: p.Busy, TimeZone: p.TimeZone, Settings: p.Settings}
		if patch.Sources != nil {
			in.Sources = patch.Sources
		}
		if patch.Busy != nil {
			in.Busy = patch.Busy
		}
		if patch.TimeZone != nil {
			in.TimeZone = *patch.TimeZone
		}
		if patch.Settings != nil {
			in.Settings = mergeSettings(p.Settings, *patch.Settings)
		}
		if err := s.validate(&in, p.GoogleTokenSealed != nil, false); err != nil {
			return err
		}
		p.Sources, p.Busy, p.TimeZone, p.Settings = in.Sources, in.Busy, in.TimeZone, in.Settings
		p.NextSync, p.Updated = s.Now(), s.Now()
		if err := s.Store.UpdatePlan(ctx, p); err != nil {
			return storeFailed("update plan", err)
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.enqueue(ctx, id)
	return out, nil
}

// mergeSettings overlays the fields patch sets on base: a PATCH that sends
// {"per_week": 3} keeps the policy, time and everything else.
func mergeSettings(base, patch sync.SettingsJSON) sync.SettingsJSON {
	out := base
	ov, pv := reflect.ValueOf(&out).Elem(), reflect.ValueOf(patch)
	for i := range pv.NumField() {
		if f := pv.Field(i); !f.IsZero() {
			ov.Field(i).Set(f)
		}
	}
	return out
}

// rotate gives the plan a new feed token; the old one stops working at once.
func (s *Server) rotate(ctx context.Context, id string) (string, error) {
	feed := seal.NewToken()
	err := s.mutate(ctx, id, func(p *sync.PlanRecord) error {
		sealed, err := s.Sealer.Seal([]byte(feed), []byte(p.ID))
		if err != nil {
			return fmt.Errorf("seal feed token: %w", err)
		}
		p.FeedTokenHash, p.FeedTokenSealed, p.Updated = seal.HashToken(feed), sealed, s.Now()
		return storeFailed("update plan", s.Store.UpdatePlan(ctx, p))
	})
	return feed, err
}

// remove deletes the plan, its tokens, its feed and its state and, for a
// Google-connected plan, our calendar in the runner's account. Only the
// feed token's hash stays, as a tombstone, so the feed clears subscribed
// calendars for deletedFeedFor before it is 404. When Google
// cannot be reached the plan stays, so deleting again finishes the job.
func (s *Server) remove(ctx context.Context, id string) error {
	return s.mutate(ctx, id, func(p *sync.PlanRecord) error {
		if p.GoogleTokenSealed != nil {
			if s.Unlink == nil {
				s.Log.LogAttrs(ctx, slog.LevelWarn, "google calendar left in place: no Google client configured",
					slog.String("plan_id", id))
			} else if err := s.Unlink.Unlink(ctx, p); err != nil {
				s.Log.LogAttrs(ctx, slog.LevelWarn, "google calendar not deleted", slog.String("plan_id", id), slog.Any("error", err))
				return &apiError{Status: http.StatusBadGateway, Msg: "could not delete the Google calendar: try again later"}
			}
		}
		// The tombstone goes first: should the delete fail, the plan and
		// its feed are still there, and deleting again finishes the job.
		if err := s.Store.PutFeedTombstone(ctx, p.FeedTokenHash, s.Now().Add(deletedFeedFor)); err != nil {
			return storeFailed("feed tombstone", err)
		}
		return storeFailed("delete plan", s.Store.DeletePlan(ctx, id))
	})
}

// mutate runs f on a fresh copy of the plan while holding the plan's sync
// lock. Service.SyncPlan writes the whole record back when it ends, so a
// change made during a sync would be undone by it (a rotated-away feed
// token would come back): taking the same lock orders the two.
func (s *Server) mutate(ctx context.Context, id string, f func(p *sync.PlanRecord) error) error {
	unlock, err := s.lockPlan(ctx, id)
	if err != nil {
		return err
	}
	defer unlock(context.WithoutCancel(ctx))
	p, err := s.Store.GetPlan(ctx, id)
	if errors.Is(err, sync.ErrNotFound) {
		return errNoPlan
	}
	if err != nil {
		return storeFailed("get plan", err)
	}
	if err := f(p); errors.Is(err, sync.ErrNotFound) {
		return errNoPlan
	} else if err != nil {
		return err
	}
	return nil
}

// lockPlan takes "sync:<id>", the lease Service.SyncPlan holds while it
// syncs, waiting up to LockWait for a sync in flight to end.
func (s *Server) lockPlan(ctx context.Context, id string) (func(context.Context) error, error) {
	deadline := time.Now().Add(s.LockWait)
	for delay := 20 * time.Millisecond; ; delay = min(2*delay, 500*time.Millisecond) {
		unlock, err := s.Store.Lock(ctx, "sync:"+id, time.Minute)
		if err == nil {
			return unlock, nil
		}
		if !errors.Is(err, sync.ErrLocked) {
			return nil, storeFailed("lock plan", err)
		}
		if time.Now().Add(delay).After(deadline) {
			return nil, errBusy
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// enqueue asks the worker for a sync; the schedule catches up if it fails.
func (s *Server) enqueue(ctx context.Context, id string) error {
	if err := s.Queue.Enqueue(ctx, id); err != nil {
		s.Log.LogAttrs(ctx, slog.LevelWarn, "enqueue failed", slog.String("plan_id", id), slog.Any("error", err))
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// openFeedToken recovers a plan's feed token, to show its URL again.
func (s *Server) openFeedToken(p *sync.PlanRecord) (string, error) {
	b, err := s.Sealer.Open(p.FeedTokenSealed, []byte(p.ID))
	if err != nil {
		return "", fmt.Errorf("open feed token: %w", err)
	}
	return string(b), nil
}

// planJSON is the plan as last synced, or nil before the first sync.
func (s *Server) planJSON(ctx context.Context, id string) (*sync.PlanJSON, error) {
	f, err := s.Store.GetFeed(ctx, id)
	if errors.Is(err, sync.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storeFailed("get feed", err)
	}
	if len(f.PlanJSON) == 0 {
		return nil, nil
	}
	var pj sync.PlanJSON
	if err := json.Unmarshal(f.PlanJSON, &pj); err != nil {
		return nil, fmt.Errorf("stored plan: %w", err)
	}
	return &pj, nil
}

// planIDEncoding makes IDs of lowercase letters and digits: safe in paths,
// keys and Google's event ID alphabet.
var planIDEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

func newPlanID() string {
	b := make([]byte, 15)
	rand.Read(b)
	return strings.ToLower(planIDEncoding.EncodeToString(b))
}

// validPlanID accepts what newPlanID makes, and a little more, so an ID
// from another version still resolves; it keeps junk away from the store.
func validPlanID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
