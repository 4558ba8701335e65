package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustNew(t testing.TB, key []byte) *Sealer {
	t.Helper()
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) = nil error, want an error", n)
		}
	}
	if _, err := New(make([]byte, KeySize)); err != nil {
		t.Errorf("New(32-byte key): %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	s := mustNew(t, testKey(1))
	tests := []struct {
		name  string
		plain []byte
		ad    []byte
	}{
		{"oauth token", []byte(`{"access_token":"ya29.x","refresh_token":"1//y"}`), []byte("plan-1")},
		{"empty plaintext", nil, []byte("plan-1")},
		{"no associated data", []byte("feed token"), nil},
		{"binary", []byte{0, 1, 2, 255, 0}, []byte{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := s.Seal(tt.plain, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if want := nonceSize + len(tt.plain) + tagSize; len(sealed) != want {
				t.Errorf("sealed length = %d, want nonce+plaintext+tag = %d", len(sealed), want)
			}
			if len(tt.plain) > 3 && bytes.Contains(sealed, tt.plain) {
				t.Error("sealed message contains the plaintext")
			}
			got, err := s.Open(sealed, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plain) {
				t.Errorf("Open = %q, want %q", got, tt.plain)
			}
		})
	}
}

// Two seals of the same plaintext differ: the nonce is random, so equal
// tokens in two plans cannot be spotted by comparing blobs.
func TestSealNonceIsFresh(t *testing.T) {
	s := mustNew(t, testKey(1))
	a, _ := s.Seal([]byte("same"), []byte("p"))
	b, _ := s.Seal([]byte("same"), []byte("p"))
	if bytes.Equal(a[:nonceSize], b[:nonceSize]) {
		t.Error("two seals share a nonce")
	}
	if bytes.Equal(a, b) {
		t.Error("two seals of one plaintext are equal")
	}
}

func TestOpenRejects(t *testing.T) {
	s := mustNew(t, testKey(1))
	other := mustNew(t, testKey(2))
	sealed, err := s.Seal([]byte("refresh-token"), []byte("plan-a"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		sealer *Sealer
		msg    []byte
		ad     []byte
	}{
		{"flipped nonce bit", s, flip(0), []byte("plan-a")},
		{"flipped ciphertext bit", s, flip(nonceSize), []byte("plan-a")},
		{"flipped tag bit", s, flip(len(sealed) - 1), []byte("plan-a")},
		{"truncated", s, sealed[:len(sealed)-1], []byte("plan-a")},
		{"extended", s, append(bytes.Clone(sealed), 0), []byte("plan-a")},
		{"shorter than nonce and tag", s, sealed[:nonceSize+tagSize-1], []byte("plan-a")},
		{"empty", s, nil, []byte("plan-a")},
		// The blob moved to another plan's record.
		{"other plan id", s, sealed, []byte("plan-b")},
		{"no associated data", s, sealed, nil},
		{"other key", other, sealed, []byte("plan-a")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.msg, tt.ad)
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("Open = %q, %v; want ErrOpen", got, err)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q with an error", got)
			}
		})
	}
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := NewToken()
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			t.Fatalf("token %q is not unpadded base64url: %v", tok, err)
		}
		if len(raw) != 32 {
			t.Fatalf("token carries %d bytes, want 32", len(raw))
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}

func TestHashToken(t *testing.T) {
	// SHA-256("abc"), FIPS 180-2 appendix B.1.
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := hex.EncodeToString(HashToken("abc")); got != want {
		t.Errorf("HashToken(abc) = %s, want %s", got, want)
	}
	if bytes.Equal(HashToken("a"), HashToken("b")) {
		t.Error("different tokens hash alike")
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadKeyFromEnv(t *testing.T) {
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = byte(i*7 + 0xf0) // includes bytes that differ in std/url base64
	}
	tests := []struct {
		name  string
		value string
	}{
		{"hex", hex.EncodeToString(key)},
		{"hex upper", strings.ToUpper(hex.EncodeToString(key))},
		{"base64 std", base64.StdEncoding.EncodeToString(key)},
		{"base64 url", base64.URLEncoding.EncodeToString(key)},
		{"base64 raw std", base64.RawStdEncoding.EncodeToString(key)},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(key)},
		{"surrounding space", "  " + hex.EncodeToString(key) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := LoadKey(env(map[string]string{EnvKey: tt.value}), dir)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, key) {
				t.Errorf("LoadKey = %x, want %x", got, key)
			}
			if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
				t.Error("a key file was written although the variable was set")
			}
		})
	}
}

