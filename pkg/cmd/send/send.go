// Package send is being written (this session); this file only keeps the tree compiling.
package send

import (
	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
)

// SendOptions are the inputs of `smshook send`.
type SendOptions struct{}

// NewCmdSend builds `smshook send`.
func NewCmdSend(f *cmdutil.Factory, runF func(*SendOptions) error) *cobra.Command {
	return &cobra.Command{Use: "send", Hidden: true}
}
