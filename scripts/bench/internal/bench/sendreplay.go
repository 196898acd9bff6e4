package bench

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
)

// SendReplayConfig sets the send and replay measures.
type SendReplayConfig struct {
	N     int // requests per run (a multiple of C: hey sends N/C per worker)
	C     int // concurrency of every tool
	Runs  int // runs of each tool, alternating; the median is kept
	BigMB int // size of the capture for the replay memory run; 0 skips it

	Send, Replay bool // which tools to measure
}

// sendSummary is the part of send's and replay's --output json summary read here.
type sendSummary struct {
	Sent int     `json:"sent"`
	OK   int     `json:"ok"`
	RPS  float64 `json:"requests_per_second"`
}

// MeasureSendReplay runs `smshook send --count`, `smshook replay` (as
// captured, and re-signed) and hey against one bare sink, alternating.
// Each tool's requests/s is its own measure, from the first request to the
// last reply; smshook's rate over its whole process life is given too.
func (e *Env) MeasureSendReplay(cfg SendReplayConfig) (Section, []Target, error) {
	cfg.N = max(cfg.C, cfg.N/cfg.C*cfg.C)
	dexatel, err := provider.Builtin().Lookup("dexatel")
	if err != nil {
		return Section{}, nil, err
	}
	kind, err := dexatel.Kind("delivery")
	if err != nil {
		return Section{}, nil, err
	}
	body := kind.Fixture
	heyReq := Request{Body: body, Headers: [][2]string{{"Content-Type", "application/json"}, {"X-Dexatel-Signature", signDexatel(processSecret, body)}}}
	captured := e.Path("replay.jsonl")
	if err := writeCapture(captured, cfg.N, body); err != nil {
		return Section{}, nil, err
	}

	sink, err := e.StartSink("sendreplay-sink")
	if err != nil {
		return Section{}, nil, err
	}
	heyReq.URL = sink.URL + "/dexatel"
	c := strconv.Itoa(cfg.C)
	type tool struct {
		name string
		args []string
	}
	var tools []tool
	if cfg.Send {
		tools = append(tools, tool{"smshook send --count", []string{"send", "dexatel", "--count", strconv.Itoa(cfg.N), "--concurrency", c, "--to", heyReq.URL, "--secret", processSecret, "--output", "json"}})
	}
	if cfg.Replay {
		tools = append(tools,
			tool{"smshook replay --as-captured", []string{"replay", captured, "--as-captured", "--to", heyReq.URL, "--concurrency", c, "--output", "json"}},
			tool{"smshook replay (re-signed)", []string{"replay", captured, "--provider", "dexatel", "--secret", processSecret, "--to", heyReq.URL, "--concurrency", c, "--output", "json"}})
	}
	heyRPS := []float64{}
	own := make([][]float64, len(tools))
	wall := make([][]float64, len(tools))
	rss := make([]int64, len(tools))
	sent := int64(0)
	e.logf("send/replay: %d requests at concurrency %d, %d runs of each tool against one sink", cfg.N, cfg.C, cfg.Runs)
	for round := range cfg.Runs {
		l, err := e.heyLoad(heyReq, 0, cfg.N, cfg.C)
		if err != nil {
			sink.Stop()
			return Section{}, nil, err
		}
		if l.OK2xx() != cfg.N {
			sink.Stop()
			return Section{}, nil, fmt.Errorf("hey: %d of %d replies were 2xx", l.OK2xx(), cfg.N)
		}
		heyRPS = append(heyRPS, l.RPS)
		sent += int64(cfg.N)
		for i, t := range tools {
			p, err := e.run(5*time.Minute, e.Dir, e.Smshook, t.args...)
			if err != nil || p.ExitCode != 0 {
				sink.Stop()
				return Section{}, nil, fmt.Errorf("%s: %v (exit %d)\n%s", t.name, err, p.ExitCode, p.Stderr)
			}
			var sum sendSummary
			if err := json.Unmarshal(p.Stdout, &sum); err != nil || sum.OK != cfg.N {
				sink.Stop()
				return Section{}, nil, fmt.Errorf("%s: %d of %d ok (%v):\n%s", t.name, sum.OK, cfg.N, err, p.Stdout)
			}
			own[i] = append(own[i], sum.RPS)
			wall[i] = append(wall[i], float64(sum.Sent)/p.Wall.Seconds())
			rss[i] = max(rss[i], p.MaxRSSKiB)
			sent += int64(sum.Sent)
		}
		progress := fmt.Sprintf("hey %.0f/s", l.RPS)
		for i, t := range tools {
			progress += fmt.Sprintf(", %s %.0f/s", t.name, own[i][round])
		}
		e.logf("send/replay: round %d: %s", round+1, progress)
	}
	stopped := sink.Stop()
	hits, err := sinkHits(stopped)
	if err != nil {
		return Section{}, nil, err
	}
	if hits != sent {
		return Section{}, nil, fmt.Errorf("the sink counted %d requests, the tools report %d", hits, sent)
	}

	h := median(heyRPS)
	s := Section{
		Title:   "3. `smshook send --count` and `smshook replay` vs hey",
		Command: "go run ./scripts/bench send replay",
		Intro: fmt.Sprintf("%d requests per run at concurrency %d against one bare net/http sink (a separate process), "+
			"%d runs of each tool alternating, medians. hey posts one static signed Dexatel body; `send` renders a fresh "+
			"body (message id, timestamp) and signs each request; `replay` streams a %d-record capture, sending the bytes "+
			"as captured or re-signing each. *own measure* is each tool's figure from its first request to its last reply; "+
			"*process* divides by smshook's whole wall time, start-up included. The sink counted %d requests, exactly what the tools report.",
			cfg.N, cfg.C, cfg.Runs, cfg.N, hits),
	}
	t := Table{Header: []string{"tool", "requests/s (own measure)", "vs hey", "requests/s (process)", "peak RSS"}}
	t.Rows = append(t.Rows, []string{"hey (baseline)", count(h), "1.00×", "", ""})
	var targets []Target
	for i, tool := range tools {
		o := median(own[i])
		t.Rows = append(t.Rows, []string{"`" + tool.name + "`", count(o), ratio(o, h), count(median(wall[i])), mib(rss[i])})
		targets = append(targets, Target{Measure: "`" + tool.name + "` vs hey (requests/s)", Goal: "≥ 0.8×",
			Got: fmt.Sprintf("%s (%s vs %s)", ratio(o, h), count(o), count(h)), Met: o >= 0.8*h})
	}
	s.Tables = append(s.Tables, t)

	if cfg.Replay && cfg.BigMB > 0 {
		big, err := e.measureBigReplay(cfg)
		if err != nil {
			return s, targets, err
		}
		s.Tables = append(s.Tables, big)
	}
	return s, targets, nil
}

