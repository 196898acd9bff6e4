// Package listen is being written (this session); this file only keeps the tree compiling.
package listen

import (
	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
)

// ListenOptions are the inputs of `smshook listen`.
type ListenOptions struct{}

// NewCmdListen builds `smshook listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(*ListenOptions) error) *cobra.Command {
	return &cobra.Command{Use: "listen", Hidden: true}
}
