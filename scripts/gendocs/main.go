// Command gendocs writes smshook's shell completion scripts and man pages
// from the real command tree.
//
//	go run ./scripts/gendocs                  # completions/ (committed; run it after changing commands)
//	go run ./scripts/gendocs -man manpages    # and the man pages, as a release build does
//
// The completion scripts are what `smshook completion SHELL` prints; a test
// (gendocs_test.go) fails when the committed ones differ. Man pages are
// written gzipped (smshook.1.gz, smshook-sign.1.gz, …) and are not committed.
//
//go:generate go run . -completions ../../completions
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/smshook/smshook/pkg/cmd/completion"
	"github.com/smshook/smshook/pkg/cmd/root"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

func main() {
	completionsDir := flag.String("completions", "completions", "write the completion scripts into `DIR` (\"\" to skip)")
	manDir := flag.String("man", "", "write gzipped man pages into `DIR` (created if missing)")
	version := flag.String("version", "", "version shown in the man pages' footer")
	date := flag.String("date", "", "date shown in the man pages (RFC 3339 or YYYY-MM-DD; default $SOURCE_DATE_EPOCH, else today)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./scripts/gendocs [-completions DIR] [-man DIR [-version V] [-date D]]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*completionsDir, *manDir, *version, *date); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

func run(completionsDir, manDir, version, date string) error {
	if completionsDir != "" {
		if err := WriteCompletions(completionsDir); err != nil {
			return err
		}
	}
	if manDir != "" {
		var when *time.Time
		if date != "" {
			t, err := parseDate(date)
			if err != nil {
				return err
			}
			// A snapshot release outside a clone passes the zero time.
			if t.Year() > 1 {
				when = &t
			}
		}
		if err := WriteManPages(manDir, version, when); err != nil {
			return err
		}
	}
	return nil
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("-date %q: use RFC 3339 (2026-05-01T10:00:00Z) or YYYY-MM-DD", s)
}

// CompletionFiles maps each shell to the file its script is committed as.
var CompletionFiles = map[string]string{
	"bash":       "smshook.bash",
	"zsh":        "smshook.zsh",
	"fish":       "smshook.fish",
	"powershell": "smshook.ps1",
}

// noEnv is the environment gendocs runs smshook in: empty, so that no
// user's config file or SMSHOOK_* setting can change what is generated.
func noEnv(string) string { return "" }

// Completion returns what `smshook completion SHELL` prints, by running
// exactly that.
func Completion(shell string) ([]byte, error) {
	io, _, out, errOut := iostreams.Test()
	if code := root.Run([]string{"completion", shell}, io, noEnv); code != 0 {
		return nil, fmt.Errorf("smshook completion %s exited %d: %s", shell, code, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// WriteCompletions writes every shell's script into dir.
func WriteCompletions(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, shell := range completion.Shells {
		script, err := Completion(shell)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, CompletionFiles[shell]), script, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteManPages writes a gzipped man page per command into dir:
// smshook.1.gz, smshook-sign.1.gz, smshook-config-show.1.gz …
func WriteManPages(dir, version string, date *time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	io, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(cmdutil.New(io, noEnv))
	cmd.DisableAutoGenTag = true // no "Auto generated" footer with a date in it
	source := "smshook"
	if version != "" {
		source += " " + version
	}
	header := &doc.GenManHeader{Title: "SMSHOOK", Section: "1", Source: source, Manual: "smshook manual", Date: date}
	return writeManTree(cmd, header, dir)
}

func writeManTree(cmd *cobra.Command, header *doc.GenManHeader, dir string) error {
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := writeManTree(c, header, dir); err != nil {
			return err
		}
	}
	cmd.Long = manMarkdown(cmd.Long)
	var page bytes.Buffer
	h := *header // GenMan fills in the header: each page gets its own copy
	if err := doc.GenMan(cmd, &h, &page); err != nil {
		return err
	}
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + "." + header.Section + ".gz"
	return writeGzip(filepath.Join(dir, name), page.Bytes())
}

// writeGzip writes data gzipped, with no name or time in the gzip header,
// so that the same page gives the same bytes.
func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// manMarkdown turns a command's long help, written for a terminal, into
// the markdown cobra renders man pages from: indented lines (tables, shell
// lines) stay as they are instead of being reflowed into a paragraph, the
// EXIT STATUS block becomes a section of its own, and characters markdown
// would eat (<provider>, {{uuid}}, *) are escaped.
func manMarkdown(long string) string {
	var b strings.Builder
	inCode := false
	for _, line := range strings.Split(long, "\n") {
		indented := strings.HasPrefix(line, " ")
		switch {
		case line == "EXIT STATUS":
			b.WriteString("# EXIT STATUS\n")
			inCode = false
			continue
		case indented && !inCode:
			b.WriteString("\n") // a code block cannot interrupt a paragraph
			inCode = true
		case !indented && inCode && line != "":
			b.WriteString("\n")
			inCode = false
		case line == "":
			inCode = false
		}
		if indented {
			b.WriteString("    " + line + "\n")
		} else {
			b.WriteString(markdownEscaper.ReplaceAllString(line, `\$0`) + "\n")
		}
	}
	return b.String()
}

var markdownEscaper = regexp.MustCompile(`[\\<>*_{}\[\]` + "`" + `]`)
