package inspect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

func ids(p Page) []string {
	var out []string
	for _, s := range p.Events {
		out = append(out, s.ID)
	}
	return out
}

func TestFileIndexFollowsGrowthAndTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendFile(t, path, recordLine(t, testRecord("01A", "m1", "sent", t0, `{"a":1}`)))
	appendFile(t, path, []byte("not a record\n"))
	x, err := NewFileIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	x.Poll()
	if x.Len() != 1 || x.Skipped() != 1 {
		t.Fatalf("len %d skipped %d, want 1 and 1", x.Len(), x.Skipped())
	}

	// Half a line (a write in progress): not indexed, not skipped.
	line := recordLine(t, testRecord("01B", "m1", "delivered", t0.Add(time.Second), `{"b":"<img src=x onerror=alert(1)>"}`))
	appendFile(t, path, line[:20])
	if n, err := x.Poll(); err != nil || n != 0 {
		t.Fatalf("poll on a torn line: %d, %v", n, err)
	}
	if x.Skipped() != 1 {
		t.Fatalf("a torn last line was counted as skipped")
	}
	appendFile(t, path, line[20:])
	if n, err := x.Poll(); err != nil || n != 1 {
		t.Fatalf("poll after the line was finished: %d, %v", n, err)
	}

	rec, sum, err := x.Get("01B")
	if err != nil {
		t.Fatal(err)
	}
	_, first, _ := x.Get("01A")
	if string(rec.Body()) != `{"b":"<img src=x onerror=alert(1)>"}` || sum.Status != "delivered" || sum.Seq != first.Seq+1 {
		t.Fatalf("record by offset: body %q, summary %+v", rec.Body(), sum)
	}
	if _, _, err := x.Get("nope"); err != ErrNotFound {
		t.Fatalf("Get of an unknown id: %v", err)
	}
	q, _ := ParseQuery("", t0, time.UTC)
	p, _ := x.List(q, 0, 10)
	if got := ids(p); len(got) != 2 || got[0] != "01B" || got[1] != "01A" {
		t.Fatalf("list = %v, want newest first", got)
	}
}

func TestFileIndexReindexesAReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.jsonl")
	appendFile(t, path, recordLine(t, testRecord("01A", "m1", "sent", t0, `{}`)))
	appendFile(t, path, recordLine(t, testRecord("01B", "m1", "sent", t0, `{}`)))
	x, err := NewFileIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	x.Poll()
	other := filepath.Join(dir, "new.jsonl")
	appendFile(t, other, recordLine(t, testRecord("01Z", "m2", "sent", t0, `{}`)))
	if err := renameFile(other, path); err != nil {
		t.Fatal(err)
	}
	x.Poll()
	if _, _, err := x.Get("01Z"); err != nil || x.Len() != 1 {
		t.Fatalf("after replacing the file: len %d, Get: %v", x.Len(), err)
	}
}

func TestListPagesWithCursor(t *testing.T) {
	x := NewRing(0)
	for i := 0; i < 25; i++ {
		x.Add(testRecord("01"+string(rune('A'+i)), "m", "sent", t0.Add(time.Duration(i)*time.Second), `{}`), -1)
	}
	q, _ := ParseQuery("", t0, time.UTC)
	var seen []string
	cursor := int64(0)
	for pages := 0; pages < 10; pages++ {
		p, _ := x.List(q, cursor, 10)
		seen = append(seen, ids(p)...)
		if p.Next == 0 {
			break
		}
		cursor = p.Next
	}
	if len(seen) != 25 || seen[0] != "01Y" || seen[24] != "01A" {
		t.Fatalf("paged through %d events: %v", len(seen), seen)
	}
}

func TestRingKeepsTheNewest(t *testing.T) {
	x := NewRing(3)
	for i := 0; i < 5; i++ {
		x.Add(testRecord("01"+string(rune('A'+i)), "m", "sent", t0, `{}`), time.Millisecond)
	}
	if x.Len() != 3 {
		t.Fatalf("ring holds %d, want 3", x.Len())
	}
	if _, _, err := x.Get("01A"); err != ErrNotFound {
		t.Fatalf("the oldest is still there: %v", err)
	}
	_, s, err := x.Get("01E")
	if err != nil || s.Seq != 5 || s.LatencyMS == nil || *s.LatencyMS != 1 {
		t.Fatalf("newest: %+v %v", s, err)
	}
}

func TestLifecycleFlagsDuplicatesAndOutOfOrder(t *testing.T) {
	x := NewRing(0)
	steps := []string{"accepted", "delivered", "sent", "delivered"}
	for i, st := range steps {
		x.Add(testRecord("01"+string(rune('A'+i)), "m1", st, t0.Add(time.Duration(i)*time.Second), `{}`), -1)
	}
	x.Add(testRecord("01Z", "m2", "sent", t0, `{}`), -1)
	lc := lifecycleOf("dexatel", "m1", x.ByMessage("dexatel", "m1"))
	if len(lc.Steps) != 4 {
		t.Fatalf("steps: %+v", lc.Steps)
	}
	want := []struct{ dup, ooo bool }{{false, false}, {false, false}, {false, true}, {true, false}}
	for i, w := range want {
		if lc.Steps[i].Duplicate != w.dup || lc.Steps[i].OutOfOrder != w.ooo {
			t.Errorf("step %d (%s): duplicate %v out-of-order %v, want %v %v", i, lc.Steps[i].Status,
				lc.Steps[i].Duplicate, lc.Steps[i].OutOfOrder, w.dup, w.ooo)
		}
	}
}

