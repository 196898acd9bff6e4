package cmdutil

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

// benchRequest is a Dexatel delivery report as saved by `sign -o http`.
func benchRequest(b *testing.B) []byte {
	body := []byte(`{"data":{"account_id":"72e47e47-95b9-41c2-bdcd-55dd9bb04e14","message_id":"e4fb1353-8ded-4ec7-991e-a757ea213106","event":"delivery","status":"delivered","channel":"sms","to":"1222333333","mccmnc":"310670","price":0.123,"timestamp":"2022-03-01 13:00:00","payload":"testing payload"}}`)
	h := http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {"cWELkJKqMSsba0F4VJomt2PI9Cwa2TM1Ta51ufIdSW0="}}
	raw, err := FormatHTTP("POST", "http://127.0.0.1:8787/dexatel", h, body)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// BenchmarkParseRawRequest is our parser: net/http plus the exact-body slicing.
func BenchmarkParseRawRequest(b *testing.B) {
	raw := benchRequest(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRawRequest(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRawRequestBaseline is the plain net/http way to read the
// same request and its body, the floor ParseRawRequest builds on.
func BenchmarkParseRawRequestBaseline(b *testing.B) {
	raw := benchRequest(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadAll(req.Body); err != nil {
			b.Fatal(err)
		}
	}
}
