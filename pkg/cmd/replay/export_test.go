package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// canary is the command every hostile field tries to run.
const canary = "touch pwned"

// hostileRecords are records a capture or HAR file may hold that a reader
// still accepts: the shell door must keep them inert and exact.
func hostileRecords() []*capture.Record {
	hostileText := "it's $(" + canary + ") `" + canary + "` \"q\" \\ ; " + canary + " && " + canary + " | x > y # {a,b} [1-2] *"
	mk := func(id, provider, kind, method, url string, h http.Header, body []byte) *capture.Record {
		r := &capture.Record{ID: id, ReceivedAt: base, Profile: provider, Provider: provider, Kind: kind,
			Method: method, URL: url, Headers: h, Verification: capture.Verification{Message: "x"}}
		r.SetBody(body)
		r.Reply.Status = 200
		return r
	}
	return []*capture.Record{
		mk("h1", "dexatel\n"+canary+"\n", "delivery\r\n$("+canary+")`"+canary+"`\x1b[2J\u2028"+canary, "POST",
			"http://127.0.0.1:9/h?q=$("+canary+")&b=`"+canary+"`&c='x'&d={a,b}&e=[1-2]",
			http.Header{"Content-Type": {"application/json"}, "X-Quote": {hostileText}, "X-Empty": {""}, "X-Tab": {"a\tb"}},
			[]byte("{\"a\": \""+hostileText+"\"}\n\r\x00\x01\xff\xfe end %s %% \\n '")),
		mk("h2", "p'; "+canary+"; '", "k", "PUT", "https://127.0.0.1:9/it's",
			http.Header{"X-A": {"$(" + canary + ")"}},
			[]byte(hostileText)),
		mk("h3", "", "", "POST", "http://127.0.0.1:9/at", http.Header{},
			[]byte("@/etc/passwd")),
		mk("h4", "x", "y", "POST", "http://127.0.0.1:9/dash", nil,
			[]byte("-n\x00")),
		// A URL curl would read as an option.
		mk("h5", "x", "y", "POST", "--output=pwned", nil, []byte("x")),
	}
}

// TestExportCurlHostileRecords: a script exported from hostile records
// parses, runs nothing but curl, and passes curl exactly the recorded
// method, URL, headers and body bytes; records with malformed ids, methods
// or header names are reported as bad lines and left out.
func TestExportCurlHostileRecords(t *testing.T) {
	good := hostileRecords()
	bad := []*capture.Record{
		{ID: "x\n" + canary + "\n", Method: "POST", URL: "http://127.0.0.1:9/", Verification: capture.Verification{Message: "x"}},
		{ID: "$(" + canary + ")", Method: "POST", URL: "http://127.0.0.1:9/", Verification: capture.Verification{Message: "x"}},
		{ID: "ok", Method: "POST\n" + canary, URL: "http://127.0.0.1:9/", Verification: capture.Verification{Message: "x"}},
		{ID: "ok", Method: "POST", URL: "http://127.0.0.1:9/\n" + canary, Verification: capture.Verification{Message: "x"}},
		{ID: "ok", Method: "POST", URL: "http://127.0.0.1:9/", Headers: http.Header{"X-A\n" + canary: {"v"}}, Verification: capture.Verification{Message: "x"}},
		{ID: "ok", Method: "POST", URL: "http://127.0.0.1:9/", Headers: http.Header{"X-A": {"v\r\n" + canary}}, Verification: capture.Verification{Message: "x"}},
	}
	for _, r := range bad {
		r.SetBody([]byte("{}"))
	}
	path := writeCapture(t, "", append(append([]*capture.Record(nil), good...), bad...)...)

	stdout, stderr, code := run(t, nil, "replay", path, "--export", "curl", "--show-secrets")
	if code != 1 || strings.Count(stderr, "skipped") < len(bad) || !strings.Contains(stderr, "is not a record id") ||
		!strings.Contains(stderr, `"x\n`+canary+`\n" is not a record id`) {
		t.Errorf("bad lines were not reported as such: exit %d\n%s", code, stderr)
	}
	if strings.ContainsAny(stderr, "\r\x1b") || strings.Contains(stderr, "\n"+canary) {
		t.Errorf("the report of bad lines carries their bytes raw:\n%s", stderr)
	}
	checkScript(t, stdout, good)

	// The same records read from HAR, with the hostile fields where HAR
	// keeps them.
	harPath := filepath.Join(t.TempDir(), "in.har")
	harOut, stderr, code := run(t, nil, "replay", path, "--export", "har", "--out", harPath, "--show-secrets", "--skip-invalid")
	if code != 0 {
		t.Fatalf("export har: exit %d %s%s", code, harOut, stderr)
	}
	addBadHAREntry(t, harPath, "\n"+canary+"\n")
	stdout, stderr, code = run(t, nil, "replay", "--import-har", harPath, "--export", "curl", "--show-secrets")
	if code != 1 || !strings.Contains(stderr, "HAR entry "+strconv.Itoa(len(good))+": id") || !strings.Contains(stderr, "is not a record id") {
		t.Errorf("a HAR entry with a hostile id was not reported: exit %d\n%s", code, stderr)
	}
	checkScript(t, stdout, good)
}

