package web

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"mime"
	"net/http"
	"time"
)

// The pages' forms are the one way a browser changes anything here, so
// they are guarded before a handler sees them: the body's type and size are
// checked before it is read (a multipart body would be spooled to disk),
// a cross-site request is refused, and each form carries a token of ours.

// maxForm caps a page form: a few calendar addresses and settings.
const maxForm = 64 << 10

// formTokenField is the hidden field every page form carries.
const formTokenField = "form_token"

// formTokenTTL is how long a page's forms stay good: a tab left open for a
// day still works, a token copied out of a page does not last.
const formTokenTTL = 24 * time.Hour

// formTokenAD binds a form token to its form's scope ("" for the home
// page, a plan ID for a plan's forms), so a token from one form does not
// pass for another plan's.
func formTokenAD(scope string) []byte { return []byte("form-token\x00" + scope) }

// formToken makes the token a page's forms carry: the time it was made,
// sealed with the service's key. It needs no session and no cookie, and
// works without JavaScript; another site cannot make one.
func (s *Server) formToken(scope string) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(s.Now().Unix()))
	sealed, err := s.Sealer.Seal(ts[:], formTokenAD(scope))
	if err != nil {
		return "" // the form is then refused with a message, not a panic
	}
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// checkFormToken accepts a token formToken made for scope within the TTL.
func (s *Server) checkFormToken(scope, tok string) bool {
	if tok == "" || len(tok) > 256 {
		return false
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil {
		return false
	}
	plain, err := s.Sealer.Open(sealed, formTokenAD(scope))
	if err != nil || len(plain) != 8 {
		return false
	}
	made := time.Unix(int64(binary.BigEndian.Uint64(plain)), 0)
	now := s.Now()
	return !made.After(now.Add(time.Minute)) && now.Sub(made) <= formTokenTTL
}

// pageForm guards a page's form POST. In order, without reading the body
// until the request may be good: a cross-site request is 403; a body that
// is not application/x-www-form-urlencoded is 415; a body over maxForm is
// 413; a form without a valid form token is 403. The handler then reads
// r.PostForm.
func (s *Server) pageForm(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.crossOrigin.Check(r); err != nil {
			s.message(w, r, http.StatusForbidden, "Refused",
				"This form was sent from another site. Open strengthsync's own page and send it from there.")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
			w.Header().Set("Accept-Post", "application/x-www-form-urlencoded")
			s.message(w, r, http.StatusUnsupportedMediaType, "Unsupported form",
				"Forms here are sent as application/x-www-form-urlencoded.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			var me *http.MaxBytesError
			if errors.As(err, &me) {
				s.message(w, r, http.StatusRequestEntityTooLarge, "Form too large", "The form is larger than this service accepts.")
				return
			}
			s.message(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
			return
		}
		if !s.checkFormToken(r.PathValue("id"), r.PostForm.Get(formTokenField)) {
			s.message(w, r, http.StatusForbidden, "Please send the form again",
				"This form is out of date or did not come from this site. Reload the page and send it again.")
			return
		}
		next(w, r)
	}
}
