//go:build !js

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// The server child talks to the parent over its stdin and stdout, one line
// each way per request: it first writes a hello (its address), then answers
// each "stats" line with a serverReport, and stops on "quit" or when stdin
// ends (the parent died). Its log goes to stderr, which it shares with the
// parent.

// hello is the first line the server writes.
type hello struct {
	Addr   string `json:"addr"`
	NoFile string `json:"nofile"`
	Err    string `json:"err,omitempty"`
}

// serverReport answers a "stats" request.
type serverReport struct {
	Stats
	Counters serverCounters `json:"counters"`
}

// serverCounters are the server's event counts since it started.
type serverCounters struct {
	Opened       uint64 `json:"opened"`        // open events
	Closed       uint64 `json:"closed"`        // close events
	Clean        uint64 `json:"clean"`         // close events with WasClean and code 1000
	Errors       uint64 `json:"errors"`        // error events
	EchoErrors   uint64 `json:"echo_errors"`   // SendContext failures
	UpgradeFails uint64 `json:"upgrade_fails"` // Upgrade failures
	// FirstProblem describes the first unclean close, error event, echo or
	// upgrade failure.
	FirstProblem string `json:"first_problem,omitempty"`
}

// echoServer accepts WebSockets and echoes every message.
type echoServer struct {
	ctx  context.Context // ends when the server stops: bounds SendContext
	opts websocket.Options

	opened, closed, clean, errors, echoed, echoErrors, upgradeFails atomic.Uint64
	firstProblem                                                    atomic.Pointer[string]
}

func newEchoServer(ctx context.Context) *echoServer {
	s := &echoServer{ctx: ctx}
	s.opts = websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		OnOpen:     func(websocket.Event) { s.opened.Add(1) },
		OnMessage:  s.onMessage,
		OnError: func(e websocket.Event) {
			s.errors.Add(1)
			if ee, ok := e.(*websocket.ErrorEvent); ok {
				s.problem("error event: %v", ee.Err)
			} else {
				s.problem("error event")
			}
		},
		OnClose: func(e *websocket.CloseEvent) {
			if e.WasClean && e.Code == 1000 {
				s.clean.Add(1)
			} else {
				s.problem("close event %d %q, WasClean %v", e.Code, e.Reason, e.WasClean)
			}
			s.closed.Add(1)
		},
	}
	return s
}

// ServeHTTP upgrades the request; the socket's handlers do the rest.
func (s *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, err := websocket.Upgrade(w, r, &s.opts); err != nil {
		s.upgradeFails.Add(1)
		s.problem("%v", err)
	}
}

// onMessage echoes the message, waiting until it is written.
func (s *echoServer) onMessage(ev *websocket.MessageEvent) {
	if err := ev.Target().SendContext(s.ctx, ev.Data); err != nil {
		s.echoErrors.Add(1)
		s.problem("echo: %v", err)
		return
	}
	s.echoed.Add(1)
}

// problem records the first problem seen.
func (s *echoServer) problem(format string, args ...any) {
	if s.firstProblem.Load() == nil {
		p := fmt.Sprintf(format, args...)
		s.firstProblem.CompareAndSwap(nil, &p)
	}
}

// report samples the process and the counters.
func (s *echoServer) report() serverReport {
	c := serverCounters{
		Opened:       s.opened.Load(),
		Closed:       s.closed.Load(),
		Clean:        s.clean.Load(),
		Errors:       s.errors.Load(),
		EchoErrors:   s.echoErrors.Load(),
		UpgradeFails: s.upgradeFails.Load(),
	}
	if p := s.firstProblem.Load(); p != nil {
		c.FirstProblem = *p
	}
	return serverReport{Stats: sample(int(c.Opened-c.Closed), s.echoed.Load()), Counters: c}
}

// serve is the server child's main: it returns the exit code.
func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	n := fs.Int("n", 10000, "client sockets the parent opens")
	frac := fs.Float64("churn-frac", 0.2, "fraction replaced per churn round")
	maxLife := fs.Duration("max-life", 5*time.Minute, "exit after this long whatever happens")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The parent normally says quit or dies (closing our stdin) long before.
	time.AfterFunc(*maxLife, func() {
		fmt.Fprintf(os.Stderr, "soak server: still running after -max-life %v, exiting\n", *maxLife)
		os.Exit(3)
	})
	out := json.NewEncoder(os.Stdout)
	lim, err := raiseNoFile(fdsNeeded(*n, *frac))
	if err != nil {
		out.Encode(hello{Err: "server: " + err.Error()})
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		out.Encode(hello{Err: "server: " + err.Error()})
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newEchoServer(ctx)
	mux := http.NewServeMux()
	mux.Handle("GET /ws", s)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(os.Stderr, "soak server: ", 0),
	}
	go srv.Serve(ln)
	defer srv.Close()
	if err := out.Encode(hello{Addr: ln.Addr().String(), NoFile: lim.String()}); err != nil {
		return 1
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch sc.Text() {
		case "stats":
			if err := out.Encode(s.report()); err != nil {
				return 1
			}
		case "quit":
			return 0
		default:
			fmt.Fprintf(os.Stderr, "soak server: unknown request %q\n", sc.Text())
			return 1
		}
	}
	return 0 // the parent went away
}