func TestBoundedRingDropsByBytes(t *testing.T) {
	x := NewBoundedRing(100, 10)
	for i := 0; i < 4; i++ {
		x.Add(testRecord("01"+string(rune('A'+i)), "m", "sent", t0, `{"x":1}`), -1) // 7 bytes each
	}
	if x.Len() != 1 {
		t.Fatalf("ring holds %d records of 7 bytes under a 10-byte bound", x.Len())
	}
	big := testRecord("01Z", "m", "sent", t0, `{"x":"a body over the bound"}`)
	x.Add(big, -1)
	if _, _, err := x.Get("01Z"); err != nil || x.Len() != 1 {
		t.Fatalf("the newest is not kept: %v, len %d", err, x.Len())
	}
}

func TestRingAcrossChunks(t *testing.T) {
	x := NewRing(chunkEntries + 10)
	rec := testRecord("", "m", "sent", t0, `{}`)
	for range 3 * chunkEntries {
		x.Add(rec, -1) // id-less: ~SEQ
	}
	if x.Len() != chunkEntries+10 {
		t.Fatalf("len %d", x.Len())
	}
	last := syntheticID(3 * chunkEntries)
	oldest := syntheticID(3*chunkEntries - chunkEntries - 9)
	for _, id := range []string{last, oldest} {
		if _, s, err := x.Get(id); err != nil || s.ID != id {
			t.Fatalf("Get(%s): %+v %v", id, s, err)
		}
	}
	if _, _, err := x.Get(syntheticID(3*chunkEntries - chunkEntries - 10)); err != ErrNotFound {
		t.Fatalf("a dropped entry is still found: %v", err)
	}
	q, _ := ParseQuery("", t0, time.UTC)
	p, _ := x.List(q, 0, 2)
	if len(p.Events) != 2 || p.Events[0].ID != last {
		t.Fatalf("list: %+v", p.Events)
	}
}

func TestConversationByNumberPair(t *testing.T) {
	x := NewRing(0)
	in := func(id, from, to string, d time.Duration) {
		r := testRecord(id, "", "received", t0.Add(d), `{}`)
		r.Event.Kind, r.Event.From, r.Event.To, r.Event.MessageID = codec.KindInbound, from, to, ""
		x.Add(r, -1)
	}
	in("01A", "+1555", "+4477", 0)
	in("01B", "+4477", "+1555", time.Second)
	in("01C", "+1555", "+9999", 2*time.Second)
	in("01D", "+1555", "+4477", 3*time.Second)
	f := newFixture(t, x, nil)
	_, b := f.do(t, "GET", "/api/events/01B/lifecycle", "", nil)
	var lc Lifecycle
	if err := json.Unmarshal(b, &lc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range lc.Steps {
		got = append(got, s.ID)
	}
	if strings.Join(got, " ") != "01A 01B 01D" || len(lc.Conversation) != 2 {
		t.Fatalf("conversation %v %+v", got, lc.Conversation)
	}
}

// A large file shows its newest records after the first step, and its
// oldest once the past is indexed, in one order for paging.
func TestFileIndexGoesBackFromTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	var lines []byte
	big := strings.Repeat("x", 1000)
	n := 3 * (backStep / 1000) // about three steps
	for i := range n {
		lines = append(lines, recordLine(t, testRecord(fmt.Sprintf("r%06d", i), "m", "sent", t0.Add(time.Duration(i)), `{"p":"`+big+`"}`))...)
	}
	appendFile(t, path, lines)
	x, err := NewFileIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.PollStep(); err != nil {
		t.Fatal(err)
	}
	if !x.Backfilling() || x.Len() >= n {
		t.Fatalf("the first step indexed %d of %d", x.Len(), n)
	}
	newest := fmt.Sprintf("r%06d", n-1)
	if _, _, err := x.Get(newest); err != nil {
		t.Fatalf("the newest record is not there after the first step: %v", err)
	}
	// Appended meanwhile: after the newest.
	appendFile(t, path, recordLine(t, testRecord("zz-new", "m", "sent", t0, `{}`)))
	x.Poll()
	if x.Backfilling() || x.Len() != n+1 {
		t.Fatalf("after Poll: %d records, backfilling %v", x.Len(), x.Backfilling())
	}
	q, _ := ParseQuery("", t0, time.UTC)
	var seen []string
	for cursor := int64(0); ; {
		p, _ := x.List(q, cursor, 1000)
		seen = append(seen, ids(p)...)
		if p.Next == 0 {
			break
		}
		cursor = p.Next
	}
	if len(seen) != n+1 || seen[0] != "zz-new" || seen[1] != newest || seen[n] != "r000000" {
		t.Fatalf("paged %d: first %v, last %v", len(seen), seen[:2], seen[len(seen)-1])
	}
	for i := 1; i < n; i++ {
		if seen[i] < seen[i+1] {
			t.Fatalf("out of order at %d: %s before %s", i, seen[i], seen[i+1])
		}
	}
}

