package ical

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

const (
	// maxOccurrences caps the instances one event may have in a window:
	// a plan window holds a few dozen; more means a broken or hostile feed.
	maxOccurrences = 5000
	// maxEvents caps all instances of all events in one window, so many
	// events each just under maxOccurrences cannot exhaust memory.
	maxEvents = 200_000
	// maxWalk bounds how many periods or occurrences rrule-go may step
	// through before reaching the window.
	maxWalk = 200_000
	// maxInterval keeps INTERVAL far from integer overflow in rrule-go.
	maxInterval = 10_000
)

var (
	errTooMany  = errors.New("too many occurrences")
	errTooDense = errors.New("too dense")
)

// ruleParts are the RRULE parts rrule-go understands; others (X-…, RSCALE,
// SKIP from RFC 7529) are dropped rather than failing the whole calendar.
var ruleParts = map[string]bool{
	"FREQ": true, "INTERVAL": true, "WKST": true, "COUNT": true, "UNTIL": true, "BYSETPOS": true,
	"BYMONTH": true, "BYMONTHDAY": true, "BYYEARDAY": true, "BYWEEKNO": true, "BYDAY": true,
	"BYHOUR": true, "BYMINUTE": true, "BYSECOND": true,
}

// normalizeRRule upper-cases an RRULE value and drops empty and unknown
// parts ("FREQ=WEEKLY;" with its trailing semicolon is common).
func normalizeRRule(value string) string {
	s := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(value)), "RRULE:")
	parts := strings.Split(s, ";")
	kept := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		key, _, _ := strings.Cut(p, "=")
		if p != "" && ruleParts[key] {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ";")
}

// parseRule parses an RRULE value (RFC 5545 §3.3.10). Times in it are
// read on the UTC carrier; the event's zone is applied at expansion.
func parseRule(value string) (rule, error) {
	norm := normalizeRRule(value)
	opt, err := rrule.StrToROptionInLocation(norm, time.UTC)
	if err != nil {
		return rule{}, fmt.Errorf("invalid RRULE %s: %v", quote(value), err)
	}
	if opt.Interval > maxInterval {
		return rule{}, fmt.Errorf("invalid RRULE %s: INTERVAL is over %d", quote(value), maxInterval)
	}
	// rrule-go would validate these only when the rule is built; check now
	// so the error comes at parse time with the line.
	if _, err := rrule.NewRRule(rrule.ROption{Freq: opt.Freq, Dtstart: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		Bysecond: opt.Bysecond, Byminute: opt.Byminute, Byhour: opt.Byhour, Bymonthday: opt.Bymonthday,
		Byyearday: opt.Byyearday, Byweekno: opt.Byweekno, Bymonth: opt.Bymonth, Bysetpos: opt.Bysetpos,
		Byweekday: opt.Byweekday}); err != nil {
		return rule{}, fmt.Errorf("invalid RRULE %s: %v", quote(value), err)
	}
	r := rule{opt: *opt}
	r.opt.Dtstart = time.Time{}
	for _, p := range strings.Split(norm, ";") {
		if v, ok := strings.CutPrefix(p, "UNTIL="); ok {
			r.untilUTC = strings.HasSuffix(v, "Z")
			r.untilDate = len(v) == 8
		}
	}
	return r, nil
}

// expandRule returns the rule's occurrences (wall times on the UTC
// carrier) between after and before inclusive, always through
// Between with DTSTART set. zone turns a UTC UNTIL into wall time.
//
// rrule-go walks from DTSTART and has no limits of its own, so: rules
// without COUNT start from a DTSTART moved whole periods forward (the same
// occurrences from there on) and get a COUNT that stops the walk just past
// maxOccurrences; rules that could not stop in time are refused; and
// sub-daily rules whose BYHOUR/BYMINUTE/BYSECOND can never be reached are
// empty (rrule-go would loop forever on them).
func expandRule(r rule, dtstart, after, before time.Time, zone *time.Location) ([]time.Time, error) {
	opt := r.opt
	if !opt.Until.IsZero() {
		if r.untilUTC {
			opt.Until = wallOf(opt.Until.In(zone))
		}
		if r.untilDate {
			opt.Until = opt.Until.Add(24*time.Hour - time.Second) // a DATE UNTIL includes its day
		}
		if opt.Until.Before(after) || opt.Until.Before(dtstart) {
			return nil, nil
		}
	}
	if dtstart.After(before) || dtstart.IsZero() || !reachable(opt, dtstart) || !everMatches(opt) {
		return nil, nil
	}
	if opt.Interval < 1 {
		opt.Interval = 1
	}
	per := perPeriod(opt)
	if per > maxWalk {
		return nil, errTooDense
	}
	if opt.Count == 0 {
		dtstart = shiftStart(&opt, dtstart, after)
		pre := (periods(opt, dtstart, after) + 1) * per
		if pre > maxWalk {
			return nil, errTooDense
		}
		opt.Count = maxOccurrences + 1 + int(pre)
	} else if opt.Count > maxWalk {
		if est := (periods(opt, dtstart, before) + 1) * per; est > maxWalk {
			return nil, errTooDense
		}
	}
	opt.Dtstart = dtstart
	rr, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, err
	}
	occ := rr.Between(after, before, true)
	if len(occ) > maxOccurrences {
		return nil, errTooMany
	}
	return occ, nil
}

