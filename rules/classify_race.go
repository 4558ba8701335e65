package rules

import (
	"strings"
	"time"
)

// clsPlanEnd makes the day a plan ends its goal race ("Plan Ends", "End
// of plan"), when nothing runs after it and the two weeks before it are a
// taper: at most 80% of the biggest of the six weeks before those (SPEC §3
// race: "The day a race plan ends after its taper weeks is its goal race").
func clsPlanEnd(out []Classified, meta []clsMeta, loc *time.Location) {
	const taperShare = 0.8
	for i := range out {
		if !meta[i].planEnd {
			continue
		}
		end := out[i].FirstDate(loc)
		var weekKm [8]float64 // [0] is the week before the end's, [7] eight weeks back
		later := false
		for j := range out {
			c := &out[j]
			if !c.Kind.IsRun() || c.Kind == KindRest {
				continue
			}
			d := c.FirstDate(loc)
			if d.After(end) {
				later = true
				break
			}
			back := (end.Monday().Sub(d.Monday()) / 7) - 1
			if back >= 0 && back < len(weekKm) {
				weekKm[back] += clsSizeKm(c)
			}
		}
		peak := 0.0
		for _, km := range weekKm[2:] {
			peak = max(peak, km)
		}
		taper := max(weekKm[0], weekKm[1])
		if later || peak == 0 || taper > taperShare*peak {
			continue
		}
		out[i].Kind = KindRace
		out[i].Reason = "\"" + clsShorten(strings.TrimSpace(out[i].Summary)) + "\" ends the plan after its taper weeks: the goal race"
	}
}
