// Command smshook signs, verifies, sends, replays and listens for SMS
// providers' webhooks.
package main

import (
	"os"

	"github.com/smshook/smshook/pkg/cmd/root"
)

func main() {
	os.Exit(root.Main())
}
