//go:build !js

package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/internal/wasmexecjs"
)

func TestRunTimeoutSource(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     string
		want    time.Duration
		wantWhy string
		wantErr bool
	}{
		{"default", nil, "", defaultTimeout, "the default; set W3WS_WASMEXEC_TIMEOUT to change it", false},
		{"env", []string{"-test.v"}, "90s", 90 * time.Second, "W3WS_WASMEXEC_TIMEOUT=90s", false},
		{"envZero", nil, "0", 0, "W3WS_WASMEXEC_TIMEOUT=0", false},
		{"envBad", nil, "soon", 0, "", true},
		{"envNegative", nil, "-1s", 0, "", true},
		{"flag", []string{"-test.timeout=10m0s"}, "90s", 10*time.Minute + timeoutMargin, "-test.timeout=10m0s plus 30s", false},
		{"flagTwoArgs", []string{"--test.timeout", "2m"}, "", 2*time.Minute + timeoutMargin, "-test.timeout=2m0s plus 30s", false},
		{"flagLastWins", []string{"-test.timeout=1m", "-test.timeout=3m"}, "", 3*time.Minute + timeoutMargin, "-test.timeout=3m0s plus 30s", false},
		{"flagZero", []string{"-test.timeout=0s"}, "90s", 0, "", false},
		{"flagBad", []string{"-test.timeout=soon"}, "90s", 90 * time.Second, "W3WS_WASMEXEC_TIMEOUT=90s", false},
		{"afterDashDash", []string{"--", "-test.timeout=1m"}, "", defaultTimeout, "the default; set W3WS_WASMEXEC_TIMEOUT to change it", false},
		{"otherFlag", []string{"-test.timeoutx=1m"}, "", defaultTimeout, "the default; set W3WS_WASMEXEC_TIMEOUT to change it", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envTimeout, tt.env)
			got, why, err := runTimeout(tt.args)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantWhy, why)
		})
	}
}

func TestFitEnv(t *testing.T) {
	t.Run("fits", func(t *testing.T) {
		env, dropped, err := fitEnv([]string{"prog"}, []string{"A=1", "B=x=y", "A=2", "NOVALUE", "=skip"})
		require.NoError(t, err)
		assert.Empty(t, dropped)
		assert.Equal(t, map[string]string{"A": "2", "B": "x=y"}, env)
	})
	t.Run("tooBig", func(t *testing.T) {
		big := strings.Repeat("v", 3000)
		env, dropped, err := fitEnv([]string{"prog", "-test.v"}, []string{
			"W3WS_TEST_SERVER=" + big, "GODEBUG=" + big, "LS_COLORS=" + big, "PATH=/bin", "HUGE=" + big + big,
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"HUGE", "LS_COLORS"}, dropped)
		assert.Equal(t, []string{"GODEBUG", "PATH", "W3WS_TEST_SERVER"}, sortedKeys(env))
		assert.Less(t, wasmExecSize([]string{"prog", "-test.v"}, env), argvEnvLimit)
	})
	t.Run("exactLimit", func(t *testing.T) {
		// One string that fills the space to the byte: 8 bytes of nil
		// pointers twice, 8+8 for "p", and the entry with its pointer.
		name := "X="
		value := strings.Repeat("v", argvEnvLimit-8*4-8-len(name)-1)
		_, dropped, err := fitEnv([]string{"p"}, []string{name + value})
		require.NoError(t, err)
		assert.Equal(t, []string{"X"}, dropped, "a total of exactly the limit throws in wasm_exec.js")
		_, dropped, err = fitEnv([]string{"p"}, []string{name + value[8:]})
		require.NoError(t, err)
		assert.Empty(t, dropped)
	})
	t.Run("invalidUTF8", func(t *testing.T) {
		// Each invalid byte becomes U+FFFD, 3 bytes, in JavaScript.
		value := strings.Repeat("\xff", 2720)
		_, dropped, err := fitEnv([]string{"p"}, []string{"X=" + value})
		require.NoError(t, err)
		assert.Equal(t, []string{"X"}, dropped)
	})
}

// TestRunBigEnv runs hello with an environment bigger than wasm_exec.js
// takes, to see that it starts, keeps W3WS_* and says what it left out.
func TestRunBigEnv(t *testing.T) {
	t.Setenv("W3WS_HELLO", "kept")
	t.Setenv("W3WS_TEST_BIG_FILLER", strings.Repeat("f", 9000))
	r := runHello(t, "0")
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "W3WS_HELLO=kept\n")
	assert.Contains(t, r.stderr, "wasmexec: left out these environment variables, which do not fit in the 8192 bytes wasm_exec.js has for arguments and environment: W3WS_TEST_BIG_FILLER\n")
}

// TestArgvEnvLimitMatchesWasmExecJS ties argvEnvLimit to the wasm_exec.js
// of the Go that runs the tests.
func TestArgvEnvLimitMatchesWasmExecJS(t *testing.T) {
	js, err := wasmexecjs.Read(t.Context())
	require.NoError(t, err)
	assert.Contains(t, string(js), "let offset = 4096;")
	assert.Contains(t, string(js), "const wasmMinDataAddr = 4096 + 8192;")
	assert.Equal(t, 8192, argvEnvLimit)
}

// wasmExecSize is what wasm_exec.js uses of its space for argv and env.
func wasmExecSize(argv []string, env map[string]string) int {
	n := 16
	for _, a := range argv {
		n += (len(a)+1+7)&^7 + 8
	}
	for k, v := range env {
		n += (len(k)+1+len(v)+1+7)&^7 + 8
	}
	return n
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestRunEnvAtLimit runs hello with arguments and environment that fill
// wasm_exec.js's space to the last 8 bytes it allows, to check that fitEnv's
// arithmetic is the one of wasm_exec.js.
func TestRunEnvAtLimit(t *testing.T) {
	hello := fixture(t, "hello")
	argv := []string{hello, "0"}
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("W3WS_TEST_PAD", "")
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	pad := argvEnvLimit - 8 - wasmExecSize(argv, env)
	require.Positive(t, pad)
	require.Zero(t, pad%8)
	t.Setenv("W3WS_TEST_PAD", strings.Repeat("p", pad))
	var stdout, stderr bytes.Buffer
	code, err := run(t.Context(), argv, &stdout, &stderr)
	require.NoError(t, err)
	assert.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.Contains(t, stdout.String(), "hello from wasm\n")
	assert.NotContains(t, stderr.String(), "left out")
}
