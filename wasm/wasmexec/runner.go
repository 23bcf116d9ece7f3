//go:build !js

package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/w3ws/w3ws/internal/wasmexecjs"
	"github.com/w3ws/w3ws/wasm/browser"
)

// indexHTML is the page that runs the program unless $W3WS_WASMEXEC_PAGE
// names another. It loads w3ws.js, wasm_exec.js and then runnerJS.
//
//go:embed index.html
var indexHTML []byte

// runnerJS, served as wasmexec.js, starts the program in the page and
// reports its output and exit code. See the comments in it for what it
// expects from the runner.
//
//go:embed wasmexec.js
var runnerJS []byte

// Exit codes of wasmexec itself. Otherwise it exits with the program's code.
const (
	exitFailed = 1 // the program did not run to its end
	exitSetup  = 2 // wasmexec could not start the program
)

// Environment variables that set up wasmexec (doc.go describes them).
const (
	envTimeout  = "W3WS_WASMEXEC_TIMEOUT"
	envDebug    = "W3WS_WASMEXEC_DEBUG"
	envHeadless = "W3WS_WASMEXEC_HEADLESS"
	envPage     = "W3WS_WASMEXEC_PAGE"
)

const (
	// defaultTimeout limits a run without -test.timeout or
	// $W3WS_WASMEXEC_TIMEOUT. It is go test's default -timeout.
	defaultTimeout = 10 * time.Minute

	// timeoutMargin is added to -test.timeout, so that the test binary's own
	// time-out (a panic with every goroutine's stack) comes first. go test
	// itself kills the runner one minute after -test.timeout.
	timeoutMargin = 30 * time.Second

	// closeGrace is how long Chromium gets to close by itself before it is
	// killed.
	closeGrace = 5 * time.Second

	// argvEnvLimit is how many bytes wasm_exec.js has for the arguments and
	// the environment: they go between linear memory address 4096 and
	// wasmMinDataAddr = 4096 + 8192, which the linker keeps free. Each string
	// takes its UTF-8 length plus a NUL, rounded up to 8 bytes, and each one
	// an 8-byte pointer, plus two nil pointers. wasm_exec.js throws "total
	// length of command line and environment variables exceeds limit" when
	// they do not fit. TestArgvEnvLimitMatchesWasmExecJS checks the constant
	// against the wasm_exec.js of the Go that runs the tests.
	argvEnvLimit = 8192
)

// errCrashed ends a run whose page crashed.
var errCrashed = errors.New("the page crashed (its renderer process died, for example out of memory)")

// testHookPageLoaded, if set, runs on the tab once the page has loaded. The
// tests use it to crash the page.
var testHookPageLoaded func(ctx context.Context) error

// run runs args[0], a js/wasm binary, with the arguments args[1:] in a fresh
// headless Chromium, copying the program's stdout and stderr to stdout and
// stderr as they come.
//
// It returns the program's exit code and a nil error when the program exited.
// Otherwise it returns exitSetup or exitFailed and an error that says why,
// for the caller to print. Chromium and its profile directory are gone when
// run returns, on every path; a cancelled ctx (a signal) ends the run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] == "" {
		return exitSetup, errors.New("usage: wasmexec prog.wasm [args...]")
	}
	limit, limitWhy, err := runTimeout(args[1:])
	if err != nil {
		return exitSetup, err
	}
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, limit,
			fmt.Errorf("timed out after %v (%s); the program did not exit", limit, limitWhy))
		defer cancel()
	}

	wasm, err := os.Open(args[0])
	if err != nil {
		return exitSetup, err
	}
	defer wasm.Close()
	fi, err := wasm.Stat()
	if err != nil {
		return exitSetup, err
	}
	if !fi.Mode().IsRegular() {
		return exitSetup, fmt.Errorf("%s is not a file", args[0])
	}
	// wasm_exec.js must come from the Go that built the program; under go
	// test, that is the go command in use (see package wasmexecjs).
	wasmExecJS, err := wasmexecjs.Read(ctx)
	if err != nil {
		return exitSetup, err
	}
	if err := browser.Require(); err != nil {
		return exitSetup, err
	}
	headless, err := headlessMode()
	if err != nil {
		return exitSetup, err
	}
	page, err := readPage()
	if err != nil {
		return exitSetup, err
	}

	env, dropped, err := fitEnv(args, os.Environ())
	if err != nil {
		return exitSetup, err
	}
	if len(dropped) > 0 {
		fmt.Fprintf(stderr, "wasmexec: left out these environment variables, which do not fit in the %d bytes wasm_exec.js has for arguments and environment: %s\n",
			argvEnvLimit, strings.Join(dropped, ", "))
	}
	token := rand.Text()
	config, err := json.Marshal(struct {
		Argv  []string          `json:"argv"`
		Env   map[string]string `json:"env"`
		Token string            `json:"token"`
	}{args, env, token})
	if err != nil {
		return exitSetup, err
	}

	url, stop, err := serve("/"+token+"/", files{
		wasm:       io.NewSectionReader(wasm, 0, fi.Size()),
		wasmExecJS: wasmExecJS,
		config:     config,
		page:       page,
	})
	if err != nil {
		return exitSetup, err
	}
	defer stop()
	return runPage(ctx, url, token, headless, stdout, stderr)
}

