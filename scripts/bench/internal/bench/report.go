package bench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Section is one measure's part of BENCHMARKS.md.
type Section struct {
	Title   string
	Command string // how to run this measure alone
	Intro   string
	Tables  []Table
	Notes   []string
}

// Table is a Markdown table.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Target is one of the targets and whether this run met it.
type Target struct {
	Measure, Goal, Got string
	Met                bool
}

// Report is a whole run.
type Report struct {
	Started  time.Time
	Elapsed  time.Duration
	Args     []string
	Targets  []Target
	Sections []Section
}

// Markdown renders the report.
func (r *Report) Markdown() string {
	var b strings.Builder
	b.WriteString("# smshook benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `go run ./scripts/bench%s` (or `make bench`) on %s, in %s. ",
		argsSuffix(r.Args), r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Elapsed.Round(time.Second))
	b.WriteString("Everything runs on loopback; each figure is measured in the same run as its baseline, ")
	b.WriteString("with the same load generator, concurrency and payload.\n\n")
	b.WriteString("| machine | |\n|---|---|\n")
	fmt.Fprintf(&b, "| CPU | %s |\n", cpuModel())
	fmt.Fprintf(&b, "| cores | %d (GOMAXPROCS %d) |\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "| Go | %s |\n", goVersion())
	fmt.Fprintf(&b, "| OS | %s/%s |\n", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "| load generator | %s |\n\n", loadTools())

	if len(r.Targets) > 0 {
		b.WriteString("## Targets\n\n| measure | target | this run | met |\n|---|---|---|---|\n")
		for _, t := range r.Targets {
			met := "yes"
			if !t.Met {
				met = "**no**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.Measure, t.Goal, t.Got, met)
		}
		b.WriteString("\n")
	}
	for _, s := range r.Sections {
		fmt.Fprintf(&b, "## %s\n\n", s.Title)
		if s.Command != "" {
			fmt.Fprintf(&b, "`%s`\n\n", s.Command)
		}
		if s.Intro != "" {
			b.WriteString(s.Intro + "\n\n")
		}
		for _, t := range s.Tables {
			if t.Caption != "" {
				b.WriteString(t.Caption + "\n\n")
			}
			b.WriteString("| " + strings.Join(t.Header, " | ") + " |\n|")
			for i := range t.Header {
				if i == 0 {
					b.WriteString("---|")
				} else {
					b.WriteString("---:|")
				}
			}
			b.WriteString("\n")
			for _, row := range t.Rows {
				b.WriteString("| " + strings.Join(row, " | ") + " |\n")
			}
			b.WriteString("\n")
		}
		for _, n := range s.Notes {
			b.WriteString("- " + n + "\n")
		}
		if len(s.Notes) > 0 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func argsSuffix(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return " " + strings.Join(args, " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return runtime.GOARCH
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

func loadTools() string {
	if Wrk() != "" {
		return "wrk (listen); hey " + strings.TrimPrefix(heyModule, "github.com/rakyll/hey@") + " (send, replay)"
	}
	return "hey " + strings.TrimPrefix(heyModule, "github.com/rakyll/hey@") + " (wrk is not installed: `apt-get install -y wrk`)"
}

// Formatting helpers for table cells.

func ratio(ours, base float64) string {
	if base == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", ours/base)
}

func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	// thousands separators: 12345 → 12,345
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func check(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}
