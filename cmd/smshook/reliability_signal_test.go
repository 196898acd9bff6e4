package main

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A command blocked reading stdin cannot watch for Ctrl-C; the second
// Ctrl-C ends it (the first one cancels the commands that can).
func TestSecondInterruptEndsACommandBlockedOnStdin(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("smshook", "sign", "dexatel", "--secret", "s", "-")
	cmd.Dir, cmd.Env = dir, cliEnv(dir)
	stdin, err := cmd.StdinPipe() // held open: sign waits for the body forever
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(300 * time.Millisecond) // let it reach the read
	for i := 0; i < 2; i++ {
		cmd.Process.Signal(syscall.SIGINT)
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("two Ctrl-C did not end smshook sign blocked on stdin")
	}
}
