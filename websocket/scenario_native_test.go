//go:build !js

package websocket_test

// Native start-up of the tests: the scenario server runs in-process, and
// after the tests every goroutine they started must have ended.

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/w3ws/w3ws/internal/scenario"
)

// inBrowser is false natively; see scenario_js_test.go.
const inBrowser = false

func TestMain(m *testing.M) {
	base, stop := scenario.NewServer().Start()
	scenarioURL = base
	baseline := runtime.NumGoroutine()
	code := m.Run()
	// Under -fuzz the fuzzing engine leaves its os/signal goroutine running.
	fz := flag.Lookup("test.fuzz")
	fuzzing := fz != nil && fz.Value.String() != ""
	if code == 0 && !fuzzing && !goroutinesSettle(baseline, 5*time.Second) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "FAIL: %d goroutines still running after the tests, %d before them:\n%s\n",
			runtime.NumGoroutine(), baseline, buf)
		code = 1
	}
	stop()
	os.Exit(code)
}

// goroutinesSettle polls until no more goroutines run than baseline, for at
// most d.
func goroutinesSettle(baseline int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