// measureBigReplay replays a capture of about BigMB megabytes (64 KiB
// bodies): the reader streams, so peak RSS must not follow the file size.
func (e *Env) measureBigReplay(cfg SendReplayConfig) (Table, error) {
	filler := make([]byte, 64<<10-64)
	for i := range filler {
		filler[i] = 'a' + byte(i%26)
	}
	body := []byte(`{"data":{"event":"delivery","payload":"` + string(filler) + `"}}`)
	records := cfg.BigMB << 20 / len(body)
	path := e.Path("big.jsonl")
	e.logf("replay: writing a %d MB capture (%d records of 64 KiB)", cfg.BigMB, records)
	if err := writeCapture(path, records, body); err != nil {
		return Table{}, err
	}
	defer os.Remove(path)
	st, err := os.Stat(path)
	if err != nil {
		return Table{}, err
	}
	sink, err := e.StartSink("big-sink")
	if err != nil {
		return Table{}, err
	}
	p, err := e.run(5*time.Minute, e.Dir, e.Smshook, "replay", path, "--as-captured", "--to", sink.URL+"/dexatel",
		"--concurrency", strconv.Itoa(cfg.C), "--output", "json")
	sink.Stop()
	if err != nil || p.ExitCode != 0 {
		return Table{}, fmt.Errorf("replay of the big capture: %v (exit %d)\n%s", err, p.ExitCode, p.Stderr)
	}
	var sum sendSummary
	if err := json.Unmarshal(p.Stdout, &sum); err != nil || sum.OK != records {
		return Table{}, fmt.Errorf("replay of the big capture: %d of %d ok (%v)", sum.OK, records, err)
	}
	return Table{
		Caption: "Memory: `smshook replay --as-captured` of a large capture (the reader streams one record at a time):",
		Header:  []string{"capture", "records", "peak RSS", "requests/s", "wall time"},
		Rows: [][]string{{fmt.Sprintf("%.0f MB", float64(st.Size())/1e6), count(float64(records)), mib(p.MaxRSSKiB),
			count(sum.RPS), p.Wall.Round(10 * time.Millisecond).String()}},
	}, nil
}

func signDexatel(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// writeCapture writes count records as the listener writes them (without
// the fsyncs).
func writeCapture(path string, count int, body []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	now := time.Now().UTC()
	sig := signDexatel(processSecret, body)
	for i := range count {
		r := &capture.Record{
			ID: capture.NewID(now.Add(time.Duration(i))), ReceivedAt: now, Profile: "dexatel", Provider: "dexatel",
			Kind: "delivery", Method: "POST", URL: "http://127.0.0.1:8787/dexatel",
			Headers:      http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {sig}},
			Verification: capture.Verification{Valid: true, Message: "valid"},
			Event:        &codec.Event{Provider: "dexatel", Kind: codec.KindDelivery, EventName: "delivery", Status: codec.StatusDelivered},
		}
		r.SetBody(body)
		r.Reply.Status = http.StatusOK
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
