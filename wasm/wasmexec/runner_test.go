//go:build !js

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/wasm/browser"
)

// The tests that run a program need Chromium. Without it they fail, through
// the error of run, and never skip.

// result is what run returned, and what it wrote.
type result struct {
	code           int
	err            error
	stdout, stderr string
}

// runHello runs testdata/hello in-process with arg; see runWasm.
func runHello(t *testing.T, arg string) result {
	t.Helper()
	return runWasm(t, fixture(t, "hello"), arg)
}

// runWasm calls run with args. It also checks that the run left nothing in
// the temporary directory (Chromium's profile).
func runWasm(t *testing.T, args ...string) result {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var stdout, stderr bytes.Buffer
	code, err := run(t.Context(), args, &stdout, &stderr)
	left, rerr := os.ReadDir(tmp)
	require.NoError(t, rerr)
	assert.Empty(t, left, "run left files in TMPDIR")
	return result{code, err, stdout.String(), stderr.String()}
}

func TestRunHello(t *testing.T) {
	t.Setenv("W3WS_HELLO", "héllo wörld")
	r := runHello(t, "0")
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code)
	want := strings.Join([]string{
		"hello from wasm",
		"W3WS_HELLO=héllo wörld",
		`args=["0"]`,
		"split ✓",
		"long " + strings.Repeat("x", 200_000) + " end",
		"100%d %s",
		"no newline at exit", // flushed at exit; the runner ends it with a newline
		"",
	}, "\n")
	assert.Equal(t, want, r.stdout)
	assert.Equal(t, "to stderr\n", r.stderr)
}

func TestRunExitCode(t *testing.T) {
	r := runHello(t, "3")
	require.NoError(t, r.err)
	assert.Equal(t, 3, r.code)
	assert.Contains(t, r.stdout, "hello from wasm\n")
}

func TestRunPanic(t *testing.T) {
	r := runHello(t, "panic")
	require.NoError(t, r.err)
	assert.Equal(t, 2, r.code, "the Go runtime's exit code for a panic")
	assert.Contains(t, r.stderr, "panic: hello: boom\n\ngoroutine 1 [running]:\nmain.main()\n")
}

func TestRunUncaughtException(t *testing.T) {
	r := runHello(t, "throw")
	assert.Equal(t, exitFailed, r.code)
	require.Error(t, r.err)
	assert.Contains(t, r.err.Error(), "uncaught exception: Uncaught Error: hello: thrown")
}

func TestRunNotWasm(t *testing.T) {
	notWasm := filepath.Join(t.TempDir(), "prog.wasm")
	require.NoError(t, os.WriteFile(notWasm, []byte("hello, not wasm"), 0o644))
	r := runWasm(t, notWasm)
	require.NoError(t, r.err)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "wasmexec: cannot instantiate "+notWasm+": CompileError: WebAssembly.instantiateStreaming(): expected magic word")
}

func TestRunTimeout(t *testing.T) {
	t.Setenv(envTimeout, "1s")
	fixture(t, "hello") // built before the clock starts
	start := time.Now()
	r := runHello(t, "hang")
	assert.Equal(t, exitFailed, r.code)
	require.Error(t, r.err)
	assert.Equal(t, "timed out after 1s (W3WS_WASMEXEC_TIMEOUT=1s); the program did not exit", r.err.Error())
	assert.Less(t, time.Since(start), 10*time.Second)
}

// TestRunCancel cancels run's context while the program hangs. The
// fixture is built first: on a cold build cache that alone can take longer
// than the wait, and run would then be cancelled before it started.
func TestRunCancel(t *testing.T) {
	prog := fixture(t, "hello")
	ctx, cancel := context.WithCancelCause(t.Context())
	cause := errors.New("stop now")
	time.AfterFunc(2*time.Second, func() { cancel(cause) })
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var stdout, stderr bytes.Buffer
	code, err := run(ctx, []string{prog, "hang"}, &stdout, &stderr)
	assert.Equal(t, exitFailed, code)
	assert.ErrorIs(t, err, cause)
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "run left files in TMPDIR")
}

