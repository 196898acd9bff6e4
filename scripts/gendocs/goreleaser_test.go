package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/smshook/smshook/pkg/cmd/version"
)

// goreleaser is the part of .goreleaser.yaml these tests read. The full
// check is `make release-check` (goreleaser's own); this one runs with the
// other tests and keeps the file in step with the code: the ldflags name
// variables that exist, the hooks run gendocs, and the packages install
// the files gendocs writes.
type goreleaser struct {
	Version int `yaml:"version"`
	Before  struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		Main    string   `yaml:"main"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
	NFPMs []struct {
		Formats  []string `yaml:"formats"`
		Contents []struct {
			Src      string `yaml:"src"`
			Dst      string `yaml:"dst"`
			Packager string `yaml:"packager"`
		} `yaml:"contents"`
	} `yaml:"nfpms"`
	HomebrewCasks []struct {
		Binaries    []string          `yaml:"binaries"`
		Completions map[string]string `yaml:"completions"`
		Manpages    []string          `yaml:"manpages"`
	} `yaml:"homebrew_casks"`
}

func readGoreleaser(t *testing.T) goreleaser {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var g goreleaser
	if err := yaml.Unmarshal(b, &g); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	return g
}

func TestGoreleaserBuild(t *testing.T) {
	g := readGoreleaser(t)
	if g.Version != 2 {
		t.Errorf("version: %d, want 2", g.Version)
	}
	if len(g.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(g.Builds))
	}
	b := g.Builds[0]
	if b.Main != "./cmd/smshook" {
		t.Errorf("main: %q", b.Main)
	}
	if !slices.Equal(b.Goos, []string{"linux", "darwin", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("targets: %v × %v", b.Goos, b.Goarch)
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("flags %v lack -trimpath", b.Flags)
	}
	// The variables the ldflags set exist (this file would not compile
	// otherwise) and each is set.
	_, _, _ = version.Version, version.Commit, version.Date
	ld := strings.Join(b.Ldflags, " ")
	for _, v := range []string{"Version={{ .Version }}", "Commit={{ .FullCommit }}", "Date={{ .CommitDate }}"} {
		if !strings.Contains(ld, "-X github.com/smshook/smshook/pkg/cmd/version."+v) {
			t.Errorf("ldflags lack -X …version.%s: %s", v, ld)
		}
	}
	hooks := strings.Join(g.Before.Hooks, "\n")
	if !strings.Contains(hooks, "go run ./scripts/gendocs -completions completions -man manpages") {
		t.Errorf("before.hooks do not run gendocs for completions and man pages: %q", g.Before.Hooks)
	}
	if g.Checksum.NameTemplate == "" {
		t.Error("no checksum file")
	}
}

func TestGoreleaserShipsDocs(t *testing.T) {
	g := readGoreleaser(t)
	dir := t.TempDir()
	if err := WriteManPages(dir, "", nil); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, e := range entries {
		pages = append(pages, "manpages/"+e.Name())
	}

	for _, a := range g.Archives {
		for _, want := range []string{"README.md", "LICENSE", "completions/*", "manpages/*"} {
			if !slices.Contains(a.Files, want) {
				t.Errorf("archive files %v lack %s", a.Files, want)
			}
		}
	}

	if len(g.NFPMs) != 1 || !slices.Equal(g.NFPMs[0].Formats, []string{"deb", "rpm"}) {
		t.Fatalf("nfpms: want one, for deb and rpm")
	}
	installs := map[string]string{} // dst (packager) -> src
	for _, c := range g.NFPMs[0].Contents {
		installs[c.Dst+" "+c.Packager] = c.Src
	}
	for dst, src := range map[string]string{
		"/usr/share/bash-completion/completions/smshook ":    "./completions/" + CompletionFiles["bash"],
		"/usr/share/fish/vendor_completions.d/smshook.fish ": "./completions/" + CompletionFiles["fish"],
		"/usr/share/zsh/vendor-completions/_smshook deb":     "./completions/" + CompletionFiles["zsh"],
		"/usr/share/zsh/site-functions/_smshook rpm":         "./completions/" + CompletionFiles["zsh"],
		"/usr/share/man/man1/ ":                              "./manpages/*.1.gz",
	} {
		if installs[dst] != src {
			t.Errorf("nfpms: %s should install %s, installs %q", dst, src, installs[dst])
		}
	}

	if len(g.HomebrewCasks) != 1 {
		t.Fatalf("homebrew_casks: want one")
	}
	cask := g.HomebrewCasks[0]
	if !slices.Equal(cask.Binaries, []string{"smshook"}) {
		t.Errorf("cask binaries: %v", cask.Binaries)
	}
	for shell, path := range cask.Completions {
		if path != "completions/"+CompletionFiles[shell] {
			t.Errorf("cask completions: %s = %s, gendocs writes completions/%s", shell, path, CompletionFiles[shell])
		}
	}
	got := slices.Sorted(slices.Values(cask.Manpages))
	if !slices.Equal(got, pages) {
		t.Errorf("cask manpages list\n%v\nbut gendocs writes\n%v\n(update homebrew_casks.manpages in .goreleaser.yaml)", got, pages)
	}
}
