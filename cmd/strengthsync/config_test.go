package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const readmeFile = "../../README.md"

// TestConfigReference: the README's configuration reference is what the
// code generates; -update rewrites it.
func TestConfigReference(t *testing.T) {
	var ref bytes.Buffer
	writeConfigReference(&ref, referenceApp().rootCmd())
	doc, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := spliceReference(string(doc), ref.String())
	if err != nil {
		t.Fatalf("%s: %v", readmeFile, err)
	}
	if *update {
		if err := os.WriteFile(readmeFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(doc) {
		t.Errorf("%s: the configuration reference differs from the code's; run\n\tgo test ./cmd/strengthsync -run TestConfigReference -update", readmeFile)
	}
	// The reference holds what an operator looks for.
	for _, s := range []string{"`strengthsync serve`", "| `--sync-every` | `15m` |", "| `--redis` | none |",
		"| `REDIS_URL` |", "| `STRENGTHSYNC_SECRET_KEY` |", "| `--data` | `$XDG_DATA_HOME/strengthsync` |"} {
		if !strings.Contains(ref.String(), s) {
			t.Errorf("the reference lacks %q:\n%s", s, ref.String())
		}
	}
}

func TestSpliceReference(t *testing.T) {
	for _, tt := range []struct{ doc, want, err string }{
		{"a\n" + refStart + "\nold\n" + refEnd + "\nb\n", "a\n" + refStart + "\nNEW\n" + refEnd + "\nb\n", ""},
		{"a\n", "", "no " + refStart},
		{refStart + "\nold\n", "", "no " + refEnd},
	} {
		got, err := spliceReference(tt.doc, "NEW\n")
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) || got != tt.want {
			t.Errorf("spliceReference(%q) = %q, %v; want %q, %q", tt.doc, got, err, tt.want, tt.err)
		}
	}
}

// TestEnvVarsListed: envVars lists exactly the variables the code reads.
// A read is a string literal given to a getenv or LookupEnv function, a
// STRENGTHSYNC_ name written anywhere, or one of this package's env
// constants used outside config.go. Test support packages (…test, …fake),
// test files and other modules (deploy/checks) do not count: the program
// never runs them.
func TestEnvVarsListed(t *testing.T) {
	read := envReads(t, "../..")
	listed := map[string]bool{}
	for _, v := range envVars() {
		if listed[v.Name] {
			t.Errorf("envVars lists %s twice", v.Name)
		}
		listed[v.Name] = true
		if !v.Indirect && read[v.Name] == "" {
			t.Errorf("envVars lists %s, which no code reads", v.Name)
		}
	}
	for name, where := range read {
		if !listed[name] {
			t.Errorf("%s reads %s, which envVars (cmd/strengthsync/config.go) does not list", where, name)
		}
	}
	if len(read) < 10 {
		t.Errorf("found only %d variables read: %v", len(read), read)
	}
}

var envName = regexp.MustCompile(`^STRENGTHSYNC_[A-Z0-9_]+$`)

// envReads finds the variables read under root, each with one place that
// reads it.
func envReads(t *testing.T, root string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	read := map[string]string{}
	consts := map[string]string{} // this package's env constants → name
	var mainFiles []*ast.File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(base, ".") || base == "testdata" || base == "node_modules" ||
				strings.HasSuffix(base, "test") || strings.HasSuffix(base, "fake")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir // another module (deploy/checks), not the program
			}
			return nil
		}
		if !strings.HasSuffix(base, ".go") || strings.HasSuffix(base, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inConfig := filepath.Base(filepath.Dir(path)) == "strengthsync" && base == "config.go"
		if f.Name.Name == "main" {
			mainFiles = append(mainFiles, f)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if inConfig {
					for i, id := range n.Names {
						if i >= len(n.Values) {
							break
						}
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(id.Name, "env") {
							consts[id.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if l := strings.ToLower(name); (l == "getenv" || l == "lookupenv") && len(n.Args) == 1 {
					if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						read[v] = fset.Position(lit.Pos()).String()
					}
				}
			case *ast.BasicLit:
				if v, _ := strconv.Unquote(n.Value); n.Kind == token.STRING && envName.MatchString(v) && !inConfig {
					read[v] = fset.Position(n.Pos()).String()
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(consts) == 0 {
		t.Fatal("no env constants found in cmd/strengthsync/config.go")
	}
	for _, f := range mainFiles {
		if pos := fset.Position(f.Pos()); filepath.Base(pos.Filename) == "config.go" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && consts[id.Name] != "" {
				read[consts[id.Name]] = fset.Position(id.Pos()).String()
			}
			return true
		})
	}
	names := make([]string, 0, len(read))
	for k := range read {
		names = append(names, k)
	}
	slices.Sort(names)
	t.Logf("variables read: %v", names)
	return read
}

func TestShortDuration(t *testing.T) {
	for in, want := range map[string]string{"15m0s": "15m", "1h0m0s": "1h", "1m30s": "1m30s", "10s": "10s",
		"0s": "0s", "1h30m0s": "1h30m", "500ms": "500ms", "2m0.5s": "2m0.5s"} {
		if got := shortDuration(in); got != want {
			t.Errorf("shortDuration(%q) = %q, want %q", in, got, want)
		}
	}
}
