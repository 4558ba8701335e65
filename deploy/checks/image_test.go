package checks

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needs skips the test with a loud message when what it needs is missing,
// and fails it under CI=true, where it must run.
func needs(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	msg := "SKIPPED, NOT TESTED: " + what
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: it must be there)")
	}
	t.Skip(msg)
}

// podman runs podman and returns its standard output.
func podman(ctx context.Context, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("podman %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// imageConfig is what `podman image inspect` says of the image's settings.
type imageConfig struct {
	Config struct {
		User       string
		Env        []string
		Entrypoint []string
		Cmd        []string
		Volumes    map[string]struct{}
		Labels     map[string]string
	}
	HealthCheck *struct{ Test []string }
}

// TestImage builds the image the way a release does (deploy/build-image),
// looks inside it, and runs its binary as the image's user in a copy of its
// file system: `plan` prints a plan, `serve` serves, and `healthcheck`
// tells a serving service from none.
func TestImage(t *testing.T) {
	_, err := exec.LookPath("podman")
	needs(t, err == nil, "podman is not installed: the container image is not built or checked (apt-get install podman)")
	needs(t, os.Geteuid() == 0, "not root: podman image mount and chroot need root")
	if testing.Short() {
		t.Skip("-short: the image build takes a minute")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	name := fmt.Sprintf("localhost/strengthsync-check-%d", os.Getpid())
	build := exec.CommandContext(ctx, "../build-image", name)
	var out, errb bytes.Buffer
	build.Stdout, build.Stderr = &out, &errb
	err = build.Run()
	t.Cleanup(func() {
		// Both tags, whatever the build got to; the layers go with them.
		podman(context.Background(), "image", "rm", "--force", name+":latest")
		if refs, _ := podman(context.Background(), "image", "ls", "--quiet", "--filter", "reference="+name); refs != "" {
			podman(context.Background(), append([]string{"image", "rm", "--force"}, strings.Fields(refs)...)...)
		}
	})
	if err != nil {
		t.Fatalf("deploy/build-image: %v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	ref := lines[len(lines)-1]
	tag, ok := strings.CutPrefix(ref, name+":")
	if !ok {
		t.Fatalf("build-image printed %q, want %s:VERSION", ref, name)
	}

	// The version the binary reports is the tag (with + made -).
	bin := "../.build/strengthsync"
	v, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	version := strings.Fields(string(v))[1]
	if strings.ReplaceAll(version, "+", "-") != tag {
		t.Errorf("tag %q, but the binary says it is %q", tag, version)
	}

	js, err := podman(ctx, "image", "inspect", ref)
	if err != nil {
		t.Fatal(err)
	}
	var inspected []imageConfig
	if err := json.Unmarshal([]byte(js), &inspected); err != nil || len(inspected) != 1 {
		t.Fatalf("podman image inspect: %v", err)
	}
	cfg := inspected[0]
	if cfg.Config.User != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532 (not root)", cfg.Config.User)
	}
	if _, ok := cfg.Config.Volumes["/data"]; !ok {
		t.Errorf("volumes %v, want /data", cfg.Config.Volumes)
	}
	if cfg.Config.Labels["org.opencontainers.image.version"] != version {
		t.Errorf("version label %q, want %q", cfg.Config.Labels["org.opencontainers.image.version"], version)
	}
	if cfg.HealthCheck == nil || strings.Join(cfg.HealthCheck.Test, " ") != "CMD /strengthsync healthcheck" {
		t.Errorf("health check %+v, want CMD /strengthsync healthcheck", cfg.HealthCheck)
	}
	if strings.Join(cfg.Config.Entrypoint, " ") != "/strengthsync" {
		t.Errorf("entrypoint %v, want /strengthsync", cfg.Config.Entrypoint)
	}

	mnt, err := podman(ctx, "image", "mount", ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { podman(context.Background(), "image", "unmount", ref) })
	checkImageFiles(t, mnt)

	// The mount is read-only: run in a copy, as a container would with
	// its volume on /data.
	root := filepath.Join(t.TempDir(), "root")
	if out, err := exec.CommandContext(ctx, "cp", "-a", mnt, root).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	example, err := os.ReadFile("../../examples/higdon-novice-half.ics")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "data", "plan.ics"), example, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "/strengthsync", args...)
		cmd.Path = "/strengthsync" // looked up inside the chroot, not here
		cmd.Dir = "/"
		cmd.Env = cfg.Config.Env
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
		return cmd
	}

	t.Run("plan", func(t *testing.T) {
		out, err := run(ctx, "plan", "--from", "/data/plan.ics").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "Strength plan ") || !strings.Contains(string(out), "session(s)") {
			t.Fatalf("plan --from: %v\n%s", err, out)
		}
		// The calendar's zone, found with no /usr/share/zoneinfo: the
		// binary carries the zone database.
		if first, _, _ := strings.Cut(string(out), "\n"); !strings.Contains(first, "(America/New_York)") {
			t.Errorf("plan --from: first line %q does not name the calendar's zone America/New_York", first)
		}
	})

	t.Run("serve and healthcheck", func(t *testing.T) {
		addr := freeAddr(t)
		url := "http://" + addr + "/readyz"
		if out, err := run(ctx, "healthcheck", "--url", url).CombinedOutput(); exitCode(err) != 1 {
			t.Fatalf("healthcheck with nothing listening: %v (want exit 1)\n%s", err, out)
		}
		var logs bytes.Buffer
		serve := run(ctx, "serve", "--addr", addr, "--data", "/data")
		serve.Stdout, serve.Stderr = &logs, &logs
		if err := serve.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- serve.Wait() }()
		defer serve.Process.Kill()

		// Ready when the health check says so; a start is bounded by the
		// test's context, not by a guess at how long it takes.
		var out []byte
		for err = errors.New("not asked"); err != nil; {
			select {
			case e := <-exited:
				t.Fatalf("serve exited: %v\n%s", e, logs.String())
			case <-ctx.Done():
				<-exited // killed with the context; its output is complete
				t.Fatalf("serve never became ready: %s\n%s", out, logs.String())
			case <-time.After(100 * time.Millisecond):
			}
			out, err = run(ctx, "healthcheck", "--url", url).CombinedOutput()
		}
		if len(out) != 0 {
			t.Errorf("healthcheck printed %q on success, want nothing", out)
		}
		// It wrote its database and key as the image's user.
		for _, f := range []string{"strengthsync.db", "secret.key"} {
			info, err := os.Stat(filepath.Join(root, "data", f))
			if err != nil {
				t.Errorf("serve wrote no /data/%s: %v", f, err)
			} else if uid := info.Sys().(*syscall.Stat_t).Uid; uid != 65532 {
				t.Errorf("/data/%s owned by %d, want 65532", f, uid)
			}
		}
		serve.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Errorf("serve after SIGTERM: %v (want exit 0)\n%s", err, logs.String())
		}
	})
}

