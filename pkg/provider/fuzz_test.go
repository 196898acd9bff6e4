package provider_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
)

// FuzzDecodeProviders feeds arbitrary payloads to every built-in
// provider's decoders: with the kind detected from the body and with each
// kind a route names, and to the MOBtexting handshake reader. No input may
// panic or change the bytes; every event has a known normalized status, the
// provider's name and one of its kinds, and encodes to JSON (the capture
// file stores it). Seeds are the providers' fixtures.
//
//	go test -run '^$' -fuzz FuzzDecodeProviders -fuzztime 30s ./pkg/provider
func FuzzDecodeProviders(f *testing.F) {
	providers := provider.Builtin().All()
	for _, p := range providers {
		for _, k := range p.Kinds {
			f.Add(k.Fixture, "https://example.com/hook")
		}
		if p.Handshake != nil {
			f.Add(p.Handshake.Fixture, "https://example.com/hook?"+p.Handshake.QueryParam+"=9012XX")
		}
	}
	f.Add([]byte(`{"data":{"status":"\ud800","price":1e999,"timestamp":[1,2]}}`), "")
	f.Add([]byte("MessageStatus=%zz&To=%2B1&To=2;x"), "::")
	f.Add([]byte{0xff, 0xfe, '{'}, "https://e.com/?token")
	f.Add([]byte(`[{"type":"message-delivered"},{"type":"message-failed"}]`), "")

	f.Fuzz(func(t *testing.T, raw []byte, rawURL string) {
		orig := bytes.Clone(raw)
		for _, p := range providers {
			names := append([]string{""}, p.KindNames()...)
			for _, kind := range names {
				ev, err := p.Decode(raw, kind)
				checkEvent(t, p, kind, raw, ev, err)
			}
			if hs := p.Handshake; hs != nil {
				key, ok := hs.Key(rawURL, raw)
				if !ok && key != "" {
					t.Fatalf("%s: a key %q from a request that is not a handshake", p.Name, key)
				}
				reply := hs.Reply(key, hs.Challenge(raw))
				if !json.Valid(reply) {
					t.Fatalf("%s: the handshake reply is not JSON: %q", p.Name, reply)
				}
			}
		}
		if !bytes.Equal(raw, orig) {
			t.Fatal("decoding changed the raw bytes")
		}
	})
}

func checkEvent(t *testing.T, p *provider.Provider, kind string, raw []byte, ev codec.Event, err error) {
	t.Helper()
	if !slices.Contains(codec.Statuses, ev.Status) {
		t.Fatalf("%s/%s: status %q is not a normalized status", p.Name, kind, ev.Status)
	}
	if ev.Provider != p.Name {
		t.Fatalf("%s/%s: event of provider %q", p.Name, kind, ev.Provider)
	}
	if err == nil && !slices.Contains(p.KindNames(), ev.EventName) {
		t.Fatalf("%s/%s: event kind %q is not one of %v", p.Name, kind, ev.EventName, p.KindNames())
	}
	if kind != "" && ev.EventName != kind {
		t.Fatalf("%s: the route says %s, the event says %q", p.Name, kind, ev.EventName)
	}
	if !bytes.Equal(ev.Raw, raw) {
		t.Fatalf("%s/%s: the event's raw bytes differ from the input", p.Name, kind)
	}
	if _, err := json.Marshal(ev); err != nil {
		t.Fatalf("%s/%s: the event does not encode: %v", p.Name, kind, err)
	}
}
