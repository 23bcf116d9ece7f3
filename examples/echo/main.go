//go:build !js

// Command echo is w3ws's runnable example: a native WebSocket echo server on
// 127.0.0.1 and a client that talks to it through the W3C interface, the
// same code that runs in a browser when compiled to WebAssembly.
//
//	go run ./examples/echo
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// run starts the server, runs the client against it, and stops both.
func run(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// ReadHeaderTimeout bounds the handshake request: without it a client
	// that trickles its headers holds a connection forever (slowloris).
	// Upgrade clears the server's deadlines on the connections it takes
	// over; from then on Options.IdleTimeout watches them.
	srv := &http.Server{Handler: http.HandlerFunc(echo), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	url := "ws://" + ln.Addr().String() + "/echo"
	fmt.Println("echo server listening on", url)

	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	replies := make(chan string, 1)
	ws, err := websocket.NewWithOptions(url, &websocket.Options{
		Protocols: []string{"echo"},
		OnMessage: func(e *websocket.MessageEvent) { replies <- e.Data.(string) },
		OnClose: func(e *websocket.CloseEvent) {
			fmt.Printf("client: closed with %d %q (clean: %v)\n", e.Code, e.Reason, e.WasClean)
		},
	})
	if err != nil {
		return err
	}
	if err := ws.WaitOpen(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	fmt.Printf("client: open, protocol %q\n", ws.Protocol())
	for _, msg := range []string{"hello", "héllo, 世界"} {
		if err := ws.SendContext(ctx, msg); err != nil {
			return err
		}
		select {
		case r := <-replies:
			fmt.Printf("client: sent %q, got %q back\n", msg, r)
		case <-ctx.Done():
			return errors.New("no echo in time")
		}
	}
	if err := ws.Close(1000, "bye"); err != nil {
		return err
	}
	_, err = ws.WaitClosed(ctx)
	return err
}

// echo is the server: it upgrades the request and sends every message back.
// It echoes with SendContext, which waits until the reply is written: the
// handler, and so the reading of this connection, pauses while the client
// is slow to read, and TCP pushes back on it. (Send would queue; the
// socket's MaxBufferedAmount would then fail a client that never reads.)
func echo(w http.ResponseWriter, r *http.Request) {
	_, err := websocket.Upgrade(w, r, &websocket.Options{
		Protocols: []string{"echo"},
		OnMessage: func(e *websocket.MessageEvent) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // not r.Context(): it ends with this handler
			defer cancel()
			e.Target().SendContext(ctx, e.Data)
		},
		OnClose: func(e *websocket.CloseEvent) {
			fmt.Printf("server: client left with %d %q\n", e.Code, e.Reason)
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
	}
}