// checkImageFiles wants the image to hold the binary and the data folder,
// and nothing else: no shell, no package manager, no libc.
func checkImageFiles(t *testing.T, mnt string) {
	t.Helper()
	type file struct {
		mode     fs.FileMode
		uid, gid uint32
	}
	got := map[string]file{}
	err := filepath.WalkDir(mnt, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(mnt, path)
		if rel == "." {
			// The service's user must not be able to add files at the top.
			if st.Uid != 0 || info.Mode().Perm()&0o022 != 0 {
				t.Errorf("/ is %v owned by %d: want it root's and not writable by others", info.Mode(), st.Uid)
			}
			return nil
		}
		got[rel] = file{info.Mode(), st.Uid, st.Gid}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]file{
		"strengthsync": {0o755, 0, 0},
		"data":         {fs.ModeDir | 0o700, 65532, 65532},
	}
	for name, f := range got {
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("image holds /%s (%v): only /strengthsync and /data belong there", name, f.mode)
		case f != w:
			t.Errorf("/%s: %v owned by %d:%d, want %v owned by %d:%d", name, f.mode, f.uid, f.gid, w.mode, w.uid, w.gid)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("image has no /%s", name)
		}
	}

	// Static: no program interpreter (the loader) and no shared libraries.
	bin, err := elf.Open(filepath.Join(mnt, "strengthsync"))
	if err != nil {
		t.Fatal(err)
	}
	defer bin.Close()
	for _, p := range bin.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/strengthsync needs a program interpreter: not a static binary (CGO_ENABLED=0)")
		}
	}
	if libs, _ := bin.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("/strengthsync needs shared libraries %v", libs)
	}

	// scratch has no /etc/ssl and no zoneinfo: the binary brings both.
	info, err := buildinfo.ReadFile(filepath.Join(mnt, "strengthsync"))
	if err != nil {
		t.Fatal(err)
	}
	deps := map[string]bool{}
	for _, d := range info.Deps {
		deps[d.Path] = true
	}
	if !deps["golang.org/x/crypto/x509roots/fallback"] {
		t.Error("/strengthsync has no CA roots of its own (golang.org/x/crypto/x509roots/fallback): HTTPS fails on scratch")
	}
	for _, s := range info.Settings {
		if s.Key == "CGO_ENABLED" && s.Value != "0" {
			t.Errorf("/strengthsync built with CGO_ENABLED=%s, want 0", s.Value)
		}
	}
}

// freeAddr is a loopback address nothing listens on: taken, then given back.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
