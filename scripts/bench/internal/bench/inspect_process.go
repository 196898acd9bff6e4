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
	"strconv"
	"strings"
	"time"
)

// inspectorRun is one `smshook listen` process under hey, with the
// inspector off or with a browser subscribed.
type inspectorRun struct {
	rps    float64
	missed int // requests answered 2xx that the subscriber was not told of
}

// listenInspectorProcess drives `smshook listen` as a process of its own
// with hey, as section 2 does: --no-ui against the inspector on with one
// reader of its event stream, alternating which goes first, for runs
// rounds of n requests over 8 connections, each after warm requests that
// are not measured. With capture, listen appends to a file in the bench
// directory (its default); without, --no-capture. It returns the
// per-round ratios, the req/s of each side, and the most events a
// subscriber missed in a round.
func (e *Env) listenInspectorProcess(runs, warm, n int, capture bool) (ratios, off, on []float64, missed int, err error) {
	req, err := signedDelivery()
	if err != nil {
		return nil, nil, nil, 0, err
	}
	for i := range runs {
		order := []bool{false, true}
		if i%2 == 1 {
			order = []bool{true, false}
		}
		var r [2]inspectorRun
		for _, subscribed := range order {
			run, err := e.runListenInspector(req, warm, n, capture, subscribed, i)
			if err != nil {
				return nil, nil, nil, 0, err
			}
			if subscribed {
				r[1] = run
			} else {
				r[0] = run
			}
		}
		e.logf("inspect: process run %d (capture %v): inspector off %.0f/s, browser subscribed %.0f/s (%.3f×), missed %d",
			i+1, capture, r[0].rps, r[1].rps, r[1].rps/r[0].rps, r[1].missed)
		ratios = append(ratios, r[1].rps/r[0].rps)
		off, on = append(off, r[0].rps), append(on, r[1].rps)
		missed = max(missed, r[1].missed)
	}
	return ratios, off, on, missed, nil
}

func (e *Env) runListenInspector(req Request, warm, n int, capture, subscribed bool, i int) (inspectorRun, error) {
	addrFile := e.Path("inspect-listen.addr")
	os.Remove(addrFile)
	args := []string{"listen", "--port", "0", "--addr-file", addrFile}
	capturePath := filepath.Join(e.Dir, fmt.Sprintf("inspect-listen-%d.jsonl", i))
	if capture {
		args = append(args, "--capture", capturePath)
		defer os.Remove(capturePath)
	} else {
		args = append(args, "--no-capture")
	}
	var uiPort int
	if subscribed {
		p, err := freePort()
		if err != nil {
			return inspectorRun{}, err
		}
		uiPort = p
		args = append(args, "--ui-port", strconv.Itoa(p))
	} else {
		args = append(args, "--no-ui")
	}
	srv, err := startServer(nil, addrFile, false, e.Smshook, args...)
	if err != nil {
		return inspectorRun{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	streamed := make(chan int, 1)
	if subscribed {
		body, err := subscribe(ctx, fmt.Sprintf("http://127.0.0.1:%d/api/stream", uiPort))
		if err != nil {
			srv.Stop()
			return inspectorRun{}, err
		}
		go func() { streamed <- countStreamed(body) }()
	}
	r := req
	r.URL = srv.URL + "/dexatel"
	answered := 0
	var load Load
	for _, requests := range []int{warm, n} { // the warm-up, then the measure
		if requests == 0 || err != nil {
			continue
		}
		load, err = e.heyLoad(r, 0, requests, 8)
		if err == nil && load.Errors+load.Non2xx > 0 {
			err = fmt.Errorf("listen answered %d errors and %d non-2xx of %d", load.Errors, load.Non2xx, load.Answers)
		}
		answered += load.OK2xx()
	}
	run := inspectorRun{rps: load.RPS}
	if subscribed {
		time.Sleep(300 * time.Millisecond) // the stream sends at most every 100 ms
		cancel()
		run.missed = answered - <-streamed
	}
	if p := srv.Stop(); p.ExitCode != 130 && err == nil {
		err = fmt.Errorf("smshook listen exited %d after SIGINT, want 130:\n%s", p.ExitCode, p.Stderr)
	}
	return run, err
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
