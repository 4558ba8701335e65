package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configure a test redis-server.
type RedisOptions struct {
	// Persist turns on the append-only file with an fsync per write, so a
	// restart (even after SIGKILL) keeps every acknowledged write.
	Persist bool
	// Cluster starts the server in cluster mode holding all 16384 slots, so
	// a cross-slot command fails with CROSSSLOT exactly as on a real
	// cluster.
	Cluster bool
	// Args are more server options, after the harness's own, so they win
	// ("--rename-command", "CONFIG", "" makes it a managed Redis that
	// refuses CONFIG).
	Args []string
}

// RedisServer is a real redis-server on a free 127.0.0.1 port, stopped when
// the test ends. Its files live in Dir.
type RedisServer struct {
	Addr string       // host:port on 127.0.0.1
	Dir  string       // the server's working directory: snapshots, AOF
	Opts RedisOptions // as started

	bin  string
	port int
	mu   stdsync.Mutex // guards cmd and done
	cmd  *exec.Cmd
	done chan struct{}
	log  lockedBuffer
}

// StartRedis starts redis-server for the test. Without a redis-server
// binary it skips the test with a loud message, or fails it when CI=true:
// CI must never pass by skipping the Redis suite.
func StartRedis(t testing.TB, opts RedisOptions) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin = "/usr/bin/redis-server"
		if _, statErr := os.Stat(bin); statErr != nil {
			const msg = "!!!!! REDIS TESTS NOT RUN: redis-server not found on PATH or at /usr/bin/redis-server; install it (apt-get install redis-server) !!!!!"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	r := &RedisServer{Dir: t.TempDir(), Opts: opts, bin: bin}
	var lastErr error
	for range 5 { // a free port can be taken between probe and bind
		r.port, err = freePort()
		if err != nil {
			t.Fatal(err)
		}
		r.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
		if lastErr = r.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("start redis-server: %v", lastErr)
	}
	t.Cleanup(func() { r.stop(true) })
	if opts.Cluster {
		if err := r.claimSlots(); err != nil {
			t.Fatalf("redis cluster: %v\n%s", err, r.Log())
		}
	}
	return r
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (r *RedisServer) args() []string {
	a := []string{
		"--port", strconv.Itoa(r.port),
		"--bind", "127.0.0.1",
		"--dir", r.Dir,
		"--save", "",
		"--daemonize", "no",
		"--logfile", "",
		// Uncompressed snapshots, so a byte search of dump.rdb sees every
		// value as stored.
		"--rdbcompression", "no",
	}
	if r.Opts.Persist {
		a = append(a, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		a = append(a, "--appendonly", "no")
	}
	if r.Opts.Cluster {
		a = append(a, "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-announce-ip", "127.0.0.1")
	}
	return append(a, r.Opts.Args...)
}

func (r *RedisServer) start() error {
	cmd := exec.Command(r.bin, r.args()...)
	cmd.Stdout = &r.log
	cmd.Stderr = &r.log
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := r.waitReady(done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%w\n%s", err, r.Log())
	}
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()
	return nil
}

func (r *RedisServer) waitReady(done chan struct{}) error {
	c := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			return errors.New("redis-server exited")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		// A server still loading its AOF answers LOADING: not ready yet.
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server not ready: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *RedisServer) claimSlots() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer c.Close()
	if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		return err
	}
	for {
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster never became ok: %s", info)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop ends the server: SIGKILL when kill is set (a crash), else SHUTDOWN,
// which writes pending data first.
func (r *RedisServer) stop(kill bool) {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	if !kill {
		c := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = c.Shutdown(ctx).Err() // the connection closes: an error is expected
		cancel()
		c.Close()
		select {
		case <-done:
			return
		case <-time.After(10 * time.Second):
		}
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart stops the server (SIGKILL when kill is set, else SHUTDOWN) and
// starts it again on the same port with the same files; clients connected
// before reconnect on their own.
func (r *RedisServer) Restart(t testing.TB, kill bool) {
	t.Helper()
	r.stop(kill)
	if err := r.start(); err != nil {
		t.Fatalf("restart redis-server: %v", err)
	}
}

// Log returns what the server printed, for failure messages.
func (r *RedisServer) Log() string { return r.log.String() }

// lockedBuffer collects the server's output; exec copies into it from its
// own goroutine while a test may read it.
type lockedBuffer struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
