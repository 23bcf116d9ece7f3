//go:build !js

// The examples run natively only: go test captures an example's output in a
// temporary file, which a js/wasm test in a browser page cannot create.

package websocket_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// exampleEchoServer starts an echo server for the examples: an httptest
// server running Upgrade. It returns its ws URL and a function to stop it.
func exampleEchoServer() (wsURL string, stop func()) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		websocket.Upgrade(w, r, &websocket.Options{
			OnMessage: func(e *websocket.MessageEvent) { e.Target().Send(e.Data) },
		})
	}))
	return "ws" + strings.TrimPrefix(srv.URL, "http"), srv.Close
}

// New with setters: handlers set after New may miss the events before them,
// so wait for the socket to open before sending.
func ExampleNew() {
	url, stop := exampleEchoServer()
	defer stop()

	ws, err := websocket.New(url)
	if err != nil {
		fmt.Println(err)
		return
	}
	ws.SetOnMessage(func(e *websocket.MessageEvent) {
		fmt.Println("message:", e.Data)
		e.Target().Close(1000, "done")
	})
	ws.SetOnClose(func(e *websocket.CloseEvent) {
		fmt.Println("close:", e.Code, e.Reason, e.WasClean)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.WaitOpen(ctx); err != nil {
		fmt.Println(err)
		return
	}
	ws.Send("hello")
	ws.WaitClosed(ctx)
	// Output:
	// message: hello
	// close: 1000 done true
}

// NewWithOptions with every handler in place before the connection starts.
func ExampleNewWithOptions() {
	url, stop := exampleEchoServer()
	defer stop()

	ws, err := websocket.NewWithOptions(url, &websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		OnOpen: func(e websocket.Event) {
			fmt.Println("open, readyState", e.Target().ReadyState())
			e.Target().Send([]byte{1, 2, 3})
		},
		OnMessage: func(e *websocket.MessageEvent) {
			fmt.Printf("message: %v\n", e.Data)
			e.Target().Close(0, "")
		},
		OnError: func(e websocket.Event) { fmt.Println("error") },
		OnClose: func(e *websocket.CloseEvent) {
			fmt.Println("close:", e.Code, e.WasClean)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws.WaitClosed(ctx)
	// Output:
	// open, readyState OPEN
	// message: [1 2 3]
	// close: 1005 true
}

func ExampleWebSocket_WaitOpen() {
	url, stop := exampleEchoServer()
	defer stop()

	ws, err := websocket.New(url)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.WaitOpen(ctx); err != nil {
		fmt.Println("failed:", err)
		return
	}
	fmt.Println(ws.ReadyState())
	ws.Close(1000, "")
	ws.WaitClosed(ctx)
	fmt.Println(ws.ReadyState())
	// Output:
	// OPEN
	// CLOSED
}

// SendContext waits until each message is written: a fast producer holds no
// more than one message in memory.
func ExampleWebSocket_SendContext() {
	url, stop := exampleEchoServer()
	defer stop()

	received := make(chan struct{}, 100)
	ws, err := websocket.NewWithOptions(url, &websocket.Options{
		OnMessage: func(*websocket.MessageEvent) { received <- struct{}{} },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.WaitOpen(ctx); err != nil {
		fmt.Println(err)
		return
	}
	chunk := make([]byte, 64<<10)
	for i := 0; i < 10; i++ {
		if err := ws.SendContext(ctx, chunk); err != nil {
			fmt.Println(err)
			return
		}
	}
	for i := 0; i < 10; i++ {
		<-received
	}
	fmt.Println("10 chunks echoed")
	ws.Close(1000, "")
	ws.WaitClosed(ctx)
	// Output: 10 chunks echoed
}

func ExampleWebSocket_WaitClosed() {
	url, stop := exampleEchoServer()
	defer stop()

	ws, err := websocket.NewWithOptions(url, &websocket.Options{
		OnOpen: func(e websocket.Event) { e.Target().Close(4000, "bye") },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev, err := ws.WaitClosed(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Code, ev.Reason, ev.WasClean)
	// Output: 4000 bye true
}
