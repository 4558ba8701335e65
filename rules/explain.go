package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Every change explained (SPEC §6): a sync that adds, moves or removes
// sessions says what changed and which change of the plan's inputs caused
// it. Explain compares what the last plan was made from (a Snapshot, small
// enough to keep per plan) with the new one.

// Snapshot is a plan's inputs and sessions, as far as explaining the next
// plan's changes needs. Dates are YYYY-MM-DD.
type Snapshot struct {
	Start    string            `json:"start"`
	Weeks    int               `json:"weeks"`
	Runs     []SnapRun         `json:"runs,omitempty"`
	Races    []SnapRace        `json:"races,omitempty"`
	Sessions []SnapSession     `json:"sessions,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
}

// SnapRun is one run of the window: its source ID, title, date and kind.
type SnapRun struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Date  string `json:"date"`
	Kind  string `json:"kind"`
}

// SnapRace is a race the plan knows, with the first date of its taper.
type SnapRace struct {
	Title     string `json:"title"`
	Date      string `json:"date"`
	TaperFrom string `json:"taper_from"`
}

// SnapSession is a placed session; Note is the "moved" note its
// description carries while it stays where the move put it.
type SnapSession struct {
	UID   string `json:"uid"`
	Title string `json:"title"`
	Date  string `json:"date"`
	Note  string `json:"note,omitempty"`
	Hand  bool   `json:"hand,omitempty"` // placed by the runner
}

// Explained is one session change and its cause.
type Explained struct {
	Change  string `json:"change"`  // "added", "moved" or "removed"
	Session string `json:"session"` // "Strength A"
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Cause   string `json:"cause"`
	// Text is the whole line: "Strength A moved Tue 8 → Wed 9 Dec:
	// "Intervals 6x800m" moved from Tue 8 to Wed 9 Dec".
	Text string `json:"text"`
}

// SnapshotOf takes the snapshot of plan p made with settings s.
func SnapshotOf(p Plan, s Settings) Snapshot {
	snap := Snapshot{Start: p.Start.String(), Weeks: p.Weeks, Settings: settingsText(s)}
	for _, d := range p.Days {
		for _, e := range d.Events {
			if e.Busy || e.Kind < KindRest || e.Kind == KindStrength {
				continue
			}
			snap.Runs = append(snap.Runs, SnapRun{ID: e.ID, Title: e.Summary, Date: d.Date.String(), Kind: e.Kind.String()})
		}
	}
	for _, r := range p.Races {
		snap.Races = append(snap.Races, SnapRace{Title: r.Summary, Date: r.Date.String(), TaperFrom: r.TaperFrom.String()})
	}
	for _, ss := range p.Sessions {
		snap.Sessions = append(snap.Sessions, SnapSession{UID: ss.UID, Title: ss.Title, Date: ss.Date.String(), Hand: ss.Hand})
	}
	return snap
}

// settingsText is each setting as the runner writes it.
func settingsText(s Settings) map[string]string {
	days := []string{}
	for wd, ok := range s.Weekdays {
		if ok {
			days = append(days, time.Weekday(wd).String()[:3])
		}
	}
	recovery := "by distance"
	if s.Recovery != RecoveryByDistance {
		recovery = fmt.Sprint(s.Recovery)
	}
	return map[string]string{
		"per_week": fmt.Sprint(s.PerWeek), "policy": s.Policy.String(), "at": s.At.String(),
		"duration": s.Duration.String(), "gap": s.Gap.String(), "window": s.WindowStart.String() + "-" + s.WindowEnd.String(),
		"weekdays": strings.Join(days, ","), "taper": fmt.Sprint(s.Taper), "recovery": recovery, "fill": fmt.Sprint(s.Fill),
	}
}

// cause is one change of the inputs and the dates it touches.
type cause struct {
	text     string
	from, to Date // the span it touches; zero for a setting
}

func (c cause) distance(d Date) int {
	switch {
	case c.from.IsZero():
		return 1 << 20
	case d.Before(c.from):
		return c.from.Sub(d)
	case d.After(c.to):
		return d.Sub(c.to)
	}
	return 0
}

// Explain lists the sessions next adds, moves or removes compared with
// prev, each with its cause, and fills next's notes: a moved session's
// note says where it was and why, and stays while the session does.
// Only the dates both windows cover are compared: a week coming into
// the window is no change.
func Explain(prev Snapshot, next *Snapshot) []Explained {
	from, to, ok := overlap(prev, *next)
	if !ok {
		return nil
	}
	in := func(s string) bool {
		d, err := ParseDate(s)
		return err == nil && !d.Before(from) && d.Before(to)
	}
	causes := diffInputs(prev, *next, in)
	old := map[string]SnapSession{}
	for _, s := range prev.Sessions {
		if in(s.Date) {
			old[s.UID] = s
		}
	}
	// A session the runner moved is a cause too: the others make room.
	for _, s := range next.Sessions {
		if o, had := old[s.UID]; had && s.Hand && o.Date != s.Date {
			name, _, _ := strings.Cut(s.Title, " · ")
			causes = append(causes, dated(fmt.Sprintf("you moved %s from %s", name, moveText(o.Date, s.Date, "to")), o.Date, s.Date))
		}
	}
	var out []Explained
	for i := range next.Sessions {
		s := &next.Sessions[i]
		o, had := old[s.UID]
		delete(old, s.UID)
		switch {
		case !in(s.Date):
		case !had:
			out = append(out, explain("added", s.Title, "", s.Date, causes))
		case o.Date != s.Date && s.Hand:
			e := explain("moved", s.Title, o.Date, s.Date, []cause{dated("you moved it by hand", s.Date, s.Date)})
			out = append(out, e)
		case o.Date != s.Date:
			e := explain("moved", s.Title, o.Date, s.Date, causes)
			out = append(out, e)
			s.Note = "Moved from " + dateText(o.Date) + ": " + e.Cause + "."
		default:
			s.Note = o.Note
		}
	}
	for _, o := range old {
		out = append(out, explain("removed", o.Title, o.Date, "", causes))
	}
	sort.SliceStable(out, func(i, j int) bool { return firstDate(out[i]) < firstDate(out[j]) })
	return out
}

func firstDate(e Explained) string {
	if e.From != "" {
		return e.From
	}
	return e.To
}

// overlap is the span of dates both snapshots planned.
func overlap(a, b Snapshot) (from, to Date, ok bool) {
	as, err1 := ParseDate(a.Start)
	bs, err2 := ParseDate(b.Start)
	if err1 != nil || err2 != nil {
		return Date{}, Date{}, false
	}
	from, to = as, as.AddDays(7*a.Weeks)
	if bs.After(from) {
		from = bs
	}
	if be := bs.AddDays(7 * b.Weeks); be.Before(to) {
		to = be
	}
	return from, to, from.Before(to)
}

// diffInputs lists what changed between the snapshots' inputs.
func diffInputs(prev, next Snapshot, in func(string) bool) []cause {
	var cs []cause
	old := map[string]SnapRun{}
	for _, r := range prev.Runs {
		old[r.ID] = r
	}
	for _, r := range next.Runs {
		o, had := old[r.ID]
		delete(old, r.ID)
		switch {
		case !had && in(r.Date):
			cs = append(cs, dated(fmt.Sprintf("%q added on %s", r.Title, dateText(r.Date)), r.Date, r.Date))
		case !had:
		case o.Date != r.Date && (in(o.Date) || in(r.Date)):
			cs = append(cs, dated(fmt.Sprintf("%q moved from %s", r.Title, moveText(o.Date, r.Date, "to")), o.Date, r.Date))
		case o.Kind != r.Kind && in(r.Date):
			what := fmt.Sprintf("%q on %s is now %s (was %s)", r.Title, dateText(r.Date), article(r.Kind), o.Kind)
			if o.Title != r.Title {
				what = fmt.Sprintf("%q on %s became %q, now %s (was %s)", o.Title, dateText(r.Date), r.Title, article(r.Kind), o.Kind)
			}
			cs = append(cs, dated(what, r.Date, r.Date))
		}
	}
	for _, o := range old {
		if in(o.Date) {
			cs = append(cs, dated(fmt.Sprintf("%q removed from %s", o.Title, dateText(o.Date)), o.Date, o.Date))
		}
	}
	races := map[string]SnapRace{}
	for _, r := range prev.Races {
		races[r.Title+"|"+r.Date] = r
	}
	for _, r := range next.Races {
		if _, had := races[r.Title+"|"+r.Date]; had {
			delete(races, r.Title+"|"+r.Date)
			continue
		}
		cs = append(cs, dated(fmt.Sprintf("race %q on %s: no strength from %s (taper)", r.Title, dateText(r.Date), dateText(r.TaperFrom)),
			r.TaperFrom, r.Date))
	}
	for _, r := range races {
		cs = append(cs, dated(fmt.Sprintf("race %q on %s is gone: its taper with it", r.Title, dateText(r.Date)), r.TaperFrom, r.Date))
	}
	keys := make([]string, 0, len(next.Settings))
	for k := range next.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if o, ok := prev.Settings[k]; ok && o != next.Settings[k] {
			cs = append(cs, cause{text: fmt.Sprintf("setting %s changed from %s to %s", k, o, next.Settings[k])})
		}
	}
	return cs
}

func dated(text, a, b string) cause {
	da, _ := ParseDate(a)
	db, _ := ParseDate(b)
	if db.Before(da) {
		da, db = db, da
	}
	return cause{text: text, from: da, to: db}
}

// explain makes the entry of one session change and finds its cause: an
// input change on or within two days of the session's dates first, then a
// changed setting, then the nearest input change within a week.
func explain(change, title, from, to string, causes []cause) Explained {
	name, _, _ := strings.Cut(title, " · ")
	e := Explained{Change: change, Session: name, From: from, To: to}
	var dates []Date
	for _, s := range []string{from, to} {
		if d, err := ParseDate(s); err == nil {
			dates = append(dates, d)
		}
	}
	best, bestD := []string{}, 1<<20
	var settings []string
	for _, c := range causes {
		if c.from.IsZero() {
			settings = append(settings, c.text)
			continue
		}
		d := 1 << 20
		for _, sd := range dates {
			d = min(d, c.distance(sd))
		}
		switch {
		case d < bestD:
			best, bestD = []string{c.text}, d
		case d == bestD:
			best = append(best, c.text)
		}
	}
	switch {
	case bestD <= 2:
		e.Cause = strings.Join(best, "; ")
	case len(settings) > 0:
		e.Cause = strings.Join(settings, "; ")
	case bestD <= 7:
		e.Cause = strings.Join(best, "; ")
	default:
		e.Cause = "the week was planned again"
	}
	switch change {
	case "added":
		e.Text = fmt.Sprintf("%s added on %s: %s", name, dateText(to), e.Cause)
	case "removed":
		e.Text = fmt.Sprintf("%s removed from %s: %s", name, dateText(from), e.Cause)
	default:
		e.Text = fmt.Sprintf("%s moved %s: %s", name, moveText(from, to, "→"), e.Cause)
	}
	return e
}

func article(kind string) string {
	switch kind {
	case "easy", "other", "away":
		return "an " + kind + " day"
	case "long":
		return "a long run"
	}
	return "a " + kind + " day"
}

func dateText(s string) string {
	d, err := ParseDate(s)
	if err != nil {
		return s
	}
	return d.Text()
}

// moveText is "Tue 8 → Wed 9 Dec" (or "to"), the month said once when
// both dates share it.
func moveText(a, b, arrow string) string {
	da, err1 := ParseDate(a)
	db, err2 := ParseDate(b)
	if err1 != nil || err2 != nil {
		return a + " " + arrow + " " + b
	}
	if da.Year == db.Year && da.Month == db.Month {
		return da.utc().Format("Mon 2") + " " + arrow + " " + db.Text()
	}
	return da.Text() + " " + arrow + " " + db.Text()
}
