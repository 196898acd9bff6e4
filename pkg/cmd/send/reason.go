package send

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/iostreams"
)

// maxReasonBody is the largest reply body whose first line is shown as the
// reason of a failed reply: longer ones are pages, not messages (-v shows
// them).
const maxReasonBody = 1024

// replyReason says in one line why a failed reply failed, without -v:
// smshook listen's own problem JSON (error, reason, message, and for a
// wrong path the routes of provider, else all), or the first line of a
// short body. "" when the body says nothing useful.
func replyReason(body []byte, provider string) string {
	var p struct {
		Error   string   `json:"error"`
		Reason  string   `json:"reason"`
		Message string   `json:"message"`
		Routes  []string `json:"routes"`
	}
	if json.Unmarshal(body, &p) == nil && p.Error != "" {
		s := p.Error
		if p.Reason != "" && !strings.Contains(s, p.Reason) {
			s += " (" + p.Reason + ")"
		}
		if p.Message != "" {
			s += ": " + p.Message
		}
		if routes := routesOf(p.Routes, provider); len(routes) > 0 {
			s += "; routes: " + strings.Join(routes, ", ")
		}
		return iostreams.SafeLine(s)
	}
	if len(body) == 0 || len(body) > maxReasonBody || !utf8.Valid(body) {
		return ""
	}
	line, _, _ := bytes.Cut(bytes.TrimSpace(body), []byte("\n"))
	return iostreams.SafeLine(string(bytes.TrimSpace(line)))
}

// routesOf keeps the routes of provider when there are any (the listener
// serves every provider), and at most a handful.
func routesOf(routes []string, provider string) []string {
	var own []string
	for _, r := range routes {
		if r == "/"+provider || strings.HasPrefix(r, "/"+provider+"/") {
			own = append(own, r)
		}
	}
	if len(own) == 0 {
		own = routes
	}
	const most = 8
	if len(own) > most {
		return append(own[:most:most], fmt.Sprintf("… (%d more)", len(own)-most))
	}
	return own
}

// retriesMade is "no retries", "after 1 retry", "after 3 retries".
func retriesMade(n int) string {
	switch {
	case n == 1:
		return "after 1 retry"
	case n > 1:
		return fmt.Sprintf("after %d retries", n)
	}
	return "no retries"
}
