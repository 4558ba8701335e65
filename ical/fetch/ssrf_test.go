package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"code.dny.dev/ssrf"
)

// guardedClient is a production client (no AllowPrivate) whose guard also
// accepts the given ports, so a loopback test server's port is not what
// gets it refused: the address must be.
func guardedClient(t *testing.T, ports ...uint16) *Client {
	t.Helper()
	c, _, _ := testClient(t, func(o *Options) { o.AllowPrivate = false })
	c.policy.guard = ssrf.New(ssrf.WithPorts(append([]uint16{80, 443}, ports...)...))
	return c
}

func serverAddr(t *testing.T, srv *httptest.Server) netip.AddrPort {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := netip.ParseAddrPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// TestRefusesInternalAddresses: a user's URL never reaches inside our
// network. Every case is refused at dial time, before a packet is sent, by
// a client built exactly as production builds it.
func TestRefusesInternalAddresses(t *testing.T) {
	tests := []struct {
		name, url string
		want      error
		wantText  string
	}{
		{"IPv4 loopback", "http://127.0.0.1/ical/x.ics", ssrf.ErrProhibitedIP, "127.0.0.1 is a private, local or reserved address"},
		{"IPv4 loopback https", "https://127.0.0.1/", ssrf.ErrProhibitedIP, "127.0.0.1 is a private"},
		{"IPv6 loopback", "http://[::1]/", ssrf.ErrProhibitedIP, "::1 is a private"},
		{"RFC 1918", "http://10.0.0.1/", ssrf.ErrProhibitedIP, "10.0.0.1 is a private"},
		{"RFC 1918 192.168", "http://192.168.1.1/", ssrf.ErrProhibitedIP, "192.168.1.1 is a private"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", ssrf.ErrProhibitedIP, "169.254.169.254 is a private"},
		{"CGNAT", "http://100.64.0.1/", ssrf.ErrProhibitedIP, "100.64.0.1 is a private"},
		{"multicast", "http://224.0.0.1/", ssrf.ErrProhibitedIP, "224.0.0.1 is a private"},
		{"unspecified", "http://0.0.0.0/", ssrf.ErrProhibitedIP, "is a private"},
		{"IPv6 unspecified", "http://[::]/", ssrf.ErrProhibitedIP, "is a private"},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/", ssrf.ErrProhibitedIP, "127.0.0.1 is a private"},
		{"IPv6 link-local", "http://[fe80::1]/", ssrf.ErrProhibitedIP, "is a private"},
		{"IPv6 unique local", "http://[fd00::1]/", ssrf.ErrProhibitedIP, "fd00::1 is a private"},
		{"IPv6 multicast", "http://[ff02::1]/", ssrf.ErrProhibitedIP, "ff02::1 is a private"},
		{"name resolving to loopback", "http://localhost/ical/x.ics", ssrf.ErrProhibitedIP, "is a private, local or reserved address"},
		{"Redis port on a public address", "http://1.1.1.1:6379/", ssrf.ErrProhibitedPort, "port 6379 is not allowed (only 80 and 443)"},
		{"webcal to another port", "webcal://1.1.1.1:8443/", ssrf.ErrProhibitedPort, "port 8443 is not allowed"},
	}
	c, _, _ := testClient(t, func(o *Options) { o.AllowPrivate = false })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Fetch(context.Background(), tt.url, Validators{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			fe := asError(t, err)
			if fe.Kind() != Permanent || fe.Attempts != 1 {
				t.Errorf("kind %v attempts %d, want permanent, not retried", fe.Kind(), fe.Attempts)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "fetch: refused to connect to ") || !strings.Contains(msg, tt.wantText) ||
				!strings.HasSuffix(msg, "use --allow-private-sources") {
				t.Errorf("message = %q", msg)
			}
		})
	}
}

// TestLoopbackServerOnlyWithFlag: a real server on loopback is refused by
// address when reached by name through the real resolver and dialer, and
// let through by AllowPrivate (--allow-private-sources).
func TestLoopbackServerOnlyWithFlag(t *testing.T) {
	cal := planICS(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(cal)
	}))
	defer srv.Close()
	port := serverAddr(t, srv).Port()
	byName := "http://localhost:" + strconv.Itoa(int(port)) + "/ical/x.ics"

	_, err := guardedClient(t, port).Fetch(context.Background(), byName, Validators{})
	if !errors.Is(err, ssrf.ErrProhibitedIP) {
		t.Fatalf("localhost: err = %v, want the address refused", err)
	}
	_, err = guardedClient(t).Fetch(context.Background(), srv.URL, Validators{})
	if !errors.Is(err, ssrf.ErrProhibitedPort) {
		t.Fatalf("default ports: err = %v, want the port refused", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("refused fetches reached the server %d times", n)
	}

	c, _, _ := testClient(t, func(o *Options) { o.AllowPrivate = true })
	for _, u := range []string{byName, srv.URL} {
		if _, err := c.Fetch(context.Background(), u, Validators{}); err != nil {
			t.Errorf("AllowPrivate %s: %v", u, err)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("server saw %d requests with AllowPrivate, want 2", n)
	}
}

// TestRedirectToInternalAddress: a URL that looks public and redirects
// inside is refused at the redirect's dial. The first server stands in for
// a public host: the test lets exactly its address through, nothing else.
func TestRedirectToInternalAddress(t *testing.T) {
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		w.Write([]byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
	}))
	defer internal.Close()

	tests := []struct {
		name, target string
		want         error
	}{
		{"to a loopback service", internal.URL + "/admin", ssrf.ErrProhibitedIP},
		{"to cloud metadata", "http://169.254.169.254/latest/meta-data/iam/", ssrf.ErrProhibitedIP},
		{"to a private address", "http://10.0.0.1/", ssrf.ErrProhibitedIP},
		{"to IPv6 loopback", "http://[::1]/", ssrf.ErrProhibitedIP},
		{"to localhost by name", "http://localhost:" + strconv.Itoa(int(serverAddr(t, internal).Port())) + "/", ssrf.ErrProhibitedIP},
		{"to Redis", "http://1.1.1.1:6379/", ssrf.ErrProhibitedPort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var publicHits atomic.Int32
			public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				publicHits.Add(1)
				http.Redirect(w, r, tt.target, http.StatusFound)
			}))
			defer public.Close()
			internalHits.Store(0)
			c := guardedClient(t, serverAddr(t, public).Port(), serverAddr(t, internal).Port())
			c.policy.allow = []netip.AddrPort{serverAddr(t, public)}

			_, err := c.Fetch(context.Background(), public.URL+"/ical/feed.ics", Validators{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if publicHits.Load() != 1 {
				t.Errorf("the first hop was requested %d times, want 1", publicHits.Load())
			}
			if internalHits.Load() != 0 {
				t.Errorf("the internal server was reached")
			}
			if asError(t, err).Kind() != Permanent {
				t.Errorf("kind = %v, want permanent", asError(t, err).Kind())
			}
		})
	}
}
