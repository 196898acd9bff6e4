package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The reliability tests run smshook as a real process: testscript.Main (in
// TestMain) put this test binary on PATH as `smshook`, so every run below
// goes through root.Main, os.Exit and real signals, as a user's would.

// runLimit bounds every smshook process a reliability test starts.
const runLimit = 30 * time.Second

// cliResult is how one smshook run ended.
type cliResult struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return "smshook " + strings.Join(r.args, " ") + "\n--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr
}

// cliEnv is a clean environment for smshook in dir: its own HOME and
// config directory, no SMSHOOK_* from the developer's shell, plus extra.
func cliEnv(dir string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"GORACE=atexit_sleep_ms=0",
		"TERM=dumb",
	}
	if v, ok := os.LookupEnv("GOCOVERDIR"); ok {
		env = append(env, "GOCOVERDIR="+v)
	}
	return append(env, extra...)
}

// runCLI runs smshook in dir with env and returns how it ended.
func runCLI(t *testing.T, dir string, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "smshook", args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("did not finish within %s: %s", runLimit, res)
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("smshook did not run: %v", err)
	}
	return res
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// okServer answers every request with status after reading the body.
func okServer(t *testing.T, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// closedURL is a loopback URL where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/hook"
}

const dexatelBody = `{"data":{"account_id":"72e47e47-95b9-41c2-bdcd-55dd9bb04e14","message_id":"e4fb1353-8ded-4ec7-991e-a757ea213106","event":"delivery","status":"DELIVERED","channel":"SMS","to":"1222333333","mccmnc":"310670","price":0.123,"timestamp":"2022-03-01 13:00:00"}}`
