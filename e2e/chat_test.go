//go:build !js

package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/wasm/browser"
	"github.com/w3ws/w3ws/wasm/chat/bot"
	"github.com/w3ws/w3ws/wasm/chat/server"
)

// envUpdateScreenshot, set to 1, makes TestChat write its screenshot of the
// page to wasm/chat/screenshot.png (the README's picture) instead of into
// the test's temporary directory.
const envUpdateScreenshot = "W3WS_UPDATE_SCREENSHOT"

// TestChat runs the demo chat for real: the page's Go program compiled to
// WebAssembly in two tabs of one headless Chromium, the native server, and
// the native bot. Both tabs ask for the name "alice"; the second is renamed
// and told so; lines go between the tabs and the bot; the user lists follow
// joins and the close of a tab.
func TestChat(t *testing.T) {
	require.NoError(t, browser.Require(), "TestChat needs Chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	goroot := wasmGOROOT(t)
	wasm := buildWasm(t, ctx, goroot, "github.com/w3ws/w3ws/wasm/chat/web", "chat.wasm")
	srv, err := server.New(server.Config{
		Wasm:       wasm,
		WasmExecJS: wasmExecJSPath(t, goroot),
		Logf:       t.Logf,
	})
	require.NoError(t, err)
	hs := httptest.NewServer(srv) // 127.0.0.1, a free port
	defer func() {
		hs.Close()
		require.NoError(t, srv.Shutdown(ctx))
	}()
	b, err := bot.Join(ctx, bot.Config{URL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws", Logf: t.Logf})
	require.NoError(t, err)
	defer func() { require.NoError(t, b.Leave(ctx)) }()

	// One Chromium: tab 1 is its first tab, and closing it closes Chromium;
	// tab 2 is a second tab in it.
	actx, acancel := chromedp.NewExecAllocator(ctx, browser.AllocatorOptions(t.TempDir())...)
	defer acancel()
	tab1 := openChatTab(t, actx, "tab 1", hs.URL+"/")
	defer tab1.close()
	tab1.join("alice")
	tab1.waitUsers("alice", "alice", "bot")
	tab1.waitLine("bot", `Welcome, alice! Say "bot, help" to talk to me.`)

	tab2 := openChatTab(t, tab1.ctx, "tab 2", hs.URL+"/")
	tab2.join("alice")
	tab2.waitNotice(`The name "alice" is taken: you are "alice2".`)
	tab2.waitFor("the status", `document.getElementById("status").textContent === "connected as alice2"`)
	for _, tab := range []*chatTab{tab1, tab2} {
		me := map[*chatTab]string{tab1: "alice", tab2: "alice2"}[tab]
		tab.waitUsers(me, "alice", "alice2", "bot")
	}

	tab1.say("hello from the first alice")
	tab2.say("hi! I am the other alice")
	tab1.say("bot, hello")
	tab2.say("bot, what is this?")
	for _, tab := range []*chatTab{tab1, tab2} {
		tab.waitLine("alice", "hello from the first alice")
		tab.waitLine("alice2", "hi! I am the other alice")
		tab.waitLine("bot", "Hello, alice!")
		tab.waitLine("bot", "alice2, you said: what is this?")
	}
	tab1.waitLine("bot", `Welcome, alice2! Say "bot, help" to talk to me.`)

	saveChatScreenshot(t, tab1)

	tab2.close()
	tab1.waitUsers("alice", "alice", "bot")
}

// saveChatScreenshot writes a PNG of what tab shows into the test's
// temporary directory or, with W3WS_UPDATE_SCREENSHOT=1, over
// wasm/chat/screenshot.png.
func saveChatScreenshot(t *testing.T, tab *chatTab) {
	t.Helper()
	png, err := chromedp.Run(tab.ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "taking the screenshot")
	path := filepath.Join(t.TempDir(), "screenshot.png")
	if os.Getenv(envUpdateScreenshot) == "1" {
		path = filepath.Join("..", "wasm", "chat", "screenshot.png")
	}
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot of %s: %s", tab.label, path)
}
