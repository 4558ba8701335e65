package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

func writeJSON(w io.Writer, res *sync.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sync.NewPlanJSON(res.Plan, res.Loc))
}

// writeTable prints the plan week by week, one row per day: a runner should
// see at a glance where the strength goes and why.
func writeTable(w io.Writer, res *sync.Result, verbose bool) error {
	p, loc := res.Plan, res.Loc
	bw := &errWriter{w: w}
	end := p.Start.AddDays(7*p.Weeks - 1)
	bw.printf("Strength plan %s – %s (%s), %d session(s)\n", p.Start.Short(), end.Short(), p.Timezone, len(p.Sessions))
	for _, warn := range p.Warnings {
		bw.printf("warning: %s\n", warn)
	}
	byDate := map[rules.Date][]rules.Session{}
	for _, s := range p.Sessions {
		byDate[s.Date] = append(byDate[s.Date], s)
	}
	short := map[string]rules.ShortWeek{}
	for _, sw := range p.ShortWeeks {
		short[sw.Week] = sw
	}
	week := ""
	for i, d := range p.Days {
		if wk := d.Date.Week(); wk != week {
			week = wk
			bw.printf("\n%s\n", wk)
		}
		runs := runsText(d, loc)
		strength := ""
		for _, s := range byDate[d.Date] {
			if strength != "" {
				strength += "; "
			}
			strength += fmt.Sprintf("%s–%s %s", s.Start.In(loc).Format("15:04"), s.End.In(loc).Format("15:04"), s.Title)
		}
		mark := "  "
		if strength != "" {
			mark = "▶ "
		}
		row := fmt.Sprintf("  %s  %-5s  %s%s", d.Date.Short(), d.Kind, pad(runs, 44), mark+strength)
		bw.printf("%s\n", strings.TrimRight(row, " "))
		for _, s := range byDate[d.Date] {
			if s.Hand {
				bw.printf("  %s  %-5s  %s  ✋ moved by hand\n", strings.Repeat(" ", 10), "", pad("", 44))
			}
			if s.Warning != "" {
				bw.printf("  %s  %-5s  %s  ⚠ %s\n", strings.Repeat(" ", 10), "", pad("", 44), sync.AdviceText(s.Warning, s.Suggest))
			}
			if verbose {
				bw.printf("  %s  %-5s  %s  why: %s\n", strings.Repeat(" ", 10), "", pad("", 44), s.Reason)
			}
		}
		if verbose && d.Kind != rules.KindRest {
			bw.printf("  %s  %-5s  (%s)\n", strings.Repeat(" ", 10), "", d.Reason)
		}
		if verbose && len(byDate[d.Date]) == 0 && d.Note != "" {
			bw.printf("  %s  %-5s  note: %s\n", strings.Repeat(" ", 10), "", d.Note)
		}
		lastOfWeek := i == len(p.Days)-1 || p.Days[i+1].Date.Week() != week
		if sw, ok := short[week]; ok && lastOfWeek {
			bw.printf("  short week, %s\n", sw.Reason)
		}
	}
	return bw.err
}

// runsText lists the day's runs, and other entries when there is no run.
func runsText(d rules.Day, loc *time.Location) string {
	var parts []string
	for _, e := range d.Events {
		if !e.Kind.IsRun() && e.Kind != rules.KindStrength {
			continue
		}
		s := e.Summary
		if e.Kind == rules.KindStrength {
			s = "(strength) " + s
		}
		if !e.AllDay {
			s = e.Start.In(loc).Format("15:04") + " " + s
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "·"
	}
	return strings.Join(parts, " + ")
}

// pad truncates or pads s to n terminal cells so the session column lines
// up, counting emoji and East Asian wide characters as two cells.
func pad(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	w := 0
	for i, r := range s {
		rw := runeWidth(r)
		if w+rw > n-1 && w+width(s[i:]) > n {
			return s[:i] + "…" + strings.Repeat(" ", max(0, n-w-1))
		}
		w += rw
	}
	return s + strings.Repeat(" ", n-w)
}

func width(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	switch {
	case r == 0x200D || (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0x0300 && r <= 0x036F):
		return 0 // joiners, variation selectors and combining marks take no cell
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF && r != 0x2713 && r != 0x2714,
		r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
		r >= 0xF900 && r <= 0xFAFF, r >= 0xFF00 && r <= 0xFF60:
		return 2
	}
	return 1
}

// writeChanges reports a sync.
func writeChanges(w io.Writer, res *sync.Result, dest string, dryRun bool) error {
	c, loc := res.Changes, res.Loc
	bw := &errWriter{w: w}
	verb := "wrote"
	if dryRun {
		verb = "would write"
	}
	bw.printf("%s %s: %d added, %d moved, %d updated, %d removed, %d unchanged\n", verb, dest,
		len(c.Added), len(c.Moved), len(c.Updated), len(c.Removed), c.Unchanged)
	when := func(t time.Time) string { return t.In(loc).Format("Mon 02 Jan 15:04") }
	for _, ch := range c.Added {
		bw.printf("  + %s  %s\n", when(ch.To), ch.Title)
	}
	for _, ch := range c.Moved {
		bw.printf("  ~ %s → %s  %s\n", when(ch.From), when(ch.To), ch.Title)
	}
	for _, ch := range c.Updated {
		bw.printf("  * %s  %s (content changed)\n", when(ch.To), ch.Title)
	}
	for _, ch := range c.Removed {
		bw.printf("  - %s  %s\n", when(ch.From), ch.Title)
	}
	for _, e := range res.Explained {
		bw.printf("  why: %s\n", e.Text)
	}
	for _, s := range res.Plan.Sessions {
		if s.Hand && s.Warning != "" {
			bw.printf("  moved by hand to %s, which breaks a rule: %s\n", s.Date.Text(), sync.AdviceText(s.Warning, s.Suggest))
		}
	}
	for _, sw := range res.Plan.ShortWeeks {
		bw.printf("  short week: %s\n", sw.Reason)
	}
	for _, warn := range res.Plan.Warnings {
		bw.printf("  warning: %s\n", warn)
	}
	return bw.err
}

type errWriter struct {
	w   io.Writer
	err error
}

// printf writes one formatted piece. Titles come from other people's
// calendars: control characters (an escape sequence could rewrite the
// runner's terminal) are dropped as in every text we write.
func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, rules.CleanText(fmt.Sprintf(format, a...)))
	}
}

func slogVerbose(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
