//go:build !js

package websocket_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// A server: Upgrade gives the same WebSocket as a client has, already OPEN,
// with the same events.
func ExampleUpgrade() {
	serverClosed := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := websocket.Upgrade(w, r, &websocket.Options{
			Protocols: []string{"chat"}, // the first the client offers among these is chosen
			OnMessage: func(e *websocket.MessageEvent) {
				e.Target().Send(fmt.Sprintf("you said %v", e.Data))
			},
			OnClose: func(e *websocket.CloseEvent) {
				fmt.Println("server: close", e.Code)
				close(serverClosed)
			},
		})
		if err != nil {
			log.Print(err) // Upgrade has already answered the request
		}
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := websocket.NewWithOptions("ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.Options{
		Protocols: []string{"chat"},
		OnOpen:    func(e websocket.Event) { e.Target().Send("hello") },
		OnMessage: func(e *websocket.MessageEvent) {
			fmt.Println("client:", e.Data, "over", e.Target().Protocol())
			e.Target().Close(1000, "")
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ws.WaitClosed(ctx)
	<-serverClosed
	// Output:
	// client: you said hello over chat
	// server: close 1000
}
