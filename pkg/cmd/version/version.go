// Package version prints smshook's version.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

// Set by the release build with -ldflags "-X ...".
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
}

// Read returns the version from ldflags, else from the module build info.
func Read() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if info.Version == "" {
		info.Version = "devel"
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
	}
	if ok && info.Commit == "" {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.time":
				info.Date = s.Value
			}
		}
	}
	return info
}

// String is the one-line version for --version.
func String() string {
	i := Read()
	s := i.Version
	if i.Commit != "" {
		s += " (" + shortCommit(i.Commit) + ")"
	}
	return s + " " + i.GoVersion
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// NewCmdVersion builds `smshook version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print smshook's version",
		Long:  "Print smshook's version, commit, build date and Go version.\n\n" + cmdutil.ExitStatusHelp,
		Example: `  smshook version
  smshook version --output json`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := f.OutputFormat("text", "json")
			if err != nil {
				return err
			}
			info := Read()
			io := f.IOStreams
			if format == "json" {
				return iostreams.WriteJSON(io.Out, info, io.JSONColorEnabled())
			}
			fmt.Fprintf(io.Out, "smshook %s\n", info.Version)
			if info.Commit != "" {
				fmt.Fprintf(io.Out, "commit  %s\n", info.Commit)
			}
			if info.Date != "" {
				fmt.Fprintf(io.Out, "date    %s\n", info.Date)
			}
			fmt.Fprintf(io.Out, "go      %s\n", info.GoVersion)
			return nil
		},
	}
}
