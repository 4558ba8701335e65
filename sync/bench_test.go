package sync

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/icaltest"
	"github.com/strengthsync/strengthsync/rules"
)

// The whole plan — read the file, expand, classify, place, prescribe, write —
// beside a bare golang-ical parse of the same bytes. The README quotes both.
// "window" plans the default 8 weeks from the middle of the calendar; "span"
// plans every week the calendar covers.
func BenchmarkPlan(b *testing.B) {
	for _, years := range []int{1, 10} {
		data := icaltest.GenerateYears(years, 1)
		dir := b.TempDir()
		src := filepath.Join(dir, "runs.ics")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("years=%d/bare-golang-ical-parse", years), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ics.ParseCalendar(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		start := rules.DateOf(icaltest.Start)
		for _, shape := range []struct {
			name  string
			start rules.Date
			weeks int
		}{
			{"window", start.AddDays(years * 365 / 2).Monday(), 8},
			{"span", start, years * 52},
		} {
			b.Run(fmt.Sprintf("years=%d/whole-plan-%s", years, shape.name), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				e := &Engine{Zone: ical.LoadLocation}
				req := Request{
					Sources:  []Source{FileSource{Path: src}},
					Sink:     FileSink{Path: filepath.Join(dir, "out.ics"), Now: func() time.Time { return icaltest.Start }},
					Start:    shape.start,
					Weeks:    shape.weeks,
					TimeZone: "Europe/London",
					Settings: rules.DefaultSettings(),
				}
				for b.Loop() {
					os.Remove(filepath.Join(dir, "out.ics"))
					res, err := e.Run(context.Background(), req)
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Plan.Sessions) == 0 {
						b.Fatal("no sessions planned")
					}
				}
			})
		}
	}
}
