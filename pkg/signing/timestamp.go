package signing

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Helpers shared by the schemes that sign a timestamp, a nonce or an id.

// unixNow is the request's clock as unix seconds, the form every timestamped
// scheme here signs.
func unixNow(req *Request) string {
	return strconv.FormatInt(req.now().Unix(), 10)
}

// parseUnix reads a unix-seconds timestamp.
func parseUnix(value string) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// checkTime is the last check of a verify whose signature already matched:
// the signed time must lie within tol of now. A negative tol turns the check
// off. header names where the time came from, for the message.
func checkTime(header string, signed, now time.Time, tol time.Duration) *Result {
	if tol < 0 {
		return nil
	}
	switch age := now.Sub(signed); {
	case age > tol:
		r := invalid(header, ReasonTimestampTooOld,
			"the signature matches, but %s is %s old, beyond the %s tolerance: the request is stale or replayed; sign it again, or allow more with --tolerance",
			header, roundSeconds(age), roundSeconds(tol))
		return &r
	case -age > tol:
		r := invalid(header, ReasonTimestampInFuture,
			"the signature matches, but %s is %s in the future, beyond the %s tolerance: check the sender's clock",
			header, roundSeconds(-age), roundSeconds(tol))
		return &r
	}
	return nil
}

// checkUnixHeader parses value, a unix-seconds timestamp from header, and
// checks it against now: nil when it is fine.
func checkUnixHeader(header, value string, now time.Time, tol time.Duration) *Result {
	signed, ok := parseUnix(value)
	if !ok {
		r := invalid(header, ReasonMalformed, "%s %q is not a unix timestamp in seconds", header, value)
		return &r
	}
	return checkTime(header, signed, now, tol)
}

func roundSeconds(d time.Duration) string {
	if d < time.Second {
		return d.String()
	}
	return d.Round(time.Second).String()
}

// missingTimestamp is the result for a request without the timestamp its
// scheme signs.
func missingTimestamp(header string) Result {
	return invalid(header, ReasonMissingTimestamp,
		"no %s header: this scheme signs a timestamp, and the request carries none", header)
}

// newMessageID returns an id in the msg_… form Standard Webhooks senders use.
func newMessageID() string { return "msg_" + rand.Text() }

// newNonce returns a random nonce of letters and digits.
func newNonce() string { return rand.Text() }

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// requireURL is Sign's error when a scheme that signs the URL has none.
func requireURL(scheme string, req *Request) error {
	if req.URL == "" {
		return fmt.Errorf("%s signs the URL the provider posts to: give it with --url", scheme)
	}
	return nil
}

// missingURL is Verify's result when a scheme that signs the URL has none.
// Which flag gives the URL is the command's to say: see WithURLHint.
func missingURL(header, scheme string) Result {
	return invalid(header, ReasonMissingURL, "%s signs the URL it posts to, and no URL was given", scheme)
}
