//go:build !js

package native_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/w3ws/w3ws/native"
)

// The engine on its own: a server that echoes with Accept, ReadMessage and
// WriteMessage, and a client that dials it, sends, reads the echo and
// closes. ReadMessage reuses its buffer, so the loop allocates nothing per
// message.
func ExampleDial() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, &native.AcceptOptions{
			ConnOptions: native.ConnOptions{IdleTimeout: 30 * time.Second},
		})
		if err != nil {
			return // Accept has written the HTTP error
		}
		defer c.CloseNow()
		var buf []byte
		for {
			typ, msg, err := c.ReadMessage(buf[:0])
			if err != nil {
				return // a *CloseError once the client closed
			}
			buf = msg
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := native.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := c.WriteMessageContext(ctx, native.MessageText, []byte("hello")); err != nil {
		fmt.Println(err)
		return
	}
	typ, msg, err := c.ReadMessageContext(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(typ, string(msg))
	fmt.Println(c.Close(native.StatusNormalClosure, "bye"))
	// Output:
	// text hello
	// <nil>
}

// PingContext waits for the peer's Pong: a liveness check with a deadline.
// The Pong is read by ReadMessage, so a goroutine must be reading.
func ExampleConn_PingContext() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			if _, _, err := c.ReadMessage(nil); err != nil {
				return // Pings are answered while reading
			}
		}
	}))
	defer srv.Close()

	c, _, err := native.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() {
		for {
			if _, _, err := c.ReadMessage(nil); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("pong:", c.PingContext(ctx) == nil)
	c.Close(native.StatusNormalClosure, "")
	// Output:
	// pong: true
}
