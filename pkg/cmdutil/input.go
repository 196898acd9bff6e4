package cmdutil

import (
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strings"
)

// ReadPayload reads a body exactly as stored: from FILE, from stdin for
// "-", and nothing else. It never trims or re-encodes. An empty body is a
// usage error.
func ReadPayload(path string, stdin io.Reader) ([]byte, error) {
	b, err := readFileOrStdin(path, stdin)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		name := path
		if path == "-" {
			name = "stdin"
		}
		return nil, UsageErrorf("%s is empty: a webhook body is needed (or use --event KIND for a provider's example)", name)
	}
	return b, nil
}

// readFileOrStdin reads FILE, or stdin for "-", exactly.
func readFileOrStdin(path string, stdin io.Reader) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(stdin)
		if err != nil {
			return nil, UsageErrorf("cannot read stdin: %v", err)
		}
	} else {
		b, err = os.ReadFile(path)
		if err != nil {
			if pe, ok := err.(*os.PathError); ok {
				err = pe.Err
			}
			return nil, UsageErrorf("cannot read %s: %v", path, err)
		}
	}
	return b, nil
}

// ParseHeaders reads repeated 'Name: value' flags into a header set.
func ParseHeaders(lines []string) (http.Header, error) {
	h := http.Header{}
	for _, line := range lines {
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, UsageErrorf("--header %q is not 'Name: value'", line)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	}
	return h, nil
}

// FormatHeaderLines writes headers as 'Name: value' lines in the order names
// are given; values are not redacted (the caller asked for them).
func FormatHeaderLines(h http.Header, names []string) string {
	var b strings.Builder
	for _, n := range names {
		for _, v := range h.Values(n) {
			fmt.Fprintf(&b, "%s: %s\n", n, v)
		}
	}
	return b.String()
}
