package main

import "github.com/spf13/cobra"

// serviceCmds returns serve and worker; the service lands separately.
func (a *App) serviceCmds() []*cobra.Command { return nil }
