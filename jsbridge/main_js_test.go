//go:build js && wasm

package jsbridge

// Browser start-up of the tests, as in package websocket: the scenario
// server (internal/scenario) is started outside the browser by whoever runs
// the tests (e2e.TestJsbridgeInBrowser), and its base URL comes from the
// environment.

import (
	"fmt"
	"os"
	"testing"

	"github.com/w3ws/w3ws/internal/leaktest"
)

// scenarioURL is the scenario server's base URL, "http://127.0.0.1:PORT".
var scenarioURL string

func TestMain(m *testing.M) {
	scenarioURL = os.Getenv("W3WS_SCENARIO_URL")
	if scenarioURL == "" {
		fmt.Fprintln(os.Stderr, "FAIL: W3WS_SCENARIO_URL is not set: start internal/scenario's server and set it to its base URL (http://127.0.0.1:PORT)")
		os.Exit(2)
	}
	os.Exit(leaktest.Main(m, "github.com/w3ws/w3ws/"))
}
