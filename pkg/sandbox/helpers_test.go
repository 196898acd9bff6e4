package sandbox

import "github.com/smshook/smshook/pkg/signing"

func credsOf(user, secret string) signing.Credentials {
	return signing.Credentials{Username: user, Secrets: []string{secret}}
}
