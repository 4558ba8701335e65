package storetest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// DumpContainsNoSecret stores a plan the way the service does (tokens
// hashed, the feed token and the Google OAuth token sealed with the plan ID
// as associated data, written through sync.SealURLs so its calendar
// addresses are sealed), rotates its feed token once, then calls dump for
// every byte the store holds (rows, keys, files) and fails if any secret
// appears: the tokens, the OAuth access and refresh tokens, the secret
// parts of the source and busy addresses, the sealing key, in the clear, as
// hex or as base64 at any alignment. A plan stored before addresses were
// sealed (clear) must still load, and its next write must seal it.
//
// The dump must also contain the plan's ID and two clear-text canaries
// (one in the feed, one in state), so an empty or partial dump cannot pass.
func DumpContainsNoSecret(t *testing.T, s sync.Store, dump func(t *testing.T) []byte) {
	t.Helper()
	ctx := t.Context()
	key := bytes.Repeat([]byte("k3y!"), seal.KeySize/4)
	sealer, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	const id = "plan-with-secrets"
	manageToken := seal.NewToken()
	oldFeedToken := seal.NewToken()
	feedToken := seal.NewToken()
	accessToken := "ya29.a0AfB_byC-secret-access-token-" + seal.NewToken()
	refreshToken := "1//0gSecretRefreshToken-" + seal.NewToken()
	oauthJSON := `{"access_token":"` + accessToken + `","token_type":"Bearer","refresh_token":"` + refreshToken + `","expiry":"2026-03-02T08:00:00Z"}`
	mustSeal := func(plain string) []byte {
		b, err := sealer.Seal([]byte(plain), []byte(id))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Feed addresses carry their secret in the path or the query.
	sourcePath, sourceKey := "tp-private-"+seal.NewToken()[:20], "k3y-"+seal.NewToken()[:20]
	busyPath, legacyPath := "busy-private-"+seal.NewToken()[:20], "legacy-private-"+seal.NewToken()[:20]
	source := "https://www.trainingpeaks.example/ical/" + sourcePath + "/runs.ics?key=" + sourceKey
	busy := "webcal://calendar.example/ical/" + busyPath + "/basic.ics"
	legacy := "https://www.runna.example/feeds/" + legacyPath + ".ics"

	sealed := sync.SealURLs(s, sealer)
	p := NewPlan(id)
	p.ManageTokenHash = seal.HashToken(manageToken)
	p.FeedTokenHash = seal.HashToken(oldFeedToken)
	p.FeedTokenSealed = mustSeal(oldFeedToken)
	p.GoogleTokenSealed = mustSeal(oauthJSON)
	p.Sources, p.Busy = []string{source, "google:primary"}, []string{busy}
	mustCreate(t, sealed, p)
	if p.Sources[0] != source {
		t.Fatal("storing a plan changed the caller's record")
	}
	p.FeedTokenHash = seal.HashToken(feedToken)
	p.FeedTokenSealed = mustSeal(feedToken)
	if err := sealed.UpdatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}

	// A plan stored before addresses were sealed loads, and is sealed by
	// its next write.
	old := NewPlan("plan-stored-in-the-clear")
	old.Sources = []string{legacy}
	mustCreate(t, s, old)
	got, err := sealed.GetPlan(ctx, old.ID)
	if err != nil || len(got.Sources) != 1 || got.Sources[0] != legacy {
		t.Fatalf("a plan with a clear address does not load: %v %v", got, err)
	}
	if err := sealed.UpdatePlan(ctx, got); err != nil {
		t.Fatal(err)
	}
	// Checked in the record, not in the dump: bytes written in the clear
	// before the upgrade stay in a WAL, free pages or an append-only file
	// until the store compacts them.
	if raw := mustGet(t, s, old.ID); strings.Contains(strings.Join(raw.Sources, " "), legacyPath) {
		t.Fatal("the next write left the address in the clear")
	}
	if got := mustGet(t, sealed, old.ID); got.Sources[0] != legacy {
		t.Fatalf("the migrated address reads back as %q", got.Sources[0])
	}
	const feedCanary, stateCanary = "feed-canary-c4n4ry", "state-canary-5t4t3"
	if err := s.PutFeed(ctx, id, &sync.Feed{ICS: []byte("BEGIN:VCALENDAR\r\nX-WR-CALNAME:" + feedCanary + "\r\nEND:VCALENDAR\r\n"), ETag: `"e"`, Updated: base}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, id, "google.sync_token", []byte(stateCanary)); err != nil {
		t.Fatal(err)
	}
	// A deleted plan leaves a tombstone of its feed token: the hash only.
	deletedFeedToken := seal.NewToken()
	if err := s.PutFeedTombstone(ctx, seal.HashToken(deletedFeedToken), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// The service can still use what it stored.
	got, err = sealed.PlanByFeedToken(ctx, seal.HashToken(feedToken))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Sources, []string{source, "google:primary"}) || !slices.Equal(got.Busy, []string{busy}) {
		t.Fatalf("addresses after the round trip: %v %v", got.Sources, got.Busy)
	}
	if plain, err := sealer.Open(got.GoogleTokenSealed, []byte(id)); err != nil || string(plain) != oauthJSON {
		t.Fatalf("sealed OAuth token does not open after the round trip: %v", err)
	}
	if plain, err := sealer.Open(got.FeedTokenSealed, []byte(id)); err != nil || string(plain) != feedToken {
		t.Fatalf("sealed feed token does not open after the round trip: %v", err)
	}

	d := dump(t)
	for _, c := range []string{id, feedCanary, stateCanary} {
		if !bytes.Contains(d, []byte(c)) {
			t.Fatalf("the dump (%d bytes) lacks %q: it does not cover the whole store", len(d), c)
		}
	}
	secrets := map[string][]byte{
		"manage token":         []byte(manageToken),
		"feed token":           []byte(feedToken),
		"rotated feed token":   []byte(oldFeedToken),
		"deleted feed token":   []byte(deletedFeedToken),
		"OAuth access token":   []byte(accessToken),
		"OAuth refresh token":  []byte(refreshToken),
		"OAuth token JSON":     []byte(oauthJSON),
		"sealing key":          key,
		"source's secret path": []byte(sourcePath),
		"source's key":         []byte(sourceKey),
		"busy secret path":     []byte(busyPath),
	}
	for _, tok := range []string{manageToken, feedToken, oldFeedToken, deletedFeedToken} {
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		secrets["raw bytes of token "+tok[:4]+"…"] = raw
	}
	for name, secret := range secrets {
		for form, needle := range Encodings(secret) {
			if bytes.Contains(d, needle) {
				t.Errorf("the dump holds the %s (%s form)", name, form)
			}
		}
	}
}

// Encodings returns the forms in which secret could leak into a dump: the
// bytes themselves, hex, and the part of its base64 (standard and URL
// alphabets) that is fixed whatever bytes precede it, for each of the three
// alignments a base64 encoder can meet it at.
func Encodings(secret []byte) map[string][]byte {
	out := map[string][]byte{
		"clear":     secret,
		"hex":       []byte(hex.EncodeToString(secret)),
		"hex upper": []byte(strings.ToUpper(hex.EncodeToString(secret))),
	}
	for _, enc := range []struct {
		name string
		e    *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		for shift := range 3 {
			buf := append(make([]byte, shift), secret...)
			s := enc.e.EncodeToString(buf)
			// Drop the group mixing in the preceding bytes and the last
			// group, which depends on what follows.
			start := 0
			if shift > 0 {
				start = 4
			}
			end := len(s)
			if len(buf)%3 != 0 {
				end -= 4
			}
			if end-start >= 8 {
				out[enc.name+" shift "+string(rune('0'+shift))] = []byte(s[start:end])
			}
		}
	}
	return out
}