// TestRunCrash crashes the page while the program runs: run must end at
// once, not at the time-out.
func TestRunCrash(t *testing.T) {
	testHookPageLoaded = func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			// The crash cuts the command's answer off.
			cdp.Call(ctx, tgt, page.Crash, cdp.Empty{})
			return nil
		}))
	}
	defer func() { testHookPageLoaded = nil }()
	fixture(t, "hello") // built before the clock starts
	start := time.Now()
	r := runHello(t, "hang")
	assert.Equal(t, exitFailed, r.code)
	assert.ErrorIs(t, r.err, errCrashed)
	assert.Less(t, time.Since(start), 20*time.Second)
}

func TestRunSetupErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"noArgs", nil, nil, "usage: wasmexec prog.wasm [args...]"},
		{"missingProgram", []string{"/nonexistent/prog.wasm"}, nil, "open /nonexistent/prog.wasm: no such file or directory"},
		{"badTimeout", []string{"/nonexistent/prog.wasm"}, map[string]string{envTimeout: "soon"}, `W3WS_WASMEXEC_TIMEOUT="soon": want a duration`},
		{"noChromium", []string{"testdata/hello/main.go"}, map[string]string{browser.EnvExecPath: "/nonexistent"}, "no Chromium at /nonexistent"},
		{"argvTooLong", []string{"testdata/hello/main.go", strings.Repeat("a", argvEnvLimit)}, nil, "the command line needs"},
		{"badHeadless", []string{"testdata/hello/main.go"}, map[string]string{envHeadless: "maybe"}, `W3WS_WASMEXEC_HEADLESS="maybe": want 1 or 0 (true or false)`},
		{"missingPage", []string{"testdata/hello/main.go"}, map[string]string{envPage: "/nonexistent/page.html"}, "W3WS_WASMEXEC_PAGE: open /nonexistent/page.html: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, err := run(t.Context(), tt.args, &bytes.Buffer{}, &bytes.Buffer{})
			assert.Equal(t, exitSetup, code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestRunPage runs hello in a page of its own, which loads a script from its
// directory and has an element for the program.
func TestRunPage(t *testing.T) {
	page, err := filepath.Abs("testdata/page/page.html")
	require.NoError(t, err)
	t.Setenv(envPage, page)
	r := runHello(t, "page")
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, "title=a page of its own\napp=the app's element\nown=loaded from own.js\n", r.stdout)
}

// TestRunHeadless checks Chromium's command line, through a fake Chromium
// that writes down its arguments and fails: --headless, unless
// $W3WS_WASMEXEC_HEADLESS is false.
func TestRunHeadless(t *testing.T) {
	tests := []struct {
		env  string
		want bool
	}{
		{"", true},
		{"1", true},
		{"0", false},
		{"false", false},
	}
	for _, tt := range tests {
		t.Run("env="+tt.env, func(t *testing.T) {
			dir := t.TempDir()
			args, fake := filepath.Join(dir, "args"), filepath.Join(dir, "chromium")
			script := "#!/bin/sh\nprintf '%s\\n' \"$@\" >" + args + "\nexit 1\n"
			require.NoError(t, os.WriteFile(fake, []byte(script), 0o755))
			t.Setenv(browser.EnvExecPath, fake)
			t.Setenv(envHeadless, tt.env)
			r := runWasm(t, "testdata/hello/main.go") // Chromium fails before it would load it
			assert.Equal(t, exitFailed, r.code)
			assert.ErrorContains(t, r.err, "starting Chromium")
			b, err := os.ReadFile(args)
			require.NoError(t, err)
			got := strings.Split(string(b), "\n")
			assert.Equal(t, tt.want, slices.Contains(got, "--headless"), "Chromium's arguments: %q", got)
			assert.Contains(t, got, "--no-sandbox", "the other flags stay")
		})
	}
}

// runner returns a command that runs the test binary as wasmexec.
func runner(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), self, args...)
	cmd.Env = append(os.Environ(), envAsRunner+"=1")
	return cmd
}

