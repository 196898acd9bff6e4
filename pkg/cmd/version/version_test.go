package version

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

func TestRead(t *testing.T) {
	vcs := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/smshook/smshook", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3f2a1b9c4d5e6f708192a3b4c5d6e7f801234567"},
			{Key: "vcs.time", Value: "2026-04-30T09:00:00Z"},
			{Key: "vcs.modified", Value: "false"},
		},
	}
	dirty := &debug.BuildInfo{
		Main:     debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}},
	}
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}
	for _, tc := range []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{"ldflags win", "1.2.0", "ffff", "2026-05-01T10:00:00Z", vcs,
			Info{Version: "1.2.0", Commit: "ffff", Date: "2026-05-01T10:00:00Z"}},
		{"checkout build", "", "", "", vcs,
			Info{Version: "devel", Commit: "3f2a1b9c4d5e6f708192a3b4c5d6e7f801234567", Date: "2026-04-30T09:00:00Z"}},
		{"dirty tree", "", "", "", dirty, Info{Version: "devel", Commit: "abc-dirty"}},
		{"go install @version", "", "", "", installed, Info{Version: "v1.4.0"}},
		{"ldflags version only", "1.2.0", "", "", installed, Info{Version: "1.2.0"}},
		{"no build info", "", "", "", nil, Info{Version: "devel"}},
		{"snapshot placeholders", "0.0.1-next", "none", "0001-01-01T00:00:00Z", nil, Info{Version: "0.0.1-next"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.GoVersion = runtime.Version()
			tc.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got := read(tc.version, tc.commit, tc.date, tc.bi); got != tc.want {
				t.Errorf("read() = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestInfoString(t *testing.T) {
	suffix := " go1.26.0 linux/amd64"
	for _, tc := range []struct {
		info Info
		want string
	}{
		{Info{Version: "1.2.0", Commit: "3f2a1b9c4d5e6f708192", Date: "2026-05-01T10:00:00Z"}, "1.2.0 (3f2a1b9c4d5e, 2026-05-01T10:00:00Z)"},
		{Info{Version: "devel", Commit: "3f2a1b9c4d5e6f708192-dirty"}, "devel (3f2a1b9c4d5e-dirty)"},
		{Info{Version: "v1.4.0"}, "v1.4.0"},
		{Info{Version: "1.2.0", Date: "2026-05-01"}, "1.2.0 (2026-05-01)"},
	} {
		tc.info.GoVersion, tc.info.Platform = "go1.26.0", "linux/amd64"
		if got := tc.info.String(); got != tc.want+suffix {
			t.Errorf("%+v.String() = %q, want %q", tc.info, got, tc.want+suffix)
		}
	}
}

var release = Info{Version: "1.2.0", Commit: "3f2a1b9c4d5e", Date: "2026-05-01T10:00:00Z", GoVersion: "go1.26.0", Platform: "linux/arm64"}

func TestVersionOutput(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	err := versionRun(&VersionOptions{IO: io, Output: "text", Info: func() Info { return release }})
	if err != nil {
		t.Fatal(err)
	}
	want := `smshook   1.2.0
commit    3f2a1b9c4d5e
date      2026-05-01T10:00:00Z
go        go1.26.0
platform  linux/arm64
`
	if out.String() != want {
		t.Errorf("text output:\n%s\nwant:\n%s", out, want)
	}

	io, _, out, _ = iostreams.Test()
	if err := versionRun(&VersionOptions{IO: io, Output: "json", Info: func() Info { return release }}); err != nil {
		t.Fatal(err)
	}
	var got Info
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("json output %q: %v", out, err)
	}
	if got != release {
		t.Errorf("json output = %+v, want %+v", got, release)
	}
	if !strings.Contains(out.String(), `"go_version": "go1.26.0"`) {
		t.Errorf("json output lacks go_version: %s", out)
	}
}

func TestNewCmdVersion(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		output  string
		wantErr string
	}{
		{nil, "text", ""},
		{[]string{"--output", "json"}, "json", ""},
		{[]string{"--output", "yaml"}, "", "--output yaml is not available here: use text, json"},
		{[]string{"extra"}, "", `unknown command "extra" for "version" (see 'version --help')`},
	} {
		io, _, _, _ := iostreams.Test()
		f := cmdutil.New(io, func(string) string { return "" })
		var got *VersionOptions
		cmd := NewCmdVersion(f, func(o *VersionOptions) error { got = o; return nil })
		// --output is root's global flag; bind a stand-in as root does.
		cmd.Flags().String(cmdutil.KeyOutput, "", "")
		_ = f.Viper.BindPFlag(cmdutil.KeyOutput, cmd.Flags().Lookup(cmdutil.KeyOutput))
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Out)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%q: err = %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got == nil || got.Output != tc.output {
			t.Errorf("%q: err %v, options %+v; want output %s", tc.args, err, got, tc.output)
		}
	}
}
