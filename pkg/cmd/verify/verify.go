// Package verify is being written (this session); this file only keeps the tree compiling.
package verify

import (
	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
)

// VerifyOptions are the inputs of `smshook verify`.
type VerifyOptions struct{}

// NewCmdVerify builds `smshook verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	return &cobra.Command{Use: "verify", Hidden: true}
}
