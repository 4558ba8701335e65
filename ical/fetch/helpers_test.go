package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	stdsync "sync"
	"testing"
	"time"
)

// planICS is a small real-shaped feed served by the test servers.
func planICS(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/plan.ics")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// calendarOfSize returns a syntactically whole calendar of exactly n bytes
// (n ≥ 64), padded with an X- property, as a stand-in for a huge feed.
func calendarOfSize(n int) []byte {
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-PAD:"
	tail := "\r\nEND:VCALENDAR\r\n"
	pad := n - len(head) - len(tail)
	var b bytes.Buffer
	b.Grow(n)
	b.WriteString(head)
	b.Write(bytes.Repeat([]byte("x"), pad))
	b.WriteString(tail)
	return b.Bytes()
}

// sleeps records the waits between retries instead of waiting.
type sleeps struct {
	mu stdsync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// logBuffer collects log output so tests can check what was logged.
type logBuffer struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testClient is a client for loopback test servers: private addresses
// allowed, retries recorded rather than slept, logs kept.
func testClient(t testing.TB, mod func(*Options)) (*Client, *sleeps, *logBuffer) {
	t.Helper()
	s := &sleeps{}
	logs := &logBuffer{}
	o := DefaultOptions()
	o.AllowPrivate = true
	o.UserAgent = UserAgent("test")
	o.Sleep = s.sleep
	o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	if mod != nil {
		mod(&o)
	}
	c := New(o)
	t.Cleanup(c.tr.CloseIdleConnections)
	return c, s, logs
}

// asError unwraps err into the package's *Error or fails the test.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *fetch.Error", err, err)
	}
	return fe
}

// rawServer serves each connection with respond after reading one request,
// then closes it: for answers net/http refuses to produce, such as a
// Content-Length that lies.
func rawServer(t testing.TB, respond func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg stdsync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
					return
				}
				respond(conn)
			})
		}
	})
	return "http://" + ln.Addr().String()
}

// hostPort replaces a test server's changing address with a fixed one, for
// golden files.
func hostPort(msg, base string) string {
	return strings.ReplaceAll(msg, strings.TrimPrefix(base, "http://"), "127.0.0.1:PORT")
}
