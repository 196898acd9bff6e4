// Package keys is `smshook keys`: test key pairs for providers that sign
// with a private key (Telnyx's Ed25519) instead of a shared secret.
package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

// NewCmdKeys builds `smshook keys`.
func NewCmdKeys(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Make test key pairs for providers that sign with a private key",
		Long: `Make test key pairs for providers whose webhooks carry a public-key
signature: Telnyx signs with Ed25519, so a local test needs a private key to
sign with and the matching public key to verify with.

` + cmdutil.ExitStatusOf("bad flags or arguments, a provider with no key pair, a key file that exists (pass --force)", "a key file could not be written"),
		Example: `  smshook keys generate telnyx
  smshook keys generate telnyx --out-dir ./keys`,
		Args: cmdutil.Args(cobra.NoArgs),
		// Runnable so that a mistyped subcommand is an error, not the help.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdGenerate(f, nil))
	return cmd
}

// GenerateOptions are the inputs of `smshook keys generate`.
type GenerateOptions struct {
	IO       *iostreams.IOStreams
	Provider string
	OutDir   string
	Force    bool
	Output   string
	// Rand is the source of key material; nil means crypto/rand.
	Rand io.Reader
}

// keyProviders are the providers that sign with a key pair.
var keyProviders = map[string]bool{"telnyx": true}

// NewCmdGenerate builds `smshook keys generate`.
func NewCmdGenerate(f *cmdutil.Factory, runF func(*GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "generate PROVIDER",
		Short: "Write a test key pair for a provider that signs with a private key",
		Long: `Write a new Ed25519 key pair for PROVIDER (telnyx) into --out-dir:

  telnyx-private.key  base64 of the 64-byte private key (mode 0600): sign with it
  telnyx-public.key   base64 of the 32-byte public key, the form the Telnyx
                      portal shows: verify with it

Each file holds one line, ready for --secret-file. The keys are for tests:
Telnyx signs real webhooks with its own key, whose public half is in your
portal. Existing files are kept unless --force is given.

` + cmdutil.ExitStatusOf("bad flags or arguments, a provider with no key pair, a key file that exists (pass --force)", "a key file could not be written"),
		Example: `  smshook keys generate telnyx
  smshook keys generate telnyx --out-dir ./keys --force
  smshook sign telnyx --secret-file telnyx-private.key --event inbound
  smshook verify telnyx --secret-file telnyx-public.key --request req.http`,
		Args:              cmdutil.Args(cobra.ExactArgs(1)),
		ValidArgsFunction: cmdutil.CompleteFirstArg(keyProviderNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			if !keyProviders[opts.Provider] {
				return cmdutil.UsageErrorf("%s has no key pair to generate: only telnyx signs with a private key; other providers share a secret (pass it with --secret)", opts.Provider)
			}
			var err error
			if opts.Output, err = f.OutputFormat(outputFormats...); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return generateRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.OutDir, "out-dir", "d", ".", "`DIR` to write the key files into (created if missing)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace existing key files")
	if err := cmd.MarkFlagDirname("out-dir"); err != nil {
		panic(err) // the flag is defined just above
	}
	cmdutil.SetOutputFormats(cmd, outputFormats...)
	return cmd
}

// outputFormats are what generate prints; the first is the default.
var outputFormats = []string{"text", "json"}

// keyProviderNames lists keyProviders, sorted, for completion.
func keyProviderNames() []string {
	return slices.Sorted(maps.Keys(keyProviders))
}

// generated is what `keys generate --output json` prints.
type generated struct {
	Provider       string `json:"provider"`
	Algorithm      string `json:"algorithm"`
	PublicKey      string `json:"public_key"`
	PrivateKeyFile string `json:"private_key_file"`
	PublicKeyFile  string `json:"public_key_file"`
}

func generateRun(opts *GenerateOptions) error {
	privPath := filepath.Join(opts.OutDir, opts.Provider+"-private.key")
	pubPath := filepath.Join(opts.OutDir, opts.Provider+"-public.key")
	if !opts.Force {
		for _, p := range []string{privPath, pubPath} {
			if _, err := os.Lstat(p); err == nil {
				return cmdutil.UsageErrorf("%s already exists: pass --force to replace the key pair, or --out-dir to write it elsewhere", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return cmdutil.UsageErrorf("cannot check %s: %v", p, unwrap(err))
			}
		}
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return fmt.Errorf("cannot generate a key: %v", err)
	}
	if err := os.MkdirAll(opts.OutDir, 0o700); err != nil {
		return cmdutil.UsageErrorf("cannot create --out-dir %s: %v", opts.OutDir, unwrap(err))
	}
	pubB64 := base64.StdEncoding.EncodeToString(pub)
	if err := writeKey(privPath, base64.StdEncoding.EncodeToString(priv), 0o600); err != nil {
		return err
	}
	if err := writeKey(pubPath, pubB64, 0o644); err != nil {
		return err
	}

	io := opts.IO
	if opts.Output == "json" {
		return iostreams.WriteJSON(io.Out, generated{opts.Provider, "ed25519", pubB64, privPath, pubPath}, io.JSONColorEnabled())
	}
	cs := io.ColorScheme()
	fmt.Fprintf(io.Out, "%s       %s\n", cs.Bold("public key:"), pubB64)
	fmt.Fprintf(io.Out, "%s %s (mode 0600)\n", cs.Bold("private key file:"), privPath)
	fmt.Fprintf(io.Out, "%s  %s\n", cs.Bold("public key file:"), pubPath)
	ecs := io.ErrColorScheme()
	fmt.Fprintf(io.ErrOut, "%s sign with smshook sign %s --secret-file %s, verify with smshook verify %s --secret-file %s\n",
		ecs.Gray("hint:"), opts.Provider, privPath, opts.Provider, pubPath)
	return nil
}

// writeKey writes one line with mode perm, also when replacing a file
// (O_CREATE's mode applies only to new files).
func writeKey(path, key string, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return cmdutil.UsageErrorf("cannot write %s: %v", path, unwrap(err))
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %v", path, unwrap(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %v", path, unwrap(err))
	}
	return os.Chmod(path, perm)
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
