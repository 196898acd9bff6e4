package main

// coreScriptCmds are custom testscript commands for the core scripts.
func coreScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{}
}
