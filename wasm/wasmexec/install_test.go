//go:build !js

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOtherModule uses wasmexec as another project would: it installs the
// command into a GOBIN of its own, then runs
//
//	GOOS=js GOARCH=wasm go test -exec $GOBIN/wasmexec ./...
//
// in testdata/othermod, a module of its own that imports nothing of w3ws.
// go test must pass while the tests pass, and fail when one fails.
func TestOtherModule(t *testing.T) {
	gobin := t.TempDir()
	install := exec.CommandContext(t.Context(), goBin(t), "install", "github.com/w3ws/w3ws/wasm/wasmexec")
	install.Env = append(os.Environ(), "GOBIN="+gobin)
	out, err := install.CombinedOutput()
	require.NoError(t, err, "go install: %s", out)
	runner := filepath.Join(gobin, "wasmexec")

	tests := []struct {
		name     string
		fail     bool // set OTHERMOD_FAIL=1
		want     []string
		dontWant []string
	}{
		{"pass", false,
			[]string{"--- PASS: TestInChromium", "user agent: Mozilla/", "--- PASS: TestFailsOnRequest", "ok  \texample.com/othermod\t", "ok  \texample.com/othermod/sub\t"},
			[]string{"FAIL"}},
		{"fail", true,
			[]string{"--- PASS: TestInChromium", "--- FAIL: TestFailsOnRequest", "failing as OTHERMOD_FAIL=1 asked", "ok  \texample.com/othermod\t", "FAIL\texample.com/othermod/sub\t"},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.CommandContext(t.Context(), goBin(t), "test", "-count=1", "-v", "-exec", runner, "./...")
			cmd.Dir = filepath.Join("testdata", "othermod")
			cmd.Env = wasmEnv("GOWORK=off", "TMPDIR="+tmp)
			if tt.fail {
				cmd.Env = append(cmd.Env, "OTHERMOD_FAIL=1")
			}
			out, err := cmd.CombinedOutput()
			if tt.fail {
				var exitErr *exec.ExitError
				require.ErrorAs(t, err, &exitErr, "%s", out)
				assert.Equal(t, 1, exitErr.ExitCode(), "%s", out)
			} else {
				require.NoError(t, err, "%s", out)
			}
			for _, w := range tt.want {
				assert.Contains(t, string(out), w)
			}
			for _, w := range tt.dontWant {
				assert.NotContains(t, string(out), w)
			}
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "go test or wasmexec left files in TMPDIR")
		})
	}
}
