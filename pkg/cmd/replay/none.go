package replay

import (
	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmdutil"
)

// noneSelected fails a replay that sent nothing, with the reason: the
// filters when some were given, else a file with nothing to replay.
func noneSelected(name string, f *capture.Filter, unrouted int) error {
	switch {
	case !f.IsZero():
		return cmdutil.FailureErrorf("%s: no records selected, nothing was replayed: check the filters", name)
	case unrouted > 0:
		return cmdutil.FailureErrorf("%s: no records selected, nothing was replayed", name) // the unrouted note says why
	}
	return cmdutil.FailureErrorf("%s holds no records, nothing was replayed: capture some with 'smshook listen'", name)
}
