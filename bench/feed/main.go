// Command feed loads strengthsync's feeds and Debian's nginx serving the
// same bytes with wrk, in one run, and prints the ratios for a full GET and
// a 304. Plans are written to serve's SQLite store, synced by serve from a
// loopback calendar, and each feed is copied to nginx's root under the same
// path; wrk asks random feeds among them (a calendar app's token is limited
// to a few requests a second, so one feed cannot be hammered).
//
//	go run ./bench/feed                  # 3,000 feeds, 10 s per load
//
// It is a benchmark, not a test: go test never runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/bench/internal/benchkit"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
	"github.com/strengthsync/strengthsync/sync/sqlite"
)

type config struct {
	feeds    int
	duration time.Duration
	conns    int
	bin      string
	nginx    string
	wrk      string
	source   string
}

func main() {
	var c config
	flag.IntVar(&c.feeds, "feeds", 3000, "feeds (plans) to spread the load over")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "wrk's run per case")
	flag.IntVar(&c.conns, "connections", 32, "wrk's connections")
	flag.StringVar(&c.bin, "bin", "", "strengthsync binary [built from ./cmd/strengthsync]")
	flag.StringVar(&c.nginx, "nginx", "/usr/sbin/nginx", "nginx binary")
	flag.StringVar(&c.wrk, "wrk", "/usr/bin/wrk", "wrk binary")
	flag.StringVar(&c.source, "source", "examples/trainingpeaks-marathon.ics", "the runs calendar every plan reads")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "feed:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "strengthsync-feedbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// nginx's workers may run as another user (nobody, when started as
	// root): they must reach the root directory.
	os.Chmod(work, 0o755)
	benchkit.Header("go run ./bench/feed")
	body, err := os.ReadFile(c.source)
	if err != nil {
		return err
	}
	if c.bin, err = benchkit.Build(c.bin, work); err != nil {
		return err
	}
	srcAddr, err := benchkit.FreeAddr()
	if err != nil {
		return err
	}
	src := &http.Server{Addr: srcAddr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	})}
	go src.ListenAndServe()
	defer src.Close()

	dir := filepath.Join(work, "data")
	os.MkdirAll(dir, 0o700)
	hexKey, sealer, err := benchkit.NewKey()
	if err != nil {
		return err
	}
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return err
	}
	serve, err := benchkit.Start("serve", work, []string{seal.EnvKey + "=" + hexKey, "REDIS_URL="}, c.bin,
		"serve", "--addr", addr, "--data", dir, "--allow-private-sources", "--sync-every", "30m",
		// One client asks every feed many times a second here: lift the
		// per-token limit, or the load measures 429s.
		"--feed-rate", "1e9")
	if err != nil {
		return err
	}
	defer serve.Stop()
	if err := benchkit.WaitHTTP(ctx, "http://"+addr+"/healthz", serve); err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "strengthsync.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	store := sync.SealURLs(st, sealer)
	now := time.Now()
	tokens := make([]string, c.feeds)
	for i := range tokens {
		id := fmt.Sprintf("feed%05d", i)
		tokens[i] = seal.NewToken()
		sealed, err := sealer.Seal([]byte(tokens[i]), []byte(id))
		if err != nil {
			return err
		}
		p := &sync.PlanRecord{ID: id, ManageTokenHash: seal.HashToken(seal.NewToken()), FeedTokenHash: seal.HashToken(tokens[i]),
			FeedTokenSealed: sealed, Sources: []string{"http://" + srcAddr + "/runs.ics"}, TimeZone: "Europe/London",
			Status: sync.StatusNew, NextSync: now, Created: now, Updated: now}
		if err := store.CreatePlan(ctx, p); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "waiting for %d first syncs\n", c.feeds)
	for {
		ids, err := store.DuePlans(ctx, time.Now(), 1)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The same bytes under the same paths in nginx's root.
	root := filepath.Join(work, "www")
	os.MkdirAll(filepath.Join(root, "feeds"), 0o755)
	size := 0
	for _, tok := range tokens {
		res, err := http.Get("http://" + addr + "/feeds/" + tok + ".ics")
		if err != nil {
			return err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || res.Header.Get("ETag") == "" {
			return fmt.Errorf("feed: %d, %v", res.StatusCode, err)
		}
		size = len(b)
		if err := os.WriteFile(filepath.Join(root, "feeds", tok+".ics"), b, 0o644); err != nil {
			return err
		}
	}
	nginxAddr, err := benchkit.FreeAddr()
	if err != nil {
		return err
	}
	os.MkdirAll(filepath.Join(work, "tmp"), 0o700)
	conf := filepath.Join(work, "nginx.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	types { text/calendar ics; }
	client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp;
	uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
	server {
		listen %[2]s;
		root %[3]s;
		etag on;
	}
}
`, work, nginxAddr, root)), 0o644)
	nginx, err := benchkit.Start("nginx", work, nil, c.nginx, "-c", conf, "-e", filepath.Join(work, "nginx-error.log"), "-g", "daemon off;")
	if err != nil {
		return err
	}
	defer nginx.Stop()
	if err := benchkit.WaitHTTP(ctx, "http://"+nginxAddr+"/feeds/"+tokens[0]+".ics", nginx); err != nil {
		return err
	}

	type result struct {
		rps        float64
		p50, p99   string
		nonSuccess int
	}
	load := func(base string, conditional bool) (result, error) {
		// Each server's own ETag per path, for the conditional case.
		var lines []string
		for _, tok := range tokens {
			path := "/feeds/" + tok + ".ics"
			etag := ""
			if conditional {
				res, err := http.Head(base + path)
				if err != nil {
					return result{}, err
				}
				res.Body.Close()
				etag = res.Header.Get("ETag")
			}
			lines = append(lines, path+"\t"+etag)
		}
		list := filepath.Join(work, "paths.txt")
		os.WriteFile(list, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		script := filepath.Join(work, "paths.lua")
		os.WriteFile(script, []byte(wrkScript), 0o644)
		out, err := exec.Command(c.wrk, "-t2", "-c"+strconv.Itoa(c.conns), "-d"+c.duration.String(), "--latency",
			"-s", script, base, "--", list).CombinedOutput()
		if err != nil {
			return result{}, fmt.Errorf("wrk: %w: %s", err, out)
		}
		var r result
		if m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindSubmatch(out); m != nil {
			r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
		}
		if m := regexp.MustCompile(`\s50%\s+(\S+)`).FindSubmatch(out); m != nil {
			r.p50 = string(m[1])
		}
		if m := regexp.MustCompile(`\s99%\s+(\S+)`).FindSubmatch(out); m != nil {
			r.p99 = string(m[1])
		}
		if m := regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`).FindSubmatch(out); m != nil {
			r.nonSuccess, _ = strconv.Atoi(string(m[1]))
		}
		return r, nil
	}
	fmt.Printf("%d feeds of %d bytes each (plain, no gzip); wrk -t2 -c%d -d%s, random feed per request; client, servers and other users share the machine\n\n",
		c.feeds, size, c.conns, c.duration)
	fmt.Println("| case | nginx req/s | strengthsync req/s | ratio | nginx p50 / p99 | strengthsync p50 / p99 | errors (non-2xx/3xx) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, tc := range []struct {
		name        string
		conditional bool
	}{{"full GET (200)", false}, {"If-None-Match (304)", true}} {
		n, err := load("http://"+nginxAddr, tc.conditional)
		if err != nil {
			return err
		}
		cpu0 := serve.CPU()
		s, err := load("http://"+addr, tc.conditional)
		if err != nil {
			return err
		}
		cpu := serve.CPU() - cpu0
		fmt.Printf("| %s | %.0f | %.0f | %.2f× | %s / %s | %s / %s | %d / %d |\n", tc.name, n.rps, s.rps, s.rps/n.rps,
			n.p50, n.p99, s.p50, s.p99, n.nonSuccess, s.nonSuccess)
		fmt.Fprintf(os.Stderr, "%s: serve used %v CPU, %.0f µs a request\n", tc.name, cpu,
			float64(cpu.Microseconds())/(s.rps*c.duration.Seconds()))
	}
	fmt.Println()
	return nil
}

// wrkScript asks a random path of the list each request, with its ETag in
// If-None-Match when the list gives one.
const wrkScript = `
local paths, etags = {}, {}
function init(args)
  for line in io.lines(args[1]) do
    local p, e = line:match("^([^\t]*)\t?(.*)$")
    paths[#paths + 1] = p
    etags[#etags + 1] = e
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  local i = math.random(#paths)
  local headers = {}
  if etags[i] ~= "" then headers["If-None-Match"] = etags[i] end
  return wrk.format("GET", paths[i], headers)
end
`
