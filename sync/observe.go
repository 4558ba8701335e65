package sync

import (
	"errors"

	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/oauth"
)

// Results of one source fetch, as Service.ObserveFetch hears them.
const (
	FetchChanged        = "changed"   // a new or changed body
	FetchUnchanged      = "unchanged" // a 304, or the same bytes again
	FetchTransientError = "transient_error"
	FetchPermanentError = "permanent_error"
)

// FetchResults returns every fetch result, in a fixed order.
func FetchResults() []string {
	return []string{FetchChanged, FetchUnchanged, FetchTransientError, FetchPermanentError}
}

// FailReasonOf names the reason of a failed sync's error; "" for nil. A
// permanent failure (IsPermanent: a source that is gone or not a calendar,
// a plan over its limits) is ReasonPermanentSource: the runner's to fix.
func FailReasonOf(err error) string {
	var fe *fetch.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, oauth.ErrRevoked):
		return ReasonGoogleRevoked
	case IsPermanent(err):
		return ReasonPermanentSource
	case errors.As(err, &fe):
		return ReasonTransientSource
	}
	return ReasonOther
}

// fetchResult names how a fetch went from URLSource's report or error.
func fetchResult(why string, err error) string {
	var fe *fetch.Error
	switch {
	case errors.As(err, &fe) && fe.Kind() == fetch.Permanent:
		return FetchPermanentError
	case err != nil:
		// Anything else (a cancelled context, a cache that failed in an
		// unexpected way) may pass by itself.
		return FetchTransientError
	case why == fetch.WhyNotModified || why == fetch.WhySameContent:
		return FetchUnchanged
	}
	return FetchChanged
}

// UnrecordedCount is how many plans' last outcome the store could not
// take (see Unrecorded): failing plans of reason ReasonStore that the
// store itself cannot count.
func (s *Service) UnrecordedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.unrecorded)
}
