package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Sample is the commented config file `smshook config init` writes.
const Sample = `# smshook config file.
# Profiles tie a provider to its credentials and URLs; pick one with
# --profile NAME or SMSHOOK_PROFILE. Flags beat SMSHOOK_* env vars, which
# beat this file. Keep secrets out of this file where you can: secret_env
# and secret_file read them from elsewhere.

profiles:
  # Dexatel: HMAC-SHA256 of the raw body in X-Dexatel-Signature.
  dexatel-dev:
    provider: dexatel
    secret_env: DEXATEL_WEBHOOK_SECRET   # or: secret: "...", secret_file: ~/.secrets/dexatel
    # previous_secrets: ["old-secret"]   # still accepted by verify while rotating
    encoding: base64                     # what sign writes: base64 (newer docs) or hex (2022 docs)
    url: http://127.0.0.1:3000/webhooks/dexatel   # where send and replay deliver
    # forward_to: http://127.0.0.1:3000/webhooks/dexatel   # where listen forwards

  # MOBtexting: optional Bearer secret and a validation handshake.
  mobtexting-dev:
    provider: mobtexting
    secret_env: MOBTEXTING_WEBHOOK_SECRET
    validation_key: "9012XX"
    url: http://127.0.0.1:3000/webhooks/mobtexting

  # Cellcast: HTTP Basic auth on the Receive and Status URLs.
  cellcast-dev:
    provider: cellcast
    username: webhook
    password_env: CELLCAST_WEBHOOK_PASSWORD
    url: http://127.0.0.1:3000/webhooks/cellcast
`

// WriteSample writes Sample to path with mode 0600 (it will hold secrets),
// creating its directory. It refuses to replace a file unless force is set.
func WriteSample(path string, force bool) error {
	if path == "" {
		return errors.New("no config path: pass --config FILE, or set XDG_CONFIG_HOME or HOME")
	}
	if !force {
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s already exists: pass --force to replace it", path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(Sample); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(path, 0o600) // O_CREATE's mode does not apply to a replaced file
}
