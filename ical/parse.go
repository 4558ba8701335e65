package ical

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"
)

// DefaultMaxBytes is the size limit ReadFile applies when given 0: far
// above a decade of daily workouts (about 1 MB), far below what would
// hurt a server.
const DefaultMaxBytes int64 = 10 << 20

// maxNesting bounds BEGIN/END depth; real calendars nest three deep
// (VCALENDAR > VEVENT > VALARM).
const maxNesting = 50

// Calendar is a parsed .ics calendar. It is immutable after Parse, so
// Events and Ours may be called from several goroutines.
type Calendar struct {
	// Source is the path or URL the calendar was read from, for messages.
	Source string
	// Name is X-WR-CALNAME (or NAME, RFC 7986), if any.
	Name string
	// TimeZone is X-WR-TIMEZONE, if any: the zone the publisher meant.
	TimeZone string

	events []*vevent
	// zones maps every TZID used by an event to its zone; nil means the
	// name is unknown and no usable VTIMEZONE came with it, so Events
	// falls back to the runner's zone.
	zones map[string]*time.Location
}

// vevent is one VEVENT, decoded once at Parse so that Events only expands.
type vevent struct {
	line        int
	uid         string
	summary     string
	description string
	categories  []string

	start        dtValue
	end          dtValue
	hasEnd       bool
	dur          duration
	hasDur       bool
	rules        []rule
	rdates       []rdate
	exdates      []dtValue
	recurID      dtValue
	hasRecurID   bool
	cancelled    bool
	ours         bool
	hash         string
	slot         string
	sequence     int
	lastModified time.Time
	rruleLine    int
}

// rule is a parsed RRULE with what rrule-go loses about UNTIL's form.
type rule struct {
	opt       rrule.ROption
	untilUTC  bool // UNTIL ended in Z: an instant, to be moved to the event's wall clock
	untilDate bool // UNTIL was a DATE: inclusive of that whole day
}

// rdate is one RDATE value; a PERIOD carries its own end or duration.
type rdate struct {
	at     dtValue
	end    dtValue
	hasEnd bool
	dur    duration
	hasDur bool
}

// ReadFile reads and parses the file at path, refusing files over
// maxBytes (0 means DefaultMaxBytes) before reading them. Errors are *Error.
func ReadFile(path string, maxBytes int64) (*Calendar, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, ioError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > maxBytes {
		return nil, &Error{Source: path, Msg: fmt.Sprintf("file is %s, over the %s limit", byteSize(st.Size()), byteSize(maxBytes))}
	}
	// The size check above can be fooled by pipes and growing files.
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, ioError(path, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, &Error{Source: path, Msg: fmt.Sprintf("file is over the %s limit", byteSize(maxBytes))}
	}
	return Parse(path, data)
}

func ioError(path string, err error) error {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return &Error{Source: path, Msg: "cannot read: " + msg, err: err}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " kB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Parse parses data read from source (a path or URL, used in errors).
// Errors are *Error. Parse does not keep data.
//
// Parse reads what ical.js and Python's icalendar read, not only what
// RFC 5545 allows: BEGIN and END in any case and with white space around
// the name, folded BEGIN/END lines, lines of only white space between
// components, and a file of bare VEVENTs with no VCALENDAR around them.
func Parse(source string, data []byte) (*Calendar, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{Source: source, Msg: "empty file"}
	}
	data, shift := normalize(data)
	c, err := parse(source, data, shift > 0)
	if shift == 0 {
		return c, err
	}
	// Line numbers are the file's own, not those of the wrapped copy.
	var e *Error
	if errors.As(err, &e) && e.Line > shift {
		e.Line -= shift
	}
	if c != nil {
		for _, ev := range c.events {
			ev.line = max(ev.line-shift, 0)
			ev.rruleLine = max(ev.rruleLine-shift, 0)
		}
	}
	return c, err
}

