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

// minJsbridgeTests is a floor on the jsbridge tests and subtests that must
// pass in the browser (all of them when it was written), so that a stray
// build tag cannot make the run pass on a handful.
const minJsbridgeTests = 28

// TestJsbridgeInBrowser runs package jsbridge's own tests, compiled with
// GOOS=js GOARCH=wasm, inside headless Chromium through wasm/wasmexec,
// against a scenario server started here (the tests read its URL from
// W3WS_SCENARIO_URL), as TestWebsocketPackageInBrowser runs package
// websocket's. It fails if Chromium is missing, if any test fails or is
// skipped, or if fewer than minJsbridgeTests pass.
func TestJsbridgeInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res := runPackageInBrowser(t, ctx, "github.com/w3ws/w3ws/jsbridge")
	if res.err != nil || len(res.failed) > 0 {
		t.Fatalf("the jsbridge tests failed in Chromium (%v): failed %v\n%s\nstderr:\n%s", res.err, keys(res.failed), res.output, res.stderr)
	}
	assert.Empty(t, keys(res.skipped), "no test may be skipped in the browser")
	require.GreaterOrEqual(t, len(res.passed), minJsbridgeTests, "too few tests ran in the browser:\n%s", res.output)
	t.Logf("%d jsbridge tests and subtests passed in Chromium", len(res.passed))
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
