//go:build !js

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// wasmGOROOT returns the GOROOT of the Go that built the test: the wasm
// programs and wasm_exec.js must come from it.
func wasmGOROOT(tb testing.TB) string {
	tb.Helper()
	if root := runtime.GOROOT(); root != "" {
		return root
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(tb, err, "finding GOROOT (the test binary was built with -trimpath)")
	return strings.TrimSpace(string(out))
}

// buildWasm compiles pkg with GOOS=js GOARCH=wasm into name in a temporary
// directory and returns its path.
func buildWasm(tb testing.TB, ctx context.Context, goroot, pkg, name string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), name)
	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(goroot, "bin", "go"), "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building %s: %v\n%s", pkg, err, msg)
	}
	tb.Logf("built %s in %v", pkg, time.Since(start).Round(time.Millisecond))
	return out
}

// buildWasmProgram is buildWasm returning the program's bytes.
func buildWasmProgram(tb testing.TB, ctx context.Context, goroot, pkg, name string) []byte {
	tb.Helper()
	wasm, err := os.ReadFile(buildWasm(tb, ctx, goroot, pkg, name))
	require.NoError(tb, err)
	return wasm
}