// parse parses normalized data; wrapped says normalize put a VCALENDAR
// around bare components.
func parse(source string, data []byte, wrapped bool) (*Calendar, error) {
	skeleton := data
	if wrapped {
		// Check the file's own lines: the END:VCALENDAR we added would hide
		// an unclosed component behind a misleading message.
		skeleton = data[:len(data)-len(wrapEnd)]
	}
	st, err := scanStructure(source, skeleton, wrapped)
	if err != nil {
		return nil, err
	}
	ic, err := ics.ParseCalendarWithOptions(bytes.NewReader(data),
		ics.WithUnknownPropertyHandler(ics.AcceptUnknownPropertyHandler),
		ics.PropertyParser(parseProperty))
	if err != nil {
		return nil, diagnose(source, data, err)
	}
	c := &Calendar{Source: source, zones: map[string]*time.Location{}}
	for _, p := range ic.CalendarProperties {
		switch strings.ToUpper(p.IANAToken) {
		case "X-WR-CALNAME":
			c.Name = strings.TrimSpace(p.Value)
		case "NAME":
			if c.Name == "" {
				c.Name = strings.TrimSpace(p.Value)
			}
		case "X-WR-TIMEZONE":
			c.TimeZone = strings.TrimSpace(p.Value)
		}
	}
	timezones := map[string]*ics.VTimezone{}
	n := 0
	for _, comp := range ic.Components {
		switch x := comp.(type) {
		case *ics.VTimezone:
			if p := x.GetProperty(ics.ComponentPropertyTzid); p != nil {
				timezones[strings.TrimSpace(p.Value)] = x
			}
		case *ics.VEvent:
			pos := position{}
			if n < len(st.vevents) {
				pos = st.vevents[n]
			}
			n++
			ev, err := decodeEvent(&x.ComponentBase, pos, func(field string, e error) error {
				return &Error{Source: source, Line: fieldLine(data, pos, field), Field: field, Msg: e.Error(), err: e}
			})
			if err != nil {
				return nil, err
			}
			if len(ev.rules) > 0 {
				ev.rruleLine = fieldLine(data, pos, "RRULE")
			}
			c.events = append(c.events, ev)
		}
	}
	if n != len(st.vevents) {
		// Our scan and golang-ical disagree on where events begin (an odd
		// fold inside BEGIN:VEVENT): better no line numbers than wrong ones.
		for _, ev := range c.events {
			ev.line, ev.rruleLine = 0, 0
		}
	}
	for _, ev := range c.events {
		c.addZone(ev.start, timezones)
		c.addZone(ev.end, timezones)
		c.addZone(ev.recurID, timezones)
		for _, d := range ev.exdates {
			c.addZone(d, timezones)
		}
		for _, d := range ev.rdates {
			c.addZone(d.at, timezones)
			c.addZone(d.end, timezones)
		}
	}
	return c, nil
}

// addZone resolves a TZID once per calendar: Go's zone data first (it has
// the full history), then the file's own VTIMEZONE, else nil (fall back
// to the runner's zone at Events time).
func (c *Calendar) addZone(v dtValue, timezones map[string]*ics.VTimezone) {
	if v.kind != zoned {
		return
	}
	if _, done := c.zones[v.tzid]; done {
		return
	}
	if loc, err := LoadLocation(v.tzid); err == nil {
		c.zones[v.tzid] = loc
		return
	}
	if tz, ok := timezones[v.tzid]; ok {
		if loc, ok := locationFromVTimezone(v.tzid, tz); ok {
			c.zones[v.tzid] = loc
			return
		}
	}
	c.zones[v.tzid] = nil
}

