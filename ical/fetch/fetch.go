// Package fetch reads run calendars from URLs that runners give us
// (TrainingPeaks, Final Surge, intervals.icu, Runna, a Google "secret
// address"), for years and for many people at once. It makes that safe,
// cheap and honest about failure:
//
//   - safe: every connection, redirects included, is checked at dial time
//     against private, local and reserved addresses and ports other than
//     80 and 443, with no proxy in the way; bodies are capped while they are
//     read, after gunzipping; a total timeout bounds a server that trickles;
//   - cheap: conditional GETs (ETag, Last-Modified) and a SHA-256 of the body
//     tell an unchanged calendar apart, so it is neither parsed nor planned
//     again; a Cache keeps validators and the last body between runs;
//   - honest: transient failures are retried with jittered backoff, and every
//     failure is an *Error whose one-line message names the redacted address,
//     its kind, and the runner's next step.
//
// The package never logs or returns a full feed address: addresses carry
// secrets in their paths and queries, and go through Redact first. It does
// not parse calendars; it only checks that a body looks like one.
package fetch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// Options are the limits and knobs of a Client. Zero values mean the
// defaults of DefaultOptions.
type Options struct {
	// MaxBytes caps a body, counted as it is read and again after gzip
	// decoding; Content-Length is never trusted to enforce it.
	MaxBytes int64
	// ConnectTimeout bounds each TCP connect and TLS handshake.
	ConnectTimeout time.Duration
	// Timeout bounds a whole Fetch: every attempt, every body read and every
	// wait between retries. A server that trickles bytes holds a worker no
	// longer than this.
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed; negative means none.
	MaxRedirects int
	// Retries is how many times a transient failure is retried; negative
	// means never.
	Retries int
	// MaxRetryWait is the longest Retry-After honoured: a server asking for
	// a longer pause fails the fetch as transient instead of holding it.
	MaxRetryWait time.Duration
	// AllowPrivate lets addresses on private, loopback and link-local
	// networks through, and any port: for a runner self-hosting a calendar
	// at home, and for tests. Never set it in a service that fetches URLs
	// for other people.
	AllowPrivate bool
	// UserAgent is sent with every request.
	UserAgent string
	// Logger receives one line per retry; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock, for Retry-After dates and cache entries; nil means
	// time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a real timer. It must return
	// early with an error when ctx is done. Tests inject it to stay fast.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Defaults used by DefaultOptions and for zero Options fields.
const (
	DefaultMaxBytes       = 10 << 20
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 60 * time.Second
	DefaultMaxRedirects   = 5
	DefaultRetries        = 3
	DefaultMaxRetryWait   = 30 * time.Second
)

// DefaultOptions returns the options the CLI and the service start from:
// 10 MB, 10 s to connect, 60 s in all, 5 redirects, 3 retries, no private
// addresses, and a User-Agent carrying the binary's module version.
func DefaultOptions() Options {
	return Options{
		MaxBytes:       DefaultMaxBytes,
		ConnectTimeout: DefaultConnectTimeout,
		Timeout:        DefaultTimeout,
		MaxRedirects:   DefaultMaxRedirects,
		Retries:        DefaultRetries,
		MaxRetryWait:   DefaultMaxRetryWait,
		UserAgent:      UserAgent(buildVersion()),
	}
}

// UserAgent is the User-Agent header for a version, so that feed operators
// can see who we are and reach us.
func UserAgent(version string) string {
	return "strengthsync/" + version + " (+https://github.com/strengthsync/strengthsync)"
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxBytes <= 0 {
		o.MaxBytes = d.MaxBytes
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = d.ConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	switch {
	case o.MaxRedirects == 0:
		o.MaxRedirects = d.MaxRedirects
	case o.MaxRedirects < 0:
		o.MaxRedirects = 0
	}
	switch {
	case o.Retries == 0:
		o.Retries = d.Retries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = d.MaxRetryWait
	}
	if o.UserAgent == "" {
		o.UserAgent = d.UserAgent
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	return o
}

// Validators are what a later fetch of the same URL needs to learn cheaply
// that nothing changed.
type Validators struct {
	// ETag and LastModified are the server's, sent back verbatim.
	ETag, LastModified string
	// Hash is "sha256:" and the hex digest of the (decoded) body.
	Hash string
}

// Result is a successful fetch.
type Result struct {
	// Body is the calendar, gunzipped; nil when NotModified.
	Body []byte
	// Validators are the ones to send next time.
	Validators Validators
	// NotModified reports a 304 answer to a conditional request: the
	// caller's copy is current.
	NotModified bool
	// SameContent reports a full answer whose hash equals the previous one:
	// the calendar did not change, though the server could not say so.
	SameContent bool
	// ContentType is the media type the server declared, without
	// parameters.
	ContentType string
	// FinalURL is the address after redirects. It is a secret like the
	// address asked for: pass it through Redact before showing it.
	FinalURL string
}

// Client fetches calendar URLs. It is safe for concurrent use; reuse one
// per process, since it pools connections.
type Client struct {
	opts   Options
	http   *http.Client
	tr     *http.Transport
	policy *dialPolicy
}

// dialPolicy decides, for every connection about to be made, whether its
// address may be dialled. It runs inside net.Dialer.Control, after name
// resolution and before connect, so it sees the real IP of every hop.
type dialPolicy struct {
	guard *ssrf.Guardian // nil when AllowPrivate
	// allow is for tests only: exact addresses let through although guard
	// is on, so that a loopback server can stand in for a public host.
	allow []netip.AddrPort
}

func (p *dialPolicy) control(network, address string, _ syscall.RawConn) error {
	if p.guard == nil {
		return nil
	}
	if ap, err := netip.ParseAddrPort(address); err == nil && slices.Contains(p.allow, ap) {
		return nil
	}
	if err := p.guard.Safe(network, address, nil); err != nil {
		return &refusedError{addr: address, err: err}
	}
	return nil
}

// New returns a Client with its own transport: no proxy (a proxy would hide
// the real destination from the dial check), the SSRF guard at dial time,
// and the timeouts of opts.
func New(opts Options) *Client {
	opts = opts.withDefaults()
	policy := &dialPolicy{}
	if !opts.AllowPrivate {
		policy.guard = ssrf.New()
	}
	dialer := &net.Dialer{
		Timeout:   opts.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		Control:   policy.control,
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: opts.ConnectTimeout,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		// We ask for gzip ourselves and decode it under the size limit.
		DisableCompression: true,
	}
	c := &Client{opts: opts, tr: tr, policy: policy}
	c.http = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > c.opts.MaxRedirects {
				return errTooManyRedirects
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return errRedirectScheme
			}
			return nil
		},
	}
	return c
}

// Fetch gets rawURL (https, http or webcal), conditionally when prev holds
// validators. A 304 gives a Result with NotModified and no Body; a body
// whose hash equals prev.Hash gives SameContent. Transient failures are
// retried with backoff, honouring Retry-After, within Options.Timeout. Every
// error is an *Error.
func (c *Client) Fetch(ctx context.Context, rawURL string, prev Validators) (*Result, error) {
	red := Redact(rawURL)
	u, err := normalizeURL(rawURL)
	if err != nil {
		return nil, permanent(red, "cannot fetch "+red+": "+err.Error(), "use an https://, http:// or webcal:// address", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, c.opts.Timeout, errTotalTimeout)
	defer cancel()

	b := newBackOff()
	for attempt := 1; ; attempt++ {
		res, ferr := c.once(ctx, u, red, prev)
		if ferr == nil {
			return res, nil
		}
		ferr.Attempts = attempt
		if ferr.kind == Permanent || attempt > c.opts.Retries || ctx.Err() != nil {
			return nil, ferr
		}
		wait := b.NextBackOff()
		if ferr.retryAfter > c.opts.MaxRetryWait {
			ferr.hint = fmt.Sprintf("the server asks to wait %s; try again later", ferr.retryAfter.Round(time.Second))
			return nil, ferr
		}
		wait = max(wait, ferr.retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would only end in a timeout: report the real failure.
			return nil, ferr
		}
		c.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "source fetch failed, retrying",
			slog.String("url", red), slog.Int("attempt", attempt),
			slog.Duration("wait", wait), slog.String("error", ferr.Error()))
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return nil, ferr
		}
	}
}

