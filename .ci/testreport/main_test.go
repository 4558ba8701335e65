package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	mixed, err := os.ReadFile("testdata/mixed.jsonl") // go test -json of passing, skipping, failing and unbuildable packages
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       string
		code     int
		want     []string // lines that must appear, in this order
		dontWant []string
	}{
		{"mixed", string(mixed), 1, []string{
			"ok  \tx/a",
			"c/c_test.go:5:28: undefined: undefined",
			"    b_test.go:5: boom",
			"FAIL\tx/b",
			"2 skipped test(s):",
			"skipped: x/a TestSkip: VALIDATOR MISSING: node not checked",
			"skipped: x/a TestSub/x: no redis",
			"tests: 4 passed, 1 failed, 2 skipped",
		}, []string{"=== RUN   TestPass", "--- PASS", "TestOK"}},
		{"all pass", `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}
{"Action":"pass","Package":"p"}
`, 0, []string{"ok  \tp\t0.1s", "tests: 1 passed, 0 failed, 0 skipped"}, []string{"skipped test", "PASS\n"}},
		{"build failure alone fails", `{"ImportPath":"q","Action":"build-output","Output":"q.go:1: oops\n"}
{"ImportPath":"q","Action":"build-fail"}
`, 1, []string{"q.go:1: oops", "tests: 0 passed, 0 failed, 0 skipped"}, nil},
		{"go command messages pass through", "go: cannot find main module\n", 0, []string{"go: cannot find main module"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := report(strings.NewReader(tt.in), &out); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			got := out.String()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Errorf("output lacks %q after byte %d:\n%s", w, at, got)
					break
				}
				at += i + len(w)
			}
			for _, w := range tt.dontWant {
				if strings.Contains(got, w) {
					t.Errorf("output has %q:\n%s", w, got)
				}
			}
		})
	}
}
