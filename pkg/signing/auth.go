package signing

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
)

const headerAuthorization = "Authorization"

// basicScheme is HTTP Basic auth (RFC 7617) with a configured username and password.
type basicScheme struct{ spec Spec }

func newBasic(spec Spec) *basicScheme {
	if spec.Header == "" {
		spec.Header = headerAuthorization
	}
	return &basicScheme{spec: spec}
}

func (s *basicScheme) Spec() Spec            { return s.spec }
func (s *basicScheme) AuthHeaders() []string { return []string{s.spec.Header} }
func (s *basicScheme) Describe() string {
	return fmt.Sprintf("HTTP Basic auth (username and password) in %s", s.spec.Header)
}

func (s *basicScheme) Sign(req *Request, c Credentials) error {
	if c.Username == "" && c.Password == "" {
		return ErrNoCredentials
	}
	token := base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Password))
	req.Header.Set(s.spec.Header, "Basic "+token)
	return nil
}

func (s *basicScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if c.Username == "" && c.Password == "" {
		return invalid(h, ReasonNoCredentials, "no username and password to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	token, ok := cutAuthScheme(value, "Basic")
	if !ok {
		return invalid(h, ReasonMalformed, "%s is not Basic auth (it should read \"Basic <base64 of user:password>\")", h)
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return invalid(h, ReasonMalformed, "%s Basic value is not valid base64", h)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return invalid(h, ReasonMalformed, "%s Basic value has no ':' between username and password", h)
	}
	// Compare both halves whatever the first gives, so timing does not tell which was wrong.
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(c.Username))
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(c.Password))
	if userOK&passOK != 1 {
		return invalid(h, ReasonWrongCredentials, "%s carries the wrong username or password", h)
	}
	return valid(h, "valid "+s.Describe())
}

// bearerScheme is a shared secret sent as "Authorization: Bearer <secret>".
type bearerScheme struct{ spec Spec }

func newBearer(spec Spec) *bearerScheme {
	if spec.Header == "" {
		spec.Header = headerAuthorization
	}
	return &bearerScheme{spec: spec}
}

func (s *bearerScheme) Spec() Spec            { return s.spec }
func (s *bearerScheme) AuthHeaders() []string { return []string{s.spec.Header} }
func (s *bearerScheme) Describe() string {
	return fmt.Sprintf("shared secret as a Bearer token in %s", s.spec.Header)
}

func (s *bearerScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	req.Header.Set(s.spec.Header, "Bearer "+c.Secrets[0])
	return nil
}

func (s *bearerScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no secret to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	token, ok := cutAuthScheme(value, "Bearer")
	if !ok {
		return invalid(h, ReasonMalformed, "%s is not a Bearer token (it should read \"Bearer <secret>\")", h)
	}
	for i, secret := range c.Secrets {
		if subtle.ConstantTimeCompare([]byte(token), []byte(secret)) == 1 {
			r := valid(h, "valid "+s.Describe())
			r.SecretIndex = i
			return r
		}
	}
	return invalid(h, ReasonWrongCredentials, "%s Bearer token is not the configured secret", h)
}

// cutAuthScheme returns the credentials after an auth scheme name, which
// RFC 9110 makes case-insensitive.
func cutAuthScheme(value, scheme string) (string, bool) {
	if len(value) <= len(scheme) || !strings.EqualFold(value[:len(scheme)], scheme) || value[len(scheme)] != ' ' {
		return "", false
	}
	return strings.TrimSpace(value[len(scheme)+1:]), true
}
