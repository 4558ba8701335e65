package main

import (
	"errors"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/sync"
)

// isBadInput reports errors that are the input's fault (exit 2) rather
// than the world's (exit 1): a file or feed that is not a calendar, a bad
// setting, a URL we refuse to fetch. A feed that answers 404 or times out
// is the world's.
func isBadInput(err error) bool {
	var ie *ical.Error
	var fe *sync.FieldError
	var xe *fetch.Error
	switch {
	case errors.As(err, &ie), errors.As(err, &fe):
		return true
	case errors.As(err, &xe):
		return xe.Kind() == fetch.Permanent && xe.Status == 0
	}
	return false
}
