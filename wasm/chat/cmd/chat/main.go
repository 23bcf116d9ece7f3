//go:build !js

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/w3ws/w3ws/wasm/chat/bot"
	"github.com/w3ws/w3ws/wasm/chat/server"
)

// shutdownGrace bounds the orderly stop after an interrupt.
const shutdownGrace = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2) // the flag package printed the usage
		}
		log.SetFlags(0)
		log.Fatal("chat: ", err)
	}
}

// run parses args, serves the chat with the bot in it, and stops both when
// ctx ends.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	wasm := fs.String("wasm", "", "the web program, built with GOOS=js GOARCH=wasm go build ./wasm/chat/web (required)")
	wasmExec := fs.String("wasmexec", "", "the wasm_exec.js matching the Go that built -wasm (default: the one in $GOROOT, else in go env GOROOT)")
	port := fs.Int("port", 0, "the port to listen on, on 127.0.0.1 (0: any free port)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logf := log.New(stdout, "", log.Ltime).Printf
	srv, err := server.New(server.Config{Wasm: *wasm, WasmExecJS: *wasmExec, Logf: logf})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	addr := ln.Addr().String()

	b, err := bot.Join(ctx, bot.Config{URL: "ws://" + addr + "/ws", Logf: logf})
	if err != nil {
		hs.Close()
		return err
	}
	fmt.Fprintf(stdout, "chat: open http://%s/\n", addr)
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	}

	fmt.Fprintln(stdout, "chat: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return errors.Join(b.Leave(sctx), hs.Shutdown(sctx), srv.Shutdown(sctx))
}
