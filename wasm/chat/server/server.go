//go:build !js

package server

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/internal/wasmexecjs"
	"github.com/w3ws/w3ws/jsbridge"
	"github.com/w3ws/w3ws/websocket"
)

// MaxMessageSize bounds one message from a client (16 KiB): a chat line is
// not a file, and a larger message closes that connection with 1009.
const MaxMessageSize = 16 << 10

// indexHTML is the page: it loads w3ws.js, wasm_exec.js and chat.wasm and holds the
// elements the web program fills in.
//
//go:embed index.html
var indexHTML []byte

// Config says where Server finds the files it serves besides the page.
type Config struct {
	// Wasm is the path of the web program built for the browser:
	// GOOS=js GOARCH=wasm go build -o chat.wasm ./wasm/chat/web. It is read
	// on every request, so a rebuild needs no restart.
	Wasm string
	// WasmExecJS is the path of the wasm_exec.js that matches the Go that
	// built Wasm; "" means the one of the go command in use ($GOROOT, else
	// "go env GOROOT"; see package internal/wasmexecjs).
	WasmExecJS string
	// OriginPatterns lists further hosts (path.Match patterns on host:port)
	// whose pages may open the chat socket. The server's own host is always
	// allowed; other origins are refused with 403, as browsers do not apply
	// the same-origin policy to WebSockets.
	OriginPatterns []string
	// Logf, if not nil, receives one line per join, rename, leave and
	// refused request.
	Logf func(format string, args ...any)
}

// Server is the chat server, an http.Handler:
//
//	GET /             the page
//	GET /chat.wasm    the web program
//	GET /wasm_exec.js Go's JavaScript glue for it
//	GET /w3ws.js      w3ws's own (jsbridge.ShimJS), for cheaper messages
//	GET /ws           the chat socket (the MDN protocol of package chat)
//
// It is safe for concurrent use.
type Server struct {
	cfg      Config
	wasmExec []byte
	modTime  time.Time // when New read wasm_exec.js, for caching
	mux      *http.ServeMux
	room     *room
	closing  atomic.Bool
}

// New returns a Server for cfg. It fails if the web program or wasm_exec.js
// cannot be read, so that a wrong path shows at start and not in the page.
func New(cfg Config) (*Server, error) {
	if cfg.Wasm == "" {
		return nil, errors.New("server: no web program: build it with GOOS=js GOARCH=wasm go build ./wasm/chat/web and set Config.Wasm")
	}
	if _, err := os.Stat(cfg.Wasm); err != nil {
		return nil, fmt.Errorf("server: the web program: %w", err)
	}
	if cfg.WasmExecJS == "" {
		p, err := wasmexecjs.Path(context.Background())
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		cfg.WasmExecJS = p
	}
	js, err := os.ReadFile(cfg.WasmExecJS)
	if err != nil {
		return nil, fmt.Errorf("server: reading wasm_exec.js: %w", err)
	}
	s := &Server{cfg: cfg, wasmExec: js, modTime: time.Now(), mux: http.NewServeMux(), room: newRoom(cfg.Logf)}
	s.mux.HandleFunc("GET /{$}", s.serveIndex)
	s.mux.HandleFunc("GET /chat.wasm", s.serveWasm)
	s.mux.HandleFunc("GET /wasm_exec.js", s.serveWasmExec)
	s.mux.HandleFunc("GET /w3ws.js", s.serveShim)
	s.mux.HandleFunc("GET /ws", s.serveSocket)
	return s, nil
}

// ServeHTTP serves the page, its files and the chat socket.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Shutdown refuses new chat connections, closes every open one with 1000
// ("server shutting down"), and waits until their close events ran or ctx
// ends. Stop the http.Server first: it does not track the upgraded
// connections, which Shutdown closes.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	sockets := s.room.sockets()
	for _, ws := range sockets {
		ws.Close(1000, "server shutting down")
	}
	for _, ws := range sockets {
		if _, err := ws.WaitClosed(ctx); err != nil {
			return fmt.Errorf("server: waiting for %d chat connections to close: %w", len(sockets), err)
		}
	}
	return nil
}

// serveIndex serves the page.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "index.html", s.modTime, bytes.NewReader(indexHTML))
}

// serveWasm serves the web program from disk, revalidated on every load.
func (s *Server) serveWasm(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(s.cfg.Wasm)
	if err != nil {
		s.logf("server: the web program: %v", err)
		http.Error(w, "the web program is missing", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "application/wasm") // instantiateStreaming requires it
	http.ServeContent(w, r, "chat.wasm", fi.ModTime(), f)
}

// serveWasmExec serves wasm_exec.js.
func (s *Server) serveWasmExec(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "wasm_exec.js", s.modTime, bytes.NewReader(s.wasmExec))
}

// serveShim serves w3ws.js, which the package's sockets use where the page
// loaded it.
func (s *Server) serveShim(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "w3ws.js", s.modTime, strings.NewReader(jsbridge.ShimJS()))
}

// serveSocket upgrades the request and puts the connection in the room.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	if s.closing.Load() {
		http.Error(w, "the chat is shutting down", http.StatusServiceUnavailable)
		return
	}
	_, err := websocket.Upgrade(w, r, &websocket.Options{
		// The request's own host is always allowed; naming it here too
		// keeps the policy readable in one place.
		OriginPatterns: append([]string{r.Host}, s.cfg.OriginPatterns...),
		MaxMessageSize: MaxMessageSize,
		OnOpen:         func(e websocket.Event) { s.room.join(e.Target()) },
		OnMessage:      func(e *websocket.MessageEvent) { s.room.receive(e.Target(), e.Data) },
		OnClose:        func(e *websocket.CloseEvent) { s.room.leave(e.Target()) },
	})
	if err != nil {
		s.logf("server: %v", err) // Upgrade has answered the request
	}
}

// logf logs through Config.Logf, if set.
func (s *Server) logf(format string, args ...any) { s.room.logf(format, args...) }
