package cmdutil

// Helpers for commands that build, print or read whole HTTP requests (sign,
// verify, and later send, replay and listen), and for the arguments and
// credential flags those commands share. Bodies are never re-encoded: what
// is printed sends, and what is parsed keeps, the exact bytes.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// FormatHTTP returns the request as HTTP/1.1 puts it on the wire: request
// line, Host, Content-Type, Content-Length, the other headers sorted by
// name, a blank line and the exact body. Lines end in CRLF.
func FormatHTTP(method, rawURL string, h http.Header, body []byte) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL such as http://127.0.0.1:8787/path", rawURL)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, u.RequestURI())
	fmt.Fprintf(&b, "Host: %s\r\n", u.Host)
	names := headerOrder(h)
	if len(names) > 0 && names[0] == "Content-Type" {
		for _, v := range h.Values("Content-Type") {
			fmt.Fprintf(&b, "Content-Type: %s\r\n", v)
		}
		names = names[1:]
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	for _, name := range names {
		for _, v := range h.Values(name) {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes(), nil
}

// headerOrder lists the header names to print: Content-Type first, then the
// rest sorted, without the ones the transport computes.
func headerOrder(h http.Header) []string {
	var names []string
	hasType := false
	for name := range h {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Transfer-Encoding":
			continue
		case "Content-Type":
			hasType = true
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if hasType {
		names = append([]string{"Content-Type"}, names...)
	}
	return names
}

// ParseRawRequest reads a whole HTTP/1.x request as saved in a file: request
// line, headers, a blank line, the body. The head may end its lines in CRLF
// or LF. The body is the exact bytes after the blank line: Content-Length
// bytes when the header is present (later bytes are ignored), a chunked body
// de-chunked, else everything to the end. The URL is absolute: the request
// target when it is, else http (https when X-Forwarded-Proto says so) plus
// Host plus the target.
func ParseRawRequest(raw []byte) (signing.Request, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return signing.Request{}, errors.New("it is empty")
	}
	if err := checkRequestLine(raw); err != nil {
		return signing.Request{}, err
	}
	rd := bytes.NewReader(raw)
	br := bufio.NewReader(rd)
	hr, err := http.ReadRequest(br)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return signing.Request{}, errors.New("the headers do not end with a blank line")
		}
		return signing.Request{}, err
	}
	rest := raw[len(raw)-rd.Len()-br.Buffered():]

	var body []byte
	switch {
	case len(hr.TransferEncoding) > 0:
		// Chunked framing belongs to the transport, not to the signed body.
		if body, err = io.ReadAll(hr.Body); err != nil {
			return signing.Request{}, fmt.Errorf("the chunked body is malformed: %v", err)
		}
	case hr.Header.Get("Content-Length") != "":
		if int64(len(rest)) < hr.ContentLength {
			return signing.Request{}, fmt.Errorf("Content-Length is %d but only %d bytes follow the headers", hr.ContentLength, len(rest))
		}
		body = rest[:hr.ContentLength]
	default:
		body = rest
	}

	return signing.Request{
		Method: hr.Method,
		URL:    requestURL(hr),
		Header: hr.Header,
		Body:   body,
	}, nil
}

// checkRequestLine gives a clearer message than net/http for the usual
// mistake: a file holding only a body, or a line that is not "METHOD TARGET HTTP/x.y".
func checkRequestLine(raw []byte) error {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	fields := strings.Split(string(line), " ")
	if len(fields) == 3 && fields[0] != "" && fields[1] != "" && strings.HasPrefix(fields[2], "HTTP/") {
		return nil
	}
	shown := string(line)
	if len(shown) > 40 {
		shown = shown[:40] + "…"
	}
	return fmt.Errorf("line 1 is %s, not a request line such as 'POST /path HTTP/1.1'", strconv.Quote(shown))
}

