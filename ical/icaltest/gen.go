// Package icaltest generates realistic .ics data for tests and benchmarks
// of packages that read run calendars. It never touches the network or
// the clock: the same arguments give the same bytes.
package icaltest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Start is the first day GenerateYears writes: a Monday.
var Start = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

type workout struct {
	title string
	mins  int
	km    float64
	tss   int
	body  string
}

// Workouts a TrainingPeaks plan holds, with the multilingual, emoji and
// "✓ completed" titles real feeds carry.
var workouts = []workout{
	{"Easy Run", 45, 8, 45, "Conversational pace, Zone 2. Keep HR under 145."},
	{"Intervals 6x800m", 60, 11, 85, "WU 15 min easy. 6x800m @ 5K pace w/ 400m jog recovery. CD 10 min."},
	{"Long Run", 120, 24, 140, "Steady, fuel every 40 min. Last 20 min at marathon pace if feeling good."},
	{"Tempo 3 x 10 min", 55, 10, 75, "WU 15 min. 3 x 10 min @ threshold, 2 min jog between. CD 10 min."},
	{"Recovery jog", 30, 5, 25, "Very easy. Shakeout only; walk breaks are fine."},
	{"Rest Day", 0, 0, 0, "Off. Sleep, mobility, hydrate."},
	{"Hill repeats 8x60s", 50, 9, 70, "8 x 60 s hard uphill, jog down. Drive the arms, tall posture."},
	{"🏃 Progression run", 50, 10, 65, "Start easy, finish at half marathon pace."},
	{"✓ Easy Run", 40, 7, 38, "Completed. Felt good, legs a bit heavy from Tuesday."},
	{"Långpass lugnt", 100, 18, 110, "Lugnt tempo, drick var 30:e minut."},
	{"Интервалы 5×1 км", 65, 12, 90, "Разминка 15 мин. 5×1 км в темпе 10 км, отдых 2 мин трусцой."},
	{"轻松跑 – 有氧", 40, 7, 40, "保持轻松配速，心率二区。"},
	{"Laf a Rou – Lëtzebuerg", 45, 8, 45, "Gemittlech lafen, Zon 2."},
	{"Cross training: bike", 60, 0, 50, "Easy spin, cadence 85–95."},
	{"Strength & mobility", 40, 0, 30, "Squats, lunges, calf raises, core. Gym session from the plan."},
}

// GenerateYears returns a TrainingPeaks-style calendar: one planned
// workout a day for years years from Start (about 3,650 events for ten
// years), mostly all-day with multi-line "Planned: …" descriptions, some
// timed in Europe/London, and a 7-day "Training Week N" summary event each
// week. Lines are CRLF and folded at 75 octets.
func GenerateYears(years int, seed int64) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	var b strings.Builder
	line := func(s string) { fold(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//TrainingPeaks//Calendar Feed//EN")
	line("CALSCALE:GREGORIAN")
	line("X-WR-CALNAME:TrainingPeaks Workouts")
	line("X-WR-TIMEZONE:Europe/London")
	days := years * 365
	stamp := "20241220T101500Z"
	for d := 0; d < days; d++ {
		day := Start.AddDate(0, 0, d)
		if d%7 == 0 {
			week := d/7 + 1
			line("BEGIN:VEVENT")
			line(fmt.Sprintf("UID:week-%d-%d@trainingpeaks.example", seed, week))
			line("DTSTAMP:" + stamp)
			line("DTSTART;VALUE=DATE:" + day.Format("20060102"))
			line("DTEND;VALUE=DATE:" + day.AddDate(0, 0, 7).Format("20060102"))
			line(fmt.Sprintf("SUMMARY:Training Week %d Distance: %d km", week, 40+rng.IntN(40)))
			line("END:VEVENT")
		}
		w := workouts[rng.IntN(len(workouts))]
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("UID:%d-%d@trainingpeaks.example", seed, d))
		line("DTSTAMP:" + stamp)
		if rng.IntN(5) == 0 && w.mins > 0 {
			start := day.Add(time.Duration(6+rng.IntN(13)) * time.Hour)
			line("DTSTART;TZID=Europe/London:" + start.Format("20060102T150405"))
			line("DTEND;TZID=Europe/London:" + start.Add(time.Duration(w.mins)*time.Minute).Format("20060102T150405"))
		} else {
			line("DTSTART;VALUE=DATE:" + day.Format("20060102"))
			line("DTEND;VALUE=DATE:" + day.AddDate(0, 0, 1).Format("20060102"))
		}
		line("SUMMARY:" + escape(w.title))
		desc := w.body
		if w.mins > 0 {
			desc = fmt.Sprintf("Planned: %d:%02d:00, %.1f km, TSS %d\n\n%s\n\nCoach comments: %s",
				w.mins/60, w.mins%60, w.km, w.tss, w.body, comments[rng.IntN(len(comments))])
		}
		line("DESCRIPTION:" + escape(desc))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

// GenerateDense returns a small calendar that expands to events events
// from `from` on: recurring workouts, each an RRULE of an hourly session
// with at most 4,000 instances (under the reader's per-event cap), so a few
// kilobytes stand for a whole plan's worth of memory. It is the hostile
// feed the limits per plan are there for.
func GenerateDense(events int, from time.Time, seed int64) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xde45e))
	var b strings.Builder
	line := func(s string) { fold(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//strengthsync tests//Dense//EN")
	const perRule = 4000
	for i := 0; events > 0; i++ {
		n := min(events, perRule)
		events -= n
		w := workouts[rng.IntN(len(workouts))]
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("UID:dense-%d-%d@strengthsync.example", seed, i))
		line("DTSTAMP:20241220T101500Z")
		start := from.UTC().Add(time.Duration(i%60) * time.Minute)
		line("DTSTART:" + start.Format("20060102T150405Z"))
		line("DURATION:PT30M")
		line(fmt.Sprintf("RRULE:FREQ=HOURLY;COUNT=%d", n))
		line("SUMMARY:" + escape(w.title))
		line("DESCRIPTION:" + escape(w.body))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

var comments = []string{
	"Keep it honest; the goal is consistency, not heroics.",
	"If the legs are heavy, cut the main set by one rep.",
	"Race-specific: practise gels, practise the shoes.",
	"Good week so far, nice work on Tuesday's session!",
}

// escape escapes TEXT per RFC 5545 §3.3.11.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(s)
}

// fold writes one content line folded at 75 octets without splitting a
// UTF-8 sequence (RFC 5545 §3.1).
func fold(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
