package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// SandboxConfig is the sandbox: key of the config file, read by
// `smshook sandbox`:
//
//	sandbox:
//	  rules:
//	    - to: "+44*"
//	      status: failed
//	      error: "30003"
//	  replies:
//	    - text: "(?i)unsubscribe"
//	      reply: STOP
//	      after: 2s
type SandboxConfig struct {
	Rules   []SandboxRule  `mapstructure:"rules" json:"rules,omitempty"`
	Replies []SandboxReply `mapstructure:"replies" json:"replies,omitempty"`
}

// SandboxRule gives the messages it matches a final status: To is a number
// or a pattern with * (any run of characters); Provider, when set, limits
// the rule to one provider; Error overrides the provider's error code.
type SandboxRule struct {
	To       string `mapstructure:"to" json:"to"`
	Provider string `mapstructure:"provider" json:"provider,omitempty"`
	Status   string `mapstructure:"status" json:"status"`
	Error    string `mapstructure:"error" json:"error,omitempty"`
}

// SandboxReply makes the recipient of a delivered message it matches answer:
// To is a number or a pattern with * (empty: any), Text a regular
// expression the app's text must match (empty: any), Provider limits it to
// one provider; Reply is the recipient's answer, sent After the message
// was delivered (empty: the --latency wait).
type SandboxReply struct {
	To       string `mapstructure:"to" json:"to,omitempty"`
	Provider string `mapstructure:"provider" json:"provider,omitempty"`
	Text     string `mapstructure:"text" json:"text,omitempty"`
	Reply    string `mapstructure:"reply" json:"reply"`
	After    string `mapstructure:"after" json:"after,omitempty"`
}

// TextPattern compiles Text (nil when empty).
func (r SandboxReply) TextPattern() (*regexp.Regexp, error) {
	if r.Text == "" {
		return nil, nil
	}
	return regexp.Compile(r.Text)
}

// Delay parses After (0 when empty).
func (r SandboxReply) Delay() (time.Duration, error) {
	if r.After == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(r.After)
	if err == nil && d < 0 {
		err = fmt.Errorf("a wait is 0 or more")
	}
	return d, err
}

// LoadSandbox reads the sandbox: key of the config file loaded into v;
// unknown keys are errors, so a misspelt rule is not silently ignored.
func LoadSandbox(v *viper.Viper, configPath string) (SandboxConfig, error) {
	var sc SandboxConfig
	if v == nil || !v.IsSet("sandbox") {
		return sc, nil
	}
	strict := func(c *mapstructure.DecoderConfig) { c.ErrorUnused = true; c.WeaklyTypedInput = true }
	if err := v.UnmarshalKey("sandbox", &sc, strict); err != nil {
		return sc, fmt.Errorf("config file %s: sandbox: %v (keys: rules, replies; a rule has to, provider, status, error; a reply has to, provider, text, reply, after)", configPath, oneLine(err))
	}
	for i, r := range sc.Rules {
		if strings.TrimSpace(r.To) == "" {
			return sc, fmt.Errorf("config file %s: sandbox rule %d has no to: give a number or a pattern such as \"+44*\"", configPath, i+1)
		}
		if strings.TrimSpace(r.Status) == "" {
			return sc, fmt.Errorf("config file %s: sandbox rule %d (to %q) has no status: use delivered, failed, undelivered, expired, rejected or no_final", configPath, i+1, r.To)
		}
	}
	for i, r := range sc.Replies {
		if r.Reply == "" {
			return sc, fmt.Errorf("config file %s: sandbox reply %d has no reply: give the recipient's answer, e.g. reply: STOP", configPath, i+1)
		}
		if _, err := r.TextPattern(); err != nil {
			return sc, fmt.Errorf("config file %s: sandbox reply %d: text %q is not a regular expression: %v", configPath, i+1, r.Text, oneLine(err))
		}
		if _, err := r.Delay(); err != nil {
			return sc, fmt.Errorf("config file %s: sandbox reply %d: after %q: give a duration such as 2s", configPath, i+1, r.After)
		}
	}
	return sc, nil
}
