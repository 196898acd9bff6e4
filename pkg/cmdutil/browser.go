package cmdutil

import (
	"errors"
	"os/exec"
	"runtime"
)

// OpenBrowser asks the desktop to open url (xdg-open, open, or start on
// Windows) without waiting for the browser. An error means it could not be
// asked: the caller warns and goes on, since the URL is printed anyway.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if _, err := exec.LookPath("xdg-open"); err != nil {
			return errors.New("xdg-open is not installed")
		}
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reaped whenever it ends
	return nil
}