// once makes one request and reads its answer.
func (c *Client) once(ctx context.Context, u *url.URL, red string, prev Validators) (*Result, *Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, permanent(red, "cannot fetch "+red, "use an https://, http:// or webcal:// address", err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", "text/calendar, text/plain;q=0.5, */*;q=0.1")
	req.Header.Set("Accept-Encoding", "gzip")
	if validHeader(prev.ETag) {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if validHeader(prev.LastModified) {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, red, c.opts.Timeout, c.opts.ConnectTimeout, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL.String()

	conditional := req.Header.Get("If-None-Match") != "" || req.Header.Get("If-Modified-Since") != ""
	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		v := prev
		if et := resp.Header.Get("ETag"); et != "" {
			v.ETag = et
		}
		if lm := resp.Header.Get("Last-Modified"); lm != "" {
			v.LastModified = lm
		}
		return &Result{Validators: v, NotModified: true, FinalURL: final}, nil
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNonAuthoritativeInfo:
		// Read a little so the connection can be reused, no more.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, statusError(red, u.Hostname(), resp, c.opts.Now())
	}

	ctype := mediaType(resp.Header.Get("Content-Type"))
	body, ferr := c.readBody(ctx, red, ctype, resp)
	if ferr != nil {
		return nil, ferr
	}
	sum := sha256.Sum256(body)
	v := Validators{
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		Hash:         "sha256:" + hex.EncodeToString(sum[:]),
	}
	return &Result{
		Body:        body,
		Validators:  v,
		SameContent: prev.Hash != "" && prev.Hash == v.Hash,
		ContentType: ctype,
		FinalURL:    final,
	}, nil
}

// readBody reads a 200 answer under the size limit, gunzipping it if the
// server compressed it, and checks that what arrived is a whole calendar.
func (c *Client) readBody(ctx context.Context, red, ctype string, resp *http.Response) ([]byte, *Error) {
	limit := c.opts.MaxBytes
	tooLarge := func(detail string) *Error {
		return permanent(red, fmt.Sprintf("%s is larger than the %s limit%s", red, byteSize(limit), detail),
			"a training calendar is far smaller; check that the address is a calendar feed", ErrTooLarge)
	}
	// Content-Length only ever lets us refuse early; the limit itself is
	// enforced on the bytes that really arrive.
	if resp.ContentLength > limit {
		return nil, tooLarge(fmt.Sprintf(" (it declares %s)", byteSize(resp.ContentLength)))
	}
	// The cap applies to the bytes on the wire and, for gzip, again to the
	// decoded bytes: a bomb is small on the wire, and a stream of empty gzip
	// members is large on the wire but decodes to nothing.
	var r io.Reader = &capReader{r: resp.Body, left: limit}
	overLimit := tooLarge("")
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, c.readError(ctx, red, resp, overLimit, err)
		}
		defer zr.Close()
		r = &capReader{r: zr, left: limit}
		overLimit = tooLarge(" (after decompression)")
	default:
		return nil, permanent(red, fmt.Sprintf("%s is compressed as %q", red, printable(enc, 20)),
			"the server compresses in a way we cannot read; report it to the feed's provider", nil)
	}

	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, c.readError(ctx, red, resp, overLimit, err)
	}
	if ferr := checkCalendarStart(red, ctype, head); ferr != nil {
		return nil, ferr
	}
	body, err := io.ReadAll(br)
	if err != nil {
		return nil, c.readError(ctx, red, resp, overLimit, err)
	}
	if !endsCalendar(body) {
		return nil, transient(red, red+" sent a calendar that is cut off (no "+endMarker(body)+")",
			"it arrived incomplete; try again later", errCutOff)
	}
	return body, nil
}

// readError classifies a failure while reading a body; overLimit is the
// error to give when the cap was hit.
func (c *Client) readError(ctx context.Context, red string, resp *http.Response, overLimit *Error, err error) *Error {
	switch {
	case errors.Is(err, ErrTooLarge):
		return overLimit
	case errors.Is(err, io.ErrUnexpectedEOF) && resp.ContentLength > 0 && ctx.Err() == nil:
		return transient(red, fmt.Sprintf("%s closed the connection before the whole calendar arrived (it declared %s)",
			red, byteSize(resp.ContentLength)), "try again later", errCutOff)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum):
		return permanent(red, red+" sent a damaged gzip body", "report it to the feed's provider", err)
	}
	return transportError(ctx, red, c.opts.Timeout, c.opts.ConnectTimeout, err)
}

// checkCalendarStart sniffs the start of a body. Servers label calendars
// text/calendar, text/plain or application/octet-stream, so the label alone
// decides nothing; a login page or a JSON error, whatever its label, must
// read as "not a calendar" rather than as a parse error on line 1.
func checkCalendarStart(red, ctype string, head []byte) *Error {
	if calendarStart(head) != "" {
		return nil
	}
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	got := ctype
	if got == "" {
		got = "no Content-Type"
	}
	what := fmt.Sprintf("not a calendar (got %s from %s)", got, red)
	hint := "use the calendar's iCal (subscribe) address"
	lower := bytes.ToLower(h)
	switch {
	case len(h) == 0:
		what = fmt.Sprintf("not a calendar (got an empty %s body from %s)", got, red)
		hint = "the server sent nothing; check the address"
	case ctype == "text/html" || bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")):
		hint = "it is a web page, perhaps a login page; use the calendar's iCal (subscribe) address"
	case ctype == "application/json" || strings.HasSuffix(ctype, "+json") || h[0] == '{' || h[0] == '[':
		hint = "the server answered with data, perhaps an error message; check the address and the feed's settings"
	}
	return permanent(red, what, hint, ErrNotCalendar)
}

// calendarStart returns the component an iCalendar body begins with, in
// any case: VCALENDAR, or VEVENT or VTIMEZONE for a feed of bare
// components (which ical.js and Python's icalendar read, and so does
// ical.Parse); "" when the body does not begin like iCalendar.
func calendarStart(head []byte) string {
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	for _, name := range []string{"VCALENDAR", "VEVENT", "VTIMEZONE"} {
		begin := "BEGIN:" + name
		if len(h) >= len(begin) && bytes.EqualFold(h[:len(begin)], []byte(begin)) {
			return name
		}
	}
	return ""
}

// endMarker is the line a whole body must hold near its end: END:VCALENDAR,
// or END:VEVENT for bare components.
func endMarker(body []byte) string {
	if calendarStart(body) == "VCALENDAR" {
		return "END:VCALENDAR"
	}
	return "END:VEVENT"
}

// endsCalendar reports whether a body ends its calendar, allowing for the
// trailing blank lines and junk real feeds have, so that a truncated body is
// never planned from as if it were whole.
func endsCalendar(body []byte) bool {
	tail := body[max(0, len(body)-1024):]
	if calendarStart(body) != "VCALENDAR" {
		// Bare components have no one closing line to look for: the last
		// line must close one, or the body stopped inside an event.
		lines := bytes.Split(bytes.TrimRight(tail, " \t\r\n"), []byte("\n"))
		last := bytes.ToUpper(bytes.TrimSpace(lines[len(lines)-1]))
		return bytes.HasPrefix(last, []byte("END:V"))
	}
	return bytes.Contains(bytes.ToUpper(tail), []byte(endMarker(body)))
}

// capReader fails with ErrTooLarge once more than left bytes have come
// through, whatever the headers said.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, ErrTooLarge
	}
	// Ask for one byte more than allowed so that a body of exactly the
	// limit passes and one byte more fails.
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

func mediaType(v string) string {
	if v == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(v))
	}
	return printable(mt, 40)
}

// printable keeps a server-chosen string fit for a one-line message: ASCII
// graphic characters only, at most n of them.
func printable(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f {
			continue
		}
		if b.Len() == n {
			b.WriteString(ellipsis)
			break
		}
		b.WriteByte(c)
	}
	return b.String()
}

func validHeader(v string) bool {
	if v == "" || len(v) > 1024 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// byteSize writes round sizes the way people say them and other sizes
// exactly, so that "over the 10 MB limit" is never "10.0 MB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
