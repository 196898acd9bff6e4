package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/smshook/smshook/pkg/capture"
)

// benchRequest is a signed Dexatel delivery report as the handler gets it.
func benchRequest(b *testing.B) (*http.Request, []byte) {
	body := []byte(`{"data":{"account_id":"72e47e47-95b9-41c2-bdcd-55dd9bb04e14","message_id":"e4fb1353-8ded-4ec7-991e-a757ea213106","event":"delivery","status":"delivered","channel":"sms","to":"1222333333","mccmnc":"310670","price":0.123,"timestamp":"2022-03-01 13:00:00","payload":"testing payload"}}`)
	req := httptest.NewRequest("POST", "http://127.0.0.1:8787/dexatel", nil)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bench")
	req.Header.Set("X-Dexatel-Signature", hmacBase64(dexatelSecret, body))
	req.ContentLength = int64(len(body))
	return req, body
}

// BenchmarkHandler is the listener's work per request, with no network:
// verify, decode, capture (or not), answer. Run in parallel so that the
// capture writer's group commit has company.
func BenchmarkHandler(b *testing.B) {
	for _, tc := range []struct {
		name    string
		capture bool
	}{{"verify-decode-answer", false}, {"with-fsynced-capture", true}} {
		b.Run(tc.name, func(b *testing.B) {
			opts := Options{Endpoints: endpoints(b), OnEvent: func(*Event) {}}
			var w *capture.Writer
			if tc.capture {
				var err error
				if w, err = capture.Open(filepath.Join(b.TempDir(), "c.jsonl")); err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				opts.Capture = w
			}
			h, err := New(opts)
			if err != nil {
				b.Fatal(err)
			}
			tmpl, body := benchRequest(b)
			b.SetParallelism(32) // like many provider connections at once
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := tmpl.Clone(tmpl.Context())
					req.Body = readCloser{bytes.NewReader(body)}
					rr := httptest.NewRecorder()
					h.ServeHTTP(rr, req)
					if rr.Code != 200 {
						b.Fatalf("status %d: %s", rr.Code, rr.Body)
					}
				}
			})
			if w != nil {
				st := w.Stats()
				b.ReportMetric(float64(st.Records)/float64(max(st.Syncs, 1)), "records/fsync")
			}
		})
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
