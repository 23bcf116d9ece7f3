//go:build js && wasm

package websocket_test

// Browser start-up of the tests: the scenario server (internal/scenario) is
// started outside the browser by whoever runs the tests, and its base URL
// comes from the environment.

import (
	"fmt"
	"os"
	"testing"
)

// inBrowser is true in the browser build, where Chrome decides what goes on
// the wire (it sends 1002 where the native engine sends 1007).
const inBrowser = true

func TestMain(m *testing.M) {
	scenarioURL = os.Getenv("W3WS_SCENARIO_URL")
	if scenarioURL == "" {
		fmt.Fprintln(os.Stderr, "FAIL: W3WS_SCENARIO_URL is not set: start internal/scenario's server and set it to its base URL (http://127.0.0.1:PORT)")
		os.Exit(2)
	}
	os.Exit(m.Run())
}
