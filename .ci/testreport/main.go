// Command testreport reads `go test -json` on standard input and prints
// what a person needs from it: each package's result line, the full
// output of every failed test and failed build, then every skipped test
// with its reason ("skipped: PKG TEST: REASON"), so a test that skipped
// because a tool is missing is seen, and a closing count line. It exits 1
// when anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

type key struct{ pkg, test string }

// location is the "file_test.go:123: " prefix the testing package puts
// before a message.
var location = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: ?`)

func main() {
	os.Exit(report(os.Stdin, os.Stdout))
}

func report(in io.Reader, out io.Writer) int {
	w := bufio.NewWriter(out)
	defer w.Flush()
	buf := map[key][]string{}
	var skipped []string
	passed, failed, skips, other := 0, 0, 0, 0
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not JSON: the go command's own messages. Pass them on.
			fmt.Fprintln(w, sc.Text())
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "build-fail":
			other++
		case "output":
			if e.Test == "" {
				if strings.TrimSpace(e.Output) != "PASS" && !strings.HasPrefix(e.Output, "=== ") {
					fmt.Fprint(w, e.Output)
				}
				continue
			}
			buf[k] = append(buf[k], e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			}
			delete(buf, k)
		case "fail":
			if e.Test == "" {
				continue // the package's FAIL line says it
			}
			failed++
			for _, l := range buf[k] {
				fmt.Fprint(w, l)
			}
			delete(buf, k)
		case "skip":
			if e.Test == "" {
				continue // a package without tests
			}
			skips++
			skipped = append(skipped, fmt.Sprintf("skipped: %s %s: %s", e.Package, e.Test, reason(buf[k])))
			delete(buf, k)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "testreport: reading go test -json: %v\n", err)
		other++
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "\n%d skipped test(s):\n", len(skipped))
		for _, s := range skipped {
			fmt.Fprintln(w, s)
		}
	}
	fmt.Fprintf(w, "tests: %d passed, %d failed, %d skipped\n", passed, failed, skips)
	if failed > 0 || other > 0 {
		return 1
	}
	return 0
}

// reason makes one line of a skipped test's messages: without the
// framework's own lines, file:line prefixes and banner decoration.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		for _, l := range strings.Split(l, "\n") {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
				continue
			}
			t = strings.TrimSpace(strings.Trim(location.ReplaceAllString(t, ""), "!"))
			if t != "" {
				parts = append(parts, t)
			}
		}
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}
