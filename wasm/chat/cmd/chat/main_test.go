//go:build !js

package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/wasm/chat"
)

// TestRun starts the demo on a free port, joins it, and interrupts it.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	wasm, js := filepath.Join(dir, "chat.wasm"), filepath.Join(dir, "wasm_exec.js")
	require.NoError(t, os.WriteFile(wasm, []byte("\x00asm"), 0o644))
	require.NoError(t, os.WriteFile(js, []byte("//"), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-wasm", wasm, "-wasmexec", js}, pw)
		pw.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		for s := bufio.NewScanner(pr); s.Scan(); {
			lines <- s.Text()
		}
	}()

	openLine := regexp.MustCompile(`^chat: open http://(127\.0\.0\.1:\d+)/$`)
	var addr string
	for addr == "" {
		select {
		case l := <-lines:
			if m := openLine.FindStringSubmatch(l); m != nil {
				addr = m[1]
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no \"chat: open\" line")
		}
	}

	users := make(chan []string, 10)
	closed := make(chan string, 1)
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	c, err := chat.Connect(wctx, chat.Config{
		URL:     "ws://" + addr + "/ws",
		Name:    "carol",
		OnUsers: func(_ *chat.Client, u []string) { users <- u },
		OnClose: func(_ *chat.Client, _ int, reason string) { closed <- reason },
	})
	require.NoError(t, err)
	for seen := false; !seen; {
		select {
		case u := <-users:
			seen = slices.Equal(u, []string{"bot", "carol"})
		case <-wctx.Done():
			t.Fatal("the user list never became bot, carol")
		}
	}

	cancel() // as an interrupt does
	assert.NoError(t, <-errc)
	assert.Equal(t, "server shutting down", <-closed)
	<-c.Done()
	for range lines {
	}
}

func TestRunFlags(t *testing.T) {
	err := run(context.Background(), []string{"-wasmexec", "/nonexistent"}, io.Discard)
	assert.ErrorContains(t, err, "no web program")
	err = run(context.Background(), []string{"-bogus"}, io.Discard)
	assert.ErrorContains(t, err, "flag provided but not defined")
}
