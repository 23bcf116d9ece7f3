//go:build !js

package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/wasm/chat"
	"github.com/w3ws/w3ws/wasm/chat/bot"
	"github.com/w3ws/w3ws/websocket"
)

// waitTimeout bounds every wait for something the room sends.
const waitTimeout = 5 * time.Second

// startServer serves a Server over fake web program files on 127.0.0.1 and
// shuts both down at the end of the test.
func startServer(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	wasm, js := filepath.Join(dir, "chat.wasm"), filepath.Join(dir, "wasm_exec.js")
	require.NoError(t, os.WriteFile(wasm, []byte("\x00asm fake"), 0o644))
	require.NoError(t, os.WriteFile(js, []byte("// fake glue"), 0o644))
	srv, err := New(Config{Wasm: wasm, WasmExecJS: js, Logf: t.Logf})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
	})
	return srv, hs
}

// wsURL returns the chat socket's URL on hs.
func wsURL(hs *httptest.Server) string { return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws" }

// user is a chat.Client that records what the room told it.
type user struct {
	t *testing.T
	c *chat.Client

	mu      sync.Mutex
	lines   []string // "name: text"
	users   []string // the last list
	renames []string // "requested→given"
	closed  string   // "code reason", once closed
	changed chan struct{}
}

// join connects a user named name to hs and closes it at the end of the test.
func join(t *testing.T, hs *httptest.Server, name string) *user {
	t.Helper()
	u := &user{t: t, changed: make(chan struct{}, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := chat.Connect(ctx, chat.Config{
		URL:  wsURL(hs),
		Name: name,
		OnLine: func(_ *chat.Client, l chat.Line) {
			u.record(func() { u.lines = append(u.lines, l.Name+": "+l.Text) })
		},
		OnUsers: func(_ *chat.Client, users []string) { u.record(func() { u.users = users }) },
		OnRename: func(_ *chat.Client, requested, given string) {
			u.record(func() { u.renames = append(u.renames, requested+"→"+given) })
		},
		OnClose: func(_ *chat.Client, code int, reason string) {
			u.record(func() { u.closed = strings.TrimSpace(fmt.Sprintf("%d %s", code, reason)) })
		},
		OnError: func(_ *chat.Client, err error) { t.Errorf("%s: %v", name, err) },
	})
	require.NoError(t, err)
	u.c = c
	t.Cleanup(func() {
		c.Close()
		<-c.Done()
	})
	return u
}

// record changes u under its lock and wakes waitFor.
func (u *user) record(change func()) {
	u.mu.Lock()
	change()
	u.mu.Unlock()
	select {
	case u.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until cond, called under u's lock, holds.
func (u *user) waitFor(what string, cond func() bool) {
	u.t.Helper()
	timeout := time.After(waitTimeout)
	for {
		u.mu.Lock()
		ok := cond()
		state := u.String()
		u.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-u.changed:
		case <-timeout:
			u.t.Fatalf("%s: waited %v for %s; got %s", u.c.Name(), waitTimeout, what, state)
		}
	}
}

// waitUsers waits until the user list is want.
func (u *user) waitUsers(want ...string) {
	u.t.Helper()
	u.waitFor("users "+strings.Join(want, ","), func() bool { return slices.Equal(u.users, want) })
}

// waitLine waits until the log has the line "name: text".
func (u *user) waitLine(line string) {
	u.t.Helper()
	u.waitFor("line "+line, func() bool { return slices.Contains(u.lines, line) })
}

// String describes what u recorded; the caller holds u.mu.
func (u *user) String() string {
	return "users=" + strings.Join(u.users, ",") + " renames=" + strings.Join(u.renames, ",") +
		" closed=" + u.closed + " lines=\n\t" + strings.Join(u.lines, "\n\t")
}

// roomHas reports whether srv's room has a member named name.
func roomHas(srv *Server, name string) bool {
	srv.room.mu.Lock()
	defer srv.room.mu.Unlock()
	return srv.room.taken(name, nil)
}

// TestServer walks through a chat: the bot and two users who ask for the
// same name, lines both ways, the bot's answers, a rename, a leave, and the
// shutdown.
func TestServer(t *testing.T) {
	srv, hs := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	b, err := bot.Join(ctx, bot.Config{URL: wsURL(hs), Logf: t.Logf})
	require.NoError(t, err)
	assert.Equal(t, "bot", b.Name())
	// Join returns once the bot has sent its name; the room takes it on
	// the bot's connection, which may come after alice's: the bot welcomes
	// only those who join after it.
	require.Eventually(t, func() bool { return roomHas(srv, "bot") }, waitTimeout, time.Millisecond, "the room knows the bot")

	alice := join(t, hs, "alice")
	alice.waitUsers("bot", "alice")
	alice.waitLine(`bot: Welcome, alice! Say "bot, help" to talk to me.`)
	assert.Equal(t, "alice", alice.c.Name())

	alice2 := join(t, hs, "Alice")
	alice2.waitFor("a rename", func() bool { return len(alice2.renames) == 1 })
	assert.Equal(t, []string{"Alice→Alice2"}, alice2.renames)
	assert.Equal(t, "Alice2", alice2.c.Name())
	alice.waitUsers("bot", "alice", "Alice2")
	alice2.waitUsers("bot", "alice", "Alice2")
	assert.NotZero(t, alice2.c.ID())
	assert.NotEqual(t, alice.c.ID(), alice2.c.ID())

	require.NoError(t, alice.c.Send("hello, Alice2"))
	require.NoError(t, alice2.c.Send("bot, hi"))
	for _, u := range []*user{alice, alice2} {
		u.waitLine("alice: hello, Alice2")
		u.waitLine("Alice2: bot, hi")
		u.waitLine("bot: Hello, Alice2!")
	}

	require.NoError(t, alice.c.SetName("carol"))
	alice2.waitUsers("bot", "carol", "Alice2")
	require.NoError(t, alice2.c.SetName("CAROL"))
	alice2.waitFor("a second rename", func() bool { return len(alice2.renames) == 2 })
	assert.Equal(t, "CAROL→CAROL2", alice2.renames[1])
	alice.waitUsers("bot", "carol", "CAROL2")

	require.NoError(t, alice2.c.Close())
	alice.waitUsers("bot", "carol")
	alice2.waitFor("the close", func() bool { return alice2.closed != "" })
	assert.Equal(t, "1000 bye", alice2.closed)
	assert.ErrorIs(t, alice2.c.Send("anyone?"), chat.ErrNotConnected)

	require.NoError(t, srv.Shutdown(ctx))
	alice.waitFor("the shutdown", func() bool { return alice.closed != "" })
	assert.Equal(t, "1000 server shutting down", alice.closed)
	select {
	case <-b.Done():
	case <-ctx.Done():
		t.Fatal("the bot is still connected after Shutdown")
	}
	_, err = chat.Connect(ctx, chat.Config{URL: wsURL(hs), Name: "late"})
	assert.Error(t, err, "a connection after Shutdown")
}

func TestServerFiles(t *testing.T) {
	_, hs := startServer(t)
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantType, wantBody string
	}{
		{"page", "GET", "/", 200, "text/html; charset=utf-8", `fetch("chat.wasm")`},
		{"wasm", "GET", "/chat.wasm", 200, "application/wasm", "\x00asm fake"},
		{"glue", "GET", "/wasm_exec.js", 200, "text/javascript; charset=utf-8", "// fake glue"},
		{"shim", "GET", "/w3ws.js", 200, "text/javascript; charset=utf-8", "globalThis.w3wsBridge"},
		{"unknown", "GET", "/index.html", 404, "", ""},
		{"post", "POST", "/", 405, "", ""},
		{"notASocket", "GET", "/ws", 426, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, hs.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := hs.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantType != "" {
				assert.Equal(t, tt.wantType, resp.Header.Get("Content-Type"))
			}
			assert.Contains(t, string(body), tt.wantBody)
		})
	}
}

// TestServerOrigin checks that only pages of the server's own host may open
// the chat socket.
func TestServerOrigin(t *testing.T) {
	_, hs := startServer(t)
	tests := []struct {
		name, origin string
		wantOpen     bool
	}{
		{"none", "", true},
		{"sameHost", hs.URL, true},
		{"otherPort", "http://127.0.0.1:1", false},
		{"otherHost", "http://example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			ws, err := websocket.NewWithOptions(wsURL(hs), &websocket.Options{Header: h})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			err = ws.WaitOpen(ctx)
			if tt.wantOpen {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
			ws.Close(1000, "")
			_, err = ws.WaitClosed(ctx)
			require.NoError(t, err)
		})
	}
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "wasm_exec.js")
	require.NoError(t, os.WriteFile(js, nil, 0o644))
	_, err := New(Config{WasmExecJS: js})
	assert.ErrorContains(t, err, "no web program")
	_, err = New(Config{Wasm: filepath.Join(dir, "missing.wasm"), WasmExecJS: js})
	assert.ErrorContains(t, err, "missing.wasm")
	_, err = New(Config{Wasm: js, WasmExecJS: filepath.Join(dir, "missing.js")})
	assert.ErrorContains(t, err, "reading wasm_exec.js")
}

// TestNewFindsWasmExecJS leaves Config.WasmExecJS empty: New serves the
// wasm_exec.js of the go command that runs the test.
func TestNewFindsWasmExecJS(t *testing.T) {
	dir := t.TempDir()
	wasm := filepath.Join(dir, "chat.wasm")
	require.NoError(t, os.WriteFile(wasm, []byte("\x00asm fake"), 0o644))
	srv, err := New(Config{Wasm: wasm})
	require.NoError(t, err)
	assert.Contains(t, string(srv.wasmExec), "globalThis.Go = class")
}
