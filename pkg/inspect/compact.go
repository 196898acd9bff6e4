package inspect

import (
	"math"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// An entry keeps a summary in about a quarter of a Summary's memory, so
// that a large capture's index stays small: the fields most records share
// (profile, provider, kinds, status, verdict, reason, reply status) are
// one shape, interned; the others are packed into one string. A ring's
// entry packs its record's compact form after them.
type entry struct {
	offset   int64
	more     *extra // nil for most entries
	at       int64  // ReceivedAt in Unix ns; noTime when zero
	packed   string // id, message id, from, to, raw status, event time, method, path; a ring's record
	lens     [packedFields]uint16
	shape    uint32
	bodySize uint32
	latency  float32 // ms; negative: unknown
}

const packedFields = 8

// extra is what few entries have: a summary that does not fit the entry
// (a field over 64 KiB, a time Unix ns cannot hold, a shape past
// maxShapes), with a ring's record in capture's compact form, or a ring's
// record that has no compact form.
type extra struct {
	compact string
	rec     *capture.Record
	big     *Summary
}

func (e *entry) record() *capture.Record {
	if e.more == nil {
		return nil
	}
	return e.more.rec
}

func (e *entry) big() *Summary {
	if e.more == nil {
		return nil
	}
	return e.more.big
}

// maxShapes bounds the interned shapes: a hostile capture could make each
// record's shape unique (reasons and kinds are read from the file).
const maxShapes = 1 << 16

const noTime = math.MinInt64

type shape struct {
	profile, provider, kind, eventKind, status, verdict, reason string
	replyStatus                                                 int
	unrouted                                                    bool
}

func shapeOf(s *Summary) shape {
	return shape{s.Profile, s.Provider, s.Kind, s.EventKind, s.Status, s.Verdict, s.Reason, s.ReplyStatus, s.Unrouted}
}

// packedFieldsOf are the fields of s an entry packs, in their order.
func packedFieldsOf(s *Summary) [packedFields]string {
	return [packedFields]string{s.ID, s.MessageID, s.From, s.To, s.RawStatus, s.EventTime, s.Method, s.Path}
}

// pack makes the entry for s, with listen's latency in ms (negative:
// unknown); x.mu is held. A ring's entry has kept: s's packed fields and
// its record's compact form, from keep.
func (x *Index) pack(s *Summary, latency float32, kept string) entry {
	fields := packedFieldsOf(s)
	e := entry{latency: latency, at: noTime}
	fits := s.BodySize >= 0 && s.BodySize <= math.MaxUint32
	n := 0
	for i, f := range fields {
		n += len(f)
		if len(f) > math.MaxUint16 {
			fits = false
		}
		e.lens[i] = uint16(len(f))
	}
	if !s.Time.IsZero() {
		e.at = s.Time.UnixNano()
		fits = fits && time.Unix(0, e.at).Equal(s.Time)
	}
	sh := shapeOf(s)
	// Events come in runs of one shape: comparing with the last one is
	// cheaper than hashing seven strings.
	id, known := x.lastShape, len(x.shapes) > 0 && x.shapes[x.lastShape] == sh
	if !known {
		id, known = x.shapeIDs[sh]
	}
	if !known && len(x.shapes) < maxShapes {
		id, known = uint32(len(x.shapes)), true
		x.shapes = append(x.shapes, sh)
		x.shapeIDs[sh] = id
	}
	if !fits || !known {
		big := *s
		big.LatencyMS = nil
		more := &extra{big: &big}
		if kept != "" {
			more.compact = kept[n:]
		}
		return entry{more: more, latency: latency, bodySize: uint32(min(max(s.BodySize, 0), math.MaxUint32)), at: noTime}
	}
	e.shape, x.lastShape = id, id
	e.bodySize = uint32(s.BodySize)
	e.packed = kept
	if kept == "" {
		e.packed = strings.Join(fields[:], "")
	}
	return e
}

// field is the packed field i.
func (e *entry) field(i int) string {
	start := 0
	for j := 0; j < i; j++ {
		start += int(e.lens[j])
	}
	return e.packed[start : start+int(e.lens[i])]
}

// compact is a ring's record in its compact form ("" if it has none).
func (e *entry) compact() string {
	if e.more != nil {
		return e.more.compact
	}
	n := 0
	for _, l := range e.lens {
		n += int(l)
	}
	return e.packed[n:]
}

func (e *entry) id() string {
	if big := e.big(); big != nil {
		return big.ID
	}
	return e.packed[:e.lens[0]]
}

func (x *Index) unrouted(e *entry) bool {
	if big := e.big(); big != nil {
		return big.Unrouted
	}
	return x.shapes[e.shape].unrouted
}

// unpack is e's summary at seq, without its latency (see withLatency);
// x.mu is held.
func (x *Index) unpack(e *entry, seq int64) Summary {
	if big := e.big(); big != nil {
		s := *big
		s.Seq = seq
		return s
	}
	sh := &x.shapes[e.shape]
	s := Summary{
		Seq: seq, Profile: sh.profile, Provider: sh.provider, Kind: sh.kind, EventKind: sh.eventKind,
		Status: sh.status, Verdict: sh.verdict, Reason: sh.reason, ReplyStatus: sh.replyStatus, Unrouted: sh.unrouted,
		BodySize: int(e.bodySize),
	}
	if e.at != noTime {
		s.Time = time.Unix(0, e.at).UTC()
	}
	start := 0
	for i, dst := range [packedFields]*string{&s.ID, &s.MessageID, &s.From, &s.To, &s.RawStatus, &s.EventTime, &s.Method, &s.Path} {
		*dst = e.packed[start : start+int(e.lens[i])]
		start += int(e.lens[i])
	}
	return s
}

// withLatency adds e's latency to s.
func withLatency(e *entry, s Summary) Summary { return latencyAdded(s, e.latency) }

// latencyAdded is s with a latency in ms (negative: unknown, left out).
func latencyAdded(s Summary, latency float32) Summary {
	if latency >= 0 {
		ms := float64(latency)
		s.LatencyMS = &ms
	}
	return s
}
