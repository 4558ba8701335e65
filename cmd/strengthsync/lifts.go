package main

import (
	"fmt"
	"strings"

	"github.com/strengthsync/strengthsync/rules"
)

// checkLift refuses a --5rm or --1rm for a lift the plan never uses,
// naming the ones it does: a max for any other name would be ignored
// without a word.
func checkLift(flag, value, name string) error {
	if rules.IsLift(name) {
		return nil
	}
	return usageErr(fmt.Errorf("--%s: %q: unknown lift %q; known lifts: %s", flag, value, strings.TrimSpace(name), strings.Join(rules.Lifts(), ", ")))
}
