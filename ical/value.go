package ical

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// tkind says how a DATE-TIME value is anchored (RFC 5545 §3.3.5).
type tkind uint8

const (
	floating tkind = iota // local time with no zone: placed in the runner's zone
	utcTime               // "Z" suffix: an instant
	zoned                 // TZID parameter: wall time in that zone
	dateOnly              // VALUE=DATE or a bare YYYYMMDD (§3.3.4)
)

// dtValue is a parsed DATE or DATE-TIME. wall holds the wall clock on a UTC
// carrier (for utcTime it is the instant itself), so dates never pass
// through time.Local.
type dtValue struct {
	wall time.Time
	kind tkind
	tzid string
}

// param returns a parameter's first value; names are case-insensitive
// (RFC 5545 §3.2) but almost always upper case, so try that first.
func param(params map[string][]string, name string) string {
	if v, ok := params[name]; ok {
		if len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for k, v := range params {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// parseDateTime parses one DATE or DATE-TIME value with its parameters.
// A bare 8-digit value is a date even without VALUE=DATE: real feeds
// write all-day events as `DTSTART:20251020`.
func parseDateTime(value string, params map[string][]string) (dtValue, error) {
	s := strings.TrimSpace(value)
	if strings.ContainsAny(s, "-:") && len(s) > 10 {
		// ISO 8601 extended form ("2025-10-20T07:00:00") from sloppy exporters.
		s = strings.NewReplacer("-", "", ":", "").Replace(s)
	}
	isDate := strings.EqualFold(param(params, "VALUE"), "DATE")
	if len(s) < 8 {
		return dtValue{}, fmt.Errorf("invalid date %q (want YYYYMMDD or YYYYMMDDTHHMMSS)", value)
	}
	y, okY := digits(s[0:4])
	mo, okM := digits(s[4:6])
	d, okD := digits(s[6:8])
	if !okY || !okM || !okD || y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) {
		return dtValue{}, fmt.Errorf("invalid date %q", value)
	}
	if len(s) == 8 || isDate {
		return dtValue{wall: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), kind: dateOnly}, nil
	}
	rest := s[8:]
	if rest[0] != 'T' && rest[0] != 't' {
		return dtValue{}, fmt.Errorf("invalid date-time %q (want YYYYMMDDTHHMMSS)", value)
	}
	rest = rest[1:]
	utc := false
	if n := len(rest); n > 0 && (rest[n-1] == 'Z' || rest[n-1] == 'z') {
		utc = true
		rest = rest[:n-1]
	}
	var h, mi, sec int
	var okH, okMi, okS bool
	switch len(rest) {
	case 6:
		h, okH = digits(rest[0:2])
		mi, okMi = digits(rest[2:4])
		sec, okS = digits(rest[4:6])
	case 4: // HHMM without seconds, seen in hand-written files
		h, okH = digits(rest[0:2])
		mi, okMi = digits(rest[2:4])
		okS = true
	}
	if !okH || !okMi || !okS || h > 23 || mi > 59 || sec > 60 {
		return dtValue{}, fmt.Errorf("invalid time %q", value)
	}
	if sec == 60 { // a leap second: Go has none, keep the wall time valid
		sec = 59
	}
	v := dtValue{wall: time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)}
	switch tz := strings.TrimSpace(param(params, "TZID")); {
	case utc:
		v.kind = utcTime // "TZID=X:...Z" is invalid; the Z is the more specific claim
	case tz != "":
		v.kind, v.tzid = zoned, tz
	default:
		v.kind = floating
	}
	return v, nil
}

// digits parses a short run of ASCII digits.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// duration is an RFC 5545 §3.3.6 duration: nominal days (which follow the
// wall clock across DST) plus exact seconds.
type duration struct {
	days int
	secs int64
}

var errDuration = errors.New("invalid duration")

// parseDuration parses "P1D", "PT1H30M", "P1W", "-PT15M"; it accepts the
// parts in any order, as some exporters write them.
func parseDuration(value string) (duration, error) {
	s := strings.ToUpper(strings.TrimSpace(value))
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return duration{}, fmt.Errorf("%w %q (want e.g. PT1H30M or P1D)", errDuration, value)
	}
	var d duration
	inTime := false
	n, haveN := 0, false
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n > 10_000_000 { // beyond any calendar; keeps arithmetic far from overflow
				return duration{}, fmt.Errorf("%w %q (too long)", errDuration, value)
			}
			n, haveN = n*10+int(c-'0'), true
			continue
		case c == 'T':
			inTime = true
			continue
		case !haveN:
			return duration{}, fmt.Errorf("%w %q", errDuration, value)
		case c == 'W' && !inTime:
			d.days += 7 * n
		case c == 'D' && !inTime:
			d.days += n
		case c == 'H' && inTime:
			d.secs += int64(n) * 3600
		case c == 'M' && inTime:
			d.secs += int64(n) * 60
		case c == 'S' && inTime:
			d.secs += int64(n)
		default:
			return duration{}, fmt.Errorf("%w %q", errDuration, value)
		}
		n, haveN = 0, false
	}
	if haveN {
		return duration{}, fmt.Errorf("%w %q (number without unit)", errDuration, value)
	}
	if neg {
		d.days, d.secs = -d.days, -d.secs
	}
	return d, nil
}

// parseOffset parses a UTC offset "+0100", "-0500" or "+053000"
// (RFC 5545 §3.3.14) into seconds east of UTC.
func parseOffset(value string) (int, error) {
	s := strings.TrimSpace(value)
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("invalid UTC offset %q (want e.g. +0100)", value)
	}
	h, okH := digits(s[1:3])
	m, okM := digits(s[3:5])
	sec, okS := 0, true
	if len(s) == 7 {
		sec, okS = digits(s[5:7])
	}
	if !okH || !okM || !okS || h > 23 || m > 59 || sec > 59 {
		return 0, fmt.Errorf("invalid UTC offset %q", value)
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}

// formatOffset formats seconds east of UTC as "+0100" (or "+053000").
func formatOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	if off%60 != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, off/3600, off/60%60, off%60)
	}
	return fmt.Sprintf("%c%02d%02d", sign, off/3600, off/60%60)
}

// wallIn places a wall-clock time (on its UTC carrier) in loc.
func wallIn(w time.Time, loc *time.Location) time.Time {
	y, mo, d := w.Date()
	h, mi, s := w.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, loc)
}

// wallOf returns the wall clock of t on a UTC carrier.
func wallOf(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
