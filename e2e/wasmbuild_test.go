//go:build !js

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/internal/wasmexecjs"
)

// wasmGOROOT returns the GOROOT of the go command that runs the test, as
// package wasmexecjs finds it: the wasm programs are built with its go
// command and served with its wasm_exec.js ([wasmExecJSPath]).
func wasmGOROOT(tb testing.TB) string {
	tb.Helper()
	root, err := wasmexecjs.GOROOT(context.Background())
	require.NoError(tb, err)
	return root
}

// wasmExecJSPath returns the path of wasm_exec.js in goroot.
func wasmExecJSPath(tb testing.TB, goroot string) string {
	tb.Helper()
	p, err := wasmexecjs.InGOROOT(goroot)
	require.NoError(tb, err)
	return p
}

// readWasmExecJS returns the wasm_exec.js of goroot.
func readWasmExecJS(tb testing.TB, goroot string) []byte {
	tb.Helper()
	b, err := os.ReadFile(wasmExecJSPath(tb, goroot))
	require.NoError(tb, err)
	return b
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