// normalize rewrites the forms other readers forgive into the one form
// golang-ical and scanStructure expect, keeping every line on its line
// number: a BEGIN or END line, folded or not, in any case and with white
// space around the name, becomes one upper-case line (continuation lines
// it swallowed are left empty); a line of only white space after one, or
// at the start, is emptied (§3.1 folding would glue it onto the END,
// which then ends nothing); and bare VEVENTs or VTIMEZONEs get a
// VCALENDAR around them. shift is how many lines were added in front.
// data is copied only when something changes.
func normalize(data []byte) ([]byte, int) {
	var out []byte // nil until the first change
	copied := 0    // data[:copied] is in out already
	emit := func(from, to int, repl []byte) {
		if out == nil {
			out = make([]byte, 0, len(data)+64)
		}
		out = append(out, data[copied:from]...)
		out = append(out, repl...)
		copied = to
	}
	type group struct {
		start, contentEnd int // of the first physical line
		name              []byte
		value             []byte
		conts             [][2]int // continuation lines: content start and end
		changed           bool
	}
	var g *group
	var first []byte // what the first line begins, if it is a BEGIN
	flush := func() {
		if g == nil {
			return
		}
		v := bytes.Trim(g.value, " \t")
		canon := append(append([]byte(nil), g.name...), ':')
		for _, c := range v {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			canon = append(canon, c)
		}
		if first == nil { // the file's first line: what it begins with
			first = []byte{}
			if bytes.Equal(g.name, []byte("BEGIN")) {
				first = canon[len("BEGIN:"):]
			}
		}
		if g.changed || !bytes.Equal(canon, data[g.start:g.contentEnd]) {
			emit(g.start, g.contentEnd, canon)
			for _, c := range g.conts {
				emit(c[0], c[1], nil)
			}
		}
		g = nil
	}
	firstLine := true
	for i := 0; i < len(data); {
		start := i
		end := len(data)
		if j := bytes.IndexByte(data[i:], '\n'); j >= 0 {
			end = i + j
			i = end + 1
		} else {
			i = end
		}
		contentEnd := end
		if contentEnd > start && data[contentEnd-1] == '\r' {
			contentEnd--
		}
		l := data[start:contentEnd]
		if len(l) == 0 {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			switch {
			case g != nil:
				g.value = append(g.value, l[1:]...)
				g.conts = append(g.conts, [2]int{start, contentEnd})
				g.changed = true
			case firstLine && len(bytes.Trim(l, " \t")) == 0:
				emit(start, contentEnd, nil)
			}
			continue
		}
		flush()
		firstLine = false
		for _, name := range [][]byte{[]byte("BEGIN"), []byte("END")} {
			if len(l) > len(name) && l[len(name)] == ':' && bytes.EqualFold(l[:len(name)], name) {
				g = &group{start: start, contentEnd: contentEnd, name: name, value: append([]byte(nil), l[len(name)+1:]...)}
			}
		}
		if g == nil && first == nil {
			first = []byte{} // the first line is not a BEGIN: not ours to fix
		}
	}
	flush()
	if out != nil {
		out = append(out, data[copied:]...)
		data = out
	}
	switch string(first) {
	case "VEVENT", "VTIMEZONE":
		// Bare components, as some exporters write them; both other
		// readers take them as the calendar's content.
		wrapped := make([]byte, 0, len(data)+40)
		wrapped = append(wrapped, "BEGIN:VCALENDAR\r\n"...)
		wrapped = append(wrapped, data...)
		if !bytes.HasSuffix(data, []byte("\n")) {
			wrapped = append(wrapped, "\r\n"...)
		}
		wrapped = append(wrapped, wrapEnd...)
		return wrapped, 1
	}
	return data, 0
}

const wrapEnd = "END:VCALENDAR\r\n"

// position is where a VEVENT begins in the raw data.
type position struct {
	line   int // 1-based line of BEGIN:VEVENT
	offset int // byte offset of that line
}

type structure struct {
	vevents []position // top-level VEVENTs, in order
}

