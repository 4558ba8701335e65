package rules

import (
	"fmt"
	"time"
)

// Date is a calendar date with no time of day and no zone. Days of a plan are
// dates in the runner's time zone; keeping them apart from instants avoids the
// classic all-day-event-at-midnight-UTC bug.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD and rejects impossible dates such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q (want YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// utc is the date at midnight UTC, used only for arithmetic.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// In returns the first instant of d in loc (midnight, or the first valid time
// after a DST gap at midnight).
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// At returns the wall-clock time c on date d in loc.
func (d Date) At(c Clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(c)/60, int(c)%60, 0, 0, loc)
}

// AddDays returns the date n days after d (n may be negative).
func (d Date) AddDays(n int) Date { return DateOf(d.utc().AddDate(0, 0, n)) }

// Sub returns the number of days from o to d.
func (d Date) Sub(o Date) int { return int(d.utc().Sub(o.utc()).Hours() / 24) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Sub(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Sub(o) > 0 }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Monday returns the Monday of d's ISO week.
func (d Date) Monday() Date {
	wd := int(d.Weekday()+6) % 7 // Monday=0 … Sunday=6
	return d.AddDays(-wd)
}

// Week returns d's ISO week as "2026-W10". Weeks run Monday to Sunday.
func (d Date) Week() string {
	y, w := d.utc().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// WeekMonday returns the Monday of an ISO week written as Week writes it
// ("2026-W10"); ok is false for anything else.
func WeekMonday(week string) (Date, bool) {
	var y, w int
	if n, err := fmt.Sscanf(week, "%04d-W%02d", &y, &w); n != 2 || err != nil || w < 1 || w > 53 {
		return Date{}, false
	}
	// 4 January is always in week 1.
	m := Date{y, time.January, 4}.Monday().AddDays(7 * (w - 1))
	return m, m.Week() == week
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Short formats d for a runner: "Tue 03 Mar".
func (d Date) Short() string { return d.utc().Format("Mon 02 Jan") }

// Text formats d the way a runner writes it in a sentence: "Wed 9 Dec".
func (d Date) Text() string { return d.utc().Format("Mon 2 Jan") }

// SpanText formats the dates from a to b, both included: "Wed 9 Dec",
// "Mon 7 – Sun 13 Dec", "Mon 28 Dec – Sun 3 Jan". The year is left out, as
// a runner reading a plan of a few months would.
func SpanText(a, b Date) string {
	switch {
	case a == b:
		return a.Text()
	case a.Year == b.Year && a.Month == b.Month:
		return a.utc().Format("Mon 2") + " – " + b.Text()
	}
	return a.Text() + " – " + b.Text()
}

// Clock is a time of day in minutes after midnight, local to the runner.
type Clock int

// ParseClock parses HH:MM (00:00–24:00).
func ParseClock(s string) (Clock, error) {
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) < 4 || len(s) > 5 ||
		h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("invalid time %q (want HH:MM)", s)
	}
	return Clock(h*60 + m), nil
}

// ClockOf returns the wall-clock time of t in its own location.
func ClockOf(t time.Time) Clock { return Clock(t.Hour()*60 + t.Minute()) }

// String formats c as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }
