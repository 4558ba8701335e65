package ical

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // zone data must not depend on the host's /usr/share/zoneinfo

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"
)

// LoadLocation resolves a zone name as calendars write it: an IANA name
// ("Europe/Berlin"), a Windows name ("W. Europe Standard Time"), a
// Mozilla/Evolution-style path ("/mozilla.org/20070129_1/Europe/Berlin"),
// or a Windows display name ("(UTC+01:00) Amsterdam, Berlin, …"). A
// display name whose cities are unknown falls back to its fixed offset.
// Anything else is an error. "Local" is refused: the runner's zone must
// be named, never taken from the machine.
func LoadLocation(name string) (*time.Location, error) {
	n := strings.TrimSpace(strings.Trim(strings.TrimSpace(name), `"`))
	switch {
	case n == "":
		return nil, fmt.Errorf("ical: empty time zone name")
	case strings.EqualFold(n, "Local"):
		return nil, fmt.Errorf("ical: time zone %q is not a zone name (name the runner's zone, e.g. Europe/London)", name)
	case strings.EqualFold(n, "UTC"), strings.EqualFold(n, "Z"), strings.EqualFold(n, "GMT"),
		strings.EqualFold(n, "Etc/UTC"), strings.EqualFold(n, "Etc/GMT"), strings.EqualFold(n, "Coordinated Universal Time"):
		return time.UTC, nil
	}
	if loc, ok := loadIANA(n); ok {
		return loc, nil
	}
	if loc := ics.WindowsTimezoneToIANA(n); loc != nil {
		return loc, nil
	}
	if strings.HasPrefix(n, "/") {
		// "/mozilla.org/20070129_1/Europe/Berlin", "/softwarestudio.org/Olson_20011030_5/America/New_York":
		// drop leading path segments until an IANA name remains.
		for i := 1; i < len(n); i++ {
			if n[i-1] == '/' {
				if loc, ok := loadIANA(n[i:]); ok {
					return loc, nil
				}
			}
		}
	}
	if loc, ok := loadDisplayName(n); ok {
		return loc, nil
	}
	return nil, fmt.Errorf("ical: unknown time zone %q (want an IANA name such as Europe/Berlin or a Windows name such as W. Europe Standard Time)", name)
}

// loadIANA loads an IANA name, refusing what time.LoadLocation would
// otherwise turn into time.Local.
func loadIANA(n string) (*time.Location, bool) {
	if n == "" || strings.EqualFold(n, "Local") || strings.ContainsAny(n, " ,()") {
		return nil, false
	}
	loc, err := time.LoadLocation(n)
	if err != nil || loc == time.Local {
		return nil, false
	}
	return loc, true
}

// displayNames maps Windows display names that name no city to IANA zones.
var displayNames = map[string]string{
	"Eastern Time (US & Canada)":  "America/New_York",
	"Central Time (US & Canada)":  "America/Chicago",
	"Mountain Time (US & Canada)": "America/Denver",
	"Pacific Time (US & Canada)":  "America/Los_Angeles",
	"Atlantic Time (Canada)":      "America/Halifax",
	"Alaska":                      "America/Anchorage",
	"Hawaii":                      "Pacific/Honolulu",
	"Arizona":                     "America/Phoenix",
	"Newfoundland":                "America/St_Johns",
	"Saskatchewan":                "America/Regina",
	"Indiana (East)":              "America/Indiana/Indianapolis",
	"Brasilia":                    "America/Sao_Paulo",
	"Greenland":                   "America/Nuuk",
	"West Central Africa":         "Africa/Lagos",
	"Baja California":             "America/Tijuana",
	"Coordinated Universal Time":  "UTC",
}

// regions are tried in turn before a city from a display name.
var regions = [...]string{"Europe/", "America/", "Asia/", "Africa/", "Australia/", "Pacific/", "Atlantic/", "Indian/"}

