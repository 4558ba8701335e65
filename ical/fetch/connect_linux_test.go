package fetch

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConnectTimeout: a server that never completes the handshake costs
// ConnectTimeout, not the whole budget. Linux drops SYNs to a listener whose
// accept queue (backlog 0) is full, which is such a server.
func TestConnectTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the accept queue; nobody ever accepts.
	filler, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()

	c, _, _ := testClient(t, func(o *Options) {
		o.ConnectTimeout = 300 * time.Millisecond
		o.Retries = -1
	})
	_, err = c.Fetch(context.Background(), "http://"+addr+"/ical/feed.ics", Validators{})
	want := "fetch: could not connect to http://" + addr + "/ical/… within 300ms (transient): check your connection and try again"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if fe := asError(t, err); fe.Kind() != Transient || fe.Attempts != 1 || strings.Contains(err.Error(), "timed out after") {
		t.Errorf("kind %v attempts %d", fe.Kind(), fe.Attempts)
	}
}
