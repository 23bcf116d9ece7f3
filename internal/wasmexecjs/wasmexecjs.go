// Package wasmexecjs finds wasm_exec.js, the JavaScript half of Go's js/wasm
// port, and the GOROOT it belongs to. It is w3ws's one lookup, shared by the
// test runner (wasm/wasmexec), the chat demo (wasm/chat) and the tests that
// build wasm programs (e2e).
//
// wasm_exec.js must come from the Go that built the program: the glue and the
// runtime change together, and a program meets a mismatched glue with missing
// imports or a broken start. The GOROOT is therefore the one of the go
// command in use, in this order:
//
//  1. $GOROOT, if it is set. The go command sets it when it switches to
//     another toolchain (GOTOOLCHAIN), and a GOROOT in the environment is
//     also what the go command itself would use.
//  2. Else "go env GOROOT", asking the go command found in $PATH. go test
//     (also for its -exec program) and go run put their own GOROOT/bin
//     first in $PATH, so under them this is the go command that runs.
//
// There is no fallback to runtime.GOROOT: it names the GOROOT that built
// the caller, which need not exist where the caller runs.
//
// In that GOROOT, wasm_exec.js is in lib/wasm (Go 1.24 and later) or, for
// older Go, in misc/wasm.
//
// Errors carry no package prefix; they read "finding wasm_exec.js: ..." or
// "reading wasm_exec.js: ...", to be printed behind the caller's own.
package wasmexecjs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// dirs are the directories of GOROOT that hold wasm_exec.js, newest Go first.
var dirs = []string{
	filepath.Join("lib", "wasm"),  // Go 1.24 and later
	filepath.Join("misc", "wasm"), // Go 1.23 and earlier
}

// GOROOT returns the GOROOT of the go command in use: $GOROOT if it is set,
// else the output of "go env GOROOT" for the go command in $PATH. It fails
// when neither is there.
func GOROOT(ctx context.Context) (string, error) {
	if root := os.Getenv("GOROOT"); root != "" {
		return root, nil
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("finding wasm_exec.js: GOROOT is not set and there is no go command in PATH")
	}
	out, err := exec.CommandContext(ctx, goCmd, "env", "GOROOT").Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && len(exitErr.Stderr) > 0 {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", fmt.Errorf("finding wasm_exec.js: %s env GOROOT: %w", goCmd, err)
	}
	root := strings.TrimSpace(string(out))
	if root == "" {
		return "", fmt.Errorf("finding wasm_exec.js: %s env GOROOT printed nothing", goCmd)
	}
	return root, nil
}

// InGOROOT returns the path of wasm_exec.js in goroot: lib/wasm/wasm_exec.js,
// or misc/wasm/wasm_exec.js when only that one exists.
func InGOROOT(goroot string) (string, error) {
	for _, dir := range dirs {
		p := filepath.Join(goroot, dir, "wasm_exec.js")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("finding wasm_exec.js: %w", err)
		}
	}
	return "", fmt.Errorf("finding wasm_exec.js: neither %s nor %s exists",
		filepath.Join(goroot, dirs[0], "wasm_exec.js"), filepath.Join(goroot, dirs[1], "wasm_exec.js"))
}

// Path returns the path of wasm_exec.js in the GOROOT that [GOROOT] finds.
func Path(ctx context.Context) (string, error) {
	root, err := GOROOT(ctx)
	if err != nil {
		return "", err
	}
	return InGOROOT(root)
}

// Read returns the contents of the wasm_exec.js that [Path] finds.
func Read(ctx context.Context) ([]byte, error) {
	p, err := Path(ctx)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading wasm_exec.js: %w", err)
	}
	return b, nil
}