// shiftStart moves DTSTART of a rule without COUNT forward by whole
// periods to just before after, keeping the same occurrences from there
// on. Besides saving the walk, this matters for correctness: rrule-go
// stops 292 years after DTSTART, and Outlook's VTIMEZONEs start in 1601.
// YEARLY and MONTHLY rules move to the first of a period, so the defaults
// rrule-go derives from DTSTART are made explicit first.
func shiftStart(opt *rrule.ROption, dtstart, after time.Time) time.Time {
	if !after.After(dtstart) {
		return dtstart
	}
	interval := max(opt.Interval, 1)
	switch opt.Freq {
	case rrule.YEARLY:
		if k := (after.Year()-dtstart.Year())/interval - 1; k > 0 {
			fillDefaults(opt, dtstart)
			return time.Date(dtstart.Year()+k*interval, 1, 1, 0, 0, 0, 0, time.UTC)
		}
	case rrule.MONTHLY:
		months := (after.Year()-dtstart.Year())*12 + int(after.Month()-dtstart.Month())
		if k := months/interval - 1; k > 0 {
			fillDefaults(opt, dtstart)
			return time.Date(dtstart.Year(), dtstart.Month()+time.Month(k*interval), 1, 0, 0, 0, 0, time.UTC)
		}
	default:
		if step := periodLength(*opt); step > 0 && after.Sub(dtstart) > 2*step {
			k := after.Sub(dtstart)/step - 1
			return dtstart.Add(k * step)
		}
	}
	return dtstart
}

// weekdays maps time.Weekday to rrule-go's weekdays.
var weekdays = [7]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}

// fillDefaults writes down the BYxxx values rrule-go would take from
// DTSTART (RFC 5545 §3.3.10: missing parts come from DTSTART).
func fillDefaults(opt *rrule.ROption, dt time.Time) {
	if len(opt.Byweekno) == 0 && len(opt.Byyearday) == 0 && len(opt.Bymonthday) == 0 &&
		len(opt.Byweekday) == 0 && len(opt.Byeaster) == 0 {
		switch opt.Freq {
		case rrule.YEARLY:
			if len(opt.Bymonth) == 0 {
				opt.Bymonth = []int{int(dt.Month())}
			}
			opt.Bymonthday = []int{dt.Day()}
		case rrule.MONTHLY:
			opt.Bymonthday = []int{dt.Day()}
		case rrule.WEEKLY:
			opt.Byweekday = []rrule.Weekday{weekdays[dt.Weekday()]}
		}
	}
	if len(opt.Byhour) == 0 && opt.Freq < rrule.HOURLY {
		opt.Byhour = []int{dt.Hour()}
	}
	if len(opt.Byminute) == 0 && opt.Freq < rrule.MINUTELY {
		opt.Byminute = []int{dt.Minute()}
	}
	if len(opt.Bysecond) == 0 && opt.Freq < rrule.SECONDLY {
		opt.Bysecond = []int{dt.Second()}
	}
}

// probeFrom starts a 400-year Gregorian cycle (146,097 days, a whole
// number of weeks) that ends at rrule-go's last year: any day-level
// pattern that ever occurs, occurs in it.
var probeFrom = time.Date(rrule.MAXYEAR-400, 1, 1, 0, 0, 0, 0, time.UTC)

