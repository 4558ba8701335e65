package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clsText is one field of an event (title, categories, description) after
// normalisation: lowercase, accents stripped, ×/dashes/bullets unified,
// emoji for sports turned into words, line breaks kept. It keeps, for every
// normalised byte, the original rune it came from, so reasons can quote
// what the runner wrote rather than our folded form.
type clsText struct {
	orig  string
	norm  string
	start []int32 // original byte offset of the rune each normalised byte came from
	toks  []clsToken
	buf   []byte // reused for norm between events
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
	last := int(t.start[b-1])
	_, size := utf8.DecodeRuneInString(t.orig[last:])
	return clsShorten(strings.TrimSpace(t.orig[t.start[a] : last+size]))
}

// all returns the whole original field, trimmed, for reasons that quote it.
func (t *clsText) all() string { return clsShorten(strings.TrimSpace(t.orig)) }

// clsShorten keeps quoted text readable in a one-line reason: one line,
// single spaces, at most 60 characters.
func clsShorten(s string) string {
	const limit = 60
	if strings.ContainsAny(s, "\n\r\t") || strings.Contains(s, "  ") {
		s = strings.Join(strings.Fields(s), " ")
	}
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

// normalize fills t from s, reusing t's buffers. The normalised text is
// ASCII for Latin scripts; other scripts are lowercased and kept, so their
// words simply match nothing unless the vocabulary has them. Line breaks
// stay, so no quantity or phrase spans two lines.
func (t *clsText) normalize(s string) {
	b, start := t.buf[:0], t.start[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '@':
				// "@ MP", "@5:00/km": the same as "at".
				b = append(b, " at "...)
				start = append(start, int32(i), int32(i), int32(i), int32(i))
				i++
				continue
			case c == '&':
				// "S&C", "Strength & Conditioning".
				b = append(b, " and "...)
				start = append(start, int32(i), int32(i), int32(i), int32(i), int32(i))
				i++
				continue
			case c == '\t' || c == '\r' || c == '|' || c == '_':
				c = ' '
			}
			b = append(b, c)
			start = append(start, int32(i))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n := len(b)
		if rep, ok := clsRuneFold(r); ok {
			b = append(b, rep...)
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		} else {
			// Bullets, emoji, symbols and exotic spaces all separate words.
			b = append(b, ' ')
		}
		for range len(b) - n {
			start = append(start, int32(i))
		}
		i += size
	}
	t.orig, t.buf, t.start = s, b, start
	t.norm = string(b)
	t.tokenize()
}

// tokenize splits the normalised text into words of letters and digits.
// Chinese and Japanese are written without spaces ("3公里慢跑",
// "LSD长距离慢跑"), so each of their characters is a word of its own and
// the vocabulary's phrases in those scripts are sequences of characters:
// a phrase then matches wherever it sits in a run of characters.
func (t *clsText) tokenize() {
	t.toks = t.toks[:0]
	s := t.norm
	for i := 0; i < len(s); {
		if !clsWordByte(s[i]) {
			i++
			continue
		}
		if s[i] >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(s[i:]); clsIdeo(r) {
				t.toks = append(t.toks, clsToken{s: s[i : i+size], start: i, end: i + size})
				i += size
				continue
			}
		}
		j := i
		for j < len(s) && clsWordByte(s[j]) {
			if s[j] >= utf8.RuneSelf {
				if r, _ := utf8.DecodeRuneInString(s[j:]); clsIdeo(r) {
					break
				}
			}
			j++
		}
		t.toks = append(t.toks, clsToken{s: s[i:j], start: i, end: j})
		i = j
	}
}

// clsIdeo reports whether r belongs to a script written without spaces
// between words: CJK ideographs, kana and their punctuation blocks.
func clsIdeo(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFF66 && r <= 0xFF9F || r >= 0x20000 && r <= 0x2FA1F
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
	if r >= 0xFF01 && r <= 0xFF5E {
		// Full-width ASCII, common in Chinese and Japanese titles:
		// "６×８００ｍ", "ＬＳＤ", "＋".
		c := byte(r - 0xFEE0)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch c {
		case '@':
			return " at ", true
		case '&':
			return " and ", true
		}
		return string(rune(c)), true
	}
	switch r {
	case 0x3000, 0x3001, 0x3002, 0x30FB, 0xFF64: // ideographic space, 、 。 ・ ､
		return " ", true
	case 0x301C: // 〜 (ranges)
		return "-", true
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