// scanStructure checks the calendar's BEGIN/END skeleton on the raw bytes
// and finds the line of every VEVENT, in one cheap pass (golang-ical keeps
// no line numbers). It expects normalized data: BEGIN/END lines unfolded
// and in upper case. With openEnd, the data is bare components after an
// added BEGIN:VCALENDAR, which the data must leave open.
func scanStructure(source string, data []byte, openEnd bool) (structure, error) {
	type open struct {
		name []byte
		line int
	}
	var st structure
	var stack []open
	seen, closed := false, false
	line, lastLine := 0, 0
	for i := 0; i < len(data); {
		line++
		start := i
		var l []byte
		if j := bytes.IndexByte(data[i:], '\n'); j < 0 {
			l, i = data[i:], len(data)
		} else {
			l, i = data[i:i+j], i+j+1
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		if len(l) == 0 {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if seen {
				lastLine = line
				continue
			}
			if l = bytes.TrimSpace(l); len(l) == 0 {
				continue
			}
		}
		lastLine = line
		if !seen {
			seen = true
			if !bytes.Equal(l, []byte("BEGIN:VCALENDAR")) {
				return st, notCalendar(source, line, l)
			}
		}
		if closed {
			return st, &Error{Source: source, Line: line, Msg: "content after END:VCALENDAR: " + quote(string(l))}
		}
		switch {
		case bytes.HasPrefix(l, []byte("BEGIN:")):
			name := l[len("BEGIN:"):]
			if len(stack) == 1 && string(name) == "VEVENT" {
				st.vevents = append(st.vevents, position{line: line, offset: start})
			}
			if len(stack) > 0 && string(name) == "VCALENDAR" {
				return st, &Error{Source: source, Line: line, Field: "BEGIN", Msg: "a VCALENDAR inside a VCALENDAR"}
			}
			if len(stack) >= maxNesting {
				return st, &Error{Source: source, Line: line, Field: "BEGIN", Msg: fmt.Sprintf("components nested more than %d deep", maxNesting)}
			}
			stack = append(stack, open{name: name, line: line})
		case bytes.HasPrefix(l, []byte("END:")):
			name := l[len("END:"):]
			top := stack[len(stack)-1]
			if openEnd && len(stack) == 1 {
				return st, &Error{Source: source, Line: line, Field: "END", Msg: fmt.Sprintf("END:%s without BEGIN:VCALENDAR", token(name))}
			}
			if !bytes.Equal(top.name, name) {
				return st, &Error{Source: source, Line: line, Field: "END",
					Msg: fmt.Sprintf("END:%s, but BEGIN:%s on line %d is not closed", token(name), token(top.name), top.line)}
			}
			stack = stack[:len(stack)-1]
			closed = len(stack) == 0
		}
	}
	if openEnd && len(stack) == 1 {
		return st, nil
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		if len(stack) == 1 {
			return st, &Error{Source: source, Line: lastLine, Field: "VCALENDAR", Msg: "truncated file: no END:VCALENDAR"}
		}
		return st, &Error{Source: source, Line: top.line, Field: token(top.name),
			Msg: fmt.Sprintf("truncated file: no END:%s", token(top.name))}
	}
	return st, nil
}

// notCalendar says what was fetched instead of a calendar: a login page
// or an error page is the usual case.
func notCalendar(source string, line int, l []byte) error {
	lower := bytes.ToLower(l)
	msg := "not a calendar: first line is " + quote(string(l)) + " (want BEGIN:VCALENDAR)"
	switch {
	case bytes.HasPrefix(lower, []byte("<?xml")):
		msg = "not a calendar: got XML"
	case bytes.HasPrefix(lower, []byte("<")):
		msg = "not a calendar: got HTML"
	case l[0] == '{' || l[0] == '[':
		msg = "not a calendar: got JSON"
	}
	return &Error{Source: source, Line: line, Msg: msg}
}

// errMalformedLine marks a content line with no property name at all.
var errMalformedLine = errors.New("malformed line")

// parseProperty is golang-ical's strict property parser, relaxed for
// properties we never read: a broken ATTENDEE or X-APPLE-… parameter in a
// real feed must not cost the runner their calendar. Lines that are not
// properties at all ("...") and broken properties we do read stay errors.
func parseProperty(cl ics.ContentLine) (*ics.BaseProperty, error) {
	name := propName(string(cl))
	if name == "" {
		return nil, errMalformedLine
	}
	p, err := ics.ParseProperty(cl)
	if err == nil {
		return p, nil
	}
	if important(name) {
		return nil, err
	}
	return nil, fmt.Errorf("%w: %w", ics.ErrPropertySkipped, err)
}

// propName returns the property name at the start of a content line, or
// "" when the line does not start with one (RFC 5545 §3.1).
func propName(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			i++
			continue
		}
		break
	}
	if i == 0 || i < len(s) && s[i] != ';' && s[i] != ':' {
		return ""
	}
	return s[:i]
}

