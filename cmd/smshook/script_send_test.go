package main

// sendScriptCmds are custom testscript commands for the send scripts.
func sendScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{}
}
