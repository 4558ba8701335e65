package main

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

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

// redactPassword hides the password of rawURL's userinfo wherever msg
// holds it: errors from url.Parse and from client libraries quote the
// URL whole, and it must not reach a terminal or a log. It works on URLs
// too broken to parse, which are the ones that produce such errors. With
// no colon in the userinfo the lone name may be a password
// ("redis://secret@host"), so it is hidden too.
func redactPassword(msg, rawURL string) string {
	rest := rawURL
	if _, after, ok := strings.Cut(rawURL, "://"); ok {
		rest = after
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return msg
	}
	userinfo := rest[:at]
	secret := userinfo
	if _, pw, ok := strings.Cut(userinfo, ":"); ok {
		secret = pw
	}
	if secret == "" {
		return msg
	}
	forms := []string{secret}
	if u, err := url.PathUnescape(secret); err == nil && u != secret {
		forms = append(forms, u)
	}
	if q := strconv.Quote(secret); q[1:len(q)-1] != secret {
		forms = append(forms, q[1:len(q)-1]) // as %q writes it
	}
	for _, f := range forms {
		msg = strings.ReplaceAll(msg, f, "xxxxx")
	}
	return msg
}