func TestLoadKeyEnvErrors(t *testing.T) {
	secretish := "c2VjcmV0LXNob3J0LWtleQ" // base64 of 16 bytes
	tests := []struct {
		name, value, wantInErr string
	}{
		{"short base64", secretish, "decodes to 16 bytes"},
		// 64 characters, not all of them hex digits.
		{"long base64", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xc7, 0x1f, 0xff}, 16)), "decodes to 48 bytes"},
		{"63 hex digits", strings.Repeat("a", 63), "want 32"},
		{"not base64 or hex", "not a key!", "neither base64 nor 64 hex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadKey(env(map[string]string{EnvKey: tt.value}), t.TempDir())
			if err == nil {
				t.Fatal("LoadKey accepted a bad key")
			}
			msg := err.Error()
			if !strings.Contains(msg, EnvKey) {
				t.Errorf("error %q does not name %s", msg, EnvKey)
			}
			if !strings.Contains(msg, tt.wantInErr) {
				t.Errorf("error %q does not say %q", msg, tt.wantInErr)
			}
			if strings.Contains(msg, tt.value) {
				t.Errorf("error %q echoes the key", msg)
			}
		})
	}
}

func TestLoadKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	k1, err := LoadKey(env(nil), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != KeySize {
		t.Fatalf("key is %d bytes", len(k1))
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %#o, want 0600", perm)
	}
	k2, err := LoadKey(env(nil), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Error("second LoadKey returned a different key: the file was not reused")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".secret.key-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// The variable wins over an existing file.
	other := testKey(9)
	k3, err := LoadKey(env(map[string]string{EnvKey: hex.EncodeToString(other)}), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k3, other) {
		t.Error("the variable did not win over the key file")
	}
}

func TestLoadKeyFileRefused(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		mode      os.FileMode
		wantInErr string
	}{
		{"world readable", base64.StdEncoding.EncodeToString(testKey(3)), 0o644, "chmod 600"},
		{"group readable", base64.StdEncoding.EncodeToString(testKey(3)), 0o640, "chmod 600"},
		{"group writable", base64.StdEncoding.EncodeToString(testKey(3)), 0o620, "chmod 600"},
		{"wrong length", base64.StdEncoding.EncodeToString(testKey(3)[:20]), 0o600, "decodes to 20 bytes"},
		{"garbage", "%%%", 0o600, "neither base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, KeyFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			_, err := LoadKey(env(nil), dir)
			if err == nil {
				t.Fatal("LoadKey accepted the key file")
			}
			if !strings.Contains(err.Error(), tt.wantInErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s and say %q", err, path, tt.wantInErr)
			}
		})
	}
}

func TestLoadKeyNoSource(t *testing.T) {
	_, err := LoadKey(env(nil), "")
	if err == nil || !strings.Contains(err.Error(), EnvKey) {
		t.Errorf("LoadKey with no variable and no dir = %v, want an error naming %s", err, EnvKey)
	}
}

// A CLI and a server starting together must end up with one key.
func TestLoadKeyConcurrentCreate(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg stdsync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadKey(env(nil), dir) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("LoadKey %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("LoadKey %d returned a different key", i)
		}
	}
}

func FuzzOpen(f *testing.F) {
	s := mustNew(f, testKey(1))
	good, _ := s.Seal([]byte("token"), []byte("plan"))
	f.Add(good, []byte("plan"))
	f.Add([]byte{}, []byte{})
	f.Add(make([]byte, nonceSize+tagSize), []byte("plan"))
	f.Fuzz(func(t *testing.T, msg, ad []byte) {
		plain, err := s.Open(msg, ad)
		if err != nil {
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("Open error %v is not ErrOpen", err)
			}
			return
		}
		// Only the seed sealed with this key opens (the seed is sealed
		// afresh in each fuzz worker, so compare what it carries).
		if string(ad) != "plan" || string(plain) != "token" {
			t.Fatalf("Open accepted a forged message %x", msg)
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Add(hex.EncodeToString(testKey(1)))
	f.Add(base64.StdEncoding.EncodeToString(testKey(1)))
	f.Add(base64.RawURLEncoding.EncodeToString(testKey(1)))
	f.Add("")
	f.Add("zz")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := ParseKey(s)
		if err != nil {
			if key != nil {
				t.Fatal("ParseKey returned a key with an error")
			}
			if len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q echoes the input", err)
			}
			return
		}
		if len(key) != KeySize {
			t.Fatalf("ParseKey(%q) gave %d bytes", s, len(key))
		}
	})
}
