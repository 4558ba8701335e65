// Package seal protects the service's secrets at rest: it encrypts OAuth
// tokens and shown-again feed tokens with AES-256-GCM, makes the bearer
// tokens the service hands out, and hashes them for lookup.
//
// It owns the secret key's life cycle (environment variable or a key file it
// generates) and never logs, stores or returns the key or a plaintext in an
// error message.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

// nonceSize and tagSize are AES-GCM's standard sizes; a sealed message is
// nonce || ciphertext || tag.
const (
	nonceSize = 12
	tagSize   = 16
)

// ErrOpen is returned by Open when a message was not sealed with this key
// and associated data, or was changed since.
var ErrOpen = errors.New("seal: message authentication failed")

// Sealer encrypts and decrypts with one key. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	// The random-nonce mode prepends a fresh 12-byte nonce to each message,
	// so callers never manage nonces; the limit is 2^32 messages per key,
	// far beyond what a plan store seals.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext and binds it to associatedData, which is not
// stored: pass the plan ID, so a sealed blob copied into another plan's
// record fails to open. The result is a random 12-byte nonce followed by the
// ciphertext and its 16-byte tag.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	return s.aead.Seal(nil, nil, plaintext, associatedData), nil
}

// Open decrypts a message made by Seal with the same key and associated
// data. Any change to the message, or other associated data, gives ErrOpen.
func (s *Sealer) Open(ciphertext, associatedData []byte) ([]byte, error) {
	if len(ciphertext) < nonceSize+tagSize {
		return nil, fmt.Errorf("seal: message is %d bytes, shorter than nonce and tag: %w", len(ciphertext), ErrOpen)
	}
	plain, err := s.aead.Open(nil, nil, ciphertext, associatedData)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// NewToken returns a fresh 256-bit bearer token (feed or manage token) as
// unpadded base64url, safe in a URL path.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails; it crashes the program instead.
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the SHA-256 of a token: what stores keep and index. A
// plain hash suffices because tokens are 256 bits of randomness, not
// passwords; a guess is as hard as the token itself.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
