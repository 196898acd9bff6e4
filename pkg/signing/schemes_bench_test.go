package signing_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// BenchmarkSchemes signs and verifies a body of 256 B, 4 KiB and 64 KiB with
// every built-in provider's scheme, beside a baseline that does only the
// bare crypto the scheme cannot avoid (the same primitive over the same
// bytes), in the same run:
//
//	go test -run '^$' -bench Schemes -benchmem ./pkg/signing
//
// Names are PROVIDER/{bare,verify,sign}/SIZE.
func BenchmarkSchemes(b *testing.B) {
	for _, p := range provider.Builtin().All() {
		for _, size := range []int{256, 4 << 10, 64 << 10} {
			body := benchBody(p.Kinds[0].Schema.Format, size)
			req := &signing.Request{Method: "POST", URL: "https://example.com/hooks/sms?x=1",
				Header: http.Header{"Content-Type": {p.Kinds[0].ContentType()}}, Body: body}
			scheme, cred := p.Scheme(), p.Demo
			if err := scheme.Sign(req, cred); err != nil {
				b.Fatalf("%s: %v", p.Name, err)
			}
			if r := scheme.Verify(req, cred); !r.Valid {
				b.Fatalf("%s: own signature rejected: %s", p.Name, r.Message)
			}
			bare := bareCrypto(p.Name, req, cred)

			b.Run(fmt.Sprintf("%s/bare/%d", p.Name, size), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if !bare() {
						b.Fatal("baseline failed")
					}
				}
			})
			b.Run(fmt.Sprintf("%s/verify/%d", p.Name, size), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if !scheme.Verify(req, cred).Valid {
						b.Fatal("invalid")
					}
				}
			})
			b.Run(fmt.Sprintf("%s/sign/%d", p.Name, size), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					signed := &signing.Request{Method: "POST", URL: "https://example.com/hooks/sms?x=1", Header: http.Header{}, Body: body}
					if err := scheme.Sign(signed, cred); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchBody is a payload of exactly size bytes in the kind's format.
func benchBody(format codec.Format, size int) []byte {
	if format == codec.FormatForm {
		head := "MessageStatus=delivered&To=%2B15558675310&Body="
		return []byte(head + strings.Repeat("a", size-len(head)))
	}
	head, tail := `{"data":{"event":"delivery","text":"`, `"}}`
	return []byte(head + strings.Repeat("a", size-len(head)-len(tail)) + tail)
}

// bareCrypto returns the primitive work of a provider's verification over
// the signed request's bytes: what any implementation must do.
func bareCrypto(name string, req *signing.Request, cred signing.Credentials) func() bool {
	var secret []byte
	if len(cred.Secrets) > 0 {
		secret = []byte(cred.Secrets[0])
	}
	mac := func(h func() hash.Hash, parts ...[]byte) func() bool {
		want := hmacOf(h, secret, parts...)
		return func() bool { return hmac.Equal(hmacOf(h, secret, parts...), want) }
	}
	url, body := []byte(req.URL), req.Body
	switch name {
	case "dexatel":
		return mac(sha256.New, body)
	case "twilio":
		return mac(sha1.New, url, body)
	case "standard-webhooks", "sinch":
		return mac(sha256.New, []byte("msg_0123456789.1700000000."), body)
	case "plivo":
		return mac(sha256.New, url, []byte("12345678901234567890"))
	case "messagebird":
		// HS256 over a JWT's header and claims, plus the two hashes it carries.
		claims := []byte(strings.Repeat("c", 300))
		return func() bool {
			sha256.Sum256(url)
			sha256.Sum256(body)
			return len(hmacOf(sha256.New, secret, claims)) == 32
		}
	case "vonage":
		signed := append(append([]byte{}, body...), secret...)
		return func() bool { sum := md5.Sum(signed); return sum != [md5.Size]byte{} }
	case "telnyx":
		priv, _ := base64.StdEncoding.DecodeString(cred.Secrets[0])
		key := ed25519.PrivateKey(priv)
		msg := append([]byte("1700000000|"), body...)
		sig := ed25519.Sign(key, msg)
		pub := key.Public().(ed25519.PublicKey)
		return func() bool { return ed25519.Verify(pub, msg, sig) }
	case "cellcast", "bandwidth":
		user, pass := []byte(cred.Username), []byte(cred.Password)
		value := req.Header.Get("Authorization")[len("Basic "):]
		return func() bool {
			raw, _ := base64.StdEncoding.DecodeString(value)
			u, p, _ := strings.Cut(string(raw), ":")
			return subtle.ConstantTimeCompare([]byte(u), user)&subtle.ConstantTimeCompare([]byte(p), pass) == 1
		}
	case "mobtexting":
		token := []byte(req.Header.Get("Authorization")[len("Bearer "):])
		return func() bool { return subtle.ConstantTimeCompare(token, secret) == 1 }
	}
	panic("no baseline for provider " + name + ": add one")
}

func hmacOf(h func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}
