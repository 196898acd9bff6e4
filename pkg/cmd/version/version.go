// Package version is `smshook version`: the build's version, commit, date
// and Go version.
package version

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

// Set by release builds (.goreleaser.yaml) with
// -ldflags "-X github.com/smshook/smshook/pkg/cmd/version.Version=1.2.0 …".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is the build's identity.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Read returns the version from ldflags, else from the module build info.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return read(Version, Commit, Date, bi)
}

// read fills in what ldflags left empty from the build info: the module
// version of `go install …@v1.2.0`, and the VCS revision and time of a
// build from a checkout ("-dirty" when the tree had changes).
func read(version, commit, date string, bi *debug.BuildInfo) Info {
	// A snapshot build outside a clone stamps placeholders: treat them as
	// unknown.
	if commit == "none" || commit == "unknown" {
		commit = ""
	}
	if strings.HasPrefix(date, "0001-01-01") {
		date = ""
	}
	info := Info{
		Version:   version,
		Commit:    commit,
		Date:      date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi == nil {
		if info.Version == "" {
			info.Version = "devel"
		}
		return info
	}
	if info.Version == "" {
		info.Version = "devel"
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
	}
	if info.Commit == "" {
		var revision, modified, vcsTime string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value
			case "vcs.time":
				vcsTime = s.Value
			}
		}
		if revision != "" {
			info.Commit = revision
			if modified == "true" {
				info.Commit += "-dirty"
			}
		}
		if info.Date == "" {
			info.Date = vcsTime
		}
	}
	return info
}

// String is the one line `smshook --version` prints after "smshook ".
func (i Info) String() string {
	s := i.Version
	switch {
	case i.Commit != "" && i.Date != "":
		s += fmt.Sprintf(" (%s, %s)", shortCommit(i.Commit), i.Date)
	case i.Commit != "":
		s += fmt.Sprintf(" (%s)", shortCommit(i.Commit))
	case i.Date != "":
		s += fmt.Sprintf(" (%s)", i.Date)
	}
	return s + " " + i.GoVersion + " " + i.Platform
}

// String is the running build's one-line version, for --version.
func String() string { return Read().String() }

// shortCommit keeps 12 hex digits of a commit, and its "-dirty" mark.
func shortCommit(c string) string {
	hash, dirty := strings.CutSuffix(c, "-dirty")
	if len(hash) > 12 {
		hash = hash[:12]
	}
	if dirty {
		hash += "-dirty"
	}
	return hash
}

// VersionOptions are the inputs of `smshook version`.
type VersionOptions struct {
	IO     *iostreams.IOStreams
	Output string
	// Info is the build's identity (Read, or a fixed one in tests).
	Info func() Info
}

// outputFormats are what version prints; the first is the default.
var outputFormats = []string{"text", "json"}

// NewCmdVersion builds `smshook version`.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IOStreams, Info: Read}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print smshook's version, commit, build date and Go version",
		Long: `Print smshook's version, the commit and date it was built from, the Go
version that built it and the platform. Release builds carry these from the
build; a 'go install' or source build reads them from the module and VCS
information Go records (version "devel" when there is none).

'smshook --version' prints the same on one line. It reads no config, so it
takes no --profile.

` + cmdutil.ExitStatusOf("bad flags or arguments (an unknown --output, a --profile)", ""),
		Example: `  smshook version
  smshook version --output json
  smshook --version`,
		Args:              cmdutil.Args(cobra.NoArgs),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed(cmdutil.KeyProfile) {
				return cmdutil.UsageErrorf("version uses no profile: drop --profile")
			}
			var err error
			if opts.Output, err = f.OutputFormat(outputFormats...); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmdutil.SetOutputFormats(cmd, outputFormats...)
	return cmd
}

func versionRun(opts *VersionOptions) error {
	info := opts.Info()
	io := opts.IO
	if opts.Output == "json" {
		return iostreams.WriteJSON(io.Out, info, io.JSONColorEnabled())
	}
	return writeText(io.Out, info)
}

func writeText(w io.Writer, info Info) error {
	lines := [][2]string{
		{"smshook", info.Version},
		{"commit", info.Commit},
		{"date", info.Date},
		{"go", info.GoVersion},
		{"platform", info.Platform},
	}
	for _, l := range lines {
		if l[1] == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%-9s %s\n", l[0], l[1]); err != nil {
			return err
		}
	}
	return nil
}
