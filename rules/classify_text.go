package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clsText is one field of an event (title, categories, a description line)
// after normalisation: lowercase, accents stripped, ×/dashes/bullets unified,
// emoji for sports turned into words. It keeps, for every normalised byte,
// the original rune it came from, so reasons can quote what the runner wrote
// rather than our folded form.
type clsText struct {
	orig  string
	norm  string
	start []int32 // original byte offset of the rune each normalised byte came from
	end   []int32 // original byte offset just after that rune
	toks  []clsToken
}

// clsToken is a word of the normalised text: a run of letters or digits.
type clsToken struct {
	s          string
	start, end int // in norm
}

// quote returns the original text behind the normalised span [a, b),
// trimmed, for use in a reason.
func (t *clsText) quote(a, b int) string {
	if a < 0 || b > len(t.norm) || a >= b {
		return ""
	}
	return clsShorten(strings.TrimSpace(t.orig[t.start[a]:t.end[b-1]]))
}

// all returns the whole original field, trimmed, for reasons that quote it.
func (t *clsText) all() string { return clsShorten(strings.TrimSpace(t.orig)) }

// clsShorten keeps quoted text readable in a one-line reason.
func clsShorten(s string) string {
	const limit = 60
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return strings.TrimSpace(s[:i]) + "…"
		}
		n++
	}
	return s
}

// clsBuf holds reusable buffers so classifying many events does not
// allocate per event for normalisation.
type clsBuf struct {
	b     []byte
	start []int32
	end   []int32
}

// normalize fills t from s. The normalised text is ASCII for Latin scripts;
// other scripts are lowercased and kept, so their words simply match nothing.
func (buf *clsBuf) normalize(t *clsText, s string) {
	buf.b = buf.b[:0]
	buf.start = buf.start[:0]
	buf.end = buf.end[:0]
	emit := func(str string, a, b int) {
		for i := 0; i < len(str); i++ {
			buf.b = append(buf.b, str[i])
			buf.start = append(buf.start, int32(a))
			buf.end = append(buf.end, int32(b))
		}
	}
	emitByte := func(c byte, a, b int) {
		buf.b = append(buf.b, c)
		buf.start = append(buf.start, int32(a))
		buf.end = append(buf.end, int32(b))
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				emitByte(c+'a'-'A', i, i+1)
			case c == '@':
				// "@ MP", "@5:00/km": the same as "at".
				emit(" at ", i, i+1)
			case c == '&':
				// "S&C", "Strength & Conditioning".
				emit(" and ", i, i+1)
			case c == '\t' || c == '\r' || c == '\n' || c == '|' || c == '_':
				emitByte(' ', i, i+1)
			default:
				emitByte(c, i, i+1)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if rep, ok := clsRuneFold(r); ok {
			emit(rep, i, i+size)
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			var enc [utf8.UTFMax]byte
			n := utf8.EncodeRune(enc[:], unicode.ToLower(r))
			emit(string(enc[:n]), i, i+size)
		} else {
			// Bullets, emoji, symbols and exotic spaces all separate words.
			emitByte(' ', i, i+size)
		}
		i += size
	}
	t.orig = s
	t.norm = string(buf.b)
	t.start = append(t.start[:0], buf.start...)
	t.end = append(t.end[:0], buf.end...)
	t.tokenize()
}

// tokenize splits the normalised text into words of letters and digits.
func (t *clsText) tokenize() {
	t.toks = t.toks[:0]
	s := t.norm
	for i := 0; i < len(s); {
		if !clsWordByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && clsWordByte(s[j]) {
			j++
		}
		t.toks = append(t.toks, clsToken{s: s[i:j], start: i, end: j})
		i = j
	}
}

// clsWordByte reports whether c can be part of a word: ASCII letters and
// digits, and any byte of a non-ASCII rune (letters of other scripts; the
// normaliser has already turned symbols into spaces).
func clsWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= utf8.RuneSelf
}

// clsRuneFold maps the non-ASCII runes that matter for matching to ASCII:
// accented Latin letters, the multiplication signs of "6×800m", dashes,
// primes used for minutes and seconds, and the sport emoji runners put in
// titles.
func clsRuneFold(r rune) (string, bool) {
	if r >= 0xC0 && r <= 0x17F && r != 0xD7 {
		if s := clsLatinFold[r-0xC0]; s != "" {
			return s, true
		}
		return "", false
	}
	switch r {
	case 0xD7, 0x2715, 0x2716, 0x2A2F, 0x2179: // × ✕ ✖ ⨯
		return "x", true
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE63, 0xFF0D: // ‐ ‑ ‒ – — ― − ﹣ －
		return "-", true
	case 0x2018, 0x2019, 0x2032, 0xB4: // ‘ ’ ′ ´
		return "'", true
	case 0x201C, 0x201D, 0x2033: // “ ” ″
		return "\"", true
	case 0x2044, 0x2215: // ⁄ ∕
		return "/", true
	case 0x1F3C3: // 🏃
		return " run ", true
	case 0x1F6B4, 0x1F6B5, 0x1F6B2: // 🚴 🚵 🚲
		return " bike ", true
	case 0x1F3CA: // 🏊
		return " swim ", true
	case 0x1F3CB: // 🏋
		return " gym ", true
	case 0x1F9D8: // 🧘
		return " yoga ", true
	case 0x1F3C1: // 🏁
		return " race ", true
	case 0x1F6CC, 0x1F634: // 🛌 😴
		return " rest ", true
	}
	return "", false
}

// clsLatinFold folds U+00C0–U+017F (Latin-1 Supplement letters and Latin
// Extended-A) to lowercase ASCII; "" leaves the rune as it is.
var clsLatinFold = func() [0x180 - 0xC0]string {
	var t [0x180 - 0xC0]string
	set := func(from rune, s string) {
		for _, r := range s {
			t[from-0xC0] = string(r)
			from++
		}
	}
	set(0xC0, "aaaaaaaceeeeiiii") // À–Ï (Æ fixed below)
	set(0xD0, "dnooooo")          // Ð–Ö
	set(0xD8, "ouuuuyt")          // Ø–Þ
	set(0xE0, "aaaaaaaceeeeiiii") // à–ï
	set(0xF0, "dnooooo")          // ð–ö
	set(0xF8, "ouuuuyty")         // ø–ÿ
	t[0xC6-0xC0], t[0xE6-0xC0] = "ae", "ae"
	t[0xDF-0xC0] = "ss"
	t[0xDE-0xC0], t[0xFE-0xC0] = "th", "th"
	// Latin Extended-A, U+0100–U+017F, in order: each base letter and how
	// many code points fold to it.
	r := rune(0x100)
	for _, run := range []struct {
		s string
		n int
	}{{"a", 6}, {"c", 8}, {"d", 4}, {"e", 10}, {"g", 8}, {"h", 4}, {"i", 10}, {"ij", 2}, {"j", 2},
		{"k", 3}, {"l", 10}, {"n", 9}, {"o", 6}, {"oe", 2}, {"r", 6}, {"s", 8}, {"t", 6}, {"u", 12},
		{"w", 2}, {"y", 3}, {"z", 6}, {"s", 1}} {
		for range run.n {
			t[r-0xC0] = run.s
			r++
		}
	}
	return t
}()
