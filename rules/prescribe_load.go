package rules

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// maxes holds a runner's one-rep maxes in kg, keyed by normalised lift name.
type maxes map[string]float64

// rxMaxKg bounds the maxes that are believed; Settings.Validate rejects
// anything over 500 kg, and a value past this one is a typo, not a lift.
const rxMaxKg = 1000

// epley1RM estimates a one-rep max from a five-rep max with Epley's formula,
// 1RM = w × (1 + reps/30): for five reps, 1RM = 5RM × 7/6. Epley is the
// common choice for sets of up to about ten reps and errs on the light side
// at five, which suits lifting that must not tire the legs for running.
func epley1RM(fiveRM float64) float64 { return fiveRM * (1 + 5.0/30.0) }

// normLift makes lift names comparable: case, hyphens, underscores and extra
// spaces do not matter ("Trap-Bar  Deadlift" = "trap bar deadlift").
func normLift(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("-", " ", "_", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// newMaxes merges the settings' 1RMs and 5RMs into estimated 1RMs. A
// measured 1RM wins over one estimated from a 5RM. When two spellings of the
// same lift are given ("Back squat" and "back squat"), the one that sorts
// first wins, so the result never depends on map order. Values that are not
// positive and finite are ignored.
func newMaxes(s Settings) maxes {
	m := maxes{}
	add := func(src map[string]float64, conv func(float64) float64) {
		keys := make([]string, 0, len(src))
		for k := range src {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			n, kg := normLift(k), src[k]
			if _, ok := m[n]; ok || n == "" || !(kg > 0 && kg <= rxMaxKg) {
				continue
			}
			m[n] = conv(kg)
		}
	}
	add(s.OneRM, func(kg float64) float64 { return kg })
	add(s.FiveRM, epley1RM)
	return m
}

// has reports whether the runner gave a max for mv.
func (m maxes) has(mv catalogMove) bool {
	_, ok := m[mv.lift]
	return mv.lift != "" && ok
}

// pick returns the first move the runner gave a max for, else the first:
// a runner who tests their deadlift rather than a trap-bar deadlift gets
// deadlifts, with their own numbers.
func (m maxes) pick(mvs ...catalogMove) catalogMove {
	for _, mv := range mvs {
		if m.has(mv) {
			return mv
		}
	}
	return mvs[0]
}

// percent writes a load as a share of 1RM, in kg when the runner's max for
// mv is known: "72.5 kg (80% 1RM)", else "80% 1RM".
func (m maxes) percent(mv catalogMove, pct int) string {
	if !m.has(mv) {
		return fmt.Sprintf("%d%% 1RM", pct)
	}
	return fmt.Sprintf("%s kg (%d%% 1RM)", formatKg(roundKg(m[mv.lift]*float64(pct)/100)), pct)
}

// roundKg rounds to the nearest 2.5 kg, the smallest jump most gyms' plates
// allow (two 1.25 kg plates); halves round up.
func roundKg(kg float64) float64 { return math.Floor(kg/2.5+0.5) * 2.5 }

// formatKg writes 72.5 as "72.5" and 80 as "80".
func formatKg(kg float64) string { return strconv.FormatFloat(kg, 'f', -1, 64) }
