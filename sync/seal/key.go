package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvKey names the environment variable that holds the sealing key.
const EnvKey = "STRENGTHSYNC_SECRET_KEY"

// KeyFile is the key file's name inside the data directory.
const KeyFile = "secret.key"

// LoadKey returns the sealing key. STRENGTHSYNC_SECRET_KEY wins when set (32
// bytes as base64, standard or URL alphabet, padded or not, or as 64 hex
// digits). Otherwise the key is read from dataDir/secret.key, which is
// generated with mode 0600 on first use; a key file that group or others can
// read or write is refused, because anyone who reads it can open every
// sealed token. Errors name the variable or file, never the key.
func LoadKey(getenv func(string) string, dataDir string) ([]byte, error) {
	if v := strings.TrimSpace(getenv(EnvKey)); v != "" {
		key, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", EnvKey, err)
		}
		return key, nil
	}
	if dataDir == "" {
		return nil, fmt.Errorf("seal: no key: set %s or give a data directory", EnvKey)
	}
	path := filepath.Join(dataDir, KeyFile)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(dataDir, path); err != nil {
			return nil, err
		}
		key, err = readKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}

// ParseKey decodes a 32-byte key written as 64 hex digits or as base64
// (standard or URL alphabet, with or without padding). The error says what
// was wrong without echoing the value.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	// 64 hex digits would also decode as base64 (to 48 bytes), so hex is
	// tried first; the two never both give 32 bytes.
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	encodings := []*base64.Encoding{
		base64.StdEncoding, base64.URLEncoding,
		base64.RawStdEncoding, base64.RawURLEncoding,
	}
	for _, enc := range encodings {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("key decodes to %d bytes, want %d (base64 of 32 bytes or 64 hex digits)", len(b), KeySize)
		}
		return b, nil
	}
	return nil, fmt.Errorf("key is neither base64 nor 64 hex digits (want 32 bytes)")
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("seal: key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("seal: key file %s is open to group or others (mode %#o): run chmod 600 %s", path, perm, path)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	key, err := ParseKey(buf.String())
	if err != nil {
		return nil, fmt.Errorf("seal: key file %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new key to a temporary file and links it into
// place, so a concurrent process (a CLI next to a server) either wins the
// race or reads the winner's complete key, never a half-written one.
func createKeyFile(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("seal: key file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".secret.key-*")
	if err != nil {
		return fmt.Errorf("seal: key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600; Chmod guards against a future change.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("seal: key file: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key)
	line := base64.StdEncoding.EncodeToString(key) + "\n"
	if _, err := tmp.WriteString(line); err != nil {
		tmp.Close()
		return fmt.Errorf("seal: key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("seal: key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("seal: key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("seal: key file: %w", err)
	}
	return nil
}
