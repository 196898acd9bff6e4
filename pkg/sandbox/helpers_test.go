package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/signing"
)

func credsOf(user, secret string) signing.Credentials {
	return signing.Credentials{Username: user, Secrets: []string{secret}}
}

func decodeJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func ctxDrain(t *testing.T, sb *Sandbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sb.Drain(ctx); err != nil {
		t.Fatal("lives did not end within 5s")
	}
}

func queryOf(rawURL string) url.Values {
	u, _ := url.Parse(rawURL)
	return u.Query()
}
