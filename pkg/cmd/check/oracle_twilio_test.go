package check_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/internal/nodesdk"
)

// startNodeHandler runs a handler script from scripts/oracle/handlers and
// returns the URL it prints; it is stopped when the test ends.
func startNodeHandler(t *testing.T, node, dir, script string, env ...string) string {
	t.Helper()
	cmd := exec.Command(node, filepath.Join("handlers", script))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				lines <- url
				return
			}
		}
		close(lines)
	}()
	select {
	case url, ok := <-lines:
		if !ok {
			t.Fatalf("%s exited before listening", script)
		}
		return url
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not print its URL within 15s", script)
	}
	return ""
}

// A handler built on twilio-node's validateRequest (the official SDK's
// validator) passes every case of the battery; and it does verify: with
// another auth token the genuine cases fail.
func TestOracleTwilioNodeValidateRequest(t *testing.T) {
	node, dir := nodesdk.Require(t, "../../..", "twilio")
	const token = "oracle-twilio-auth-token"
	url := startNodeHandler(t, node, dir, "twilio-express-free.js", "TWILIO_AUTH_TOKEN="+token)

	o := smshook(t, "check", url+"/sms?tenant=a%20b", "--provider", "twilio", "--secret", token, "-n", "5", "-o", "json")
	rep := parseReport(t, o.stdout)
	for _, c := range rep.Cases {
		if c.Verdict == "fail" {
			t.Errorf("%s %s failed against validateRequest: sent %s, got %s %s", c.Kind, c.Case, c.Sent, c.Got, c.Reply)
		}
	}
	if o.code != 0 || rep.Passed == 0 {
		t.Errorf("exit %d, %d passed; stderr: %s", o.code, rep.Passed, o.stderr)
	}

	o = smshook(t, "check", url+"/sms", "--provider", "twilio", "--secret", "not-"+token, "--only", "genuine", "-o", "json")
	rep = parseReport(t, o.stdout)
	if o.code != 1 || rep.Failed != 2 {
		t.Errorf("with the wrong token: exit %d, %d failed, want 1 and 2 (both kinds' genuine): the handler is not verifying\n%s", o.code, rep.Failed, o.stdout)
	}
}