func important(name string) bool {
	switch strings.ToUpper(name) {
	case "BEGIN", "END", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID",
		"UID", "SUMMARY", "DESCRIPTION", "CATEGORIES", "STATUS", "TZID", "TZOFFSETFROM", "TZOFFSETTO",
		"SEQUENCE", "LAST-MODIFIED":
		return true
	}
	return strings.HasPrefix(strings.ToUpper(name), xPrefix)
}

// logical is one unfolded content line and the physical line it starts on.
type logical struct {
	line int
	text string
}

// unfold splits data into content lines (RFC 5545 §3.1) the way
// golang-ical does, keeping physical line numbers. Used only on the error
// path, so it may allocate.
func unfold(data []byte) []logical {
	var out []logical
	line := 0
	for _, raw := range strings.Split(string(data), "\n") {
		line++
		l := strings.TrimSuffix(raw, "\r")
		switch {
		case l == "":
		case (l[0] == ' ' || l[0] == '\t') && len(out) > 0:
			out[len(out)-1].text += l[1:]
		default:
			out = append(out, logical{line: line, text: l})
		}
	}
	return out
}

// diagnose turns a golang-ical failure into an *Error on the right line:
// it re-checks each content line with the same parser, and otherwise maps
// golang-ical's count of content lines back to a physical line.
func diagnose(source string, data []byte, cause error) error {
	lines := unfold(data)
	for _, l := range lines {
		if _, err := parseProperty(ics.ContentLine(l.text)); err != nil && !errors.Is(err, ics.ErrPropertySkipped) {
			name := propName(l.text)
			if name == "" {
				return &Error{Source: source, Line: l.line, Msg: "malformed line " + quote(l.text), err: cause}
			}
			return &Error{Source: source, Line: l.line, Field: strings.ToUpper(name),
				Msg: "malformed property " + quote(l.text) + " (want NAME;PARAM=VALUE:VALUE)", err: cause}
		}
	}
	e := &Error{Source: source, Msg: "cannot parse: " + cause.Error(), err: cause}
	var me *ics.MalformedError
	if errors.As(cause, &me) && me.HasLine && me.Line-1 < len(lines) {
		l := lines[me.Line-1]
		e.Line, e.Field = l.line, strings.ToUpper(propName(l.text))
		e.Msg = "cannot parse " + quote(l.text) + ": " + me.Err.Error()
	}
	return e
}

// fieldLine finds the line of a property inside the VEVENT at pos, for
// error messages; it returns the BEGIN:VEVENT line when it cannot.
func fieldLine(data []byte, pos position, field string) int {
	if pos.line == 0 {
		return 0
	}
	depth := 0
	line := pos.line - 1
	for i := pos.offset; i < len(data); {
		line++
		var l []byte
		if j := bytes.IndexByte(data[i:], '\n'); j < 0 {
			l, i = data[i:], len(data)
		} else {
			l, i = data[i:i+j], i+j+1
		}
		if len(l) == 0 || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		switch {
		case bytes.HasPrefix(l, []byte("BEGIN:")):
			depth++
		case bytes.HasPrefix(l, []byte("END:")):
			if depth--; depth == 0 {
				return pos.line
			}
		case depth == 1 && len(l) > len(field) && bytes.EqualFold(l[:len(field)], []byte(field)) &&
			(l[len(field)] == ':' || l[len(field)] == ';'):
			return line
		}
	}
	return pos.line
}

const xPrefix = "X-STRENGTHSYNC-"

