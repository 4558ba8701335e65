package sync

import (
	"bytes"
	"testing"
)

func TestPackRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte(`{"date":"2026-12-07","kind":"easy","sessions":[]},`), 500)
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"empty", []byte{}},
		{"plan JSON", big},
		{"calendar", []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")},
	} {
		packed := Pack(tt.in)
		got, err := Unpack(packed)
		if err != nil || !bytes.Equal(got, tt.in) {
			t.Errorf("%s: Unpack(Pack(x)) = %d bytes, %v; want the %d bytes back", tt.name, len(got), err, len(tt.in))
		}
		// Kept before packing: read as it is.
		if got, err := Unpack(tt.in); err != nil || !bytes.Equal(got, tt.in) {
			t.Errorf("%s: Unpack of unpacked bytes = %d bytes, %v", tt.name, len(got), err)
		}
	}
	if n := len(Pack(big)); n*10 > len(big) {
		t.Errorf("a repetitive plan packs to %d of %d bytes, want a tenth or less", n, len(big))
	}
	if _, err := Unpack([]byte{0x1f, 0x8b, 0, 1, 2}); err == nil {
		t.Error("Unpack of a broken gzip stream = nil error")
	}
}
