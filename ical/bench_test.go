package ical

import (
	"bytes"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/strengthsync/strengthsync/ical/icaltest"
)

// The lead's target: reading and expanding a calendar costs at most 1.3×
// golang-ical's bare parse of the same bytes. Compare
// BenchmarkParse/N-years with BenchmarkReadAndExpand/N-years.

var benchSizes = []struct {
	name  string
	years int
}{{"1-year", 1}, {"10-years", 10}}

// BenchmarkParse is the baseline: golang-ical alone, nothing of ours.
func BenchmarkParse(b *testing.B) {
	for _, size := range benchSizes {
		data := icaltest.GenerateYears(size.years, 1)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ics.ParseCalendar(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadAndExpand is the whole read: Parse, then Events over the
// calendar's full span in the runner's zone.
func BenchmarkReadAndExpand(b *testing.B) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range benchSizes {
		data := icaltest.GenerateYears(size.years, 1)
		from := icaltest.Start
		to := from.AddDate(size.years, 0, 7)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				c, err := Parse("bench.ics", data)
				if err != nil {
					b.Fatal(err)
				}
				evs, err := c.Events(from, to, loc)
				if err != nil || len(evs) < 365*size.years {
					b.Fatalf("%d events, %v", len(evs), err)
				}
			}
		})
	}
}

// BenchmarkReadVsBare interleaves the two reads in one loop and reports
// the ratio of their CPU time ("x-bare"), which stays meaningful on a busy
// machine where separate wall-clock benchmarks drift apart. A GC cycle
// started by one read may be paid by the other; alternating the order and
// many iterations even that out.
func BenchmarkReadVsBare(b *testing.B) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range benchSizes {
		data := icaltest.GenerateYears(size.years, 1)
		from, to := icaltest.Start, icaltest.Start.AddDate(size.years, 0, 7)
		b.Run(size.name, func(b *testing.B) {
			var bare, ours time.Duration
			i := 0
			for b.Loop() {
				bareRun := func() {
					t0 := cpuNow()
					if _, err := ics.ParseCalendar(bytes.NewReader(data)); err != nil {
						b.Fatal(err)
					}
					bare += cpuNow() - t0
				}
				oursRun := func() {
					t0 := cpuNow()
					c, err := Parse("bench.ics", data)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := c.Events(from, to, loc); err != nil {
						b.Fatal(err)
					}
					ours += cpuNow() - t0
				}
				if i++; i%2 == 0 {
					bareRun()
					oursRun()
				} else {
					oursRun()
					bareRun()
				}
			}
			b.ReportMetric(float64(ours)/float64(bare), "x-bare")
			b.ReportMetric(float64(bare.Microseconds())/1000/float64(i), "bare-cpu-ms/op")
			b.ReportMetric(float64(ours.Microseconds())/1000/float64(i), "ours-cpu-ms/op")
		})
	}
}

// BenchmarkOverheadParts measures what Parse and Events add to the
// golang-ical parse: the structure scan and the expansion.
func BenchmarkOverheadParts(b *testing.B) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	data := icaltest.GenerateYears(10, 1)
	b.Run("scan-10-years", func(b *testing.B) {
		for b.Loop() {
			if _, err := scanStructure("bench.ics", data, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	c, err := Parse("bench.ics", data)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("events-10-years", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Events(icaltest.Start, icaltest.Start.AddDate(10, 0, 7), loc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
