package google

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	calendar "google.golang.org/api/calendar/v3"
)

// FuzzEventTime: whatever Google (or a damaged state file) holds as an
// event time, reading it never panics, and a date reads as midnight.
func FuzzEventTime(f *testing.F) {
	f.Add("2026-03-02", "", "")
	f.Add("", "2026-03-02T07:00:00+01:00", "Europe/Paris")
	f.Add("", "2026-03-02T07:00:00", "America/New_York")
	f.Add("", "2026-03-02T07:00:00", "")
	f.Add("2026-02-30", "", "Nowhere/Else")
	f.Fuzz(func(t *testing.T, date, dateTime, zone string) {
		loc, _ := time.LoadLocation("Europe/London")
		v, err := eventTime{Date: date, DateTime: dateTime, TimeZone: zone}.instant(loc)
		if err == nil && date != "" && (v.In(loc).Hour() != 0 || v.In(loc).Minute() != 0) && v.In(loc).Format("2006-01-02") == date {
			t.Errorf("date %q read as %v, not midnight", date, v)
		}
		ev := &calendar.Event{Summary: "x", Start: &calendar.EventDateTime{Date: date, DateTime: dateTime, TimeZone: zone},
			End: &calendar.EventDateTime{Date: date, DateTime: dateTime, TimeZone: zone}}
		_ = viewOf(ev)
		_, _ = parseSlot(dateTime)
	})
}

// memState is a State in memory, for the fuzz target.
type memState map[string][]byte

func (m memState) Get(_ context.Context, k string) ([]byte, bool, error) {
	v, ok := m[k]
	return v, ok, nil
}
func (m memState) Put(_ context.Context, k string, v []byte) error { m[k] = v; return nil }
func (m memState) Delete(_ context.Context, k string) error        { delete(m, k); return nil }

// FuzzSinkState: a damaged or hand-edited state never makes Hand or the
// bookkeeping panic (the calendar ID is left empty so nothing is asked of
// Google).
func FuzzSinkState(f *testing.F) {
	rec := map[string]any{"records": map[string]any{
		"abcde": map[string]any{"uid": "u", "week": "2026-W10", "ordinal": 1,
			"written": map[string]any{"start": "2026-03-03T18:00:00Z", "end": "2026-03-03T18:45:00Z", "summary": "S", "hash": "h"},
			"remote":  map[string]any{"start": "2026-03-04T18:00:00Z", "end": "2026-03-04T18:45:00Z", "summary": "S", "hash": "g"}},
		"fghij": nil,
	}}
	b, _ := json.Marshal(rec)
	f.Add(b)
	f.Add([]byte(`{"records":{"x":{"pending":{}}}}`))
	f.Add([]byte(`{"records":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			for k := range m {
				if strings.EqualFold(k, "calendar_id") {
					delete(m, k)
				}
			}
			b, _ = json.Marshal(m)
		}
		st := memState{"google/sink/new": b}
		c := &Client{o: Options{State: st}, log: slog.New(slog.DiscardHandler)}
		s := c.Sink("new")
		from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		if _, err := s.Hand(context.Background(), from, from.AddDate(0, 0, 28)); err != nil {
			t.Fatal(err)
		}
		for _, id := range sortedIDs(s.st) {
			r := s.st.Records[id]
			_, _, _ = r.hand(), r.runnerDeleted(), r.at()
		}
	})
}
