package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// Requests from people who mean harm: bodies that fill the disk, forms
// from other sites, a proxy that hides clients, guessing tokens.

// multipartBody is a multipart form with one file part of size bytes,
// made as it is sent.
func multipartBody(size int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("token", "x")
		fw, _ := mw.CreateFormFile("upload", "big.bin")
		io.CopyN(fw, zeros{}, size)
		mw.Close()
		pw.Close()
	}()
	return pr, mw.FormDataContentType()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// No request leaves a file behind: a multipart body is refused (415)
// before it is read, so nothing is spooled to the temporary directory.
func TestHostileBodiesLeaveNoFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir, where multipart spools files
	e := newEnv(t)
	id, token := e.createByForm()
	before, _ := os.ReadDir(tmp)

	// Over net/http's 32 MB in memory, the file part of a parsed
	// multipart form goes to disk.
	const big = 33 << 20
	for _, target := range []string{"/plans/" + id + "/settings", "/plans/" + id + "/delete", "/plans", "/api/plans"} {
		body, ctype := multipartBody(big)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.ts.URL+target, body)
		req.Header.Set("Content-Type", ctype)
		res, err := e.client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("multipart POST %s: %d, want 415", target, res.StatusCode)
		}
	}
	// A form over the size limit is 413, whatever it holds.
	res := e.form("/plans/"+id+"/settings", url.Values{"token": {token}, "sources": {strings.Repeat("a", maxForm)}})
	wantStatus(t, res, http.StatusRequestEntityTooLarge)

	after, _ := os.ReadDir(tmp)
	if len(after) != len(before) {
		t.Errorf("the temporary directory went from %d to %d files", len(before), len(after))
	}
	if p, err := e.store.GetPlan(t.Context(), id); err != nil || len(p.Sources) != 1 {
		t.Errorf("the plan changed: %+v %v", p, err)
	}
}

// pageForm answers a body it refuses without reading a byte of it.
func TestPageFormRefusesUnread(t *testing.T) {
	e := newEnv(t)
	for _, ctype := range []string{"multipart/form-data; boundary=x", "text/plain", "application/json", ""} {
		req := httptest.NewRequest(http.MethodPost, "/plans", mustNotRead{t})
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		e.srv.pageForm(func(http.ResponseWriter, *http.Request) { t.Error("handler reached") })(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType {
			t.Errorf("%q: %d, want 415", ctype, rec.Code)
		}
	}
}

type mustNotRead struct{ t *testing.T }

func (m mustNotRead) Read([]byte) (int, error) {
	m.t.Error("the body was read")
	return 0, io.EOF
}

// Forms from other sites are refused, and every form needs its token; the
// API takes JSON only, which a browser never sends cross-site unasked.
func TestCrossSiteRequests(t *testing.T) {
	e := newEnv(t, func(e *env) { e.srv.PublicURL = "https://strength.example" })
	id, token := e.createByForm()
	good := url.Values{"sources": {e.cal.sourceURL()}, "timezone": {"UTC"}}
	tests := []struct {
		name   string
		path   string
		vals   url.Values
		hdr    []string
		status int
	}{
		{"other origin", "/plans", good, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", "/plans", good, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site fetch", "/plans", good, []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"null origin", "/plans", good, []string{"Origin", "null"}, http.StatusForbidden},
		{"other origin, plan form", "/plans/" + id + "/delete", url.Values{"token": {token}, "confirm": {"yes"}},
			[]string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"no form token", "/plans", url.Values{"sources": {e.cal.sourceURL()}, formTokenField: {""}}, nil, http.StatusForbidden},
		{"forged form token", "/plans", url.Values{"sources": {e.cal.sourceURL()}, formTokenField: {"AAAA"}}, nil, http.StatusForbidden},
		{"another plan's form token", "/plans/" + id + "/delete",
			url.Values{"token": {token}, "confirm": {"yes"}, formTokenField: {e.srv.formToken(newPlanID())}}, nil, http.StatusForbidden},
		{"home token on a plan form", "/plans/" + id + "/delete",
			url.Values{"token": {token}, "confirm": {"yes"}, formTokenField: {e.srv.formToken("")}}, nil, http.StatusForbidden},
		// Browsers say where a form came from: ours is fine.
		{"public origin", "/plans", good, []string{"Origin", "https://strength.example"}, http.StatusSeeOther},
		{"request host", "/plans", good, []string{"Origin", e.ts.URL}, http.StatusSeeOther},
		{"same-origin fetch", "/plans", good, []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"no browser headers", "/plans", good, nil, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, e.form(tt.path, tt.vals, tt.hdr...), tt.status)
		})
	}
	if _, err := e.store.GetPlan(t.Context(), id); err != nil {
		t.Errorf("a refused form deleted the plan: %v", err)
	}

	// A form token expires: a day-old page is sent again after a reload.
	old := e.srv.formToken("")
	e.clock.Add(formTokenTTL + time.Minute)
	wantStatus(t, e.form("/plans", url.Values{"sources": {e.cal.sourceURL()}, formTokenField: {old}}), http.StatusForbidden)
	// The pages carry fresh tokens that work.
	res := e.do(http.MethodGet, "/", "", nil)
	m := regexpFormToken.FindStringSubmatch(string(readBody(t, res)))
	if m == nil {
		t.Fatal("the home page's form has no form token")
	}
	wantStatus(t, e.form("/plans", url.Values{"sources": {e.cal.sourceURL()}, formTokenField: {m[1]}}), http.StatusSeeOther)

	// The API refuses what a cross-site form or fetch can send unasked.
	before := countPlans(t, e)
	for _, ctype := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		body, _ := json.Marshal(e.createBody())
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.ts.URL+"/api/plans", bytes.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := e.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, res, http.StatusUnsupportedMediaType)
		res.Body.Close()
	}
	res = e.do(http.MethodPatch, "/api/plans/"+id, token, nil, "Content-Type", "text/plain")
	wantStatus(t, res, http.StatusUnsupportedMediaType)
	if n := countPlans(t, e); n != before {
		t.Errorf("non-JSON creates made %d plans", n-before)
	}
	// With the JSON type, and a charset, it works.
	body, _ := json.Marshal(e.createBody())
	wantStatus(t, e.do(http.MethodPost, "/api/plans", "", body, "Content-Type", "application/json; charset=utf-8"), http.StatusCreated)
}

