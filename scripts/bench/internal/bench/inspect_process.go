package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// listenSide is one `smshook listen` process of a pair: the inspector
// off, or on with one reader of its event stream.
type listenSide struct {
	srv        *Server
	req        Request
	subscribed bool
	answered   int      // 2xx answers, the warm-up's too
	streamed   chan int // what the reader counted, once it stopped
	stopStream context.CancelFunc
	// capturePath is its capture file, removed when it stops: a side's
	// file grows to about 140 MB (100 000 records of 1.4 KB).
	capturePath string
}

// burstPause is the quiet before each burst, so that what one process
// left running after its burst (a collection, the inspector's last batch)
// is not charged to the other's.
const burstPause = 30 * time.Millisecond

// listenInspectorProcess drives `smshook listen` as a process of its own
// with hey, as section 2 does, in pairs: one with --no-ui and one with the
// inspector on and a reader of its event stream, up at once. Each answers
// warm requests first, unmeasured; then they take bursts of burstN
// requests over 8 connections in turn, ABBA, and each pair of bursts
// gives a ratio. A pair of bursts runs within a second, where a round of
// fresh processes took several: on this 2-core VM single rounds ranged
// 0.77–1.16×, and nine of them were all the time allowed. With capture,
// each appends to a file of its own in the bench directory (listen's
// default); without, --no-capture. It returns every burst pair's ratio,
// each process pair's median ratio, the req/s of each side's bursts, and
// the most events a subscriber missed.
func (e *Env) listenInspectorProcess(cfg InspectConfig, burstN int, capture bool) (ratios, pairMedians, off, on []float64, missed int, err error) {
	req, err := signedDelivery()
	if err != nil {
		return nil, nil, nil, nil, 0, err
	}
	for pair := range cfg.ProcessRuns {
		// Every other pair starts the subscribed one first: with both
		// --no-ui, the one started second answered 0.987–0.995× of the
		// other (four runs of 100 pairs of bursts).
		starts := []bool{false, true}
		if pair%2 == 1 {
			starts = []bool{true, false}
		}
		var sides [2]*listenSide
		for i, subscribed := range starts {
			if sides[i], err = e.startListenSide(req, capture, subscribed, pair); err != nil {
				break
			}
		}
		var pairRatios, pairOff, pairOn []float64
		if err == nil {
			pairRatios, pairOff, pairOn, err = e.loadInTurn(sides, cfg, burstN)
		}
		m := 0
		for _, side := range sides {
			if side == nil {
				continue
			}
			sideMissed, stopErr := side.stop()
			m = max(m, sideMissed)
			if err == nil {
				err = stopErr
			}
		}
		if err != nil {
			return nil, nil, nil, nil, 0, err
		}
		e.logf("inspect: process pair %d (capture %v): %d bursts of %d each, ratio median %.3f× (%.3f–%.3f), missed %d",
			pair+1, capture, len(pairRatios), burstN, median(pairRatios), slices.Min(pairRatios), slices.Max(pairRatios), m)
		ratios = append(ratios, pairRatios...)
		off, on = append(off, pairOff...), append(on, pairOn...)
		pairMedians = append(pairMedians, median(pairRatios))
		missed = max(missed, m)
	}
	return ratios, pairMedians, off, on, missed, nil
}

