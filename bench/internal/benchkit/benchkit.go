// Package benchkit holds what the benchmark programs share: starting and
// measuring processes through /proc, free loopback addresses, sealing keys
// and the header every result table carries. It is for bench/ only.
package benchkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"github.com/strengthsync/strengthsync/sync/seal"
)

// Header prints what a reader of the table must know: the machine, the
// date, the load and the command.
func Header(command string) {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("Machine: %s, %d cores (GOMAXPROCS %d), %s/%s; %s UTC; load average %s\n",
		model, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH,
		time.Now().UTC().Format("2006-01-02 15:04"), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("Command: %s %s\n\n", command, strings.Join(os.Args[1:], " "))
}

// NewKey returns a sealing key as hex, for the processes a bench starts
// (seal.EnvKey), and its sealer, for the plans the bench writes itself.
func NewKey() (string, *seal.Sealer, error) {
	b := make([]byte, seal.KeySize)
	rand.Read(b)
	s, err := seal.New(b)
	return hex.EncodeToString(b), s, err
}

// FreeAddr returns a loopback address free a moment ago.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Proc is a process the bench started, measured through /proc.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	Log  *os.File
}

// Start runs bin with args in dir, its output in dir/name.log.
func Start(name, dir string, env []string, bin string, args ...string) (*Proc, error) {
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &Proc{Name: name, Cmd: cmd, Log: logf}, nil
}

// Stop interrupts the process and waits for it (killing it after 20 s).
func (p *Proc) Stop() {
	p.Cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.Cmd.Process.Kill()
		<-done
	}
	p.Log.Close()
}

// CPU is the process's user + system time so far.
func (p *Proc) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which may hold spaces, in parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// RSS is the resident set in bytes.
func (p *Proc) RSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Written is what the process wrote to files and sockets (wchar).
func (p *Proc) Written() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// WaitHTTP waits until url answers 200, or the process ends, for 30 s.
func WaitHTTP(ctx context.Context, url string, p *Proc) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.Cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not become ready at %s: see %s", p.Name, url, p.Log.Name())
}

// Each calls f for 0..n-1 on 8 goroutines and returns the first error;
// after one, the indices not yet started are skipped.
func Each(n int, f func(i int) error) error {
	var (
		next   atomic.Int64
		wg     stdsync.WaitGroup
		mu     stdsync.Mutex
		first  error
		failed atomic.Bool
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// Build returns bin, or builds ./cmd/strengthsync into dir when bin is "".
func Build(bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(dir, "strengthsync")
	build := exec.Command("go", "build", "-o", bin, "./cmd/strengthsync")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	return bin, nil
}
