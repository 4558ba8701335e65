package rules_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/strengthsync/strengthsync/rules"
)

const clMile = 1.609344

// TestParseDistanceKm covers the units of the classifier issue, the "m"
// heuristic, and what is not the run's distance.
func TestParseDistanceKm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64 // 0 means no distance
	}{
		// Kilometres and the "k" of race names.
		{"Run 8 km", 8},
		{"10k", 10},
		{"10K race", 10},
		{"5km Easy Run", 5},
		{"6.5km", 6.5},
		{"6,5 km", 6.5}, // decimal comma (German, French, Spanish)
		{"Lange duurloop 25 kilometer", 25},
		{"21,1 km", 21.1},
		{"Intervals • 6.5km • 45m - 50m", 6.5}, // TrainingPeaks: the "m"s are minutes
		{"Planned: 1:30:00, 18 km, TSS 120", 18},
		{"5-K Race", 5}, // Higdon's hyphen
		{"Лёгкий бег 8 км", 8},
		{"Интервалы 5×1 км", 0}, // a repeat
		{"100-mile", 100 * clMile},
		// Miles.
		{"5 mi", 5 * clMile},
		{"12 miles", 12 * clMile},
		{"Long run 10-12 mi", 12 * clMile}, // a range: the upper end
		// Segments add up; distances "with" or "w/" a run are inside it.
		{"8 km at 88% MP + 8 km at 90% MP + 6 km", 22},
		{"2 mi WU + 10 mi @ MP + 2 mi CD", 14 * clMile},
		{"3 km easy then 5 km tempo then 2 km easy", 10},
		{"Long run 18 mi w/ 10 mi @ MP", 18 * clMile},
		{"2 km + 800 m", 2.8},
		{"1 km WU + 6 x 800m + 1 km CD", 2},
		{"10 km – 12 km", 12},
		// Chinese and Japanese units, written without spaces.
		{"3公里慢跑", 3},
		{"轻松跑5公里", 5},
		{"慢跑8千米", 8},
		{"间歇跑6×800米", 0},
		{"ロング走25km", 25},
		{"インターバル400m×10", 0}, // a repeat, count last
		{"１０ｋｍ", 10},         // full-width
		{"13.1 mi", 13.1 * clMile},
		// Metres.
		{"800m", 0.8},
		{"400 m", 0.4},
		{"10,000m", 10}, // thousands separator
		{"5000 meters", 5},
		{"60 m", 0.06},
		// Higdon's "m" for miles: a small number, a space, and no km or
		// miles elsewhere.
		{"3 m run", 3 * clMile},
		{"Run 3 m", 3 * clMile},
		{"20 m run", 20 * clMile},
		{"3.5 m run", 3.5 * clMile},
		// Not distances of the run.
		{"45m", 0},              // minutes (TrainingPeaks, intervals.icu)
		{"90m", 0},              // minutes
		{"6x800m", 0},           // a repeat
		{"5 x 1 km", 0},         // a repeat
		{"2 x (4 x 400m)", 0},   // nested repeats
		{"Tempo @ 10K pace", 0}, // a pace reference
		{"5K effort", 0},
		{"@ 10K", 0},
		{"30 km/h", 0}, // a speed
		{"5:45/km", 0}, // a pace
		{"Week 3", 0},
		{"TSS 120", 0},
		{"z2", 0},
		{"10 kg", 0},
		{"", 0},
		// Repeats do not count, the rest does.
		{"Run 2 mi warm up, 6 x 800m at 5K pace w/ 400m jog, 2 mi cool down", 2 * clMile},
		{"VO2max 8 mi w/ 5 x 600m @ 5K pace", 8 * clMile},
		{"Strength 3 x 2 mi", 0},
	} {
		got, ok := rules.ParseDistanceKm(tc.in)
		if ok != (tc.want != 0) || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("ParseDistanceKm(%q) = %g, %v; want %g", tc.in, got, ok, tc.want)
		}
	}
}

