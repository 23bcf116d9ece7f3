//go:build !js

package e2e

import (
	"context"
	"testing"
	"time"
)

// minJsbridgeTests is a floor on the jsbridge tests and subtests that must
// pass in the browser (all of them when it was written), so that a stray
// build tag cannot make the run pass on a handful.
const minJsbridgeTests = 80

// TestJsbridgeInBrowser runs package jsbridge's own tests, compiled with
// GOOS=js GOARCH=wasm, inside headless Chromium through wasm/wasmexec,
// against a scenario server started here (the tests read its URL from
// W3WS_SCENARIO_URL), as TestWebsocketPackageInBrowser runs package
// websocket's. It fails if Chromium is missing, if any test fails or is
// skipped, or if fewer than minJsbridgeTests pass.
func TestJsbridgeInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res := runPackageInBrowser(t, ctx, "github.com/w3ws/w3ws/jsbridge")
	res.requireAllPassed(t, "jsbridge", minJsbridgeTests)
}
