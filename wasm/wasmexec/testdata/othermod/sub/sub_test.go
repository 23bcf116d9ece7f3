//go:build js && wasm

// Package sub holds the test of othermod that fails on request.
package sub

import (
	"os"
	"testing"
)

// TestFailsOnRequest fails when OTHERMOD_FAIL=1 reaches the program, which
// the environment wasmexec passes on does.
func TestFailsOnRequest(t *testing.T) {
	if os.Getenv("OTHERMOD_FAIL") == "1" {
		t.Fatal("failing as OTHERMOD_FAIL=1 asked")
	}
}
