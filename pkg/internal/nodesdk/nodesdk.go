// Package nodesdk runs the providers' official Node SDKs, pinned in
// scripts/oracle, for the tests that use them as independent oracles.
// Without node or the SDKs a test is skipped locally, saying how to get
// them, and fails in CI (CI=true), where they must run.
package nodesdk

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Require returns node's path and scripts/oracle's absolute path; root is
// the repository's root as seen from the test's directory ("../.."). Each
// module must be installed in node_modules; with none, node_modules must
// be there.
func Require(t testing.TB, root string, modules ...string) (node, dir string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(root, "scripts", "oracle"))
	if err != nil {
		t.Fatal(err)
	}
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("node SDKs: %s; CI must run them (.ci/run installs node and runs npm ci --prefix scripts/oracle)", why)
		}
		t.Skipf("node SDKs skipped: %s (install node and run make oracle-deps)", why)
	}
	if node, err = exec.LookPath("node"); err != nil {
		missing("node is not installed")
	}
	wanted := []string{"node_modules"}
	for _, m := range modules {
		wanted = append(wanted, filepath.Join("node_modules", m, "package.json"))
	}
	for _, w := range wanted {
		if _, err := os.Stat(filepath.Join(dir, w)); err != nil {
			missing("scripts/oracle/" + filepath.ToSlash(w) + " is missing")
		}
	}
	return node, dir
}

// Start runs script (a path in scripts/oracle) that answers a JSON line
// on stdout for each it reads on stdin. When the test ends its stdin is
// closed and it has 10 s to exit before it is killed.
func Start(t testing.TB, node, dir, script string, stderr io.Writer) (in io.WriteCloser, out io.Reader) {
	t.Helper()
	cmd := exec.Command(node, filepath.Join(dir, script))
	cmd.Dir = dir
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if out, err = cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return in, out
}
