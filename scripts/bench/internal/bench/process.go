package bench

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/provider"
)

// ProcessConfig sets the whole-process sign measure.
type ProcessConfig struct {
	Runs int // runs of each tool per file, interleaved
}

const processSecret = "bench-secret"

// MeasureProcess times `smshook sign` as a whole process against `openssl
// dgst -sha256 -hmac` on the same file: the median wall time of many runs,
// interleaved so that both see the same machine.
func (e *Env) MeasureProcess(cfg ProcessConfig) (Section, []Target, error) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		return Section{}, nil, fmt.Errorf("openssl is not installed: the process measure needs it as its baseline")
	}
	dexatel, err := provider.Builtin().Lookup("dexatel")
	if err != nil {
		return Section{}, nil, err
	}
	kind, err := dexatel.Kind("delivery")
	if err != nil {
		return Section{}, nil, err
	}
	big := make([]byte, 1<<20)
	rand.Read(big)
	files := []struct {
		name string
		body []byte
	}{{"the Dexatel delivery example (" + strconv.Itoa(len(kind.Fixture)) + " B)", kind.Fixture}, {"1 MiB of random bytes", big}}

	s := Section{
		Title:   "4. `smshook sign` as a process vs openssl",
		Command: "go run ./scripts/bench process",
		Intro: fmt.Sprintf("Wall time from fork to exit of `smshook sign dexatel --secret S --encoding hex FILE` and "+
			"`openssl dgst -sha256 -hmac S FILE`, %d runs each, interleaved; both print the same digest (checked).", cfg.Runs),
	}
	table := Table{Header: []string{"file", "smshook median", "openssl median", "ratio", "smshook p90", "openssl p90"}}
	var targets []Target
	for i, f := range files {
		path := e.Path("sign-" + strconv.Itoa(i))
		if err := os.WriteFile(path, f.body, 0o600); err != nil {
			return s, nil, err
		}
		ours := []string{"sign", "dexatel", "--secret", processSecret, "--encoding", "hex", path}
		theirs := []string{"dgst", "-sha256", "-hmac", processSecret, path}
		if err := sameDigest(e, ours, openssl, theirs); err != nil {
			return s, nil, err
		}
		var ourTimes, theirTimes []time.Duration
		for range cfg.Runs {
			p, err := e.run(10*time.Second, e.Dir, e.Smshook, ours...)
			if err != nil || p.ExitCode != 0 {
				return s, nil, fmt.Errorf("smshook sign: %v %s", err, p.Stderr)
			}
			ourTimes = append(ourTimes, p.Wall)
			p, err = e.run(10*time.Second, e.Dir, openssl, theirs...)
			if err != nil || p.ExitCode != 0 {
				return s, nil, fmt.Errorf("openssl: %v %s", err, p.Stderr)
			}
			theirTimes = append(theirTimes, p.Wall)
		}
		o, t := medianDuration(ourTimes), medianDuration(theirTimes)
		table.Rows = append(table.Rows, []string{f.name, ms(o), ms(t), ratio(float64(o), float64(t)),
			ms(percentile(ourTimes, 90)), ms(percentile(theirTimes, 90))})
		if i == 0 {
			targets = append(targets, Target{Measure: "`smshook sign` process vs `openssl dgst -sha256 -hmac` (median)",
				Goal: "≤ 1.5×", Got: fmt.Sprintf("%s (%s vs %s)", ratio(float64(o), float64(t)), ms(o), ms(t)),
				Met: float64(o) <= 1.5*float64(t)})
		}
	}
	s.Tables = append(s.Tables, table)
	return s, targets, nil
}

// sameDigest checks that both commands print the same HMAC.
func sameDigest(e *Env, ours []string, openssl string, theirs []string) error {
	p, err := e.run(10*time.Second, e.Dir, e.Smshook, ours...)
	if err != nil || p.ExitCode != 0 {
		return fmt.Errorf("smshook %s: %v %s", strings.Join(ours, " "), err, p.Stderr)
	}
	q, err := e.run(10*time.Second, e.Dir, openssl, theirs...)
	if err != nil || q.ExitCode != 0 {
		return fmt.Errorf("openssl %s: %v %s", strings.Join(theirs, " "), err, q.Stderr)
	}
	// smshook: "X-Dexatel-Signature: <hex>"; openssl: "HMAC-SHA2-256(FILE)= <hex>".
	ourHex := lastField(p.Stdout)
	theirHex := lastField(q.Stdout)
	if _, err := hex.DecodeString(ourHex); err != nil || ourHex != theirHex {
		return fmt.Errorf("smshook and openssl disagree: %q vs %q", p.Stdout, q.Stdout)
	}
	return nil
}

func lastField(out []byte) string {
	f := bytes.Fields(out)
	if len(f) == 0 {
		return ""
	}
	return string(f[len(f)-1])
}

func percentile(v []time.Duration, p int) time.Duration {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}