// loadInTurn warms both sides up, then gives them cfg.Bursts bursts each,
// in turn, and returns each pair of bursts' ratio, subscribed to off, and
// the req/s of each side's bursts.
func (e *Env) loadInTurn(sides [2]*listenSide, cfg InspectConfig, burstN int) (ratios, off, on []float64, err error) {
	for _, side := range sides {
		if cfg.WarmUp > 0 {
			if _, err := side.load(e, cfg.WarmUp); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	for b := range cfg.Bursts {
		order := sides
		if b%2 == 1 {
			order = [2]*listenSide{sides[1], sides[0]}
		}
		var rps [2]float64
		for _, side := range order {
			time.Sleep(burstPause)
			r, err := side.load(e, burstN)
			if err != nil {
				return nil, nil, nil, err
			}
			if side.subscribed {
				rps[1] = r
			} else {
				rps[0] = r
			}
		}
		ratios = append(ratios, rps[1]/rps[0])
		off, on = append(off, rps[0]), append(on, rps[1])
	}
	return ratios, off, on, nil
}

func (e *Env) startListenSide(req Request, capture, subscribed bool, pair int) (*listenSide, error) {
	name := fmt.Sprintf("inspect-listen-%d-%v", pair, subscribed)
	addrFile := e.Path(name + ".addr")
	os.Remove(addrFile)
	args := []string{"listen", "--port", "0", "--addr-file", addrFile}
	var capturePath string
	if capture {
		capturePath = filepath.Join(e.Dir, name+".jsonl")
		os.Remove(capturePath)
		args = append(args, "--capture", capturePath)
	} else {
		args = append(args, "--no-capture")
	}
	var uiPort int
	if subscribed {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		uiPort = p
		args = append(args, "--ui-port", strconv.Itoa(p))
	} else {
		args = append(args, "--no-ui")
	}
	srv, err := startServer(nil, addrFile, false, e.Smshook, args...)
	if err != nil {
		return nil, err
	}
	side := &listenSide{srv: srv, req: req, subscribed: subscribed, capturePath: capturePath}
	side.req.URL = srv.URL + "/dexatel"
	if subscribed {
		ctx, cancel := context.WithCancel(context.Background())
		body, err := subscribe(ctx, fmt.Sprintf("http://127.0.0.1:%d/api/stream", uiPort))
		if err != nil {
			cancel()
			srv.Stop()
			return nil, err
		}
		side.streamed, side.stopStream = make(chan int, 1), cancel
		go func() { side.streamed <- countStreamed(body) }()
	}
	return side, nil
}

// load sends n requests to the side with hey and returns its req/s.
func (side *listenSide) load(e *Env, n int) (float64, error) {
	l, err := e.heyLoad(side.req, 0, n, 8)
	if err != nil {
		return 0, err
	}
	side.answered += l.OK2xx()
	if l.Errors+l.Non2xx > 0 {
		return 0, fmt.Errorf("listen answered %d errors and %d non-2xx of %d", l.Errors, l.Non2xx, l.Answers)
	}
	return l.RPS, nil
}

// stop ends the side's reader, then the process, and returns how many of
// its 2xx answers the reader was not told of.
func (side *listenSide) stop() (missed int, err error) {
	if side.subscribed {
		time.Sleep(300 * time.Millisecond) // the stream sends at most every 100 ms
		side.stopStream()
		missed = side.answered - <-side.streamed
	}
	if p := side.srv.Stop(); p.ExitCode != 130 {
		err = fmt.Errorf("smshook listen exited %d after SIGINT, want 130:\n%s", p.ExitCode, p.Stderr)
	}
	if side.capturePath != "" {
		os.Remove(side.capturePath)
	}
	return missed, err
}

// freePort is a loopback port nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// subscribe opens the inspector's event stream, as the page does, trying
// for a few seconds while the inspector starts.
func subscribe(ctx context.Context, url string) (io.ReadCloser, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp.Body, nil
		}
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("%s answered %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countStreamed reads the event stream until it ends and counts the
// events it told of: one per "event", and a burst's count.
func countStreamed(body io.ReadCloser) int {
	defer body.Close()
	n, kind, sc := 0, "", bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			kind = line[len("event: "):]
		case kind == "event" && strings.HasPrefix(line, "data: "):
			n++
		case kind == "burst" && strings.HasPrefix(line, "data: "):
			var burst struct{ Count int }
			json.Unmarshal([]byte(line[len("data: "):]), &burst)
			n += burst.Count
		}
	}
	return n
}
