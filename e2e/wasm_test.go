//go:build !js

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/internal/scenario"
)

// minBrowserTests is a floor on the tests that must pass in the browser:
// if the js build stops compiling most of them in (a stray build tag), the
// run fails instead of passing on a handful.
const minBrowserTests = 60

// TestWebsocketPackageInBrowser runs the websocket package's own tests,
// compiled with GOOS=js GOARCH=wasm, inside headless Chromium through
// wasm/wasmexec, against a scenario server started here (the wasm tests
// read its URL from W3WS_SCENARIO_URL). It fails if Chromium is missing,
// if any test fails or is skipped, or if fewer than minBrowserTests pass.
func TestWebsocketPackageInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	res := runPackageInBrowser(t, ctx, "github.com/w3ws/w3ws/websocket")
	res.requireAllPassed(t, "websocket", minBrowserTests)
}

// browserRun is the outcome of runPackageInBrowser: the tests (and
// subtests) by their go test -json action, the whole output, go test's
// stderr, and its error.
type browserRun struct {
	passed, failed, skipped map[string]bool
	output, stderr          string
	err                     error
}

// runPackageInBrowser runs "go test -json -exec wasmexec pkg" with
// GOOS=js GOARCH=wasm, against a scenario server started for the run.
func runPackageInBrowser(t *testing.T, ctx context.Context, pkg string) browserRun {
	t.Helper()
	goroot := wasmGOROOT(t)
	gobin := filepath.Join(goroot, "bin", "go")
	runner := filepath.Join(t.TempDir(), "wasmexec")
	build := exec.CommandContext(ctx, gobin, "build", "-o", runner, "github.com/w3ws/w3ws/wasm/wasmexec")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building wasmexec: %v\n%s", err, out)
	}
	url, stop := scenario.NewServer().Start()
	defer stop()

	cmd := exec.CommandContext(ctx, gobin, "test", "-count=1", "-json", "-exec", runner, pkg)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "W3WS_SCENARIO_URL="+url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()

	res := browserRun{passed: map[string]bool{}, failed: map[string]bool{}, skipped: map[string]bool{}, err: err}
	var output strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		output.WriteString(ev.Output)
		if ev.Test == "" {
			continue
		}
		switch ev.Action {
		case "pass":
			res.passed[ev.Test] = true
		case "fail":
			res.failed[ev.Test] = true
		case "skip":
			res.skipped[ev.Test] = true
		}
	}
	res.output, res.stderr = output.String(), stderr.String()
	return res
}

// requireAllPassed fails the test unless the run passed with no failure,
// no skip, and at least min tests and subtests.
func (res browserRun) requireAllPassed(t *testing.T, name string, min int) {
	t.Helper()
	if res.err != nil || len(res.failed) > 0 {
		t.Fatalf("the %s tests failed in Chromium (%v): failed %v\n%s\nstderr:\n%s", name, res.err, keys(res.failed), res.output, res.stderr)
	}
	assert.Empty(t, keys(res.skipped), "no test may be skipped in the browser")
	require.GreaterOrEqual(t, len(res.passed), min, "too few tests ran in the browser:\n%s", res.output)
	t.Logf("%d %s tests and subtests passed in Chromium", len(res.passed), name)
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
