package main

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// fixedValues are the values shell completion offers for a flag that
// takes one of a few words.
func fixedValues() map[string][]string {
	return map[string][]string{
		"policy": {"stack", "separate"},
		"level":  {"beginner", "intermediate", "advanced"},
	}
}

// registerCompletions offers values for --policy, --level and --tz in
// every command that has them, wherever the flags are declared.
func registerCompletions(cmd *cobra.Command) {
	for name, values := range fixedValues() {
		if cmd.Flags().Lookup(name) != nil {
			vals := values
			cmd.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				return withPrefix(vals, toComplete), cobra.ShellCompDirectiveNoFileComp
			})
		}
	}
	if cmd.Flags().Lookup("tz") != nil {
		cmd.RegisterFlagCompletionFunc("tz", func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return withPrefix(zoneNames(), toComplete), cobra.ShellCompDirectiveNoFileComp
		})
	}
	for _, sub := range cmd.Commands() {
		registerCompletions(sub)
	}
}

// withPrefix keeps the values that start with prefix, ignoring case, so
// "europe/" still finds Europe/London.
func withPrefix(values []string, prefix string) []string {
	var out []string
	for _, v := range values {
		if strings.HasPrefix(strings.ToLower(v), strings.ToLower(prefix)) {
			out = append(out, v)
		}
	}
	return out
}

// zoneNames lists the IANA zone names of the first zone database found:
// $ZONEINFO (a folder, or a zip like Go's lib/time/zoneinfo.zip), then the
// system's zoneinfo folders, where Go itself looks. The binary's embedded
// copy (time/tzdata) cannot be listed, so with neither there is nothing
// to offer, though every name still works.
func zoneNames() []string {
	sources := []string{os.Getenv(envZoneInfo), "/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ"}
	for _, src := range sources {
		if src == "" {
			continue
		}
		var names []string
		if strings.HasSuffix(src, ".zip") {
			names = zipZoneNames(src)
		} else {
			names = dirZoneNames(src)
		}
		if len(names) > 0 {
			slices.Sort(names)
			return names
		}
	}
	return nil
}

// zoneName reports whether a path inside a zone database names a zone:
// every part capitalised ("America/Argentina/Buenos_Aires", "UTC"), which
// leaves out posix/, right/, posixrules and the .tab and .zi files.
func zoneName(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if part == "" || part[0] < 'A' || part[0] > 'Z' || strings.Contains(part, ".") {
			return false
		}
	}
	return true
}

func dirZoneNames(dir string) []string {
	var names []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if !zoneName(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isTZif(path) {
			names = append(names, rel)
		}
		return nil
	})
	return names
}

// isTZif checks the magic of a zone file (RFC 8536 §3.1).
func isTZif(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && bytes.Equal(magic, []byte("TZif"))
}

func zipZoneNames(path string) []string {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, "/") && zoneName(f.Name) {
			names = append(names, f.Name)
		}
	}
	return names
}
