// Package leaktest finds goroutines that tests left behind. The project's
// tests use it two ways: per test (Check: no more goroutines once the test's
// cleanups ran than when it started) and per package run (Main: none whose
// stack names one of the given packages).
package leaktest

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Check fails t if, after its cleanups ran, more goroutines run than when
// Check was called, once wait has passed. Call it first in a test, so that
// its cleanup runs last.
func Check(t testing.TB, wait time.Duration) {
	n := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(wait)
		for runtime.NumGoroutine() > n {
			if time.Now().After(deadline) {
				t.Errorf("goroutines leaked: %d at start, %d now\n%s", n, runtime.NumGoroutine(), stacks())
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// Main runs the tests of m and then fails the run if, two seconds after
// they ended, a goroutine other than the caller's still has one of patterns
// (e.g. "github.com/w3ws/w3ws/", "net/http.") in its stack. It returns the
// exit code for os.Exit.
func Main(m *testing.M, patterns ...string) int {
	code := m.Run()
	if code != 0 {
		return code
	}
	if leaked := Find(2*time.Second, patterns...); len(leaked) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d goroutines leaked:\n\n%s\n", len(leaked), strings.Join(leaked, "\n\n"))
		return 1
	}
	return 0
}

// Find waits up to wait for the goroutines whose stacks contain one of
// patterns to end, and returns the stacks of those that did not. The
// calling goroutine is never reported.
func Find(wait time.Duration, patterns ...string) []string {
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		var leaked []string
		for i, g := range strings.Split(stacks(), "\n\n") {
			if i == 0 {
				continue // the caller
			}
			for _, p := range patterns {
				if strings.Contains(g, p) {
					leaked = append(leaked, g)
					break
				}
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
	}
}

// stacks returns the stacks of all goroutines, the caller's first.
func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
