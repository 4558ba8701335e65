package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or bare
// addresses ("10.0.0.0/8,127.0.0.1"), the peers whose X-Forwarded-For and
// Forwarded headers the service believes. The error names the bad entry.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("%q: not a CIDR prefix such as 10.0.0.0/8", part)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q: not an IP address or CIDR prefix", part)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trusted reports whether a is one of TrustedProxies.
func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address a rate limit counts against. It is the peer's
// address, unless the peer is a trusted proxy: then it is the right-most
// address in Forwarded (RFC 7239) or, without it, X-Forwarded-For that is
// not itself a trusted proxy. Addresses left of that one were written by
// the client and could be anything, so they are never believed; headers
// from an untrusted peer are ignored, or anyone could pick their bucket.
func (s *Server) clientIP(r *http.Request) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if len(s.TrustedProxies) == 0 || !s.trusted(peer) {
		return peer.String()
	}
	hops := forwardedHops(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := parseHop(hops[i])
		if err != nil {
			// A trusted proxy wrote this hop ("unknown", an obfuscated
			// name): it is the best name of the client there is.
			return "hop:" + truncate(hops[i], 64)
		}
		if !s.trusted(a) {
			return a.String()
		}
	}
	if len(hops) > 0 {
		if a, err := parseHop(hops[0]); err == nil {
			return a.String() // every hop a trusted proxy: the first is the origin
		}
	}
	return peer.String()
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// forwardedHops lists the client addresses proxies recorded, first hop
// first: the "for" parameters of Forwarded when it is present, else
// X-Forwarded-For. Several header lines count as one list, in order.
func forwardedHops(h http.Header) []string {
	var hops []string
	if fw := h.Values("Forwarded"); len(fw) > 0 {
		for _, line := range fw {
			for _, elem := range strings.Split(line, ",") {
				for _, pair := range strings.Split(elem, ";") {
					k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
					if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
						hops = append(hops, strings.Trim(strings.TrimSpace(v), `"`))
					}
				}
			}
		}
		return hops
	}
	for _, line := range h.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(line, ",") {
			if hop = strings.TrimSpace(hop); hop != "" {
				hops = append(hops, hop)
			}
		}
	}
	return hops
}

// parseHop reads one recorded address: "192.0.2.1", "192.0.2.1:443",
// "2001:db8::1" or "[2001:db8::1]:443".
func parseHop(hop string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(hop); err == nil {
		return a.Unmap(), nil
	}
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr().Unmap(), nil
	}
	if inner, ok := strings.CutPrefix(hop, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			if a, err := netip.ParseAddr(inner); err == nil {
				return a.Unmap(), nil
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("not an address: %q", hop)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
