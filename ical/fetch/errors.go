package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// ErrorKind says whether trying again later can help.
type ErrorKind int

const (
	// Transient failures (timeouts, resets, 5xx, 429) may pass by
	// themselves; Fetch has already retried them.
	Transient ErrorKind = iota + 1
	// Permanent failures (404, 401, 403, 410, not a calendar, a refused
	// address, too large) need the runner to change something.
	Permanent
)

// String returns "transient" or "permanent".
func (k ErrorKind) String() string {
	switch k {
	case Transient:
		return "transient"
	case Permanent:
		return "permanent"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is every failure Fetch and Get return. Its message is one line that
// names the redacted address, says whether the failure is transient or
// permanent, and what the runner can do next. Neither the message nor the
// wrapped error contains the full address.
type Error struct {
	// URL is the address, redacted.
	URL string
	// Status is the HTTP status that caused the failure, or 0.
	Status int
	// Attempts is how many requests were made, retries included.
	Attempts int

	kind       ErrorKind
	what, hint string
	retryAfter time.Duration // asked for by the server, 0 when it did not
	err        error
}

// Kind says whether the failure is transient or permanent.
func (e *Error) Kind() ErrorKind { return e.kind }

// Error returns the one-line message: "fetch: WHAT (KIND): NEXT STEP".
func (e *Error) Error() string {
	kind := e.kind.String()
	if e.kind == Transient && e.Attempts > 1 {
		kind = fmt.Sprintf("transient, %d attempts", e.Attempts)
	}
	return "fetch: " + e.what + " (" + kind + "): " + e.hint
}

// Unwrap returns the cause, for errors.Is: context.DeadlineExceeded,
// ssrf.ErrProhibitedIP, ErrTooLarge, ErrNotCalendar and the like.
func (e *Error) Unwrap() error { return e.err }

var (
	// ErrTooLarge is wrapped by failures caused by the size limit.
	ErrTooLarge = errors.New("body over the size limit")
	// ErrNotCalendar is wrapped by failures caused by a body that is not
	// an iCalendar stream.
	ErrNotCalendar = errors.New("not a calendar")

	errTooManyRedirects = errors.New("too many redirects")
	errRedirectScheme   = errors.New("redirect to an unsupported scheme")
	errTotalTimeout     = errors.New("total timeout")
	errCutOff           = errors.New("calendar cut off")
)

// refusedError is what the dial guard returns; it names the address so the
// message can say which one was refused (an IP, never the URL).
type refusedError struct {
	addr string
	err  error
}

func (r *refusedError) Error() string { return "refused to dial " + r.addr + ": " + r.err.Error() }
func (r *refusedError) Unwrap() error { return r.err }

func permanent(red, what, hint string, err error) *Error {
	return &Error{URL: red, kind: Permanent, what: what, hint: hint, err: err}
}

func transient(red, what, hint string, err error) *Error {
	return &Error{URL: red, kind: Transient, what: what, hint: hint, err: err}
}

// statusError turns a non-success HTTP answer into an Error with the
// runner's next step.
func statusError(red, host string, resp *http.Response, now time.Time) *Error {
	code := resp.StatusCode
	what := fmt.Sprintf("%s returns %d %s", red, code, http.StatusText(code))
	app := provider(host)
	var e *Error
	switch {
	case code == http.StatusNotFound:
		e = permanent(red, what, "was the feed regenerated in "+app.name+"? copy its new address", nil)
	case code == http.StatusGone:
		e = permanent(red, what, "the feed was removed; was it regenerated in "+app.name+"? copy its new address", nil)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		e = permanent(red, what, "the feed is private; use its secret/share address"+app.shareTip, nil)
	case code == http.StatusTooManyRequests:
		e = transient(red, what, "the server is limiting requests; try again later", nil)
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly:
		e = transient(red, what, "the server did not answer in time; try again later", nil)
	case code >= 500:
		e = transient(red, what, "the feed's server is having trouble; try again later", nil)
	case code == http.StatusNotModified:
		e = permanent(red, what+" to a request that had no validators", "the server misbehaves; report it to "+app.name, nil)
	case code >= 400:
		e = permanent(red, what, "the server refused the request; check the address", nil)
	default:
		e = permanent(red, what, "the server answered in a way a calendar feed does not; check the address", nil)
	}
	e.Status = code
	if e.kind == Transient {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			e.retryAfter = d
		}
	}
	return e
}

// transportError classifies what http.Client.Do or a body read returned.
// ctx is the fetch's own context, whose cause tells a total timeout from a
// caller's cancellation.
func transportError(ctx context.Context, red string, timeout, connectTimeout time.Duration, err error) *Error {
	// url.Error quotes the full URL, a secret: keep only what it wraps.
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	var refused *refusedError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var opErr *net.OpError
	switch {
	case errors.As(err, &refused):
		return refusedMessage(red, refused)
	case errors.Is(err, errTooManyRedirects):
		return permanent(red, red+" redirects too many times", "use the final feed address", err)
	case errors.Is(err, errRedirectScheme):
		return permanent(red, red+" redirects to an address that is not http or https", "use the final feed address", err)
	case context.Cause(ctx) == errTotalTimeout:
		return transient(red, fmt.Sprintf("%s timed out after %s", red, timeout),
			"the server is too slow or stalled; try again later", context.DeadlineExceeded)
	case ctx.Err() != nil:
		return transient(red, red+" was not fetched: "+ctx.Err().Error(), "try again", ctx.Err())
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return permanent(red, "no such host in "+red, "check the address for typos", err)
	case errors.As(err, &dnsErr):
		return transient(red, "cannot look up the host of "+red, "check your connection and try again", err)
	case errors.Is(err, http.ErrSchemeMismatch):
		// A TLS handshake answered with "HTTP/": the server speaks only
		// plain HTTP where webcal:// and https:// expect TLS.
		_, rest, _ := strings.Cut(red, "://")
		return permanent(red, red+": the server answered plain HTTP on the https port (webcal:// means https://)",
			"use http://"+rest+" if it has no https", err)
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostnameErr), errors.As(err, &invalidCert):
		return permanent(red, red+" has an invalid TLS certificate", "check the address with the feed's provider", err)
	case errors.As(err, &opErr) && opErr.Op == "dial" && opErr.Timeout():
		return transient(red, fmt.Sprintf("could not connect to %s within %s", red, connectTimeout),
			"check your connection and try again", err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return transient(red, red+" refused the connection", "the server may be down; try again later", err)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return transient(red, red+" closed the connection early", "try again later", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return transient(red, red+" timed out", "the server is too slow; try again later", err)
	}
	return transient(red, "network error fetching "+red, "check your connection and try again", err)
}

func refusedMessage(red string, r *refusedError) *Error {
	const hint = "calendar feeds must be on the public internet; for a server on your own network use --allow-private-sources"
	if errors.Is(r.err, ssrf.ErrProhibitedPort) {
		port := "this port"
		if ap, err := netip.ParseAddrPort(r.addr); err == nil {
			port = fmt.Sprintf("port %d", ap.Port())
		}
		return permanent(red, "refused to connect to "+red+": "+port+" is not allowed (only 80 and 443)", hint, r)
	}
	ip := r.addr
	if ap, err := netip.ParseAddrPort(r.addr); err == nil {
		ip = ap.Addr().String()
	}
	return permanent(red, "refused to connect to "+red+": "+ip+" is a private, local or reserved address", hint, r)
}

// app names the service behind a feed host, for the runner's next step.
type app struct {
	name     string
	shareTip string
}

// providers are the feed hosts runners use most (SPEC §1), matched by
// domain suffix.
var providers = []struct {
	suffix string
	app    app
}{
	{"trainingpeaks.com", app{"TrainingPeaks", ""}},
	{"finalsurge.com", app{"Final Surge", ""}},
	{"intervals.icu", app{"intervals.icu", ""}},
	{"runna.com", app{"Runna", ""}},
	{"google.com", app{"Google Calendar", " (Google Calendar: Settings and sharing > Integrate calendar > Secret address in iCal format)"}},
	{"garmin.com", app{"Garmin Connect", ""}},
}

func provider(host string) app {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, p := range providers {
		if host == p.suffix || strings.HasSuffix(host, "."+p.suffix) {
			return p.app
		}
	}
	return app{name: "the app that publishes it"}
}
