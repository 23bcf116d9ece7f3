// Package passfail is a test package that wasmexec's tests run with
// go test -exec. TestPass always passes; TestFailOnRequest fails when
// W3WS_PASSFAIL_FAIL=1 reaches the wasm program.
package passfail

import (
	"os"
	"testing"
)

func TestPass(t *testing.T) {
	t.Log("pass ran")
}

func TestFailOnRequest(t *testing.T) {
	if os.Getenv("W3WS_PASSFAIL_FAIL") == "1" {
		t.Fatal("failing as W3WS_PASSFAIL_FAIL=1 asked")
	}
}