func requestURL(hr *http.Request) string {
	if hr.URL.IsAbs() {
		return hr.URL.String()
	}
	if hr.Host == "" {
		return hr.RequestURI
	}
	scheme := "http"
	if strings.EqualFold(hr.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + hr.Host + hr.RequestURI
}

// RequestJSON is a request as commands print it with --output json. The
// body is a string when it is UTF-8, else base64 in BodyBase64.
type RequestJSON struct {
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body,omitempty"`
	BodyBase64 []byte            `json:"body_base64,omitempty"`
}

// NewRequestJSON builds the JSON form of a request. A repeated header is
// joined with ", " as HTTP allows.
func NewRequestJSON(req signing.Request) RequestJSON {
	out := RequestJSON{Method: req.Method, URL: req.URL, Headers: map[string]string{}}
	for name, values := range req.Header {
		out.Headers[name] = strings.Join(values, ", ")
	}
	if utf8.Valid(req.Body) {
		out.Body = string(req.Body)
	} else {
		out.BodyBase64 = req.Body // encoding/json writes []byte as base64
	}
	return out
}

// CheckHTTPURL accepts absolute http and https URLs, the ones a webhook
// can be sent to.
func CheckHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return nil
	}
	if !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "/") {
		// Redacted as the URL meant: without a scheme, "user:pw@host" does
		// not parse as userinfo.
		meant := redact.URL("http://" + raw)
		return fmt.Errorf("%q is not an http or https URL: did you mean %s?", strings.TrimPrefix(meant, "http://"), meant)
	}
	return fmt.Errorf("%q is not an http or https URL such as http://127.0.0.1:3000/webhooks", redact.URL(raw))
}

// AddCredentialFlags defines --secret, --secret-file, --username and
// --password into c.
func AddCredentialFlags(fs *pflag.FlagSet, c *config.CredentialFlags) {
	fs.StringVar(&c.Secret, "secret", "", "shared secret (HMAC key or Bearer token); prefer --secret-file or $"+config.EnvSecret+": flags show in ps")
	fs.StringVar(&c.SecretFile, "secret-file", "", "read the secret from `FILE` (a trailing newline is dropped)")
	fs.StringVar(&c.Username, "username", "", "username for HTTP Basic providers (or $"+config.EnvUsername+")")
	fs.StringVar(&c.Password, "password", "", "password for HTTP Basic providers (or $"+config.EnvPassword+")")
}

// CheckCredentialFlags refuses credential flags that contradict each other
// or that the provider's scheme would silently ignore.
func CheckCredentialFlags(providerName string, spec signing.Spec, c config.CredentialFlags) error {
	if c.Secret != "" && c.SecretFile != "" {
		return UsageErrorf("--secret and --secret-file both give the secret: keep one")
	}
	switch spec.Scheme {
	case signing.SchemeBasic:
		if c.Secret != "" || c.SecretFile != "" {
			return UsageErrorf("%s uses HTTP Basic auth, which takes no secret: pass --username and --password", providerName)
		}
	default:
		if c.Username != "" || c.Password != "" {
			return UsageErrorf("%s uses a shared secret (%s), not a username and password: pass --secret or --secret-file", providerName, spec.Scheme)
		}
	}
	return nil
}

// ProviderAndFile splits the arguments of a command used as
// `cmd PROVIDER [FILE|-]` or `cmd --profile P [FILE|-]`. With a profile, a
// single argument is the FILE unless it names a provider.
func ProviderAndFile(f *Factory, args []string) (providerArg, file string, err error) {
	switch len(args) {
	case 0:
		return "", "", nil
	case 1:
		if f.ProfileName() == "" {
			return args[0], "", nil
		}
		reg, err := f.Registry()
		if err != nil {
			return "", "", err
		}
		if _, err := reg.Lookup(args[0]); err == nil {
			return args[0], "", nil
		}
		return "", args[0], nil
	}
	return args[0], args[1], nil
}

// ReadBodyArg reads the body named by a FILE argument: the file, stdin for
// "-", and stdin too when no FILE was given and stdin is not a terminal. A
// terminal on stdin with no FILE is a usage error ending in hint. The body
// may be empty: GET callbacks (Vonage receipts, Twilio, MessageBird) carry
// their parameters in the query and sign no body.
func ReadBodyArg(file string, io *iostreams.IOStreams, hint string) ([]byte, error) {
	if file == "" {
		if io.IsStdinTTY() {
			return nil, UsageErrorf("no body: %s", hint)
		}
		file = "-"
	}
	return readFileOrStdin(file, io.In)
}
