// Package har converts capture records to and from HTTP Archive 1.2 files,
// the format browsers' devtools and many HTTP tools save and open.
//
// Both directions stream: Writer emits one entry at a time and Reader
// decodes one entry at a time, so a capture of any size converts in
// constant memory. Request bodies are kept byte-exact: as postData.text when
// they are valid UTF-8, else base64 with "_encoding": "base64" (HAR 1.2
// allows custom fields prefixed with "_"; the 1.3 proposal's
// postData.encoding is read too).
package har

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// Entry is one HAR entry: a request and its response.
type Entry struct {
	StartedDateTime string   `json:"startedDateTime"`
	Time            float64  `json:"time"`
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	Cache           struct{} `json:"cache"`
	Timings         Timings  `json:"timings"`
	Comment         string   `json:"comment,omitempty"`
	// Smshook keeps what the capture knew that HAR has no field for, so
	// that export and import round-trip.
	Smshook *Extra `json:"_smshook,omitempty"`
}

// Extra is smshook's custom entry field.
type Extra struct {
	ID           string               `json:"id,omitempty"`
	Profile      string               `json:"profile,omitempty"`
	Provider     string               `json:"provider,omitempty"`
	Kind         string               `json:"kind,omitempty"`
	Verification capture.Verification `json:"verification"`
}

type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

type PostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	// Encoding is "base64" when Text holds a body that is not UTF-8.
	Encoding string `json:"_encoding,omitempty"`
	// EncodingV13 is the HAR 1.3 proposal's field, read on import only.
	EncodingV13 string `json:"encoding,omitempty"`
}

type Response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

type Content struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type Timings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FromRecord converts a capture record to a HAR entry.
func FromRecord(r *capture.Record) Entry {
	body := r.Body()
	e := Entry{
		StartedDateTime: r.ReceivedAt.UTC().Format(time.RFC3339Nano),
		Request: Request{
			Method:      r.Method,
			URL:         r.URL,
			HTTPVersion: "HTTP/1.1",
			Cookies:     []NameValue{},
			Headers:     headerList(r.Headers),
			QueryString: queryList(r.URL),
			HeadersSize: -1,
			BodySize:    len(body),
		},
		Smshook: &Extra{ID: r.ID, Profile: r.Profile, Provider: r.Provider, Kind: r.Kind, Verification: r.Verification},
	}
	if len(body) > 0 || r.Method == http.MethodPost {
		pd := &PostData{MimeType: r.Headers.Get("Content-Type")}
		if r.BodyText != nil {
			pd.Text = *r.BodyText
		} else {
			pd.Text, pd.Encoding = r.BodyBase64, "base64"
		}
		e.Request.PostData = pd
	}

	reply := r.Reply
	replyBody := reply.Body()
	e.Response = Response{
		Status:      reply.Status,
		StatusText:  http.StatusText(reply.Status),
		HTTPVersion: "HTTP/1.1",
		Cookies:     []NameValue{},
		Headers:     headerList(reply.Headers),
		Content:     Content{Size: len(replyBody), MimeType: reply.Headers.Get("Content-Type")},
		HeadersSize: -1,
		BodySize:    len(replyBody),
	}
	if reply.BodyText != nil {
		e.Response.Content.Text = *reply.BodyText
	} else if reply.BodyBase64 != "" {
		e.Response.Content.Text, e.Response.Content.Encoding = reply.BodyBase64, "base64"
	}
	if r.Forward != nil {
		e.Timings.Wait = r.Forward.DurationMS
		e.Time = r.Forward.DurationMS
	}
	return e
}

// headerList flattens headers in a stable order: by name, values as received.
func headerList(h http.Header) []NameValue {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	list := []NameValue{}
	for _, name := range names {
		for _, v := range h[name] {
			list = append(list, NameValue{name, v})
		}
	}
	return list
}

// queryList keeps the query's parameters in their order in the URL.
func queryList(rawURL string) []NameValue {
	list := []NameValue{}
	u, err := url.Parse(rawURL)
	if err != nil || u.RawQuery == "" {
		return list
	}
	for _, pair := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			name, value = k, v
		}
		list = append(list, NameValue{name, value})
	}
	return list
}

// ToRecord converts a HAR entry to a capture record. Entries saved by
// smshook get their profile, provider and kind back; others have none, and
// the replay target decides. HTTP/2 pseudo-headers (":authority" …) that
// devtools exports are dropped: they are not headers a request can carry.
func (e *Entry) ToRecord() (*capture.Record, error) {
	r := &capture.Record{Method: e.Request.Method, URL: e.Request.URL, Headers: http.Header{}}
	if r.Method == "" || r.URL == "" {
		return nil, errMissing("request method and url")
	}
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		r.ReceivedAt = t
	}
	for _, h := range e.Request.Headers {
		if strings.HasPrefix(h.Name, ":") {
			continue
		}
		r.Headers.Add(h.Name, h.Value)
	}
	if pd := e.Request.PostData; pd != nil && (pd.Encoding == "base64" || pd.EncodingV13 == "base64") {
		r.BodyBase64 = pd.Text
		if r.BodyBase64 == "" {
			r.SetBody(nil)
		}
	} else if pd != nil {
		text := pd.Text
		r.BodyText = &text
	} else {
		r.SetBody(nil)
	}
	if x := e.Smshook; x != nil {
		r.ID, r.Profile, r.Provider, r.Kind, r.Verification = x.ID, x.Profile, x.Provider, x.Kind, x.Verification
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.Reply.Status = e.Response.Status
	return r, nil
}

type errMissing string

func (e errMissing) Error() string { return "HAR entry has no " + string(e) }
