// Package ical reads run calendars from .ics data and writes strength
// sessions back as RFC 5545 calendars.
//
// Reading is built for calendars as they really are: recurrences
// (RRULE, RDATE, EXDATE, RECURRENCE-ID), Olson, Windows and Mozilla zone
// names, floating and all-day times, folded and escaped lines, and files
// that are truncated or are not calendars at all. Every parse error is an
// *Error naming the source, line and field, so the CLI can print one line.
//
// The package never reads the clock or time.Local: the caller passes the
// runner's zone and the current time. It does no network I/O; fetching
// URLs lives in ical/fetch.
package ical