// TestParseDuration covers durations, and paces and clock times that are
// not durations.
func TestParseDuration(t *testing.T) {
	const h, m, s = time.Hour, time.Minute, time.Second
	for _, tc := range []struct {
		in   string
		want time.Duration // 0 means no duration
	}{
		{"45 min", 45 * m},
		{"45 mins", 45 * m},
		{"45 minutes", 45 * m},
		{"45min", 45 * m},
		{"40 Minuten", 40 * m},
		{"45mn", 45 * m}, // French
		{"Бег 40 мин", 40 * m},
		{"1 h", h},
		{"1h", h},
		{"1 hr", h},
		{"2 hrs", 2 * h},
		{"1.5 h", 90 * m},
		{"45'", 45 * m},
		{"90'", 90 * m},
		{"45′", 45 * m}, // a prime sign
		{"1:30:00", 90 * m},
		{"Planned: 1:30:00, 18 km, TSS 120", 90 * m},
		{"1h30", 90 * m},
		{"1h30m", 90 * m},
		{"1h 30min", 90 * m},
		{"2h30m - 2h45m", 165 * m}, // a range: the longer
		{"Sortie longue 1h45", 105 * m},
		{"Langer Dauerlauf 2:15 h", 135 * m},
		{"Long run 1:45", 105 * m},
		{"Base 45:00", 45 * m}, // minutes and seconds
		{"45m", 45 * m},        // TrainingPeaks minutes
		{"Intervals • 6.5km • 45m - 50m", 50 * m},
		{"Recovery 30m", 30 * m},
		{"30 sec", 30 * s},
		{"1'30", 90 * s},
		{"20 seconds", 20 * s},
		// Not durations.
		{"5:45/km", 0},
		{"8:30/mi", 0},
		{"5:45 min/km", 0},
		{"4'30/km", 0},
		{"8:30 pace", 0},
		{"@ 4:30", 0},
		{"5 min/km", 0},
		{"07:00", 0},     // a time of day
		{"7:00-8:00", 0}, // a time range
		{"4:30 am", 0},
		{"3 x 10 min", 0}, // a repeat
		{"Threshold 3x10m", 0},
		{"MP-10s", 0},  // an offset from a pace
		{"3 m run", 0}, // Higdon's miles
		{"Week 12", 0},
		{"", 0},
	} {
		got, ok := rules.ParseDuration(tc.in)
		if ok != (tc.want != 0) || got != tc.want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", tc.in, got, ok, tc.want)
		}
	}
}

// TestParseRoundTrip writes distances and durations the way plans do and
// reads them back.
func TestParseRoundTrip(t *testing.T) {
	for _, v := range []float64{0.4, 1, 3.1, 5, 6.5, 10, 13.1, 21.0975, 26.2, 42.195, 50, 100} {
		for _, f := range []string{"%s km", "%skm", "%s mi", "%s miles"} {
			in := fmtNum(f, v)
			want := v
			if f == "%s mi" || f == "%s miles" {
				want = v * clMile
			}
			if got, ok := rules.ParseDistanceKm(in); !ok || math.Abs(got-want) > 1e-6 {
				t.Errorf("ParseDistanceKm(%q) = %g, %v; want %g", in, got, ok, want)
			}
		}
	}
	for mins := 1; mins <= 300; mins += 7 {
		d := time.Duration(mins) * time.Minute
		for _, in := range []string{
			strconv.Itoa(mins) + " min",
			strconv.Itoa(mins) + "'",
			strconv.Itoa(mins/60) + ":" + two(mins%60) + ":00",
			strconv.Itoa(mins/60) + "h" + two(mins%60),
		} {
			if got, ok := rules.ParseDuration(in); !ok || got != d {
				t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, ok, d)
			}
		}
	}
}

func fmtNum(f string, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	out := ""
	for i := 0; i < len(f); i++ {
		if f[i] == '%' && i+1 < len(f) && f[i+1] == 's' {
			out += s
			i++
			continue
		}
		out += string(f[i])
	}
	return out
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// FuzzParseDistance checks that any text parses without panicking into a
// plausible distance, and that the result does not depend on what follows
// after a line break that ends the quantity.
func FuzzParseDistance(f *testing.F) {
	for _, s := range []string{"Run 8 km", "10k", "6x800m", "3 m run", "Long run 10-12 mi", "10,000m", "2 x (4 x 400m)",
		"5-K Race", "Intervals • 6.5km • 45m - 50m", "6,5 km", "30 km/h", "@ 10K", "1x(1x(1x(", "9999999 km", "13.1 mi",
		"2 mi WU + 10 mi @ MP + 2 mi CD", "900 km + 900 km", "轻松跑5公里", "インターバル400m×10本", "１０ｋｍ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		km, ok := rules.ParseDistanceKm(s)
		if !ok && km != 0 {
			t.Fatalf("ParseDistanceKm(%q) = %g with ok false", s, km)
		}
		if ok && (math.IsNaN(km) || km <= 0 || km > 1000*clMile) {
			t.Fatalf("ParseDistanceKm(%q) = %g: implausible", s, km)
		}
		if !utf8.ValidString(s) {
			return
		}
		// Prefixing a word cannot create or change a distance.
		if km2, ok2 := rules.ParseDistanceKm("Run " + s); ok && (!ok2 || km2 < km) {
			t.Fatalf("ParseDistanceKm(%q) = %g, but with \"Run \" before it %g, %v", s, km, km2, ok2)
		}
	})
}

