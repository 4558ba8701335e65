package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// maxBody caps a JSON request: a plan is a few URLs and settings.
const maxBody = 64 << 10

// createRequest is the body of POST /api/plans.
type createRequest struct {
	Sources  []string          `json:"sources"`
	Busy     []string          `json:"busy"`
	TimeZone string            `json:"timezone"`
	Settings sync.SettingsJSON `json:"settings"`
	// Google asks for the sessions in Google as well (hybrid output): the
	// answer's google_connect_url takes the runner through Google's
	// consent, after which every sync writes them there too, within
	// minutes of a change instead of at the feed's next fetch.
	Google bool `json:"google"`
}

// createdJSON is POST /api/plans's answer.
type createdJSON struct {
	*created
	// GoogleConnectURL is where the runner gives the plan access to
	// Google, when the request asked for it.
	GoogleConnectURL string `json:"google_connect_url,omitempty"`
}

// planView is GET /api/plans/{id}: the plan's state and, from its last
// sync, the days and sessions in the `plan --json` shapes.
type planView struct {
	ID         string               `json:"id"`
	Status     string               `json:"status"`
	LastSync   *time.Time           `json:"last_sync"`
	LastError  string               `json:"last_error"`
	NextSync   *time.Time           `json:"next_sync"`
	TimeZone   string               `json:"timezone"`
	Sources    []string             `json:"sources"`
	Busy       []string             `json:"busy"`
	Settings   sync.SettingsJSON    `json:"settings"`
	Google     bool                 `json:"google"`
	FeedURL    string               `json:"feed_url"`
	WebcalURL  string               `json:"webcal_url"`
	Sessions   []sync.SessionJSON   `json:"sessions"`
	Days       []sync.DayJSON       `json:"days"`
	ShortWeeks []sync.ShortWeekJSON `json:"short_weeks"`
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func (s *Server) apiCreate(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiFail(w, r, err)
		return
	}
	in := planInput{Sources: req.Sources, Busy: req.Busy, TimeZone: req.TimeZone, Settings: req.Settings}
	if req.Google && s.Google == nil {
		s.apiFail(w, r, badField("google", "this service is not set up to connect Google: leave google out and subscribe to the feed"))
		return
	}
	if err := s.validate(&in, false, true); err != nil {
		s.apiFail(w, r, err)
		return
	}
	out, err := s.createChecked(r, in, "")
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	res := createdJSON{created: out}
	if req.Google {
		res.GoogleConnectURL = s.base(r) + googleConnectPath(out)
	}
	w.Header().Set("Location", "/api/plans/"+out.ID)
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) apiGet(w http.ResponseWriter, r *http.Request) {
	p, err := s.authorize(r.Context(), r.PathValue("id"), bearer(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	v, err := s.view(r, p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// changesJSON is GET /api/plans/{id}/changes: the plan's change log, the
// newest first (SPEC §6 "Every change explained").
type changesJSON struct {
	Changes []sync.LoggedChange `json:"changes"`
}

func (s *Server) apiChanges(w http.ResponseWriter, r *http.Request) {
	p, err := s.authorize(r.Context(), r.PathValue("id"), bearer(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	log, err := s.Changes(r.Context(), p.ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, changesJSON{Changes: log})
}

// Changes is a plan's change log, the newest first, never nil: the plan
// page's "What changed" list shows it.
func (s *Server) Changes(ctx context.Context, planID string) ([]sync.LoggedChange, error) {
	log, err := sync.PlanChanges(ctx, s.Store, planID)
	if log == nil {
		log = []sync.LoggedChange{}
	}
	return log, err
}

func (s *Server) apiPatch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.authorize(r.Context(), id, bearer(r)); err != nil {
		s.apiFail(w, r, err)
		return
	}
	var patch planPatch
	if err := decodeJSON(w, r, &patch); err != nil {
		s.apiFail(w, r, err)
		return
	}
	p, err := s.update(r.Context(), id, patch)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	v, err := s.view(r, p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.authorize(r.Context(), id, bearer(r)); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.remove(r.Context(), id); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.Log.LogAttrs(r.Context(), slog.LevelInfo, "plan deleted", slog.String("request_id", requestID(r.Context())), slog.String("plan_id", id))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSync(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.authorize(r.Context(), id, bearer(r)); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.enqueue(r.Context(), id); err != nil {
		s.apiFail(w, r, &apiError{Status: http.StatusServiceUnavailable, Msg: "the sync queue is unavailable: try again later"})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "status": "queued"})
}

func (s *Server) apiRotate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.authorize(r.Context(), id, bearer(r)); err != nil {
		s.apiFail(w, r, err)
		return
	}
	tok, err := s.rotate(r.Context(), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	feed := s.feedURL(r, tok)
	writeJSON(w, http.StatusOK, map[string]string{"feed_url": feed, "webcal_url": webcalURL(feed)})
}

// view builds the API's picture of a plan.
func (s *Server) view(r *http.Request, p *sync.PlanRecord) (*planView, error) {
	p = s.shown(p)
	tok, err := s.openFeedToken(p)
	if err != nil {
		return nil, err
	}
	settings, err := p.Settings.Apply(rules.DefaultSettings())
	if err != nil {
		settings = rules.DefaultSettings()
	}
	v := &planView{ID: p.ID, Status: p.Status, LastError: p.LastError, LastSync: optTime(p.LastSync),
		NextSync: optTime(p.NextSync), TimeZone: p.TimeZone, Sources: nonNil(p.Sources), Busy: nonNil(p.Busy),
		Settings: sync.FromSettings(settings), Google: p.GoogleTokenSealed != nil, FeedURL: s.feedURL(r, tok),
		Sessions: []sync.SessionJSON{}, Days: []sync.DayJSON{}, ShortWeeks: []sync.ShortWeekJSON{}}
	v.WebcalURL = webcalURL(v.FeedURL)
	if v.Status == sync.StatusNew {
		v.Status = sync.StatusSyncing // as the create answer and the page say
	}
	pj, err := s.planJSON(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	if pj != nil {
		v.Sessions, v.Days, v.ShortWeeks = pj.Sessions, pj.Days, pj.ShortWeeks
	}
	return v, nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// decodeJSON reads one JSON object, refusing unknown fields, and names the
// field a type error is in. A body that is not application/json is 415
// before it is read: a browser sends text/plain or a form to another site
// without asking first, never JSON, so this keeps the API out of reach of
// cross-site requests.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		if r.Method == http.MethodPatch {
			w.Header().Set("Accept-Patch", "application/json")
		} else {
			w.Header().Set("Accept-Post", "application/json")
		}
		return &apiError{Status: http.StatusUnsupportedMediaType, Msg: "send the body as Content-Type: application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return badField("", "invalid JSON: more than one value in the body")
		}
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var me *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return badField("", "empty body: send a JSON object")
	case errors.As(err, &me):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Msg: "body too large"}
	case errors.As(err, &se):
		return badField("", "invalid JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		if te.Field == "" {
			return badField("", "want a JSON object")
		}
		return badField(te.Field, "want %s, got %s", jsonType(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badField(field, "unknown field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badField("", "invalid JSON: unexpected end of body")
	}
	return badField("", "invalid JSON: %v", err)
}

// jsonType says what JSON a Go kind wants, in the words a client uses.
func jsonType(kind string) string {
	switch kind {
	case "int", "int64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "slice":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	}
	return kind
}

// apiFail answers an error: its own status and message for an apiError,
// 503 with Retry-After for a store that could not answer, else 500 with a
// generic message; the cause of a 5xx is logged once, here.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="strengthsync"`)
		}
		if ae.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfter(ae.RetryAfter))
		} else if ae.Status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		writeError(w, ae.Status, ae.Msg, ae.Field)
		return
	}
	var ue *unavailableError
	if errors.As(err, &ue) {
		s.Log.LogAttrs(r.Context(), slog.LevelError, "store unavailable", slog.String("request_id", requestID(r.Context())),
			slog.String("route", route(r)), slog.Any("error", err))
		w.Header().Set("Retry-After", retryAfter(storeRetryAfter))
		writeError(w, http.StatusServiceUnavailable, "the plan store is unavailable: try again shortly (request "+requestID(r.Context())+")", "")
		return
	}
	s.Log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("request_id", requestID(r.Context())),
		slog.String("route", route(r)), slog.Any("error", err))
	writeError(w, http.StatusInternalServerError, "internal error (request "+requestID(r.Context())+")", "")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	body := map[string]string{"error": msg}
	if field != "" {
		body["field"] = field
	}
	writeJSON(w, status, body)
}