var regexpFormToken = regexp.MustCompile(`name="form_token" value="([A-Za-z0-9_-]+)"`)

func countPlans(t *testing.T, e *env) int {
	t.Helper()
	ids, err := e.store.DuePlans(t.Context(), e.clock.Now().Add(365*24*time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "127.0.0.1/32", "::1/128", "fd00::/8"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1/8/8"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v does not name it", bad, err)
		}
	}
}

// The client behind a trusted proxy is the right-most address the client
// could not have written (RFC 7239 §5.2 and the X-Forwarded-For custom).
func TestClientIP(t *testing.T) {
	trusted, _ := ParseTrustedProxies("10.0.0.0/8,2001:db8:ffff::/48")
	s := &Server{TrustedProxies: trusted}
	tests := []struct {
		name, peer string
		hdr        []string
		want       string
	}{
		{"no proxy", "192.0.2.1:5", nil, "192.0.2.1"},
		{"untrusted peer's header ignored", "192.0.2.1:5", []string{"X-Forwarded-For", "198.51.100.7"}, "192.0.2.1"},
		{"trusted peer, one hop", "10.0.0.2:5", []string{"X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"client-made left entries ignored", "10.0.0.2:5", []string{"X-Forwarded-For", "6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"proxy chain", "10.0.0.2:5", []string{"X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.1.1.1"}, "198.51.100.7"},
		{"all trusted", "10.0.0.2:5", []string{"X-Forwarded-For", "10.9.9.9, 10.1.1.1"}, "10.9.9.9"},
		{"no header", "10.0.0.2:5", nil, "10.0.0.2"},
		{"with port", "10.0.0.2:5", []string{"X-Forwarded-For", "198.51.100.7:4711"}, "198.51.100.7"},
		{"ipv6", "[2001:db8:ffff::1]:5", []string{"X-Forwarded-For", "2001:db8::7"}, "2001:db8::7"},
		{"mapped v4 peer", "[::ffff:10.0.0.2]:5", []string{"X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"Forwarded", "10.0.0.2:5", []string{"Forwarded", `for=6.6.6.6, for=198.51.100.7;proto=https;by=10.0.0.2`}, "198.51.100.7"},
		{"Forwarded ipv6", "10.0.0.2:5", []string{"Forwarded", `For="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
		{"Forwarded wins", "10.0.0.2:5", []string{"Forwarded", "for=198.51.100.7", "X-Forwarded-For", "6.6.6.6"}, "198.51.100.7"},
		{"unknown hop", "10.0.0.2:5", []string{"Forwarded", "for=unknown"}, "hop:unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for i := 0; i+1 < len(tt.hdr); i += 2 {
				r.Header.Set(tt.hdr[i], tt.hdr[i+1])
			}
			if got := s.clientIP(r); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

// Behind a trusted proxy each client has its own budget, and a manage
// token has one of its own whatever address it comes from.
func TestRateLimitBehindProxy(t *testing.T) {
	e := newEnv(t, func(e *env) {
		e.srv.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}
		e.srv.APILimit = Limit{Rate: 0.01, Burst: 2}
		e.srv.TokenLimit = Limit{Rate: 0.01, Burst: 3}
	})
	c := newEnvPlan(t, e)
	proxy := "10.0.0.1:40000"
	get := func(client, token string) int {
		return e.serveAs(proxy, "GET", "/api/plans/"+c.ID, nil, "Authorization", "Bearer "+token, "X-Forwarded-For", client)
	}
	// Client A spends its budget; B, behind the same proxy, has its own.
	if a1, a2, a3 := get("198.51.100.1", c.ManageToken), get("198.51.100.1", c.ManageToken), get("198.51.100.1", "wrong"); a1 != 200 || a2 != 200 || a3 != 429 {
		t.Errorf("client A: %d %d %d, want 200 200 429", a1, a2, a3)
	}
	// The token has one request left of its three, from any address.
	if b1, b2 := get("198.51.100.2", c.ManageToken), get("198.51.100.3", c.ManageToken); b1 != 200 || b2 != 429 {
		t.Errorf("token from other clients: %d %d, want 200 then 429 (the token's budget)", b1, b2)
	}
	// A guess with another token is the client's to pay, not the plan's.
	if code := get("198.51.100.4", seal.NewToken()); code != http.StatusNotFound {
		t.Errorf("wrong token from a fresh client: %d, want 404", code)
	}
}

// A wrong token on an existing plan and a token for a missing plan do the
// same work: one store lookup and one comparison, against a dummy hash
// when there is no plan.
func TestAuthSameWork(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	counting := &countingStore{Store: e.store}
	e.srv.Store = counting
	for _, tt := range []struct{ name, id string }{{"wrong token", c.ID}, {"missing plan", newPlanID()}} {
		counting.gets, counting.byToken = 0, 0
		_, err := e.srv.authorize(t.Context(), tt.id, seal.NewToken())
		if err != errNoPlan || counting.byToken != 1 || counting.gets != 0 {
			t.Errorf("%s: %v after %d token lookups and %d plan reads, want errNoPlan after 1 and 0",
				tt.name, err, counting.byToken, counting.gets)
		}
	}
	hash := seal.HashToken(c.ManageToken)
	if tokenMatches(dummyHash, nil) || tokenMatches(hash, nil) || !tokenMatches(hash, &sync.PlanRecord{ManageTokenHash: hash}) ||
		tokenMatches(seal.HashToken("other"), &sync.PlanRecord{ManageTokenHash: hash}) {
		t.Error("tokenMatches: a missing plan or another token matched, or the right one did not")
	}
}

// countingStore counts plan lookups on the real store underneath.
type countingStore struct {
	sync.Store
	gets, byToken int
}

func (c *countingStore) PlanIDByManageToken(ctx context.Context, hash []byte) (string, error) {
	c.byToken++
	return c.Store.PlanIDByManageToken(ctx, hash)
}

func (c *countingStore) GetPlan(ctx context.Context, id string) (*sync.PlanRecord, error) {
	c.gets++
	return c.Store.GetPlan(ctx, id)
}

// With --metrics-addr, /metrics is not on the public listener.
func TestSeparateMetrics(t *testing.T) {
	e := newEnv(t, func(e *env) { e.srv.SeparateMetrics = true })
	wantStatus(t, e.do(http.MethodGet, "/metrics", "", nil), http.StatusNotFound)
	rec := httptest.NewRecorder()
	e.srv.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Errorf("the metrics handler: %d", rec.Code)
	}
}

// BenchmarkAuthorize shows a wrong token on an existing plan and a token
// for a missing one cost about the same.
func BenchmarkAuthorize(b *testing.B) {
	e := newEnv(b)
	c := e.create()
	for _, bb := range []struct{ name, id string }{{"wrong-token", c.ID}, {"missing-plan", newPlanID()}} {
		b.Run(bb.name, func(b *testing.B) {
			tok := seal.NewToken()
			e.srv.tokenLim = newLimiter(Limit{Rate: 1e9, Burst: 1e9}, 10)
			for b.Loop() {
				e.srv.authorize(b.Context(), bb.id, tok)
			}
		})
	}
}
