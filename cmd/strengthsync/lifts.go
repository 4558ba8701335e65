package main

import (
	"fmt"
	"strings"
)

// knownLifts are the lifts a 5RM or 1RM turns into loads in kg: those the
// exercise catalogue of rules/exercises.go gives a max to. A max for any
// other name would be ignored without a word, so the flags refuse it.
func knownLifts() []string {
	return []string{"back squat", "bench press", "deadlift", "hip thrust", "overhead press", "reverse lunge",
		"single-leg Romanian deadlift", "split squat", "step-up", "trap-bar deadlift"}
}

// normLift compares lift names as the rules do: case, hyphens,
// underscores and extra spaces do not matter.
func normLift(s string) string {
	s = strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// checkLift refuses a --5rm or --1rm for a lift the plan never uses,
// naming the ones it does.
func checkLift(flag, value, name string) error {
	for _, l := range knownLifts() {
		if normLift(l) == normLift(name) {
			return nil
		}
	}
	return usageErr(fmt.Errorf("--%s: %q: unknown lift %q; known lifts: %s", flag, value, strings.TrimSpace(name), strings.Join(knownLifts(), ", ")))
}
