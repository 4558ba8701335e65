package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// testKey is a made-up sealing key: 32 bytes of base64.
const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// loadCompose loads deploy/compose.yaml as `docker compose --env-file`
// would, with env as the env file's contents and nothing from this
// process's environment; the compose specification's schema is checked.
func loadCompose(t *testing.T, env ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../compose.yaml"},
		cli.WithWorkingDirectory(".."), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeNeedsTheSecretKey(t *testing.T) {
	_, err := loadCompose(t)
	if err == nil || !strings.Contains(err.Error(), "set STRENGTHSYNC_SECRET_KEY in deploy/.env") {
		t.Fatalf("compose.yaml without STRENGTHSYNC_SECRET_KEY loaded with error %v; want it refused, naming the variable", err)
	}
}

func TestCompose(t *testing.T) {
	p, err := loadCompose(t,
		"STRENGTHSYNC_SECRET_KEY="+testKey,
		"STRENGTHSYNC_GOOGLE_CLIENT_ID=client-id",
		"STRENGTHSYNC_GOOGLE_CLIENT_SECRET=client-secret",
		"STRENGTHSYNC_PUBLIC_URL=https://strength.example",
	)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for name := range p.Services {
			if !yield(name) {
				return
			}
		}
	}); !slices.Equal(got, []string{"redis", "serve", "worker"}) {
		t.Fatalf("services %v, want redis, serve, worker", got)
	}
	for name, want := range map[string]int{"serve": 1, "worker": 2} {
		s := p.Services[name]
		if n := s.GetScale(); n != want {
			t.Errorf("%s: %d replicas, want %d", name, n, want)
		}
	}

	for _, name := range []string{"serve", "worker"} {
		t.Run(name, func(t *testing.T) {
			for _, problem := range appServiceProblems(p.Services[name]) {
				t.Error(problem)
			}
		})
	}
	if got := flagValue(p.Services["serve"].Command, "--public-url"); got != "https://strength.example" {
		t.Errorf("serve --public-url %q, want the env file's STRENGTHSYNC_PUBLIC_URL", got)
	}

	t.Run("redis", func(t *testing.T) {
		r := p.Services["redis"]
		cmd := strings.Join(r.Command, " ")
		if !strings.Contains(cmd, "--appendonly yes") {
			t.Errorf("redis command %q: no --appendonly yes; a restart would lose plans", cmd)
		}
		if !slices.ContainsFunc(r.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Type == types.VolumeTypeVolume && v.Target == "/data" && p.Volumes[v.Source].Name != ""
		}) {
			t.Errorf("redis: /data (the append-only file) is not on a named volume: %+v", r.Volumes)
		}
		if r.HealthCheck == nil || len(r.HealthCheck.Test) < 2 {
			t.Errorf("redis: no health check")
		}
		for _, app := range []string{"serve", "worker"} {
			dep, ok := p.Services[app].DependsOn["redis"]
			if !ok || dep.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s does not wait for a healthy redis: %+v", app, p.Services[app].DependsOn)
			}
		}
	})
}

// appServiceProblems lists what is wrong with a strengthsync service: its
// secrets, its Redis, its health check and its confinement.
func appServiceProblems(s types.ServiceConfig) []string {
	var out []string
	env := func(k string) string {
		if v := s.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	for k, want := range map[string]string{
		"STRENGTHSYNC_SECRET_KEY":           testKey,
		"STRENGTHSYNC_GOOGLE_CLIENT_ID":     "client-id",
		"STRENGTHSYNC_GOOGLE_CLIENT_SECRET": "client-secret",
		"REDIS_URL":                         "redis://redis:6379/0",
	} {
		if got := env(k); got != want {
			out = append(out, fmt.Sprintf("%s=%q, want %q", k, got, want))
		}
	}
	if !slices.Contains(s.Command, "--require-durable-redis") {
		out = append(out, "no --require-durable-redis: a Redis without AOF would only be warned about")
	}
	hc := s.HealthCheck
	if hc == nil || len(hc.Test) < 3 || hc.Test[0] != "CMD" || hc.Test[1] != "/strengthsync" || hc.Test[2] != "healthcheck" {
		out = append(out, fmt.Sprintf("health check %v, want [CMD /strengthsync healthcheck …] (the image has no shell)", hc))
	} else {
		// The check must ask a port this command listens on.
		url := flagValue(hc.Test, "--url")
		listen := flagValue(s.Command, "--addr")
		if s.Command[0] == "worker" {
			listen = flagValue(s.Command, "--metrics-addr")
		}
		if listen == "" || !strings.HasPrefix(url, "http://127.0.0.1"+listen+"/") {
			out = append(out, fmt.Sprintf("health check asks %q, but %s listens on %q", url, s.Command[0], listen))
		}
	}
	if !s.ReadOnly {
		out = append(out, "root file system is writable (read_only: true)")
	}
	if !slices.Equal(s.CapDrop, []string{"ALL"}) {
		out = append(out, fmt.Sprintf("cap_drop %v, want [ALL]", s.CapDrop))
	}
	if s.User != "65532:65532" {
		out = append(out, fmt.Sprintf("user %q, want 65532:65532", s.User))
	}
	if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
		out = append(out, "no security_opt no-new-privileges:true")
	}
	return out
}

// flagValue finds --name=value or --name value in an argument list.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
