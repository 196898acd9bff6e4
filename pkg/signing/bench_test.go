package signing

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
)

// BenchmarkVerify compares our Dexatel verify (header lookup, decoding,
// constant-time compare) with the bare crypto/hmac work it cannot avoid:
// hmac.New, Write, Sum and hmac.Equal against an already decoded digest.
// Run: go test -run '^$' -bench 'Verify' -benchmem ./pkg/signing
func BenchmarkVerify(b *testing.B) {
	secret := "whsec-test-secret"
	s, err := New(dexatelSpec)
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{256, 4 << 10, 64 << 10} {
		body := make([]byte, size)
		rand.Read(body)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		want := m.Sum(nil)
		req := newReq(body, "X-Dexatel-Signature", base64.StdEncoding.EncodeToString(want))
		cred := secrets(secret)

		b.Run(fmt.Sprintf("bare-hmac/%d", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var sum [32]byte
			for b.Loop() {
				m := hmac.New(sha256.New, []byte(secret))
				m.Write(body)
				if !hmac.Equal(m.Sum(sum[:0]), want) {
					b.Fatal("mismatch")
				}
			}
		})
		b.Run(fmt.Sprintf("smshook/%d", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if !s.Verify(req, cred).Valid {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// FuzzVerify feeds arbitrary header values and bodies to every scheme: no
// input may panic, and only the right signature may pass.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"data":{"event":"delivery"}}`), "tfohtYVSauiKc7jJncqDJ4I4RL6A2AKbCUQL6BfuMtk=")
	f.Add([]byte("{}"), "9051c49f2eed4cfe8125cba47a275e1460402ad2a4bc94d417fd1e10d9c55339")
	f.Add([]byte(""), "Basic dXNlcjpwYTpzcw==")
	f.Add([]byte("x"), "Bearer 1233XXX")
	f.Add([]byte("x"), "sha256=zz")
	specs := []Spec{dexatelSpec, {Scheme: SchemeBasic}, {Scheme: SchemeBearer},
		{Scheme: SchemeHMAC, Header: "Authorization", Prefix: "sha256=", Algorithm: "sha512", Encoding: "hex"}}
	cred := Credentials{Secrets: []string{"k"}, Username: "user", Password: "pa:ss"}
	f.Fuzz(func(t *testing.T, body []byte, value string) {
		for _, spec := range specs {
			s, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			req := newReq(body)
			req.Header[s.AuthHeaders()[0]] = []string{value}
			r := Explain(s, req, cred, s.Verify(req, cred))
			if !r.Valid {
				continue
			}
			// A pass must be the value Sign produces (modulo accepted encodings).
			signed := newReq(body)
			s.Sign(signed, cred)
			if own := s.Verify(signed, cred); !own.Valid {
				t.Fatalf("%s: own signature rejected", spec.Scheme)
			}
		}
	})
}
