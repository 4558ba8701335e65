package google

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
)

// Push (https://developers.google.com/calendar/api/guides/push): a
// notification channel on each run calendar a plan reads makes Google POST
// "something changed" to the service's webhook. Notifications carry no
// data; they only say "sync now". Channels expire (a week by default) and
// are renewed before then; a plan that stops reading a calendar, or is
// deleted, stops its channel with channels.stop.

// channelsKey keeps a plan's channels in its State.
const channelsKey = "google/channels"

// channelSep separates the plan ID from the random part of a channel ID.
// Google allows [A-Za-z0-9-_+/=] in IDs; plan IDs never hold "=".
const channelSep = "="

// channel is one live channel as the plan's state keeps it. The token is a
// secret: only its hash is kept.
type channel struct {
	ID         string    `json:"id"`
	ResourceID string    `json:"resource_id"`
	Calendar   string    `json:"calendar"`
	Address    string    `json:"address"`
	TokenHash  []byte    `json:"token_hash"`
	Expiration time.Time `json:"expiration"`
}

// WatchOptions configure Client.Watch.
type WatchOptions struct {
	// Address is the webhook's https URL (…/hooks/google). Required.
	Address string
	// Owner starts every channel ID (the plan ID), so a notification can
	// be traced to its plan without a lookup table. Required; must not
	// hold "=".
	Owner string
	// Now is the current time, for expiry.
	Now time.Time
	// RenewBefore renews a channel this long before it expires [24h].
	RenewBefore time.Duration
	// TTL is the lifetime asked for [0: Google's default, a week].
	TTL time.Duration
}

// ChannelOwner returns the owner part of a channel ID (the plan ID) or ""
// when the ID is not one of ours.
func ChannelOwner(channelID string) string {
	owner, rest, ok := strings.Cut(channelID, channelSep)
	if !ok || owner == "" || rest == "" {
		return ""
	}
	return owner
}

// Watch keeps exactly one live channel on each of calendars: it creates
// the missing ones, renews those expiring within RenewBefore (the new one
// first, then the old one stopped), and stops those on calendars no longer
// listed. It returns when the earliest channel needs renewing; the caller
// must call Watch again by then. Channels lost with the state (or expired
// while the service was down) are simply created again.
func (c *Client) Watch(ctx context.Context, calendars []string, o WatchOptions) (renewAt time.Time, err error) {
	if o.Address == "" || o.Owner == "" || strings.Contains(o.Owner, channelSep) {
		return time.Time{}, errors.New("google: watch: an address and an owner without '=' are required")
	}
	if o.RenewBefore <= 0 {
		o.RenewBefore = 24 * time.Hour
	}
	var old []channel
	if err := loadJSON(ctx, c.o.State, channelsKey, &old); err != nil {
		return time.Time{}, err
	}
	var keep []channel
	var stop []channel
	for _, ch := range old {
		// A channel to another address (the service moved) is renewed too.
		if slices.Contains(calendars, ch.Calendar) && ch.Expiration.Sub(o.Now) > o.RenewBefore && ch.Address == o.Address &&
			!slices.ContainsFunc(keep, func(k channel) bool { return k.Calendar == ch.Calendar }) {
			keep = append(keep, ch)
			continue
		}
		stop = append(stop, ch)
	}
	var errs []error
	type pending struct {
		ch    channel
		token string
	}
	var fresh []pending
	for _, cal := range calendars {
		if slices.ContainsFunc(keep, func(k channel) bool { return k.Calendar == cal }) {
			continue
		}
		ch, token, err := newChannel(cal, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fresh = append(fresh, pending{ch, token})
	}
	if len(fresh) > 0 {
		// Google sends a channel's first message as soon as it exists,
		// maybe before events.watch answers: the webhook must know the
		// channel (and its token) by then. The old ones stay valid until
		// they are stopped.
		all := slices.Concat(keep, stop)
		for _, f := range fresh {
			all = append(all, f.ch)
		}
		if err := saveJSON(ctx, c.o.State, channelsKey, all); err != nil {
			return time.Time{}, err
		}
	}
	for _, f := range fresh {
		ch, err := c.register(ctx, f.ch, f.token, o)
		if err != nil {
			errs = append(errs, err)
			// An old channel still live keeps notifying until it expires.
			if i := slices.IndexFunc(stop, func(s channel) bool { return s.Calendar == ch.Calendar && s.Expiration.After(o.Now) }); i >= 0 {
				keep = append(keep, stop[i])
				stop = slices.Delete(stop, i, i+1)
			}
			continue
		}
		keep = append(keep, ch)
	}
	// Save before stopping: a crash in between leaves a channel Google
	// stops on its own at expiry, never one we forgot we own.
	if err := saveJSON(ctx, c.o.State, channelsKey, keep); err != nil {
		return time.Time{}, err
	}
	for _, ch := range stop {
		if ch.Expiration.After(o.Now) {
			if err := c.stop(ctx, ch); err != nil {
				c.log.Warn("google: channel not stopped", slog.String("channel_id", ch.ID), slog.String("error", err.Error()))
			}
		}
	}
	for _, ch := range keep {
		if at := ch.Expiration.Add(-o.RenewBefore); renewAt.IsZero() || at.Before(renewAt) {
			renewAt = at
		}
	}
	return renewAt, errors.Join(errs...)
}

// newChannel makes a channel's ID and secret token; its expiration is a
// guess until Google answers.
func newChannel(cal string, o WatchOptions) (channel, string, error) {
	random := make([]byte, 10)
	secret := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return channel{}, "", err
	}
	if _, err := rand.Read(secret); err != nil {
		return channel{}, "", err
	}
	token := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(token))
	ttl := o.TTL
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	return channel{ID: o.Owner + channelSep + hex.EncodeToString(random), Calendar: cal, Address: o.Address,
		TokenHash: sum[:], Expiration: o.Now.Add(ttl)}, token, nil
}

