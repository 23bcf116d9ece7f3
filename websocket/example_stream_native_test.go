//go:build !js

package websocket_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// streamEchoServer starts a server whose handler echoes every message of
// an UpgradeStream stream, and returns its ws:// URL.
func streamEchoServer() (wsURL string, stop func()) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := websocket.UpgradeStream(w, r, nil)
		if err != nil {
			return // UpgradeStream has already answered the request
		}
		ctx := context.Background()
		conn, _ := s.Opened(ctx) // a server stream is already open
		for {
			msg, err := conn.Readable.Read(ctx)
			if err != nil {
				return // io.EOF once the client closed
			}
			if err := conn.Writable.Write(ctx, msg); err != nil {
				return
			}
		}
	}))
	return "ws" + strings.TrimPrefix(srv.URL, "http"), srv.Close
}

// A client: messages are pulled with Read and pushed with Write, which
// returns once the message is on the socket, so neither side queues
// without bound.
func ExampleNewStream() {
	u, stop := streamEchoServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	s, err := websocket.NewStream(ctx, u, nil)
	if err != nil {
		log.Fatal(err) // a bad URL or subprotocol list
	}
	conn, err := s.Opened(ctx)
	if err != nil {
		log.Fatal(err) // a *WebSocketError: the handshake failed
	}
	if err := conn.Writable.Write(ctx, "hello"); err != nil {
		log.Fatal(err)
	}
	if err := conn.Writable.Write(ctx, []byte{1, 2, 3}); err != nil {
		log.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		msg, err := conn.Readable.Read(ctx)
		if err != nil {
			log.Fatal(err)
		}
		switch m := msg.(type) {
		case string:
			fmt.Println("text:", m)
		case []byte:
			fmt.Println("binary:", m)
		}
	}
	s.Close(websocket.CloseInfo{CloseCode: 1000, Reason: "done"})
	info, err := s.Closed(ctx)
	fmt.Println("closed:", info.CloseCode, info.Reason, err)
	// Output:
	// text: hello
	// binary: [1 2 3]
	// closed: 1000 done <nil>
}

// A server: UpgradeStream returns the stream already open. The handler
// reads until the client closes (io.EOF), and Closed then tells how.
func ExampleUpgradeStream() {
	serverDone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(serverDone)
		s, err := websocket.UpgradeStream(w, r, &websocket.StreamOptions{Protocols: []string{"chat"}})
		if err != nil {
			log.Print(err) // UpgradeStream has already answered the request
			return
		}
		ctx := context.Background()
		conn, _ := s.Opened(ctx)
		for {
			msg, err := conn.Readable.Read(ctx)
			if err == io.EOF {
				break
			} else if err != nil {
				log.Print(err)
				return
			}
			if err := conn.Writable.Write(ctx, fmt.Sprintf("you said %v", msg)); err != nil {
				log.Print(err)
				return
			}
		}
		info, _ := s.Closed(ctx)
		fmt.Println("server: closed", info.CloseCode)
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := websocket.NewStream(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"),
		&websocket.StreamOptions{Protocols: []string{"chat"}})
	if err != nil {
		log.Fatal(err)
	}
	conn, err := s.Opened(ctx)
	if err != nil {
		log.Fatal(err)
	}
	conn.Writable.Write(ctx, "hello")
	reply, _ := conn.Readable.Read(ctx)
	fmt.Println("client:", reply, "over", conn.Protocol)
	s.Close(websocket.CloseInfo{CloseCode: 1000})
	s.Closed(ctx)
	<-serverDone
	// Output:
	// client: you said hello over chat
	// server: closed 1000
}

// NetConn turns a stream into a net.Conn whose bytes are the binary
// messages, for protocols that run over a byte stream.
func ExampleWebSocketStream_NetConn() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := websocket.UpgradeStream(w, r, nil)
		if err != nil {
			return
		}
		nc, err := s.NetConn(context.Background())
		if err != nil {
			return
		}
		defer nc.Close()
		io.Copy(nc, nc) // echo the byte stream until the client closes
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := websocket.NewStream(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		log.Fatal(err)
	}
	nc, err := s.NetConn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(nc, "ping %d", 42)
	buf := make([]byte, len("ping 42"))
	if _, err := io.ReadFull(nc, buf); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", buf)
	nc.Close() // sends Close 1000
	info, err := s.Closed(ctx)
	fmt.Println("closed:", info.CloseCode, err)
	// Output:
	// ping 42
	// closed: 1000 <nil>
}