// A bounded ring has no id map: Get scans it, newest first, so a repeated
// id finds its newest record and a dropped one is gone.
func TestBoundedRingFindsTheNewestWithTheID(t *testing.T) {
	x := NewBoundedRing(3, 1<<20)
	x.Add(testRecord("01A", "m", "sent", t0, `{"n":1}`), -1)
	x.Add(testRecord("01B", "m", "sent", t0, `{"n":2}`), -1)
	x.Add(testRecord("01A", "m", "delivered", t0, `{"n":3}`), -1)
	rec, s, err := x.Get("01A")
	if err != nil || s.Seq != 3 || string(rec.Body()) != `{"n":3}` {
		t.Fatalf("Get(01A) = seq %d, body %q, %v; want the newest, seq 3", s.Seq, rec.Body(), err)
	}
	x.Add(testRecord("01C", "m", "sent", t0, `{}`), -1)
	x.Add(testRecord("01D", "m", "sent", t0, `{}`), -1) // drops seq 1 and 2
	if _, _, err := x.Get("01B"); err != ErrNotFound {
		t.Fatalf("a dropped record is still found: %v", err)
	}
	if _, s, err := x.Get("01A"); err != nil || s.Seq != 3 {
		t.Fatalf("Get(01A) after the drop = seq %d, %v", s.Seq, err)
	}
}

// TestRingChunksKeepEachRecord: records share chunks, and a chunk's next
// record, or the buffer Observe encoded into being reused, changes none.
func TestRingChunksKeepEachRecord(t *testing.T) {
	x := NewBoundedRing(1000, 64<<20)
	body := func(i int) string {
		size := 900 + i%7*50
		if i == 150 {
			size = ringChunkSize // larger than a chunk takes
		}
		return fmt.Sprintf("%04d:%s", i, strings.Repeat(string(rune('a'+i%26)), size))
	}
	var batch []observed
	for i := range 300 { // about five chunks
		batch = append(batch, x.observe(testRecord(fmt.Sprintf("01R%04d", i), "m", "sent", t0, body(i)), -1))
		if len(batch) == 16 || i == 299 {
			x.addObserved(batch)
			batch = batch[:0]
		}
	}
	for i := range 300 {
		rec, _, err := x.Get(fmt.Sprintf("01R%04d", i))
		if err != nil || string(rec.Body()) != body(i) {
			t.Fatalf("record %d: %v, body %.20q…", i, err, rec.Body())
		}
	}
}

// A ring keeps each record in capture's compact form, which the collector
// need not scan, after its entry's packed fields, and gives back the bytes
// it was given; a record with no compact form is kept as it is.
func TestRingKeepsRecordsCompact(t *testing.T) {
	x := NewBoundedRing(10, 1<<20)
	binary := testRecord("01A", "m", "sent", t0, "")
	binary.SetBody([]byte{0xff, 0x00, '<', 's', '>', 0x1b, 0xc3})
	binary.Headers.Add("X-Twice", "a")
	binary.Headers.Add("X-Twice", "b")
	binary.Headers.Set("X-Not-Utf8", "\xff\xfe") // a line would keep U+FFFD
	odd := testRecord("01B", "m", "sent", t0, `{}`)
	odd.ReceivedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -60))     // time has no binary form for it
	long := testRecord("01C", strings.Repeat("m", 70000), "sent", t0, `{"long":1}`) // its summary does not fit an entry
	x.addObserved([]observed{x.observe(binary, -1), x.observe(odd, -1), x.observe(long, -1)})

	if e := x.entries.at(0); e.more != nil || e.compact() == "" {
		t.Fatalf("the first record is not kept compact in its entry: %+v", e.more)
	}
	got, _, err := x.Get("01A")
	if err != nil || !bytes.Equal(got.Body(), binary.Body()) || !reflect.DeepEqual(got.Headers, binary.Headers) {
		t.Fatalf("Get(01A) = body %q headers %q, %v; want %q %q", got.Body(), got.Headers, err, binary.Body(), binary.Headers)
	}
	if e := x.entries.at(1); e.record() != odd || e.compact() != "" {
		t.Fatalf("a record without a compact form is not kept as given")
	}
	if got, _, err := x.Get("01B"); err != nil || got != odd {
		t.Fatalf("Get(01B) = %p, %v; want the record given", got, err)
	}
	if e := x.entries.at(2); e.big() == nil || e.compact() == "" || e.record() != nil {
		t.Fatalf("a record with a large summary is not kept compact beside it: %+v", e.more)
	}
	if got, _, err := x.Get("01C"); err != nil || got.Event.MessageID != long.Event.MessageID || string(got.Body()) != `{"long":1}` {
		t.Fatalf("Get(01C) = %v; want the record given", err)
	}
}
