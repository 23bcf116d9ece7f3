//go:build !js

package chat_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/w3ws/w3ws/wasm/chat"
	"github.com/w3ws/w3ws/websocket"
)

// TestConnectFails checks that Connect gives up with a useful error when
// there is no chat server behind the URL. The room itself is tested with
// the real server in package server.
func TestConnectFails(t *testing.T) {
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		websocket.Upgrade(w, r, nil) // a WebSocket server that never sends an id
	}))
	defer silent.Close()
	closing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		websocket.Upgrade(w, r, &websocket.Options{OnOpen: func(e websocket.Event) { e.Target().Close(4000, "full") }})
	}))
	defer closing.Close()
	wsURL := func(s *httptest.Server) string { return "ws" + strings.TrimPrefix(s.URL, "http") }

	tests := []struct {
		name, url, user, wantErr string
	}{
		{"emptyName", wsURL(silent), "  ", "chat: empty name"},
		{"badURL", "ftp://127.0.0.1/", "a", "SyntaxError"},
		{"refused", "ws://127.0.0.1:1/", "a", "chat: connecting to ws://127.0.0.1:1/"},
		{"noID", wsURL(silent), "a", "chat: waiting for an id"},
		{"closedAtOnce", wsURL(closing), "a", `closed before sending an id (4000 "full")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			c, err := chat.Connect(ctx, chat.Config{URL: tt.url, Name: tt.user})
			assert.Nil(t, c)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}
