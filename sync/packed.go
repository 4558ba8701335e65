package sync

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

// Pack gzips a blob kept at rest that is written once a change and read
// rarely (a source calendar, a plan's JSON): calendars and JSON shrink
// about tenfold, and the store's size is most of what a plan costs.
func Pack(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Unpack returns what Pack packed. Other bytes pass as they are: a blob
// kept before packing (JSON or a calendar) never starts with gzip's magic
// number.
func Unpack(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	return out, nil
}