// register asks Google for the channel (events.watch) and returns it with
// Google's resource ID and expiration.
func (c *Client) register(ctx context.Context, ch channel, token string, o WatchOptions) (channel, error) {
	req := &calendar.Channel{Id: ch.ID, Type: "web_hook", Address: o.Address, Token: token}
	if o.TTL > 0 {
		req.Expiration = o.Now.Add(o.TTL).UnixMilli()
	}
	res, err := call(ctx, c, "events.watch "+ch.Calendar, c.svc.Events.Watch(ch.Calendar, req).Context(ctx).Do)
	if err != nil {
		return ch, err
	}
	ch.ResourceID = res.ResourceId
	if res.Expiration > 0 {
		ch.Expiration = time.UnixMilli(res.Expiration)
	}
	return ch, nil
}

func (c *Client) stop(ctx context.Context, ch channel) error {
	_, err := call(ctx, c, "channels.stop", func(opts ...googleapi.CallOption) (struct{}, error) {
		return struct{}{}, c.svc.Channels.Stop(&calendar.Channel{Id: ch.ID, ResourceId: ch.ResourceID}).Context(ctx).Do(opts...)
	})
	if s := status(err); s == http.StatusNotFound || s == http.StatusGone {
		return nil // already gone (expired, or stopped before)
	}
	return err
}

// StopWatching stops every channel of the plan and forgets them, for a
// plan being deleted or disconnected from Google.
func (c *Client) StopWatching(ctx context.Context, now time.Time) error {
	var old []channel
	if err := loadJSON(ctx, c.o.State, channelsKey, &old); err != nil {
		return err
	}
	var errs []error
	for _, ch := range old {
		if ch.Expiration.After(now) {
			if err := c.stop(ctx, ch); err != nil {
				errs = append(errs, fmt.Errorf("channel %s: %w", ch.ID, err))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return c.o.State.Delete(ctx, channelsKey)
}

// CheckChannel reports whether channelID is a live channel in st (a
// plan's state) and token is its token. The comparison takes the same
// time whatever the token: a forger learns nothing from it.
func CheckChannel(ctx context.Context, st State, channelID, token string, now time.Time) (bool, error) {
	var chans []channel
	if err := loadJSON(ctx, st, channelsKey, &chans); err != nil {
		return false, err
	}
	sum := sha256.Sum256([]byte(token))
	for _, ch := range chans {
		if subtle.ConstantTimeCompare([]byte(ch.ID), []byte(channelID)) == 1 {
			return subtle.ConstantTimeCompare(ch.TokenHash, sum[:]) == 1 && now.Before(ch.Expiration), nil
		}
	}
	return false, nil
}
