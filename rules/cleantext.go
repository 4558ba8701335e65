package rules

import (
	"strings"
	"unicode/utf8"
)

// CleanText makes s safe as a TEXT value (RFC 5545 §3.3.11): only LF
// may stand for a line break there (golang-ical writes it as "\n"), and
// other control characters are not allowed at all. Titles and notes come
// from other people's calendars, where NUL, NEL and the Unicode line and
// paragraph separators turn up and break readers of our feed. So CR, CRLF,
// NEL (U+0085), U+2028 and U+2029 become LF, a TAB becomes a space, any
// other C0 or C1 control and DEL is dropped, and invalid UTF-8 becomes
// U+FFFD. Every text written for the runner (calendar files, feeds, Google events)
// goes through here.
func CleanText(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\r\n", "\n"), "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