// addBadHAREntry appends a copy of the first entry with another id.
func addBadHAREntry(t *testing.T, path, id string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Version string            `json:"version"`
			Creator json.RawMessage   `json:"creator"`
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	json.Unmarshal(doc.Log.Entries[0], &e)
	e["_smshook"].(map[string]any)["id"] = id
	extra, _ := json.Marshal(e)
	doc.Log.Entries = append(doc.Log.Entries, extra)
	out, _ := json.Marshal(doc)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkScript parses script with every shell at hand, runs it with a stub
// curl that records its arguments and stdin, and compares what each curl
// got with the records.
func checkScript(t *testing.T, script string, want []*capture.Record) {
	t.Helper()
	for _, shell := range []string{"sh", "dash", "bash"} {
		shellPath, err := exec.LookPath(shell)
		if err != nil {
			continue
		}
		dir := t.TempDir()
		scriptPath := filepath.Join(dir, "replay.sh")
		os.WriteFile(scriptPath, []byte(script), 0o600)
		if out, err := exec.Command(shellPath, "-n", scriptPath).CombinedOutput(); err != nil {
			t.Fatalf("%s -n: %v: %s\n%s", shell, err, out, script)
		}

		stubDir, outDir, work := filepath.Join(dir, "bin"), filepath.Join(dir, "calls"), filepath.Join(dir, "work")
		for _, d := range []string{stubDir, outDir, work} {
			os.Mkdir(d, 0o700)
		}
		// The stub keeps each call's arguments (one file each: an argument
		// holds no NUL) and its stdin.
		stub := `#!/bin/sh
n=$(cat "$STUB_OUT/count" 2>/dev/null || echo 0)
n=$((n+1))
echo "$n" > "$STUB_OUT/count"
d="$STUB_OUT/$n"
mkdir "$d"
i=0
for a in "$@"; do
	i=$((i+1))
	printf '%s' "$a" > "$d/arg.$i"
done
echo "$i" > "$d/argc"
cat > "$d/stdin"
`
		if err := os.WriteFile(filepath.Join(stubDir, "curl"), []byte(stub), 0o700); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, shellPath, scriptPath)
		cmd.Dir = work
		cmd.Env = []string{"PATH=" + stubDir + ":/usr/bin:/bin", "HOME=" + work, "STUB_OUT=" + outDir}
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s replay.sh: %v: %s\n%s", shell, err, out, script)
		}
		entries, _ := os.ReadDir(work)
		if len(entries) > 0 {
			t.Errorf("%s: the script created %v in its directory: a field ran as code\n%s", shell, entries, script)
		}
		count, _ := os.ReadFile(filepath.Join(outDir, "count"))
		if n, _ := strconv.Atoi(strings.TrimSpace(string(count))); n != len(want) {
			t.Fatalf("%s: curl ran %d times, want %d\n%s", shell, n, len(want), script)
		}
		for i, rec := range want {
			call := readCall(t, filepath.Join(outDir, strconv.Itoa(i+1)))
			if got := call.parse(t); got != nil {
				compareCall(t, shell, rec, got)
			}
		}
	}
}

type curlCall struct {
	args  []string
	stdin []byte
}

func readCall(t *testing.T, dir string) curlCall {
	argc, err := os.ReadFile(filepath.Join(dir, "argc"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(argc)))
	c := curlCall{}
	for i := 1; i <= n; i++ {
		b, _ := os.ReadFile(filepath.Join(dir, "arg."+strconv.Itoa(i)))
		c.args = append(c.args, string(b))
	}
	c.stdin, _ = os.ReadFile(filepath.Join(dir, "stdin"))
	return c
}

type sentRequest struct {
	method, url string
	headers     []string
	body        []byte
}

// parse reads curl's arguments as curl would; any option but the ones
// FormatCurl writes fails the test.
func (c curlCall) parse(t *testing.T) *sentRequest {
	t.Helper()
	r := &sentRequest{}
	args := c.args
	for i := 0; i < len(args); i++ {
		next := func() string {
			i++
			if i >= len(args) {
				t.Fatalf("curl %q: %s has no value", args, args[i-1])
			}
			return args[i]
		}
		switch a := args[i]; {
		case a == "-X":
			r.method = next()
		case a == "-g":
		case a == "--url":
			r.url = next()
		case a == "-H":
			r.headers = append(r.headers, next())
		case a == "--data-raw":
			r.body = []byte(next())
		case a == "--data-binary":
			if v := next(); v != "@-" {
				t.Fatalf("curl %q: --data-binary %q", args, v)
			}
			r.body = c.stdin
		case strings.HasPrefix(a, "-"):
			t.Errorf("curl got an option it should not: %q in %q", a, args)
			return nil
		default:
			if r.url != "" {
				t.Errorf("curl got two URLs: %q", args)
			}
			r.url = a
		}
	}
	if strings.ContainsAny(r.url, "[]{}") && !slices.Contains(args, "-g") {
		t.Errorf("curl would glob the URL %q: %q", r.url, args)
	}
	return r
}

func compareCall(t *testing.T, shell string, rec *capture.Record, got *sentRequest) {
	t.Helper()
	var want []string
	for name, values := range rec.Headers {
		for _, v := range values {
			if v == "" {
				want = append(want, name+";")
			} else {
				want = append(want, name+": "+v)
			}
		}
	}
	sort.Strings(want)
	sort.Strings(got.headers)
	if got.method != rec.Method || got.url != rec.URL {
		t.Errorf("%s: record %s: curl got %q %q, want %q %q", shell, rec.ID, got.method, got.url, rec.Method, rec.URL)
	}
	if strings.Join(got.headers, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: record %s: curl got headers %q, want %q", shell, rec.ID, got.headers, want)
	}
	if !bytes.Equal(got.body, rec.Body()) {
		t.Errorf("%s: record %s: curl got body %q, want %q", shell, rec.ID, got.body, rec.Body())
	}
}
