// Package rules is strengthsync's coaching core: it classifies the days of a
// runner's plan, places strength sessions under "keep the hard days hard and
// the easy days easy", and prescribes what each session contains.
//
// Everything here is a pure function over plain values. The package never
// reads files, the network or the clock: callers pass in the events, the
// dates and the time zone. Anything that talks to the world depends on this
// package, never the reverse.
package rules
