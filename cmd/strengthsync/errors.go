package main

import (
	"errors"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/sync"
)

// isBadInput reports errors that are the input's fault (exit 2) rather
// than the world's (exit 1).
func isBadInput(err error) bool {
	var ie *ical.Error
	var fe *sync.FieldError
	return errors.As(err, &ie) || errors.As(err, &fe)
}
