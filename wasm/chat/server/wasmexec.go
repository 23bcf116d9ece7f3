//go:build !js

package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// FindWasmExecJS returns the path of wasm_exec.js in the GOROOT of the go
// command in PATH ($(go env GOROOT)/lib/wasm/wasm_exec.js, where Go 1.24 and
// later keep it), or under $GOROOT when there is no go command. It must
// match the Go that built the web program: the glue and the runtime change
// together.
func FindWasmExecJS(ctx context.Context) (string, error) {
	goroot := os.Getenv("GOROOT")
	if goCmd, err := exec.LookPath("go"); err == nil {
		out, err := exec.CommandContext(ctx, goCmd, "env", "GOROOT").Output()
		if err != nil {
			return "", fmt.Errorf("server: finding wasm_exec.js: %s env GOROOT: %w", goCmd, err)
		}
		goroot = strings.TrimSpace(string(out))
	}
	if goroot == "" {
		return "", errors.New("server: finding wasm_exec.js: no go command in PATH and GOROOT is not set")
	}
	p := filepath.Join(goroot, "lib", "wasm", "wasm_exec.js")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("server: finding wasm_exec.js: %w", err)
	}
	return p, nil
}
