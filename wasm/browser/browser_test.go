//go:build !js

package browser

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecPath(t *testing.T) {
	t.Setenv(EnvExecPath, "")
	assert.Equal(t, DefaultExecPath, ExecPath())
	t.Setenv(EnvExecPath, "/opt/chromium/chrome")
	assert.Equal(t, "/opt/chromium/chrome", ExecPath())
}

func TestRequire(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644))
	self, err := os.Executable()
	require.NoError(t, err)

	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{"missing", "/nonexistent/chromium", "no Chromium at /nonexistent/chromium: install Debian's chromium package (make chromium, in w3ws) or fix W3WS_CHROMIUM"},
		{"directory", dir, "the Chromium at " + dir + " is not an executable file"},
		{"notExecutable", plain, "the Chromium at " + plain + " is not an executable file"},
		{"executable", self, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvExecPath, tt.path)
			err := Require()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestAllocatorOptions starts the real Chromium. A missing Chromium fails the
// test: browser tests must never look as if they passed.
func TestAllocatorOptions(t *testing.T) {
	require.NoError(t, Require(), "the browser tests need Chromium")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><script>fetch("/data").then(r => r.text()).then(s => { window.got = s })</script>`)
	}))
	defer srv.Close()
	profile := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	actx, acancel := chromedp.NewExecAllocator(context.Background(), AllocatorOptions(profile)...)
	defer acancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, DisableNetwork()))
	defer func() {
		// Closed gracefully, Chromium leaves nothing in TMPDIR.
		require.NoError(t, chromedp.Cancel(ctx))
		left, err := os.ReadDir(tmp)
		require.NoError(t, err)
		assert.Empty(t, left, "Chromium left files in TMPDIR")
	}()

	// With the Network domain off, loading a page and fetching from it
	// sends no network events.
	ectx, ecancel := context.WithCancel(ctx)
	var requests atomic.Int32
	done := make(chan struct{})
	events := chromedp.Events(ectx, network.RequestWillBeSent)
	go func() {
		defer close(done)
		for _, err := range events {
			if err != nil {
				return
			}
			requests.Add(1)
		}
	}()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL)))
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	defer pcancel()
	got, err := chromedp.Run(pctx, chromedp.Poll[string](`window.got`))
	require.NoError(t, err)
	assert.Contains(t, got, "<!doctype html>", "the page's fetch ran")
	ecancel()
	<-done
	assert.Zero(t, requests.Load(), "Network events after DisableNetwork")

	// Every flag reached Chromium's command line.
	cmdline := browserCmdline(t, profile)
	for _, f := range flags {
		arg := "--" + f.Name
		if v, ok := f.Value.(string); ok {
			arg += "=" + v
		}
		assert.Contains(t, cmdline, arg)
	}

	ua, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	require.NoError(t, err)
	assert.Contains(t, ua, "HeadlessChrome")
}

// browserCmdline returns the arguments of the Chromium browser process that
// uses profile, from /proc.
func browserCmdline(t *testing.T, profile string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	want := []byte("--user-data-dir=" + profile + "\x00")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		// The browser process is the one with the pipe; its helpers get
		// --user-data-dir too.
		if err != nil || !bytes.Contains(b, want) || !bytes.Contains(b, []byte("--remote-debugging-pipe")) {
			continue
		}
		var args []string
		for a := range bytes.SplitSeq(bytes.TrimSuffix(b, []byte{0}), []byte{0}) {
			args = append(args, string(a))
		}
		return args
	}
	t.Fatalf("no Chromium process with --user-data-dir=%s", profile)
	return nil
}