// everMatches reports whether a DAILY or finer rule's day filters
// (BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYDAY) can ever select a
// day. When they cannot (BYMONTH=2;BYMONTHDAY=30), rrule-go steps day by
// day to the year 9999 before giving up, about 0.1 s per rule: a hostile
// feed could repeat that thousands of times. A yearly rule with the same
// filters walks one 400-year cycle instead. Rules that can never match
// for other reasons (INTERVAL alignment, BYSETPOS) still walk.
func everMatches(opt rrule.ROption) bool {
	if opt.Freq < rrule.DAILY || len(opt.Bymonth)+len(opt.Bymonthday)+len(opt.Byyearday)+len(opt.Byweekno)+len(opt.Byeaster) == 0 {
		return true
	}
	probe := rrule.ROption{Freq: rrule.YEARLY, Dtstart: probeFrom, Count: 1,
		Bymonth: opt.Bymonth, Bymonthday: opt.Bymonthday, Byyearday: opt.Byyearday, Byweekno: opt.Byweekno,
		Byeaster: opt.Byeaster, Byhour: []int{0}, Byminute: []int{0}, Bysecond: []int{0}}
	for _, w := range opt.Byweekday {
		probe.Byweekday = append(probe.Byweekday, weekdays[(w.Day()+1)%7]) // any week, as DAILY reads BYDAY
	}
	r, err := rrule.NewRRule(probe)
	if err != nil {
		return true
	}
	return len(r.Between(probeFrom, time.Date(rrule.MAXYEAR, 12, 31, 0, 0, 0, 0, time.UTC), true)) > 0
}

// periodLength is the fixed length of one step of the rule, or 0 for
// MONTHLY and YEARLY whose steps vary.
func periodLength(opt rrule.ROption) time.Duration {
	n := time.Duration(opt.Interval)
	switch opt.Freq {
	case rrule.SECONDLY:
		return n * time.Second
	case rrule.MINUTELY:
		return n * time.Minute
	case rrule.HOURLY:
		return n * time.Hour
	case rrule.DAILY:
		return n * 24 * time.Hour
	case rrule.WEEKLY:
		return n * 7 * 24 * time.Hour
	}
	return 0
}

// periods is how many steps of the rule lie between a and b.
func periods(opt rrule.ROption, a, b time.Time) int64 {
	if !b.After(a) {
		return 0
	}
	switch opt.Freq {
	case rrule.YEARLY:
		return int64(b.Year()-a.Year())/int64(opt.Interval) + 1
	case rrule.MONTHLY:
		months := int64(b.Year()-a.Year())*12 + int64(b.Month()-a.Month())
		return months/int64(opt.Interval) + 1
	}
	return int64(b.Sub(a)/periodLength(opt)) + 1
}

// perPeriod bounds the occurrences one step of the rule can produce.
func perPeriod(opt rrule.ROption) int64 {
	days := int64(1)
	switch opt.Freq {
	case rrule.YEARLY:
		days = 366
	case rrule.MONTHLY:
		days = 31
	case rrule.WEEKLY:
		days = 7
	}
	n := func(s []int) int64 { return max(int64(len(s)), 1) }
	times := int64(1)
	switch opt.Freq {
	case rrule.YEARLY, rrule.MONTHLY, rrule.WEEKLY, rrule.DAILY:
		times = n(opt.Byhour) * n(opt.Byminute) * n(opt.Bysecond)
	case rrule.HOURLY:
		times = n(opt.Byminute) * n(opt.Bysecond)
	case rrule.MINUTELY:
		times = n(opt.Bysecond)
	}
	total := days * times
	if len(opt.Bysetpos) > 0 {
		total = min(total, int64(len(opt.Bysetpos)))
	}
	return total
}

// reachable reports whether a sub-daily rule can ever hit its BYHOUR,
// BYMINUTE and BYSECOND values stepping INTERVAL from DTSTART's time of
// day; rrule-go loops forever when it cannot.
func reachable(opt rrule.ROption, dt time.Time) bool {
	interval := max(opt.Interval, 1)
	var unit, cycle int
	switch opt.Freq {
	case rrule.HOURLY:
		if len(opt.Byhour) == 0 {
			return true
		}
		unit, cycle = 3600, 24
	case rrule.MINUTELY:
		if len(opt.Byhour) == 0 && len(opt.Byminute) == 0 {
			return true
		}
		unit, cycle = 60, 24*60
	case rrule.SECONDLY:
		if len(opt.Byhour) == 0 && len(opt.Byminute) == 0 && len(opt.Bysecond) == 0 {
			return true
		}
		unit, cycle = 1, 24*3600
	default:
		return true
	}
	h, m, s := dt.Clock()
	pos := (h*3600 + m*60 + s) / unit
	g := gcd(interval%cycle, cycle)
	if g == 0 {
		g = cycle
	}
	in := func(list []int, v int) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for x := pos % g; x < cycle; x += g {
		sec := x * unit
		if in(opt.Byhour, sec/3600) && (unit > 60 || in(opt.Byminute, sec/60%60)) && (unit > 1 || in(opt.Bysecond, sec%60)) {
			return true
		}
	}
	return false
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
