// Package sign is being written (this session); this file only keeps the tree compiling.
package sign

import (
	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
)

// SignOptions are the inputs of `smshook sign`.
type SignOptions struct{}

// NewCmdSign builds `smshook sign`.
func NewCmdSign(f *cmdutil.Factory, runF func(*SignOptions) error) *cobra.Command {
	return &cobra.Command{Use: "sign", Hidden: true}
}