// loadDisplayName resolves "(UTC+01:00) Amsterdam, Berlin, Bern, Rome,
// Stockholm, Vienna" (Outlook and Exchange write these as TZIDs).
func loadDisplayName(n string) (*time.Location, bool) {
	if len(n) < 11 || n[0] != '(' || !(strings.HasPrefix(n[1:], "UTC") || strings.HasPrefix(n[1:], "GMT")) {
		return nil, false
	}
	end := strings.IndexByte(n, ')')
	if end < 0 {
		return nil, false
	}
	off, ok := 0, true
	if sig := n[4:end]; sig != "" { // "+01:00", "-03:30", or empty for plain "(UTC)"
		off, ok = parseDisplayOffset(sig)
	}
	if !ok {
		return nil, false
	}
	rest := strings.TrimSpace(n[end+1:])
	if iana, found := displayNames[rest]; found {
		if loc, ok := loadIANA(iana); ok {
			return loc, true
		}
	}
	for _, part := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ':' }) {
		city := strings.ReplaceAll(strings.TrimSpace(part), " ", "_")
		if city == "" {
			continue
		}
		for _, region := range regions {
			if loc, ok := loadIANA(region + city); ok && hasStandardOffset(loc, off) {
				return loc, true
			}
		}
	}
	if rest == "" && off == 0 {
		return time.UTC, true
	}
	name := "UTC" + formatOffset(off)
	return time.FixedZone(name, off), true
}

// parseDisplayOffset parses "+01:00" or "-0330".
func parseDisplayOffset(s string) (int, bool) {
	s = strings.ReplaceAll(s, ":", "")
	if len(s) == 3 {
		s += "00"
	}
	off, err := parseOffset(s)
	return off, err == nil
}

// hasStandardOffset reports whether loc uses off in January or July: a
// display name's offset is the zone's standard one, and this keeps a
// same-named city on another continent from matching.
func hasStandardOffset(loc *time.Location, off int) bool {
	for _, m := range []time.Month{time.January, time.July} {
		if _, o := time.Date(2025, m, 1, 12, 0, 0, 0, loc).Zone(); o == off {
			return true
		}
	}
	return false
}

// observance is one STANDARD or DAYLIGHT onset of a VTIMEZONE.
type observance struct {
	at       int64 // the onset as a Unix time
	from, to int   // offsets in seconds east of UTC
	dst      bool
	name     string
}

const (
	maxTransitions  = 5000
	vtimezoneYearTo = 2100 // transitions are listed up to here; the last offset holds after
)

// locationFromVTimezone builds a *time.Location from a VTIMEZONE's
// STANDARD and DAYLIGHT components (RFC 5545 §3.6.5), for TZIDs that Go's
// zone database does not know ("CEST", "Customized Time Zone"). It
// returns false when the component says too little to be used.
func locationFromVTimezone(tzid string, tz *ics.VTimezone) (*time.Location, bool) {
	var obs []observance
	for _, sub := range tz.Components {
		var base *ics.ComponentBase
		dst := false
		switch c := sub.(type) {
		case *ics.Standard:
			base = &c.ComponentBase
		case *ics.Daylight:
			base, dst = &c.ComponentBase, true
		default:
			continue
		}
		o, ok := observances(base, dst)
		if !ok {
			return nil, false
		}
		obs = append(obs, o...)
		if len(obs) > maxTransitions {
			return nil, false
		}
	}
	if len(obs) == 0 {
		return nil, false
	}
	sort.SliceStable(obs, func(i, j int) bool { return obs[i].at < obs[j].at })
	if len(obs) == 1 || allSameOffset(obs) {
		return time.FixedZone(abbrev(obs[0]), obs[0].to), true
	}
	loc, err := time.LoadLocationFromTZData(tzid, tzif(obs))
	if err != nil {
		return nil, false
	}
	return loc, true
}

func allSameOffset(obs []observance) bool {
	for _, o := range obs {
		if o.to != obs[0].to {
			return false
		}
	}
	return true
}

func abbrev(o observance) string {
	if o.name != "" && len(o.name) < 16 {
		ok := true
		for i := 0; i < len(o.name); i++ {
			if c := o.name[i]; c <= ' ' || c > '~' {
				ok = false
			}
		}
		if ok {
			return o.name
		}
	}
	return formatOffset(o.to)
}

