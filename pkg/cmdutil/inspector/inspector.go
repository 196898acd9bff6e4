// Package inspector starts the inspector page beside a command that
// receives or sends webhooks (listen, sandbox), the same way for each.
package inspector

import (
	"strconv"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/inspect"
)

// Without a capture file the inspector keeps the newest events in memory,
// within these bounds.
const (
	inspectorRingEvents = 10000
	inspectorRingBytes  = 64 << 20
)

// Config is how a command that receives or sends webhooks (listen,
// sandbox) serves the inspector beside its own port.
type Config struct {
	// Port is the page's loopback port; 0 picks a free one.
	Port int
	// NoCapture keeps a ring in memory, fed by Server.Observe; else the
	// page follows CapturePath.
	NoCapture   bool
	CapturePath string
	// Open opens the page in the browser.
	Open bool
	// Options are the server's, without the Index.
	Options inspect.Options
	// Warn hears why the inspector is off (or --open failed): the
	// command's own job comes first, so these are never errors.
	Warn func(string)
}

// Start serves the inspector on its own loopback port: never on
// the command's port, which a tunnel may expose. It follows the capture
// file (or keeps a ring). On failure it warns and returns a nil server.
func Start(c Config) (srv *inspect.Server, url string, stop func()) {
	var idx *inspect.Index
	var err error
	if c.NoCapture {
		idx = inspect.NewBoundedRing(inspectorRingEvents, inspectorRingBytes)
	} else if idx, err = inspect.NewFileIndex(c.CapturePath); err != nil {
		c.Warn("inspector off: " + err.Error())
		return nil, "", nil
	}
	opts := c.Options
	opts.Index = idx
	if srv, err = inspect.New(opts); err != nil {
		idx.Close()
		c.Warn("inspector off: " + err.Error())
		return nil, "", nil
	}
	run, err := srv.Start(c.Port)
	if err != nil {
		idx.Close()
		c.Warn("inspector off: cannot listen on 127.0.0.1:" + strconv.Itoa(c.Port) + ": " + cmdutil.ListenError(err).Error() + ": pass --ui-port N (0 picks a free one) or --no-ui")
		return nil, "", nil
	}
	if c.Open {
		if err := cmdutil.OpenBrowser(run.URL); err != nil {
			c.Warn("--open: cannot open a browser: " + err.Error() + ": open " + run.URL + " yourself")
		}
	}
	return srv, run.URL, func() {
		run.Stop()
		idx.Close()
	}
}

// Flags are a command's port flags and its inspector's.
type Flags struct {
	Port, UIPort      int
	UIPortGiven, NoUI bool
	Open              bool
}

// CheckFlags refuses port flags that cannot work together; shared says
// why the inspector does not share the command's port (listen: a tunnel
// would expose it). A free port (--port 0) asks for a free inspector port
// too unless --ui-port was given: tests run many at once.
func CheckFlags(f *Flags, shared string) error {
	switch {
	case f.Port < 0 || f.Port > 65535:
		return cmdutil.UsageErrorf("--port %d is not a port: use 1-65535, or 0 for a free one", f.Port)
	case f.UIPort < 0 || f.UIPort > 65535:
		return cmdutil.UsageErrorf("--ui-port %d is not a port: use 1-65535, or 0 for a free one", f.UIPort)
	case f.NoUI && (f.UIPortGiven || f.Open):
		return cmdutil.UsageErrorf("--no-ui turns the inspector off: drop --ui-port and --open, or --no-ui")
	case f.UIPort != 0 && f.UIPort == f.Port:
		return cmdutil.UsageErrorf("--ui-port %d is %s; pick another", f.UIPort, shared)
	}
	if f.Port == 0 && !f.UIPortGiven {
		f.UIPort = 0
	}
	return nil
}
