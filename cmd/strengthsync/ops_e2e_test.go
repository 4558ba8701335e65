package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/strengthsync/strengthsync/sync/storetest"
)

// The operator's files: the Grafana dashboard and the Prometheus rules.
const (
	dashboardFile = "../../deploy/grafana/strengthsync.json"
	alertsFile    = "../../deploy/prometheus/alerts.yaml"
)

// alertRules is the Prometheus rule file format
// (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/),
// decoded strictly: a misspelt key fails.
type alertRules struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

// readAlerts checks the rule file's shape and returns each alert's expr.
func readAlerts(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var rf alertRules
	if err := yaml.UnmarshalStrict(b, &rf); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	exprs := map[string]string{}
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("%s: a group without a name or rules", alertsFile)
		}
		for _, r := range g.Rules {
			where := alertsFile + ": " + r.Alert
			if r.Alert == "" || exprs[r.Alert] != "" {
				t.Errorf("%s: alert name empty or used twice", where)
			}
			if d, err := time.ParseDuration(r.For); err != nil || d <= 0 {
				t.Errorf("%s: for %q is not a duration", where, r.For)
			}
			if s := r.Labels["severity"]; s != "page" && s != "warning" {
				t.Errorf("%s: labels.severity %q, want page or warning", where, s)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: annotations.summary and .description are required", where)
			}
			checkPromQL(t, where, r.Expr)
			exprs[r.Alert] = r.Expr
		}
	}
	return exprs
}

