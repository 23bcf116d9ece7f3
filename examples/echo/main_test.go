//go:build !js

package main

import (
	"context"
	"testing"
)

// TestRun runs the example end to end, as `make demo` does.
func TestRun(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
