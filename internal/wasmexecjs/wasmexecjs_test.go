//go:build !js

package wasmexecjs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeGo puts a go command that runs script (a shell script body) alone in
// $PATH.
func fakeGo(t *testing.T, script string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), []byte("#!/bin/sh\n"+script+"\n"), 0o755))
	t.Setenv("PATH", dir)
}

func TestGOROOT(t *testing.T) {
	tests := []struct {
		name    string
		env     string // $GOROOT
		goCmd   string // the fake go command's script; "" for none in PATH
		want    string
		wantErr string
	}{
		{"env", "/env/root", `echo /go/env/root`, "/env/root", ""},
		{"envWithoutGo", "/env/root", "", "/env/root", ""},
		{"goEnv", "", `[ "$*" = "env GOROOT" ] && echo /go/env/root`, "/go/env/root", ""},
		{"goEnvFails", "", `echo "go: broken" >&2; exit 1`, "", "env GOROOT: exit status 1: go: broken"},
		{"goEnvEmpty", "", `echo`, "", "env GOROOT printed nothing"},
		{"nothing", "", "", "", "finding wasm_exec.js: GOROOT is not set and there is no go command in PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOROOT", tt.env)
			if tt.goCmd != "" {
				fakeGo(t, tt.goCmd)
			} else {
				t.Setenv("PATH", t.TempDir())
			}
			got, err := GOROOT(t.Context())
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestInGOROOT(t *testing.T) {
	root := t.TempDir()
	write := func(dir string) string {
		p := filepath.Join(root, dir, "wasm_exec.js")
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("// "+dir), 0o644))
		return p
	}

	_, err := InGOROOT(root)
	require.Error(t, err)
	assert.Equal(t, "finding wasm_exec.js: neither "+filepath.Join(root, "lib/wasm/wasm_exec.js")+" nor "+filepath.Join(root, "misc/wasm/wasm_exec.js")+" exists", err.Error())

	old := write("misc/wasm") // Go 1.23 and earlier
	got, err := InGOROOT(root)
	require.NoError(t, err)
	assert.Equal(t, old, got)

	current := write("lib/wasm") // Go 1.24 and later; it wins
	got, err = InGOROOT(root)
	require.NoError(t, err)
	assert.Equal(t, current, got)
}

// TestRead reads the wasm_exec.js of the Go that runs the test: go test puts
// its GOROOT/bin first in PATH.
func TestRead(t *testing.T) {
	b, err := Read(t.Context())
	require.NoError(t, err)
	assert.Contains(t, string(b), "globalThis.Go = class")

	p, err := Path(t.Context())
	require.NoError(t, err)
	root, err := GOROOT(t.Context())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(p, root), "%s is not in %s", p, root)
}

func TestReadFails(t *testing.T) {
	root := t.TempDir()
	t.Setenv("GOROOT", root)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "lib", "wasm", "wasm_exec.js"), 0o755)) // a directory
	_, err := Read(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading wasm_exec.js: ")
}
