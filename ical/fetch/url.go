package fetch

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// maxKeptSegment is the longest first path segment Redact keeps. Feed
// addresses put their secret in the path, sometimes as the first segment
// (https://host/3f9c…/feed.ics); the directory-like segments worth keeping
// for a human ("ical", "calendar", "delivery", "api") are short, tokens are
// not.
const maxKeptSegment = 16

// ellipsis replaces whatever Redact leaves out.
const ellipsis = "…"

// Redact returns rawURL fit for a log line or an error message: scheme,
// host (with port) and the first path segment, with everything after it,
// the query and the fragment replaced by "…". User information is dropped.
// A first segment longer than 16 bytes is treated as a secret too. A string
// that is not a URL becomes "(not a URL)", so nothing of it leaks.
func Redact(rawURL string) string {
	raw := strings.TrimSpace(rawURL)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return redactUnparsed(raw)
	}
	out := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
	path := strings.TrimPrefix(u.EscapedPath(), "/")
	first, rest, more := strings.Cut(path, "/")
	switch {
	case first == "" && !more:
		// No path at all: only a query or fragment can hide anything.
	case len(first) > maxKeptSegment:
		return out + "/" + ellipsis
	case more && rest != "":
		return out + "/" + first + "/" + ellipsis
	default:
		out += "/" + first
		if more {
			out += "/"
		}
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		out += "?" + ellipsis
	}
	return out
}

// redactUnparsed keeps scheme://host of a string url.Parse refused (a bad
// escape in a secret path, say) when that much is recognisable.
func redactUnparsed(raw string) string {
	scheme, after, ok := strings.Cut(raw, "://")
	if !ok || !validScheme(scheme) {
		return "(not a URL)"
	}
	host := after
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if host == "" || strings.ContainsFunc(host, func(r rune) bool {
		return !(r == '.' || r == '-' || r == ':' || r == '[' || r == ']' || r == '_' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		return "(not a URL)"
	}
	return strings.ToLower(scheme) + "://" + strings.ToLower(host) + "/" + ellipsis
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || !('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

// errBadURL marks an address the package will not try to fetch.
var errBadURL = errors.New("unsupported address")

// normalizeURL turns a source address into the URL to request: webcal and
// webcals mean https (that is what calendar apps do with them), the
// fragment is never sent, and only http and https remain. The error never
// quotes the address: it may be a secret.
func normalizeURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid URL", errBadURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "webcal", "webcals":
		u.Scheme = "https"
	case "http":
		u.Scheme = "http"
	case "":
		return nil, fmt.Errorf("%w: no scheme", errBadURL)
	default:
		return nil, fmt.Errorf("%w: scheme %q", errBadURL, truncate(u.Scheme, 16))
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: no host", errBadURL)
	}
	if p := u.Port(); p != "" {
		if n, ok := parsePort(p); !ok || n == 0 {
			return nil, fmt.Errorf("%w: bad port", errBadURL)
		}
	}
	u.Host = strings.ToLower(u.Host)
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, n <= 65535
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + ellipsis
}
