//go:build js && wasm

// Command paritywasm runs the parity scenarios (package parity) in a browser
// page, with package websocket driving the browser's WebSocket. The page
// passes the run's settings in the environment (go.env in wasm_exec.js):
// PARITY_BASE (the scenario server), PARITY_PREFIX (the connection id
// prefix) and PARITY_PAGE (the page's URL). When all scenarios are done, it
// sets globalThis.parityResult to the results as JSON and
// globalThis.parityDone to true.
package main

import (
	"encoding/json"
	"os"
	"syscall/js"

	"github.com/w3ws/w3ws/e2e/parity"
)

func main() {
	results := parity.Run(parity.Env{
		Base:   os.Getenv("PARITY_BASE"),
		Prefix: os.Getenv("PARITY_PREFIX"),
		Page:   os.Getenv("PARITY_PAGE"),
	})
	b, err := json.Marshal(results)
	if err != nil {
		js.Global().Set("parityError", err.Error())
	}
	js.Global().Set("parityResult", string(b))
	js.Global().Set("parityDone", true)
	select {} // keep the program alive for late callbacks of the page
}
