package inspect

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/smshook/smshook/pkg/codec"
)

// Step is one callback on a message's timeline.
type Step struct {
	Summary
	// Duplicate: the same status came before for this message.
	Duplicate bool `json:"duplicate,omitempty"`
	// OutOfOrder: it came after a status that should follow it (sent
	// after delivered).
	OutOfOrder bool `json:"out_of_order,omitempty"`
}

// Lifecycle is a message's callbacks in the order they arrived.
type Lifecycle struct {
	Provider  string `json:"provider"`
	MessageID string `json:"message_id"`
	// Conversation is the number pair of inbound messages, instead of a
	// message id.
	Conversation []string `json:"conversation,omitempty"`
	Steps        []Step   `json:"steps"`
}

// statusRank orders a message's statuses; finals share the top rank.
func statusRank(s string) int {
	switch codec.Status(s) {
	case codec.StatusAccepted:
		return 1
	case codec.StatusSent:
		return 2
	case codec.StatusDelivered, codec.StatusFailed, codec.StatusRejected, codec.StatusExpired, codec.StatusDeleted:
		return 3
	}
	return 0 // unknown, received: no place in the order
}

// lifecycleOf flags duplicates and out-of-order arrivals among a message's
// summaries, sorted by arrival.
func lifecycleOf(provider, messageID string, sums []Summary) Lifecycle {
	sort.SliceStable(sums, func(i, j int) bool { return sums[i].Time.Before(sums[j].Time) })
	lc := Lifecycle{Provider: provider, MessageID: messageID, Steps: []Step{}}
	seen := map[string]bool{}
	top := 0
	for _, s := range sums {
		st := Step{Summary: s}
		if s.Status != "" && seen[s.Status] {
			st.Duplicate = true
		}
		seen[s.Status] = true
		rank := statusRank(s.Status)
		if rank > 0 && rank < top {
			st.OutOfOrder = true
		}
		top = max(top, rank)
		lc.Steps = append(lc.Steps, st)
	}
	return lc
}

func (s *Server) getLifecycle(w http.ResponseWriter, r *http.Request) {
	_, sum, ok := s.record(w, r.PathValue("id"))
	if !ok {
		return
	}
	switch {
	case sum.EventKind == string(codec.KindInbound) && sum.From != "" && sum.To != "":
		// Inbound messages have no lifecycle: they are a conversation
		// between two numbers, both ways.
		writeJSON(w, http.StatusOK, conversationOf(sum, s.opts.Index.Conversation(sum.Provider, sum.From, sum.To)))
	case sum.MessageID == "":
		writeJSON(w, http.StatusOK, lifecycleOf(sum.Provider, "", []Summary{sum}))
	default:
		writeJSON(w, http.StatusOK, lifecycleOf(sum.Provider, sum.MessageID, s.opts.Index.ByMessage(sum.Provider, sum.MessageID)))
	}
}

// conversationOf lists a number pair's inbound messages as steps, in
// the order they arrived; no step is a duplicate or out of order.
func conversationOf(sum Summary, sums []Summary) Lifecycle {
	sort.SliceStable(sums, func(i, j int) bool { return sums[i].Time.Before(sums[j].Time) })
	lc := Lifecycle{Provider: sum.Provider, Conversation: []string{sum.From, sum.To}, Steps: []Step{}}
	for _, s := range sums {
		lc.Steps = append(lc.Steps, Step{Summary: s})
	}
	return lc
}

// Change is one difference between two events.
type Change struct {
	Key string `json:"key"`
	A   string `json:"a"`
	B   string `json:"b"`
	// Op is same, added (only in B), removed (only in A) or changed.
	Op string `json:"op"`
}

// Diff compares two events: headers (credentials hidden), JSON fields when
// both bodies are JSON, and the bytes.
type Diff struct {
	A, B    Summary  `json:"-"`
	IDs     []string `json:"ids"`
	Headers []Change `json:"headers"`
	// Fields is nil when a body is not a JSON value.
	Fields []Change `json:"fields,omitempty"`
	Bytes  struct {
		ASize int  `json:"a_size"`
		BSize int  `json:"b_size"`
		Equal bool `json:"equal"`
		// FirstDifference is the offset of the first byte that differs.
		FirstDifference int `json:"first_difference"`
	} `json:"bytes"`
}

func (s *Server) getDiff(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.record(w, r.URL.Query().Get("a"))
	if !ok {
		return
	}
	b, _, ok := s.record(w, r.URL.Query().Get("b"))
	if !ok {
		return
	}
	var d Diff
	d.IDs = []string{r.URL.Query().Get("a"), r.URL.Query().Get("b")}
	ha, _ := s.opts.Credentials.Redact(a.Headers, nil)
	hb, _ := s.opts.Credentials.Redact(b.Headers, nil)
	d.Headers = diffMaps(headerMap(ha, a.Headers), headerMap(hb, b.Headers))
	ba, bb := a.Body(), b.Body()
	if fa, ok := flattenJSON(ba); ok {
		if fb, ok := flattenJSON(bb); ok {
			d.Fields = diffMaps(fa, fb)
		}
	}
	d.Bytes.ASize, d.Bytes.BSize = len(ba), len(bb)
	d.Bytes.Equal = bytes.Equal(ba, bb)
	d.Bytes.FirstDifference = -1
	if !d.Bytes.Equal {
		i := 0
		for i < len(ba) && i < len(bb) && ba[i] == bb[i] {
			i++
		}
		d.Bytes.FirstDifference = i
	}
	writeJSON(w, http.StatusOK, d)
}

// headerMap joins each header's values as shown; a hidden value that
// differs in the original is marked so that two hidden secrets that differ
// still show as changed.
func headerMap(shown, orig map[string][]string) map[string]string {
	out := map[string]string{}
	for name, vs := range shown {
		v := strings.Join(vs, ", ")
		if strings.Join(orig[name], ", ") != v {
			v += " #" + shortHash(strings.Join(orig[name], "\x00"))
		}
		out[name] = v
	}
	return out
}

// shortHash tells two hidden values apart without showing them: a few
// hex digits of FNV-1a, not enough to guess a secret from.
func shortHash(s string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	const digits = "0123456789abcdef"
	return string([]byte{digits[h>>28], digits[h>>24&15], digits[h>>20&15], digits[h>>16&15]})
}

func diffMaps(a, b map[string]string) []Change {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	out := []Change{}
	for _, k := range sorted {
		va, inA := a[k]
		vb, inB := b[k]
		c := Change{Key: k, A: va, B: vb, Op: "same"}
		switch {
		case !inA:
			c.Op = "added"
		case !inB:
			c.Op = "removed"
		case va != vb:
			c.Op = "changed"
		}
		out = append(out, c)
	}
	return out
}

// flattenJSON maps each leaf of a JSON body to its text, by path
// (data.status, items[0].id); numbers keep the digits as sent.
func flattenJSON(b []byte) (map[string]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, vv := range t {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, vv)
			}
		case []any:
			for i, vv := range t {
				walk(prefix+"["+itoa(int64(i))+"]", vv)
			}
		default:
			j, _ := json.Marshal(t)
			out[prefix] = string(j)
		}
	}
	walk("", v)
	return out, true
}
