// Package iostreams holds the standard streams of one invocation and decides,
// per stream, whether it is a terminal and whether it gets color.
package iostreams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	"github.com/tidwall/pretty"
)

// ColorMode is the user's --color choice.
type ColorMode string

const (
	ColorAuto   ColorMode = "auto"
	ColorAlways ColorMode = "always"
	ColorNever  ColorMode = "never"
)

// ParseColorMode accepts auto, always and never.
func ParseColorMode(s string) (ColorMode, error) {
	switch m := ColorMode(strings.ToLower(s)); m {
	case "", ColorAuto:
		return ColorAuto, nil
	case ColorAlways, ColorNever:
		return m, nil
	}
	return "", fmt.Errorf("invalid --color %q: use auto, always or never", s)
}

// IOStreams are the streams a command reads and writes. Tests build one with Test.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool

	// Environment facts read once at construction, so that no code below reads os.Getenv.
	noColor, forceColor, dumbTerm bool
	mode                          ColorMode
}

// System wraps the process's own streams; getenv is normally os.Getenv.
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
	}
	s.readEnv(getenv)
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

func (s *IOStreams) readEnv(getenv func(string) string) {
	// NO_COLOR: any non-empty value disables color (no-color.org).
	s.noColor = getenv("NO_COLOR") != ""
	// CLICOLOR_FORCE: any value other than 0 forces color on non-terminals.
	force := getenv("CLICOLOR_FORCE")
	s.forceColor = force != "" && force != "0"
	s.dumbTerm = getenv("TERM") == "dumb"
	s.mode = ColorAuto
}

// Test returns streams over buffers: stdin, stdout, stderr. No stream is a
// terminal and color is off unless a test turns them on.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, mode: ColorAuto}, in, out, errOut
}

// SetTTY marks the streams as terminals or not (tests).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetColorMode records the --color flag.
func (s *IOStreams) SetColorMode(m ColorMode) { s.mode = m }

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// colorFor applies, in order: --color always|never, NO_COLOR, CLICOLOR_FORCE,
// TERM=dumb, and finally whether the stream is a terminal.
func (s *IOStreams) colorFor(tty bool) bool {
	switch s.mode {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	if s.noColor {
		return false
	}
	if s.forceColor {
		return true
	}
	if s.dumbTerm {
		return false
	}
	return tty
}

// CanRedrawStderr reports whether stderr is a terminal that takes the
// escape codes a progress line redraws itself with: not a pipe, not
// TERM=dumb.
func (s *IOStreams) CanRedrawStderr() bool { return s.stderrTTY && !s.dumbTerm }

// ColorEnabled reports whether stdout gets color.
func (s *IOStreams) ColorEnabled() bool { return s.colorFor(s.stdoutTTY) }

// JSONColorEnabled reports whether JSON output gets color: only on a
// terminal, never because CLICOLOR_FORCE or --color always reached a pipe,
// so machine output stays parseable.
func (s *IOStreams) JSONColorEnabled() bool { return s.stdoutTTY && s.ColorEnabled() }

// ErrColorEnabled reports whether stderr gets color.
func (s *IOStreams) ErrColorEnabled() bool { return s.colorFor(s.stderrTTY) }

// ColorScheme paints text for stdout.
func (s *IOStreams) ColorScheme() *ColorScheme { return NewColorScheme(s.ColorEnabled()) }

// ErrColorScheme paints text for stderr.
func (s *IOStreams) ErrColorScheme() *ColorScheme { return NewColorScheme(s.ErrColorEnabled()) }

// ColorScheme paints strings, or leaves them alone when color is off. Each
// color is its own fatih/color value with color set explicitly, so nothing
// depends on that package's global NoColor switch.
type ColorScheme struct {
	enabled                                       bool
	green, red, yellow, cyan, magenta, gray, bold *color.Color
}

// NewColorScheme builds a scheme that paints only when enabled.
func NewColorScheme(enabled bool) *ColorScheme {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return &ColorScheme{
		enabled: enabled,
		green:   mk(color.FgGreen),
		red:     mk(color.FgRed),
		yellow:  mk(color.FgYellow),
		cyan:    mk(color.FgCyan),
		magenta: mk(color.FgMagenta),
		gray:    mk(color.FgHiBlack),
		bold:    mk(color.Bold),
	}
}

func (c *ColorScheme) Enabled() bool           { return c.enabled }
func (c *ColorScheme) Green(s string) string   { return c.green.Sprint(s) }
func (c *ColorScheme) Red(s string) string     { return c.red.Sprint(s) }
func (c *ColorScheme) Yellow(s string) string  { return c.yellow.Sprint(s) }
func (c *ColorScheme) Cyan(s string) string    { return c.cyan.Sprint(s) }
func (c *ColorScheme) Magenta(s string) string { return c.magenta.Sprint(s) }
func (c *ColorScheme) Gray(s string) string    { return c.gray.Sprint(s) }
func (c *ColorScheme) Bold(s string) string    { return c.bold.Sprint(s) }

// SuccessIcon is a check mark, green when color is on.
func (c *ColorScheme) SuccessIcon() string { return c.Green("✓") }

// FailureIcon is a cross, red when color is on.
func (c *ColorScheme) FailureIcon() string { return c.Red("✗") }

// WriteJSON writes v as indented JSON with a trailing newline, colored when
// color is true. HTML is not escaped: "<" stays "<" for people and for jq.
// DEL, C1 controls and bidi overrides inside strings are written as \u
// escapes (the same JSON), so that a terminal shows them rather than obeys.
func WriteJSON(w io.Writer, v any, color bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	out := SafeJSON(buf.Bytes())
	if color {
		out = pretty.Color(out, nil)
	}
	_, err := w.Write(out)
	return err
}

// WriteJSONLine writes v as one compact JSON line (for streams of events).
func WriteJSONLine(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(SafeJSON(buf.Bytes()))
	return err
}

// PrettyBody returns a body for reading on a terminal: JSON indented and
// colored when asked, any other body as it is; either way through the
// terminal door (SafeText), before it is painted. A JSON string may hold DEL
// or C1 controls raw, and a body bytes that are not UTF-8: they show escaped.
// The input is never modified.
func PrettyBody(raw []byte, color bool) []byte {
	if !json.Valid(raw) {
		if i := unsafeIndex(string(raw), true); i >= 0 {
			return appendEscaped(append([]byte(nil), raw[:i]...), string(raw[i:]), true)
		}
		return raw
	}
	out := pretty.Pretty(raw)
	if i := unsafeIndex(string(out), true); i >= 0 {
		out = appendEscaped(out[:i:i], string(out[i:]), true)
	}
	if color {
		out = pretty.Color(out, nil)
	}
	return out
}
