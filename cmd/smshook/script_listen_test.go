package main

// listenScriptCmds are custom testscript commands for the listen scripts.
func listenScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{}
}
