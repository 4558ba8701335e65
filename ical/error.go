package ical

import (
	"strconv"
	"strings"
)

// Error is a parse error that names the source, line and field, formatted
// as one line: `runs.ics:12: DTSTART: invalid date "20276719"`. Line is 0
// when the problem is the whole file (empty, too large); Field is empty
// when the problem is not tied to one property.
type Error struct {
	Source string
	Line   int
	Field  string
	Msg    string

	err error // the underlying cause, if any, for errors.Is/As
}

// Error formats the error as one line.
func (e *Error) Error() string {
	var b strings.Builder
	src := e.Source
	if src == "" {
		src = "ical"
	}
	b.WriteString(oneLine(src))
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(oneLine(e.Field))
		b.WriteString(": ")
	}
	b.WriteString(oneLine(e.Msg))
	return b.String()
}

// Unwrap returns the underlying cause (an I/O error, say), if any.
func (e *Error) Unwrap() error { return e.err }

// oneLine keeps messages on one line whatever the input contained.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// quote quotes a piece of input for a message, cut to a readable length.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// token returns a component or property name as written when it is a
// plain name (RFC 5545 §3.1), quoted otherwise so junk stays visible.
func token(b []byte) string {
	if len(b) == 0 || len(b) > 40 {
		return quote(string(b))
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return quote(string(b))
		}
	}
	return string(b)
}