// FuzzParseDuration checks that any text parses without panicking into a
// plausible duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"45 min", "1h30", "1:30:00", "90'", "5:45/km", "Base 45:00", "1'30''", "45m - 50m",
		"Langer Dauerlauf 2:15 h", "7:00-8:00", "MP-10s", "9999999 h", "1h99", "59:59:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := rules.ParseDuration(s)
		if !ok && d != 0 {
			t.Fatalf("ParseDuration(%q) = %s with ok false", s, d)
		}
		if ok && (d <= 0 || d > 72*time.Hour) {
			t.Fatalf("ParseDuration(%q) = %s: implausible", s, d)
		}
		if !utf8.ValidString(s) {
			return
		}
		if d2, ok2 := rules.ParseDuration("Run " + s); ok && (!ok2 || d2 < d) {
			t.Fatalf("ParseDuration(%q) = %s, but with \"Run \" before it %s, %v", s, d, d2, ok2)
		}
	})
}

// FuzzClassify checks that any title and description classify without
// panicking, into a known kind with a reason.
func FuzzClassify(f *testing.F) {
	for _, tc := range clCases[:40] {
		f.Add(tc.title, tc.desc)
	}
	for _, tc := range clCases {
		if tc.gym != clNoGym || strings.ContainsAny(tc.title, "公里米分") {
			f.Add(tc.title, tc.desc)
		}
	}
	c := rules.NewClassifier(rules.Keywords{rules.KindHard: {"club night"}, rules.KindAway: {"camp"}})
	f.Fuzz(func(t *testing.T, title, desc string) {
		ev := clEvent(0, title, desc, []string{title}, time.Hour)
		got := c.Classify([]rules.Event{ev}, time.UTC)
		if len(got) < 1 || len(got) > 2 {
			t.Fatalf("Classify(%q, %q) = %d results", title, desc, len(got))
		}
		if len(got) == 2 && (got[0].Part != "run" || got[1].Part != "strength" || got[1].Kind != rules.KindStrength || !got[0].Kind.IsRun()) {
			t.Fatalf("Classify(%q, %q): compound parts %+v", title, desc, got)
		}
		for _, g := range got {
			if g.Reason == "" || g.Kind < rules.KindOther || g.Kind > rules.KindRace {
				t.Fatalf("Classify(%q, %q) = %+v", title, desc, got)
			}
			if g.DistanceKm < 0 || g.Duration < 0 || math.IsNaN(g.DistanceKm) {
				t.Fatalf("Classify(%q, %q): distance %g, duration %s", title, desc, g.DistanceKm, g.Duration)
			}
			if g.Light && g.Kind != rules.KindStrength {
				t.Fatalf("Classify(%q, %q): light %s", title, desc, g.Kind)
			}
		}
	})
}

// FuzzSegments checks that segments joined by "+" add up, in any unit
// and any script's spacing, and that "w/" keeps the inner distance inside.
func FuzzSegments(f *testing.F) {
	f.Add(uint16(2), uint16(10), uint16(2), "mi", uint8(1))
	f.Add(uint16(8), uint16(8), uint16(6), "km", uint8(0))
	f.Add(uint16(3), uint16(5), uint16(1), "公里", uint8(0))
	f.Fuzz(func(t *testing.T, a, b, c uint16, unit string, spaces uint8) {
		if a == 0 || b == 0 || c == 0 || a > 200 || b > 200 || c > 200 {
			return
		}
		sep := strings.Repeat(" ", int(spaces%3))
		per := 0.0
		switch unit {
		case "km", "公里":
			per = 1
		case "mi":
			per = clMile
		default:
			return
		}
		s := fmt.Sprintf("%d%s%s + %d%s%s at MP + %d%s%s", a, sep, unit, b, sep, unit, c, sep, unit)
		got, ok := rules.ParseDistanceKm(s)
		want := float64(a+b+c) * per
		if !ok || math.Abs(got-want) > 1e-6 {
			t.Fatalf("ParseDistanceKm(%q) = %g, %v; want %g", s, got, ok, want)
		}
		w := fmt.Sprintf("%d%s%s w/ %d%s%s at MP", a+b, sep, unit, b, sep, unit)
		if got, _ := rules.ParseDistanceKm(w); math.Abs(got-float64(a+b)*per) > 1e-6 {
			t.Fatalf("ParseDistanceKm(%q) = %g, want %g", w, got, float64(a+b)*per)
		}
	})
}