// readDashboard checks the Grafana dashboard model's shape and returns each
// panel target's expr, keyed by panel title and refId.
func readDashboard(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		ID         int               `json:"id"`
		Type       string            `json:"type"`
		Title      string            `json:"title"`
		GridPos    map[string]int    `json:"gridPos"`
		Datasource map[string]string `json:"datasource"`
		Targets    []struct {
			Expr  string `json:"expr"`
			RefID string `json:"refId"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		UID           string  `json:"uid"`
		Title         string  `json:"title"`
		SchemaVersion int     `json:"schemaVersion"`
		Panels        []panel `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 || len(d.Panels) == 0 {
		t.Fatalf("%s: not a dashboard model (uid, title, schemaVersion, panels)", dashboardFile)
	}
	exprs := map[string]string{}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		where := dashboardFile + ": panel " + p.Title
		if ids[p.ID] || p.Title == "" || p.GridPos["w"] == 0 || p.GridPos["h"] == 0 {
			t.Errorf("%s: id %d used twice, or no title or size", where, p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource["type"] != "prometheus" || len(p.Targets) == 0 {
			t.Errorf("%s: want a prometheus datasource and targets", where)
		}
		for _, tg := range p.Targets {
			checkPromQL(t, where, tg.Expr)
			exprs[p.Title+"/"+tg.RefID] = tg.Expr
		}
	}
	return exprs
}

// checkPromQL is a loose syntax check: something there, brackets balanced.
func checkPromQL(t *testing.T, where, expr string) {
	t.Helper()
	var open []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range expr {
		switch r {
		case '(', '[', '{':
			open = append(open, r)
		case ')', ']', '}':
			if len(open) == 0 || open[len(open)-1] != pairs[r] {
				t.Errorf("%s: unbalanced %q in %s", where, r, expr)
				return
			}
			open = open[:len(open)-1]
		}
	}
	if strings.TrimSpace(expr) == "" || len(open) > 0 {
		t.Errorf("%s: empty or unclosed expr %q", where, expr)
	}
}

var (
	metricRef  = regexp.MustCompile(`\bstrengthsync_[a-z_]+`)
	labelMatch = regexp.MustCompile(`(strengthsync_[a-z_]+)\{([^}]*)\}`)
	labelEq    = regexp.MustCompile(`([a-z_]+)="([^"]*)"`)
)

// exposition is a scraped /metrics: the series present and the declared
// metric names (a histogram's base name is only declared).
type exposition struct {
	series []string // `name{labels}` as exposed
	names  map[string]bool
}

func parseExposition(body []byte) exposition {
	e := exposition{names: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			e.names[f[2]] = true
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		series, _, _ := strings.Cut(line, " ")
		e.series = append(e.series, series)
		name, _, _ := strings.Cut(series, "{")
		e.names[name] = true
	}
	return e
}

// lacks lists what expr names that e does not expose: metric names, and a
// series for every name{label="value"} equality matcher.
func (e exposition) lacks(expr string) []string {
	var missing []string
	for _, name := range metricRef.FindAllString(expr, -1) {
		if !e.names[name] {
			missing = append(missing, name)
		}
	}
	for _, m := range labelMatch.FindAllStringSubmatch(expr, -1) {
		for _, eq := range labelEq.FindAllStringSubmatch(m[2], -1) {
			want := eq[1] + `="` + eq[2] + `"`
			if !slices.ContainsFunc(e.series, func(s string) bool {
				return strings.HasPrefix(s, m[1]+"{") && strings.Contains(s, want)
			}) {
				missing = append(missing, m[1]+"{"+want+"}")
			}
		}
	}
	return missing
}

// TestOpsMetricsExist is the operator's promise: every metric the
// dashboard draws and the alerts fire on is exposed by a running serve (and,
// for the sync-side ones, by a worker), with the label values they match.
func TestOpsMetricsExist(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	exprs := readAlerts(t)
	for k, v := range readDashboard(t) {
		exprs["dashboard "+k] = v
	}

	g := newSvcGoogle(t)
	cal := newSvcCal(t, svcRunsICS(false))
	s := startServe(t, svcEnv(t, g.env), "--data", t.TempDir(), "--allow-private-sources")
	// Traffic, so the counters with open label sets have series: a URL
	// plan (source fetches), its feed (feed requests), a Google plan
	// (Google calls).
	p := s.create(t, cal.url())
	s.feed(t, p)
	g.connect(t, s)
	res, body := svcDo(t, http.MethodGet, s.base+"/metrics", "", nil)
	svcWant(t, res, body, http.StatusOK)
	serve := parseExposition(body)
	checked := 0
	for where, expr := range exprs {
		for _, m := range serve.lacks(expr) {
			t.Errorf("%s uses %s, which serve's /metrics does not expose", where, m)
		}
		checked += len(metricRef.FindAllString(expr, -1))
	}
	if checked < 10 {
		t.Errorf("only %d metric references checked: did the files lose their exprs?", checked)
	}
	if t.Failed() {
		t.Logf("serve's /metrics:\n%s", grepStrengthsync(body))
	}

	t.Run("worker", func(t *testing.T) {
		rs := storetest.StartRedis(t, storetest.RedisOptions{})
		redisURL := "redis://" + rs.Addr + "/0"
		env, data := svcEnv(t, nil), t.TempDir()
		startServe(t, env, "--redis", redisURL, "--data", data, "--allow-private-sources")
		w := startProc(t, env, "worker", "--redis", redisURL, "--data", data, "--allow-private-sources",
			"--metrics-addr", "127.0.0.1:0")
		var addr string
		svcEventually(t, "the worker's metrics listener", func() bool {
			if w.exited() {
				t.Fatalf("worker exited:\n%s", w.log.String())
			}
			if l := w.log.lines("metrics listening"); len(l) > 0 {
				addr, _ = l[0]["addr"].(string)
			}
			return addr != ""
		})
		// Readiness beside the metrics: the store answers, and this Redis
		// keeps nothing on restart, which the body says.
		res, body := svcDo(t, http.MethodGet, "http://"+addr+"/readyz", "", nil)
		svcWant(t, res, body, http.StatusOK)
		if !strings.HasPrefix(string(body), "ready\n") || !strings.Contains(string(body), "warning: ") {
			t.Errorf("worker /readyz = %q, want ready with the persistence warning", body)
		}
		res, body = svcDo(t, http.MethodGet, "http://"+addr+"/metrics", "", nil)
		svcWant(t, res, body, http.StatusOK)
		worker := parseExposition(body)
		for where, expr := range exprs {
			// Feeds are served by serve alone; Google's counters appear
			// with a worker's first call to Google, and this one has no
			// Google client.
			if strings.Contains(expr, "strengthsync_feed_requests_total") || strings.Contains(expr, "strengthsync_google_api_calls_total") {
				continue
			}
			for _, m := range worker.lacks(expr) {
				t.Errorf("%s uses %s, which a worker's /metrics does not expose", where, m)
			}
		}
		if t.Failed() {
			t.Logf("worker's /metrics:\n%s", grepStrengthsync(body))
		}
	})
}

func grepStrengthsync(body []byte) string {
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "strengthsync_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestExpositionLacks checks the loose PromQL reading the test above relies
// on, so a broken matcher cannot pass everything.
func TestExpositionLacks(t *testing.T) {
	e := parseExposition([]byte(`# TYPE strengthsync_sync_duration_seconds histogram
strengthsync_sync_duration_seconds_bucket{le="1"} 0
strengthsync_syncs_total{result="ok"} 3
`))
	for _, tt := range []struct {
		expr string
		want []string
	}{
		{`sum(rate(strengthsync_syncs_total{result="ok"}[5m]))`, nil},
		{`histogram_quantile(0.5, rate(strengthsync_sync_duration_seconds_bucket[5m]))`, nil},
		{`strengthsync_syncs_total{result="error"}`, []string{`strengthsync_syncs_total{result="error"}`}},
		{`max(strengthsync_queue_lag_seconds) > 600`, []string{"strengthsync_queue_lag_seconds"}},
		{`strengthsync_syncs_total{result=~"ok|error"}`, nil}, // regex matchers are not checked
	} {
		if got := e.lacks(tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("lacks(%s) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}
