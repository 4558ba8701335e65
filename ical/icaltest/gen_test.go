package icaltest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
)

func TestGenerateYears(t *testing.T) {
	tests := []struct {
		years      int
		wantEvents int
	}{
		{1, 365 + 53},
		{10, 3650 + 522},
	}
	for _, tt := range tests {
		data := GenerateYears(tt.years, 1)
		if got := bytes.Count(data, []byte("BEGIN:VEVENT\r\n")); got != tt.wantEvents {
			t.Errorf("GenerateYears(%d): %d events, want %d", tt.years, got, tt.wantEvents)
		}
		for i, l := range strings.Split(string(data), "\r\n") {
			if len(l) > 75 {
				t.Fatalf("GenerateYears(%d): line %d is %d octets, over 75", tt.years, i+1, len(l))
			}
		}
		if !bytes.Equal(data, GenerateYears(tt.years, 1)) {
			t.Errorf("GenerateYears(%d, 1) is not deterministic", tt.years)
		}
		if bytes.Equal(data, GenerateYears(tt.years, 2)) {
			t.Errorf("GenerateYears(%d) ignores its seed", tt.years)
		}
	}
}

func TestGenerateDense(t *testing.T) {
	for _, n := range []int{1, 4000, 10_001} {
		data := GenerateDense(n, Start, 1)
		cal, err := ical.Parse("dense.ics", data)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := cal.Events(Start, Start.AddDate(1, 0, 0), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != n {
			t.Errorf("GenerateDense(%d) expands to %d events", n, len(evs))
		}
	}
}
