//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/internal/leaktest"
	"github.com/w3ws/w3ws/internal/wasmexecjs"
)

// envAsRunner makes the test binary act as wasmexec itself, so that the
// tests can run "go test -exec <test binary>" and a real wasmexec process
// without building one.
const envAsRunner = "W3WS_WASMEXEC_TEST_AS_RUNNER"

func TestMain(m *testing.M) {
	if os.Getenv(envAsRunner) == "1" {
		main()
		return
	}
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	if code == 0 {
		if leaked := leaktest.Find(2*time.Second, "github.com/chromedp/", "net/http.", "\nmain."); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d goroutines leaked:\n\n%s\n", len(leaked), strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// goCmd returns the go command of the Go that runs the tests, the one whose
// wasm_exec.js the runner serves (package wasmexecjs).
func goCmd(ctx context.Context) (string, error) {
	root, err := wasmexecjs.GOROOT(ctx)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin", "go"), nil
}

// goBin is goCmd for a test.
func goBin(t *testing.T) string {
	t.Helper()
	p, err := goCmd(t.Context())
	require.NoError(t, err)
	return p
}

// fixtureDir holds the wasm binaries that the tests share; TestMain removes it.
var fixtureDir string

// fixtureBase is the temporary directory as the process started: a test
// that points TMPDIR elsewhere (and checks what is left there) must not
// get the shared fixtures built inside it, whichever test builds them first.
var fixtureBase = os.TempDir()

// fixtures builds testdata/hello and the test binary of testdata/passfail
// for js/wasm, once, and returns their paths.
var fixtures = sync.OnceValues(func() (map[string]string, error) {
	dir, err := os.MkdirTemp(fixtureBase, "wasmexec-test-")
	if err != nil {
		return nil, err
	}
	fixtureDir = dir
	gocmd, err := goCmd(context.Background())
	if err != nil {
		return nil, err
	}
	paths := map[string]string{
		"hello":    filepath.Join(dir, "hello.wasm"),
		"passfail": filepath.Join(dir, "passfail.test"),
	}
	for _, args := range [][]string{
		{"build", "-o", paths["hello"], "./testdata/hello"},
		{"test", "-c", "-o", paths["passfail"], "./testdata/passfail"},
	} {
		cmd := exec.Command(gocmd, args...)
		cmd.Env = wasmEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return paths, nil
})

// fixture returns the path of a wasm binary from fixtures.
func fixture(t *testing.T, name string) string {
	t.Helper()
	paths, err := fixtures()
	if err != nil {
		t.Fatal(err)
	}
	return paths[name]
}

// wasmEnv is the environment of a go command that builds for js/wasm. GOFLAGS
// is cleared, since -race or -cover from the outer run would not build.
func wasmEnv(extra ...string) []string {
	return append(os.Environ(), append([]string{"GOOS=js", "GOARCH=wasm", "GOFLAGS="}, extra...)...)
}