// observances lists the onsets of one STANDARD or DAYLIGHT component: its
// DTSTART plus any yearly RRULE and RDATE, up to vtimezoneYearTo.
func observances(c *ics.ComponentBase, dst bool) ([]observance, bool) {
	var start dtValue
	var from, to int
	var haveStart, haveFrom, haveTo bool
	var name, rule string
	var rdates []*ics.IANAProperty
	for i := range c.Properties {
		p := &c.Properties[i]
		var err error
		switch strings.ToUpper(p.IANAToken) {
		case "DTSTART":
			start, err = parseDateTime(p.Value, nil)
			haveStart = err == nil
		case "TZOFFSETFROM":
			from, err = parseOffset(p.Value)
			haveFrom = err == nil
		case "TZOFFSETTO":
			to, err = parseOffset(p.Value)
			haveTo = err == nil
		case "TZNAME":
			name = p.Value
		case "RRULE":
			rule = p.Value
		case "RDATE":
			rdates = append(rdates, p)
		}
	}
	if !haveTo {
		return nil, false
	}
	if !haveFrom {
		from = to
	}
	if !haveStart {
		start = dtValue{wall: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	// Onsets are wall times in the offset in force before them (§3.6.5).
	mk := func(w time.Time) observance {
		return observance{at: w.Unix() - int64(from), from: from, to: to, dst: dst, name: name}
	}
	out := []observance{mk(start.wall)}
	if rule != "" && !start.wall.IsZero() {
		// Only yearly rules: zone rules are yearly, and anything finer
		// would be a way to make us list millions of transitions. History
		// before 1900 does not matter to a training plan.
		if r, err := parseRule(rule); err == nil && r.opt.Freq == rrule.YEARLY {
			after := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
			if start.wall.After(after) {
				after = start.wall
			}
			occ, err := expandRule(r, start.wall, after, time.Date(vtimezoneYearTo, 1, 1, 0, 0, 0, 0, time.UTC), time.FixedZone("", from))
			if err != nil {
				return nil, false
			}
			for _, w := range occ {
				out = append(out, mk(w))
			}
		}
	}
	for _, p := range rdates {
		for _, v := range strings.Split(p.Value, ",") {
			if d, err := parseDateTime(v, p.ICalParameters); err == nil {
				out = append(out, mk(d.wall))
			}
		}
	}
	return out, len(out) <= maxTransitions
}

// tzif encodes transitions as TZif version 2 data (RFC 8536), the one
// way to make a *time.Location with transitions from outside Go's zone
// database. The first local time type is unused by transitions, which
// tells Go to use it before the first onset.
func tzif(obs []observance) []byte {
	type ttinfo struct {
		off  int
		dst  bool
		name string
	}
	var types []ttinfo
	var chars []byte
	index := map[ttinfo]byte{}
	addType := func(t ttinfo) byte {
		if i, ok := index[t]; ok {
			return i
		}
		i := byte(len(types))
		index[t] = i
		types = append(types, t)
		return i
	}
	first := obs[0]
	addType(ttinfo{off: first.from, dst: false, name: formatOffset(first.from)})
	var when []int64
	var idx []byte
	for _, o := range obs {
		if len(types) >= 12 { // real zones have two to four; this keeps name offsets within a byte
			break
		}
		if len(when) > 0 && o.at == when[len(when)-1] {
			continue
		}
		when = append(when, o.at)
		idx = append(idx, addType(ttinfo{off: o.to, dst: o.dst, name: abbrev(o)}))
	}
	nameAt := map[string]int{}
	for _, t := range types {
		if _, ok := nameAt[t.name]; !ok {
			nameAt[t.name] = len(chars)
			chars = append(chars, t.name...)
			chars = append(chars, 0)
		}
	}
	var b []byte
	header := func(version byte, ntime, ntype, nchar int) {
		b = append(b, "TZif"...)
		b = append(b, version)
		b = append(b, make([]byte, 15)...)
		for _, n := range []int{0, 0, 0, ntime, ntype, nchar} { // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
	}
	header('2', 0, 0, 0) // empty version-1 block: Go reads the 64-bit block
	header('2', len(when), len(types), len(chars))
	for _, w := range when {
		b = binary.BigEndian.AppendUint64(b, uint64(w))
	}
	b = append(b, idx...)
	for _, t := range types {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(t.off)))
		if t.dst {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = append(b, byte(nameAt[t.name]))
	}
	b = append(b, chars...)
	return append(b, '\n', '\n')
}
