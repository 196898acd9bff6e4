package provider

import "embed"

// Providers beyond the seed documents. Until they are registered in
// Builtins, beyondSeeds builds them for tests.

// Form-encoded example payloads (Twilio, Plivo, Vonage) live beside the
// JSON ones; they end without a newline, which would be part of the last
// value.
//
//go:embed fixtures/*.form
var formFixtures embed.FS

// formFixture returns an embedded form payload, bytes exactly as in the file.
func formFixture(name string) []byte {
	b, err := formFixtures.ReadFile("fixtures/" + name)
	if err != nil {
		panic("provider: missing embedded fixture " + name) // a build defect, caught by tests
	}
	return b
}

// beyondSeeds returns fresh copies of the providers built from public
// documents beyond the seeds.
func beyondSeeds() []*Provider {
	return []*Provider{twilio(), standardWebhooks(), telnyx(), plivo(), vonage(), sinch(), messagebird(), bandwidth()}
}
