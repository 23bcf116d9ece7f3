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
	goroot := wasmGOROOT(t)
	gobin := filepath.Join(goroot, "bin", "go")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	runner := filepath.Join(t.TempDir(), "wasmexec")
	build := exec.CommandContext(ctx, gobin, "build", "-o", runner, "github.com/w3ws/w3ws/wasm/wasmexec")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building wasmexec: %v\n%s", err, out)
	}
	srv := scenario.NewServer()
	url, stop := srv.Start()
	defer stop()

	cmd := exec.CommandContext(ctx, gobin, "test", "-count=1", "-json", "-exec", runner, "github.com/w3ws/w3ws/websocket")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "W3WS_SCENARIO_URL="+url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()

	passed, failed, skipped := map[string]bool{}, map[string]bool{}, map[string]bool{}
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
			passed[ev.Test] = true
		case "fail":
			failed[ev.Test] = true
		case "skip":
			skipped[ev.Test] = true
		}
	}
	if err != nil || len(failed) > 0 {
		t.Fatalf("the websocket tests failed in Chromium (%v): failed %v\n%s\nstderr:\n%s", err, keys(failed), output.String(), stderr.String())
	}
	assert.Empty(t, keys(skipped), "no test may be skipped in the browser")
	require.GreaterOrEqual(t, len(passed), minBrowserTests, "too few tests ran in the browser:\n%s", output.String())
	t.Logf("%d websocket tests and subtests passed in Chromium", len(passed))
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
