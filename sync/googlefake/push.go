package googlefake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"time"

	calendar "google.golang.org/api/calendar/v3"
)

// Push notifications follow https://developers.google.com/calendar/api/guides/push
// and the references of events.watch and channels.stop:
//
//   - events.watch takes a channel (id, type web_hook, address, optional
//     token and expiration in Unix milliseconds, or params.ttl in seconds)
//     and answers it with kind api#channel, the resource's opaque ID (the
//     same for every channel on one calendar), its URI and the expiration.
//     Without one a channel lives 604800 s (a week); a requested expiration
//     later than that is cut to it. A channel ID already in use answers 400.
//   - Every new channel first gets a "sync" message; then every change of
//     an event in the calendar sends "exists" to each live channel of it.
//     Messages are POSTs with no body and the X-Goog-Channel-ID,
//     -Channel-Token (when set), -Channel-Expiration (RFC 1123),
//     -Message-Number (rising per channel), -Resource-ID, -Resource-State
//     and -Resource-URI headers.
//   - An expired channel sends nothing; channels.stop (id and resourceId)
//     ends one at once and answers 204, or 404 for a channel it does not
//     know.
//
// Google requires an https address with a valid certificate; the fake also
// accepts http to a loopback host, so tests can point it at a server on
// 127.0.0.1.

// DefaultChannelTTL is how long a channel lives when the watch asks for no
// expiration; it is also the longest the fake grants.
const DefaultChannelTTL = 7 * 24 * time.Hour

// channel is a registered notification channel.
type channel struct {
	id, resourceID, resourceURI string
	calendar                    string
	token, address              string
	expiration                  time.Time
	number                      int64
	owner                       *grant
}

// Channel is a channel as a test sees it.
type Channel struct {
	ID, ResourceID, Calendar, Address, Token string
	Expiration                               time.Time
}

var channelIDPattern = regexp.MustCompile(`^[A-Za-z0-9\-_+/=]{1,64}$`)

func (s *Server) eventsWatch(w http.ResponseWriter, r *http.Request, a *accessToken, c *fakeCalendar) {
	var in calendar.Channel
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		badRequest(w, "Parse Error")
		return
	}
	if !channelIDPattern.MatchString(in.Id) {
		badRequest(w, "Invalid channel id.")
		return
	}
	if in.Type != "web_hook" && in.Type != "webhook" {
		badRequest(w, "Invalid value for type: "+in.Type)
		return
	}
	u, err := url.Parse(in.Address)
	if err != nil || !(u.Scheme == "https" || loopback(in.Address)) || u.Host == "" {
		badRequest(w, "WebHook callback must be HTTPS: "+in.Address)
		return
	}
	if _, dup := s.channels[in.Id]; dup {
		writeError(w, http.StatusBadRequest, "push", "channelIdNotUnique", "Channel id "+in.Id+" not unique")
		return
	}
	now := s.opt.Now()
	ttl := DefaultChannelTTL
	if v := in.Params["ttl"]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			badRequest(w, "Invalid value for ttl.")
			return
		}
		ttl = min(ttl, time.Duration(n)*time.Second)
	}
	exp := now.Add(ttl)
	if in.Expiration > 0 {
		if req := time.UnixMilli(in.Expiration); req.Before(exp) {
			exp = req
		}
	}
	rid := s.resources[c.cal.Id]
	if rid == "" {
		rid = newID(20)
		s.resources[c.cal.Id] = rid
	}
	ch := &channel{id: in.Id, resourceID: rid, calendar: c.cal.Id, token: in.Token, address: in.Address,
		expiration: exp, owner: a.grant,
		resourceURI: s.URL + "/calendar/v3/calendars/" + url.PathEscape(c.cal.Id) + "/events?alt=json"}
	s.channels[in.Id] = ch
	s.send(ch, "sync")
	writeJSON(w, http.StatusOK, calendar.Channel{Kind: "api#channel", Id: ch.id, ResourceId: rid,
		ResourceUri: ch.resourceURI, Token: ch.token, Expiration: exp.UnixMilli()})
}

func (s *Server) channelsStop(w http.ResponseWriter, r *http.Request, a *accessToken) {
	var in calendar.Channel
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		badRequest(w, "Parse Error")
		return
	}
	ch := s.channels[in.Id]
	if ch == nil || ch.resourceID != in.ResourceId || (ch.owner != nil && a.grant != nil && ch.owner.clientID != a.grant.clientID) {
		writeError(w, http.StatusNotFound, "global", "notFound", "Channel '"+in.Id+"' not found for project")
		return
	}
	delete(s.channels, in.Id)
	w.WriteHeader(http.StatusNoContent)
}

// changed tells the live channels on c that its events changed. Called
// with s.mu held.
func (s *Server) changed(c *fakeCalendar) {
	now := s.opt.Now()
	for _, ch := range s.channels {
		if ch.calendar == c.cal.Id && now.Before(ch.expiration) {
			s.send(ch, "exists")
		}
	}
}

// send posts one message to ch's address in the background. Called with
// s.mu held.
func (s *Server) send(ch *channel, state string) {
	ch.number++
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, ch.address, http.NoBody)
	if err != nil {
		return
	}
	h := req.Header
	h.Set("X-Goog-Channel-ID", ch.id)
	if ch.token != "" {
		h.Set("X-Goog-Channel-Token", ch.token)
	}
	h.Set("X-Goog-Channel-Expiration", ch.expiration.UTC().Format(http.TimeFormat))
	h.Set("X-Goog-Message-Number", strconv.FormatInt(ch.number, 10))
	h.Set("X-Goog-Resource-ID", ch.resourceID)
	h.Set("X-Goog-Resource-State", state)
	h.Set("X-Goog-Resource-URI", ch.resourceURI)
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		resp, err := http.DefaultClient.Do(req)
		code := 0
		if err == nil {
			code = resp.StatusCode
			resp.Body.Close()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if code >= 200 && code < 300 {
			s.delivered[state]++
		}
	}()
}

// Channels returns the registered channels that have not been stopped,
// expired ones included, by ID.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.channels))
	for _, ch := range s.channels {
		out = append(out, Channel{ID: ch.id, ResourceID: ch.resourceID, Calendar: ch.calendar,
			Address: ch.address, Token: ch.token, Expiration: ch.expiration})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Delivered counts the notifications of a resource state ("sync",
// "exists") that the receiver answered with a 2xx.
func (s *Server) Delivered(state string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered[state]
}

// WaitNotifications returns once every notification sent so far has been
// answered (or has failed).
func (s *Server) WaitNotifications() { s.inflight.Wait() }
