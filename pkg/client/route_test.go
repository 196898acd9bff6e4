package client

import "testing"

func TestKeepRoute(t *testing.T) {
	tests := []struct {
		target, ref, want string
		kept              bool
	}{
		{"http://app:3000", "http://127.0.0.1:8787/dexatel/delivery?x=1", "http://app:3000/dexatel/delivery?x=1", true},
		{"http://app:3000/", "/dexatel?token=a%20b", "http://app:3000/dexatel?token=a%20b", true},
		{"http://app:3000", "/a%2Fb", "http://app:3000/a%2Fb", true},
		{"http://app:3000", "//evil.example/x", "http://app:3000//evil.example/x", true},
		{"https://u@app", "/dexatel", "https://u@app/dexatel", true},
		{"http://app:3000/hook", "/dexatel?x=1", "http://app:3000/hook", false},
		{"http://app:3000?k=v", "/dexatel?x=1", "http://app:3000?k=v", false},
		{"http://app:3000", "%zz", "http://app:3000", false},
	}
	for _, tt := range tests {
		got, kept := KeepRoute(tt.target, tt.ref)
		if got != tt.want || kept != tt.kept {
			t.Errorf("KeepRoute(%q, %q) = %q, %v; want %q, %v", tt.target, tt.ref, got, kept, tt.want, tt.kept)
		}
	}
}