// TestMissingChromium runs wasmexec as a process, to see main's message and
// exit code.
func TestMissingChromium(t *testing.T) {
	cmd := runner(t, "testdata/hello/main.go", "0")
	cmd.Env = append(cmd.Env, browser.EnvExecPath+"=/nonexistent")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, exitSetup, exitErr.ExitCode())
	assert.Empty(t, stdout.String())
	assert.Equal(t, "wasmexec: no Chromium at /nonexistent: install Debian's chromium package (make chromium, in w3ws) or fix W3WS_CHROMIUM\n", stderr.String())
}

// TestSignal stops a wasmexec process with SIGTERM while the program runs,
// and checks that Chromium and its profile are gone.
func TestSignal(t *testing.T) {
	hello := fixture(t, "hello")
	tmp := t.TempDir()
	cmd := runner(t, hello, "hang")
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp, envDebug+"=1")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "page loaded"); {
		select {
		case err := <-waited:
			t.Fatalf("wasmexec ended before the page loaded: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("wasmexec did not load the page:\n%s", stderr.String())
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := <-waited
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, exitFailed, exitErr.ExitCode())
	assert.Contains(t, stderr.String(), "wasmexec: terminated signal received\n")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "wasmexec left files in TMPDIR")
	assert.Empty(t, chromiumUsing(t, tmp), "Chromium processes left running")
}

// TestGoTestExec runs "go test -exec wasmexec" on testdata/passfail.
func TestGoTestExec(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		name     string
		args     []string
		fail     bool
		wantErr  bool
		want     []string
		dontWant []string
	}{
		{"pass", nil, false, false, []string{"ok  \tgithub.com/w3ws/w3ws/wasm/wasmexec/testdata/passfail"}, nil},
		{"verbose", []string{"-v"}, false, false, []string{"--- PASS: TestPass", "pass ran", "--- PASS: TestFailOnRequest", "\nPASS\n"}, nil},
		{"fail", []string{"-v"}, true, true, []string{"--- FAIL: TestFailOnRequest", "failing as W3WS_PASSFAIL_FAIL=1 asked", "\nFAIL\n"}, nil},
		{"run=TestPass", []string{"-v", "-run=^TestPass$"}, true, false, []string{"--- PASS: TestPass", "\nPASS\n"}, []string{"TestFailOnRequest"}},
		{"json", []string{"-json"}, true, true, []string{`"Action":"fail","Package":"github.com/w3ws/w3ws/wasm/wasmexec/testdata/passfail","Test":"TestFailOnRequest"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixture(t, "hello") // builds the standard library for js/wasm once, before the parallel runs
			t.Parallel()
			args := append([]string{"test", "-count=1", "-exec", self}, tt.args...)
			cmd := exec.CommandContext(t.Context(), goBin(t), append(args, "./testdata/passfail")...)
			tmp := t.TempDir()
			cmd.Env = wasmEnv(envAsRunner+"=1", "TMPDIR="+tmp)
			if tt.fail {
				cmd.Env = append(cmd.Env, "W3WS_PASSFAIL_FAIL=1")
			}
			out, err := cmd.CombinedOutput()
			if tt.wantErr {
				assert.Error(t, err, "%s", out)
			} else {
				assert.NoError(t, err, "%s", out)
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

// TestRunTestBinary runs a test binary directly, as go test does, with the
// flags go test passes.
func TestRunTestBinary(t *testing.T) {
	r := runWasm(t, fixture(t, "passfail"), "-test.paniconexit0", "-test.timeout=1m0s", "-test.v=true", "-test.run=TestPass")
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "=== RUN   TestPass\n    passfail_test.go:12: pass ran\n--- PASS: TestPass")
	assert.NotContains(t, r.stdout, "TestFailOnRequest")
}

// chromiumUsing returns the command lines of the processes whose arguments
// mention dir.
func chromiumUsing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var found []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(dir)) {
			found = append(found, string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
	return found
}

// syncBuffer is a bytes.Buffer that a process writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
