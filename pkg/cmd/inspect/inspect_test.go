package inspect

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/har"
	"github.com/smshook/smshook/pkg/iostreams"
)

func factory(t *testing.T) (*cmdutil.Factory, *iostreams.IOStreams) {
	ios, _, _, _ := iostreams.Test()
	return cmdutil.New(ios, func(string) string { return "" }), ios
}

func parse(t *testing.T, args ...string) (*InspectOptions, error) {
	f, _ := factory(t)
	var got *InspectOptions
	cmd := NewCmdInspect(f, func(o *InspectOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return got, cmd.Execute()
}

func TestFlags(t *testing.T) {
	o, err := parse(t)
	if err != nil || o.File != DefaultFile || o.Port != DefaultPort {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	o, err = parse(t, "x.har", "--port", "0", "--demo", "--forward-to", "http://127.0.0.1:3000")
	if err != nil || o.File != "x.har" || o.Port != 0 || !o.Demo || o.ForwardTo != "http://127.0.0.1:3000" {
		t.Fatalf("parsed: %+v %v", o, err)
	}
	for args, want := range map[string]string{
		"--port 70000":         "is not a port",
		"--forward-to ftp://x": "--forward-to",
		"a.jsonl b.jsonl":      "accepts at most 1 arg",
	} {
		if _, err := parse(t, strings.Fields(args)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
}

func record(id, messageID string) *capture.Record {
	r := &capture.Record{ID: id, ReceivedAt: time.Now().UTC(), Profile: "dexatel", Provider: "dexatel", Kind: "delivery",
		Method: "POST", URL: "http://127.0.0.1:8787/dexatel", Headers: http.Header{"Content-Type": {"application/json"}},
		Verification: capture.Verification{Valid: true, Message: "ok"}, Reply: capture.Reply{Status: 200}}
	r.SetBody([]byte(`{"data":{"message_id":"` + messageID + `"}}`))
	return r
}

// serve runs inspect over file and returns the page URL.
func serve(t *testing.T, file string) string {
	t.Helper()
	f, _ := factory(t)
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	o := &InspectOptions{IO: f.IOStreams, Factory: f, Context: ctx, File: file, Port: 0, listening: func(u string) { urls <- u }}
	go func() { done <- inspectRun(o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
			t.Errorf("exit: %v", err)
		}
	})
	select {
	case u := <-urls:
		return u
	case err := <-done:
		t.Fatalf("inspect stopped: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("inspect did not start")
	}
	return ""
}

func listIDs(t *testing.T, url string) []string {
	resp, err := http.Get(url + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct{ Events []struct{ ID string } }
	json.NewDecoder(resp.Body).Decode(&p)
	var ids []string
	for _, e := range p.Events {
		ids = append(ids, e.ID)
	}
	return ids
}

func waitIDs(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := strings.Join(listIDs(t, url), " ")
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("events %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServesACaptureFileAndFollowsIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Append(record("01A", "m1"))
	url := serve(t, path)
	waitIDs(t, url, "01A")
	w.Append(record("01B", "m1"))
	w.Close()
	waitIDs(t, url, "01B 01A")
}

func TestServesAHARFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.har")
	f, _ := os.Create(path)
	hw, _ := har.NewWriter(f, har.Creator{Name: "test", Version: "1"})
	hw.Write(record("01A", "m1"))
	hw.Write(record("01B", "m2"))
	hw.Close()
	f.Close()
	url := serve(t, path)
	waitIDs(t, url, "01B 01A")
}

func TestMissingFileIsAUsageError(t *testing.T) {
	f, _ := factory(t)
	err := inspectRun(&InspectOptions{IO: f.IOStreams, Factory: f, File: filepath.Join(t.TempDir(), "none.jsonl")})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "name a capture file") {
		t.Fatalf("missing file: %v", err)
	}
}