// runPage starts Chromium, headless or not, opens url and copies the page's
// console until the program reports its exit code with token.
func runPage(ctx context.Context, url, token string, headless bool, stdout, stderr io.Writer) (int, error) {
	debug := os.Getenv(envDebug) != ""
	start := time.Now()
	// trace reports the phases of the run in debug mode.
	trace := func(format string, args ...any) {
		if debug {
			fmt.Fprintf(stderr, "wasmexec: %v: %s\n", time.Since(start).Round(time.Millisecond), fmt.Sprintf(format, args...))
		}
	}
	profile, err := os.MkdirTemp("", "wasmexec-chromium-")
	if err != nil {
		return exitSetup, err
	}
	// The browser outlives ctx: when ctx ends (a time-out, a signal), the
	// console loop ends and the cleanup closes Chromium as on the normal
	// path, gracefully if it can. Only a start that hangs is cut short by
	// killing it.
	opts := browser.AllocatorOptions(profile)
	if !headless {
		opts = append(opts, chromedp.Flag("headless", false)) // a false flag is left out
	}
	actx, acancel := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// lctx is for everything after the start; its cause says why it ended.
	lctx, lcancel := context.WithCancelCause(bctx)
	stopLoop := context.AfterFunc(ctx, func() { lcancel(context.Cause(ctx)) })
	var wg sync.WaitGroup
	defer func() {
		stopLoop()
		lcancel(nil)
		trace("closing Chromium")
		closeBrowser(bctx, acancel)
		bcancel()
		wg.Wait()
		trace("Chromium closed")
		if err := removeAll(profile); err != nil {
			fmt.Fprintf(stderr, "wasmexec: %v\n", err)
		}
	}()

	// The first action starts Chromium and the tab, and the browser lives as
	// long as its context, so it runs on bctx. chromedp enables the Network
	// domain on the tab; turn it off before the page can open a WebSocket.
	// If ctx ends meanwhile, the start gets closeGrace to finish, so that
	// Chromium can close normally; killed, it leaves its socket directory
	// in $TMPDIR.
	started := make(chan struct{})
	wg.Go(func() {
		select {
		case <-started:
		case <-ctx.Done():
			select {
			case <-started:
			case <-time.After(closeGrace):
				acancel()
			}
		}
	})
	err = chromedp.Do(bctx, browser.DisableNetwork(), noConsoleStacks())
	close(started)
	if err != nil {
		return exitFailed, failure(ctx, fmt.Errorf("starting Chromium: %w", err))
	}
	trace("Chromium started")
	messages := chromedp.Console(lctx)
	crashes := chromedp.Events(lctx, inspector.TargetCrashed)
	wg.Go(func() {
		for _, err := range crashes {
			if err == nil {
				lcancel(errCrashed)
			}
			return
		}
	})
	if err := chromedp.Do(lctx, chromedp.Navigate(url)); err != nil {
		return exitFailed, failure(ctx, fmt.Errorf("opening the page: %w", err))
	}
	trace("page loaded")
	if testHookPageLoaded != nil {
		if err := testHookPageLoaded(lctx); err != nil {
			return exitFailed, err
		}
	}

	exitPrefix := token + " exit "
	var last error
	for m, err := range messages {
		if err != nil {
			last = err
			break
		}
		switch {
		case m.IsException():
			return exitFailed, fmt.Errorf("uncaught exception: %s", exceptionText(m))
		case m.Source != "":
			// The browser's own log: failed loads, WebSocket errors.
			if debug {
				fmt.Fprintf(stderr, "wasmexec: browser %s: %s\n", m.Type, m.Text)
			}
		case m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, exitPrefix):
			code, err := strconv.Atoi(m.Text[len(exitPrefix):])
			if err != nil {
				return exitFailed, fmt.Errorf("bad exit report %q", m.Text)
			}
			trace("the program exited with code %d", code)
			return code, nil
		default:
			w := stdout
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.Type == "assert" {
				w = stderr
			}
			if _, err := io.WriteString(w, m.Text+"\n"); err != nil {
				return exitFailed, fmt.Errorf("copying the program's output: %w", err)
			}
		}
	}
	if cause := context.Cause(lctx); errors.Is(cause, errCrashed) {
		return exitFailed, errCrashed
	}
	if last == nil {
		last = errors.New("the page closed")
	}
	return exitFailed, failure(ctx, fmt.Errorf("the program did not report its exit: %w", last))
}

// failure returns why ctx ended (a time-out, a signal), if it did, else err:
// once ctx ends, the steps of the run are cancelled and fail with a less
// useful error.
func failure(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// noConsoleStacks returns an action that stops Chromium from capturing a
// stack trace for each console message, which the runner does not use. Every
// line of output is a console message, and without the stack (about 20 wasm
// frames) a line costs about half: 10,000 lines took 1.9 s instead of 3.5 s.
func noConsoleStacks() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdpruntime.SetMaxCallStackSizeToCapture, cdpruntime.SetMaxCallStackSizeToCaptureParams{Size: 0})
		return err
	})
}

// exceptionText describes an uncaught exception. For an Error it is
// "Uncaught" and the error's own stack property, which holds the message and
// the JavaScript stack (the inspector captures none, see noConsoleStacks).
func exceptionText(m chromedp.ConsoleMessage) string {
	if d := m.Exception; d != nil && d.Exception != nil && d.Exception.Description != "" {
		return d.Text + " " + d.Exception.Description
	}
	return m.Text
}

// closeBrowser closes Chromium, gracefully if it answers within closeGrace
// and else by killing it, and returns when it has exited.
func closeBrowser(bctx context.Context, acancel context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		chromedp.Cancel(bctx)
	}()
	select {
	case <-done:
	case <-time.After(closeGrace):
	}
	acancel() // kills Chromium if it still runs, and waits for it
	<-done
}

// removeAll removes Chromium's profile directory. Helper processes that
// outlive the browser for a moment can still write in it, so it tries again
// for up to two seconds.
func removeAll(dir string) error {
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
