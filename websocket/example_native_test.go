//go:build !js

package websocket_test

import (
	"context"
	"fmt"
	"log"
	"net"
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

// A production echo server, as the README's server section sets it up: the
// http.Server bounds the handshake with ReadHeaderTimeout, the socket keeps
// Upgrade's defaults (a send buffer bound and a keepalive), and the handler
// echoes with SendContext, so a client that reads slowly slows its own
// sending down instead of growing the server's memory.
func Example_echoServer() {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		websocket.Upgrade(w, r, &websocket.Options{
			OnMessage: func(e *websocket.MessageEvent) {
				// Not r.Context(): it ends when this handler returns.
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				e.Target().SendContext(ctx, e.Data)
			},
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go srv.Serve(ln)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := websocket.NewWithOptions("ws://"+ln.Addr().String()+"/echo", &websocket.Options{
		OnOpen: func(e websocket.Event) { e.Target().Send("ping") },
		OnMessage: func(e *websocket.MessageEvent) {
			fmt.Println("echo:", e.Text())
			e.Target().Close(1000, "")
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, _ := ws.WaitClosed(ctx)
	fmt.Println("closed:", ev.Code, ev.WasClean)
	// Output:
	// echo: ping
	// closed: 1000 true
}

// A handler that keeps nothing of a binary message releases it, so that
// the next message goes into the same bytes instead of a new allocation:
// here a server that sums each message and answers with the sum.
func ExampleMessageEvent_Release() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		websocket.Upgrade(w, r, &websocket.Options{
			BinaryType: websocket.BinaryTypeArrayBuffer,
			OnMessage: func(e *websocket.MessageEvent) {
				sum := 0
				for _, b := range e.Bytes() {
					sum += int(b)
				}
				e.Release() // nothing refers to the bytes any more
				e.Target().Send(fmt.Sprint(sum))
			},
		})
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sums := make(chan string)
	ws, err := websocket.NewWithOptions("ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.Options{
		OnMessage: func(e *websocket.MessageEvent) { sums <- e.Text() },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close(1000, "")
	ws.WaitOpen(ctx)
	for _, n := range []int{1000, 70000, 3} {
		ws.Send(make([]byte, n)) // n zeros
		ws.Send([]byte{byte(n % 256)})
		fmt.Println(<-sums, <-sums)
	}
	// Output:
	// 0 232
	// 0 112
	// 0 3
}
