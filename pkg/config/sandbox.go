package config

import (
	"fmt"
	"strings"

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
type SandboxConfig struct {
	Rules []SandboxRule `mapstructure:"rules" json:"rules,omitempty"`
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

// LoadSandbox reads the sandbox: key of the config file loaded into v;
// unknown keys are errors, so a misspelt rule is not silently ignored.
func LoadSandbox(v *viper.Viper, configPath string) (SandboxConfig, error) {
	var sc SandboxConfig
	if v == nil || !v.IsSet("sandbox") {
		return sc, nil
	}
	strict := func(c *mapstructure.DecoderConfig) { c.ErrorUnused = true; c.WeaklyTypedInput = true }
	if err := v.UnmarshalKey("sandbox", &sc, strict); err != nil {
		return sc, fmt.Errorf("config file %s: sandbox: %v (keys: rules; a rule has to, provider, status, error)", configPath, oneLine(err))
	}
	for i, r := range sc.Rules {
		if strings.TrimSpace(r.To) == "" {
			return sc, fmt.Errorf("config file %s: sandbox rule %d has no to: give a number or a pattern such as \"+44*\"", configPath, i+1)
		}
		if strings.TrimSpace(r.Status) == "" {
			return sc, fmt.Errorf("config file %s: sandbox rule %d (to %q) has no status: use delivered, failed, undelivered, expired, rejected or no_final", configPath, i+1, r.To)
		}
	}
	return sc, nil
}
