package storetest

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// A secret inside any base64 blob is found whatever precedes it, so a
// store that base64-encodes a record holding a token cannot hide it.
func TestEncodingsFindEmbeddedBase64(t *testing.T) {
	secret := []byte("1//0gRefreshTokenThatMustNotLeak")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		for pre := range 6 {
			for post := range 3 {
				blob := append(append(bytes.Repeat([]byte{'{'}, pre), secret...), bytes.Repeat([]byte{'}'}, post)...)
				dump := []byte(`{"google_token_sealed":"` + enc.EncodeToString(blob) + `"}`)
				found := false
				for _, needle := range Encodings(secret) {
					found = found || bytes.Contains(dump, needle)
				}
				if !found {
					t.Errorf("secret after %d bytes, before %d, missed in %s", pre, post, dump)
				}
			}
		}
	}
	for form, needle := range Encodings(secret) {
		if len(needle) < 8 {
			t.Errorf("%s needle %q is too short to mean anything", form, needle)
		}
	}
	// Unrelated data does not match.
	other := []byte(`{"google_token_sealed":"` + base64.StdEncoding.EncodeToString([]byte("something else entirely, of some length")) + `"}`)
	for form, needle := range Encodings(secret) {
		if bytes.Contains(other, needle) {
			t.Errorf("%s form matches unrelated data", form)
		}
	}
}
