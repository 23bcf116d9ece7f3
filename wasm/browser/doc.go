// Package browser holds w3ws's one definition of how to start headless
// Chromium for tests: where the binary is ([ExecPath], [Require]), the exact
// command line flags ([AllocatorOptions]), and the DevTools set-up every page
// needs ([DisableNetwork]). The wasm test runner (wasm/wasmexec) and the e2e
// tests share it, so both run the same browser the same way.
//
// The flags make a quiet, hermetic browser: headless, no sandbox (the tests
// run as root), no background traffic, and a host resolver that answers only
// 127.0.0.1 and localhost, so a test can never reach the network.
//
// The package is native only; on js/wasm it is empty.
package browser
