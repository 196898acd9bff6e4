package bench

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// SandboxConfig sets the sandbox measure.
type SandboxConfig struct {
	N    int // messages per run
	C    int // concurrency of hey and of smshook send
	Runs int // runs of each, alternating; the median is kept
}

const benchTwilioAccount = "AC0123456789abcdef0123456789abcdef"

// MeasureSandbox drives `smshook sandbox` (Twilio, --latency 0) with hey:
// N Messages creates, each naming the sink as its StatusCallback, so that
// each message makes two signed callbacks (sent, delivered) to the sink.
// Messages accepted per second is hey's rate; callbacks delivered per
// second are the 2N callbacks over the time from the first create to the
// sandbox's exit (--max-messages N). The baseline is `smshook send twilio
// --count 2N` to the same sink: the same signed Twilio callbacks, sent
// without a sandbox in front.
func (e *Env) MeasureSandbox(cfg SandboxConfig) (Section, []Target, error) {
	cfg.N = max(cfg.C, cfg.N/cfg.C*cfg.C)
	sink, err := e.StartSink("sandbox-sink")
	if err != nil {
		return Section{}, nil, err
	}
	callbackURL := sink.URL + "/twilio"
	form := url.Values{"To": {"+15558675310"}, "From": {"+15017122661"}, "Body": {"Your code is 123456"}, "StatusCallback": {callbackURL}}
	auth := base64.StdEncoding.EncodeToString([]byte(benchTwilioAccount + ":" + processSecret))
	var accepted, delivered, sendRPS []float64
	sent := int64(0)
	e.logf("sandbox: %d messages at concurrency %d, %d runs, against one sink", cfg.N, cfg.C, cfg.Runs)
	for round := range cfg.Runs {
		p, err := e.run(5*time.Minute, e.Dir, e.Smshook, "send", "twilio", "--count", strconv.Itoa(2*cfg.N), "--concurrency", strconv.Itoa(cfg.C),
			"--to", callbackURL, "--secret", processSecret, "--output", "json")
		if err != nil || p.ExitCode != 0 {
			sink.Stop()
			return Section{}, nil, fmt.Errorf("smshook send twilio: %v (exit %d)\n%s", err, p.ExitCode, p.Stderr)
		}
		var sum sendSummary
		if err := json.Unmarshal(p.Stdout, &sum); err != nil || sum.OK != 2*cfg.N {
			sink.Stop()
			return Section{}, nil, fmt.Errorf("smshook send twilio: %d of %d ok (%v)", sum.OK, 2*cfg.N, err)
		}
		sendRPS = append(sendRPS, sum.RPS)
		sent += int64(sum.Sent)

		addrFile := e.Path(fmt.Sprintf("sandbox-%d.addr", round))
		sb, err := startServer(nil, addrFile, false, e.Smshook, "sandbox", "--port", "0", "--addr-file", addrFile,
			"--latency", "0", "--no-capture", "--no-ui", "--max-messages", strconv.Itoa(cfg.N), "--timeout", "5m")
		if err != nil {
			sink.Stop()
			return Section{}, nil, err
		}
		start := time.Now()
		l, err := e.heyLoad(Request{URL: sb.URL + "/twilio/2010-04-01/Accounts/" + benchTwilioAccount + "/Messages.json",
			Body: []byte(form.Encode()), Headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Basic " + auth}}}, 0, cfg.N, cfg.C)
		if err != nil || l.OK2xx() != cfg.N {
			sb.Stop()
			sink.Stop()
			return Section{}, nil, fmt.Errorf("hey against the sandbox: %d of %d created (%v)", l.OK2xx(), cfg.N, err)
		}
		ended := sb.Wait(5 * time.Minute)
		elapsed := time.Since(start)
		if ended.ExitCode != 0 {
			sink.Stop()
			return Section{}, nil, fmt.Errorf("smshook sandbox exited %d:\n%s", ended.ExitCode, ended.Stderr)
		}
		accepted = append(accepted, l.RPS)
		delivered = append(delivered, float64(2*cfg.N)/elapsed.Seconds())
		sent += int64(2 * cfg.N)
		e.logf("sandbox: round %d: accepted %.0f/s, callbacks %.0f/s, send %.0f/s", round+1, l.RPS, delivered[round], sum.RPS)
	}
	hits, err := sinkHits(sink.Stop())
	if err != nil {
		return Section{}, nil, err
	}
	if hits != sent {
		return Section{}, nil, fmt.Errorf("the sink counted %d requests, the tools report %d", hits, sent)
	}
	a, d, s := median(accepted), median(delivered), median(sendRPS)
	sec := Section{
		Title:   "6. `smshook sandbox` vs `smshook send`",
		Command: "go run ./scripts/bench sandbox",
		Intro: fmt.Sprintf("%d Twilio Messages creates per run from hey at concurrency %d to `smshook sandbox --latency 0`, each naming "+
			"one bare net/http sink (a separate process) as its StatusCallback, so that each message makes two signed callbacks; "+
			"the sandbox exits once the %d lives are over (--max-messages). *Callbacks delivered/s* counts the %d callbacks from the "+
			"first create to that exit. The baseline sends the same signed Twilio callbacks to the same sink with `smshook send "+
			"twilio --count %d --concurrency %d`; each sandbox callback also costs the create it answered, a stored message and a printed line, and the callbacks cannot outrun the creates. %d runs, medians. The sink counted %d requests, exactly what the tools report.",
			cfg.N, cfg.C, cfg.N, 2*cfg.N, 2*cfg.N, cfg.C, cfg.Runs, hits),
	}
	t := Table{Header: []string{"measure", "per second", "vs send"}}
	t.Rows = append(t.Rows,
		[]string{"`smshook send twilio --count` (baseline, callbacks)", count(s), "1.00×"},
		[]string{"`smshook sandbox`: messages accepted", count(a), ""},
		[]string{"`smshook sandbox`: callbacks delivered", count(d), ratio(d, s)},
	)
	sec.Tables = append(sec.Tables, t)
	// Each sandbox callback also costs the create the sandbox answered, a
	// stored message and a printed line; send only sends. The target
	// guards against a regression, not parity.
	target := Target{Measure: "`smshook sandbox` callbacks vs `smshook send` (per second)", Goal: "≥ 0.1×",
		Got: fmt.Sprintf("%s (%s vs %s)", ratio(d, s), count(d), count(s)), Met: d >= 0.1*s}
	return sec, []Target{target}, nil
}
