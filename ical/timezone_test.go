package ical

import (
	"testing"
	"time"
)

func TestLoadLocation(t *testing.T) {
	tests := []struct {
		in      string
		want    string // zone name, or offset for fixed zones
		wantErr string
	}{
		{in: "Europe/Berlin", want: "Europe/Berlin"},
		{in: `"Europe/Berlin"`, want: "Europe/Berlin"},
		{in: "UTC", want: "UTC"},
		{in: "Z", want: "UTC"},
		{in: "W. Europe Standard Time", want: "Europe/Berlin"},
		{in: "Eastern Standard Time", want: "America/New_York"},
		{in: "GMT Standard Time", want: "Europe/London"},
		{in: "/mozilla.org/20070129_1/Europe/Berlin", want: "Europe/Berlin"},
		{in: "/softwarestudio.org/Olson_20011030_5/America/New_York", want: "America/New_York"},
		{in: "/citadel.org/20190914_1/Europe/Stockholm", want: "Europe/Stockholm"},
		{in: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", want: "Europe/Amsterdam"},
		{in: "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", want: "Europe/Dublin"},
		{in: "(UTC-05:00) Eastern Time (US & Canada)", want: "America/New_York"},
		{in: "(GMT+10:00) Canberra, Melbourne, Sydney", want: "Australia/Canberra"},
		{in: "(UTC+06:30) Yangon (Rangoon)", want: "UTC+0630"},
		{in: "(UTC) Coordinated Universal Time", want: "UTC"},
		{in: "", wantErr: "ical: empty time zone name"},
		{in: "Local", wantErr: `ical: time zone "Local" is not a zone name (name the runner's zone, e.g. Europe/London)`},
		{in: "CEST", wantErr: `ical: unknown time zone "CEST" (want an IANA name such as Europe/Berlin or a Windows name such as W. Europe Standard Time)`},
		{in: "Mars/Olympus_Mons", wantErr: `ical: unknown time zone "Mars/Olympus_Mons" (want an IANA name such as Europe/Berlin or a Windows name such as W. Europe Standard Time)`},
		{in: "/etc/passwd", wantErr: `ical: unknown time zone "/etc/passwd" (want an IANA name such as Europe/Berlin or a Windows name such as W. Europe Standard Time)`},
	}
	for _, tt := range tests {
		loc, err := LoadLocation(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("LoadLocation(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("LoadLocation(%q): %v", tt.in, err)
			continue
		}
		if loc == time.Local {
			t.Errorf("LoadLocation(%q) returned time.Local", tt.in)
		}
		if loc.String() != tt.want {
			t.Errorf("LoadLocation(%q) = %s, want %s", tt.in, loc, tt.want)
		}
	}
}

// TestVTimezoneLocation checks a zone built from a VTIMEZONE against Go's
// own data for the same rules (RFC 5545 §3.6.5 example, EU rules).
func TestVTimezoneLocation(t *testing.T) {
	data := calendar("BEGIN:VTIMEZONE", "TZID:My Berlin",
		"BEGIN:DAYLIGHT", "DTSTART:19810329T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
		"BEGIN:STANDARD", "DTSTART:19961027T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE",
		"BEGIN:VEVENT", "UID:a", "DTSTART;TZID=My Berlin:20260101T120000", "END:VEVENT")
	c, err := Parse("tz.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	mine := c.zones["My Berlin"]
	if mine == nil {
		t.Fatal("no zone built from the VTIMEZONE")
	}
	berlin := mustLoad(t, "Europe/Berlin")
	for at := time.Date(2000, 1, 1, 0, 30, 0, 0, time.UTC); at.Year() < 2060; at = at.Add(7*time.Hour + 13*time.Minute) {
		n1, o1 := at.In(mine).Zone()
		n2, o2 := at.In(berlin).Zone()
		if o1 != o2 || n1 != n2 {
			t.Fatalf("at %s: VTIMEZONE zone says %s %d, Go says %s %d", at, n1, o1, n2, o2)
		}
	}
}

func TestVTimezoneWithSecondlyRuleIsIgnored(t *testing.T) {
	data := calendar("BEGIN:VTIMEZONE", "TZID:Evil",
		"BEGIN:DAYLIGHT", "DTSTART:19700101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
		"RRULE:FREQ=SECONDLY", "END:DAYLIGHT", "END:VTIMEZONE",
		"BEGIN:VEVENT", "UID:a", "DTSTART;TZID=Evil:20260101T120000", "END:VEVENT")
	c, err := Parse("tz.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	z := c.zones["Evil"]
	if z == nil {
		t.Fatal("no zone built from the VTIMEZONE")
	}
	if _, off := time.Date(2026, 1, 1, 12, 0, 0, 0, z).Zone(); off != 2*3600 {
		t.Errorf("offset %d; want +0200 from the DTSTART onset alone", off)
	}
}