// decodeEvent reads the properties we use from one VEVENT. fail builds
// the error for a field.
func decodeEvent(c *ics.ComponentBase, pos position, fail func(field string, err error) error) (*vevent, error) {
	ev := &vevent{line: pos.line}
	var haveStart bool
	var rawStart, rawRecur string
	for i := range c.Properties {
		p := &c.Properties[i]
		name := p.IANAToken
		if !isUpper(name) {
			name = strings.ToUpper(name)
		}
		var err error
		switch name {
		case "UID":
			ev.uid = strings.TrimSpace(p.Value)
		case "SUMMARY":
			ev.summary = strings.TrimSpace(p.Value)
		case "DESCRIPTION":
			ev.description = strings.TrimSpace(p.Value)
		case "CATEGORIES":
			// golang-ical has already unescaped "\,", so a comma inside a
			// category cannot be told from a separator.
			for _, cat := range strings.Split(p.Value, ",") {
				if cat = strings.TrimSpace(cat); cat != "" {
					ev.categories = append(ev.categories, cat)
				}
			}
		case "STATUS":
			ev.cancelled = strings.EqualFold(strings.TrimSpace(p.Value), "CANCELLED")
		case "DTSTART":
			rawStart = p.Value
			ev.start, err = parseDateTime(p.Value, p.ICalParameters)
			haveStart = err == nil
		case "DTEND":
			ev.end, err = parseDateTime(p.Value, p.ICalParameters)
			ev.hasEnd = err == nil
		case "DURATION":
			ev.dur, err = parseDuration(p.Value)
			ev.hasDur = err == nil
		case "RRULE":
			var r rule
			r, err = parseRule(p.Value)
			if err == nil {
				ev.rules = append(ev.rules, r)
			}
		case "RDATE":
			var ds []rdate
			ds, err = parseRDates(p.Value, p.ICalParameters)
			ev.rdates = append(ev.rdates, ds...)
		case "EXDATE":
			for _, v := range strings.Split(p.Value, ",") {
				if strings.TrimSpace(v) == "" {
					continue
				}
				var d dtValue
				if d, err = parseDateTime(v, p.ICalParameters); err != nil {
					break
				}
				ev.exdates = append(ev.exdates, d)
			}
		case "RECURRENCE-ID":
			rawRecur = p.Value
			ev.recurID, err = parseDateTime(p.Value, p.ICalParameters)
			ev.hasRecurID = err == nil
		case "SEQUENCE":
			ev.sequence, _ = strconv.Atoi(strings.TrimSpace(p.Value))
		case "LAST-MODIFIED":
			// Tolerated when broken, like DTSTAMP: we only carry it over.
			if d, err := parseDateTime(p.Value, p.ICalParameters); err == nil && d.kind == utcTime {
				ev.lastModified = d.wall
			}
		default:
			if strings.HasPrefix(name, xPrefix) {
				ev.ours = true
				switch name {
				case xPrefix + "HASH":
					ev.hash = strings.TrimSpace(p.Value)
				case xPrefix + "SLOT":
					ev.slot = strings.TrimSpace(p.Value)
				}
			}
		}
		if err != nil {
			return nil, fail(name, err)
		}
	}
	if !haveStart {
		return nil, fail("DTSTART", errors.New("missing (every event needs a start)"))
	}
	if ev.uid == "" {
		// No UID (RFC 5545 §3.8.4.7 requires one, real files omit it): derive
		// one from the content, so the same event keeps the same ID.
		h := sha256.Sum256([]byte(rawStart + "\x00" + ev.summary + "\x00" + rawRecur + "\x00" + ev.description))
		ev.uid = "nouid-" + hex.EncodeToString(h[:8])
	}
	return ev, nil
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return false
		}
	}
	return true
}

// parseRDates parses an RDATE list of DATE, DATE-TIME or PERIOD values
// (RFC 5545 §3.8.5.2).
func parseRDates(value string, params map[string][]string) ([]rdate, error) {
	var out []rdate
	period := strings.EqualFold(param(params, "VALUE"), "PERIOD")
	for _, v := range strings.Split(value, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		var r rdate
		startText, rest, isPeriod := strings.Cut(v, "/")
		if isPeriod != period && isPeriod {
			period = true
		}
		var err error
		if r.at, err = parseDateTime(startText, params); err != nil {
			return nil, err
		}
		if isPeriod {
			if strings.HasPrefix(strings.TrimLeft(rest, "+-"), "P") {
				r.dur, err = parseDuration(rest)
				r.hasDur = err == nil
			} else {
				r.end, err = parseDateTime(rest, params)
				r.hasEnd = err == nil
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	return out, nil
}
