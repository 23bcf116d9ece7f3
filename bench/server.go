package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// startTimeout bounds the start of a child process, until it listens.
const startTimeout = 20 * time.Second

// server is the parent's handle on an echo server child process.
type server struct {
	name string
	url  string
	cmd  *exec.Cmd
	in   io.WriteCloser
}

// startServer re-executes this program as the echo server of name
// (impl.Lookup) on 127.0.0.1 and waits for its address. The child exits
// when its standard input closes, when this process dies, or after maxLife.
func startServer(name string, maxLife time.Duration) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "serve", "-impl", name, "-max-life", maxLife.String())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd, in: in}
	// The pipe is an *os.File: a deadline bounds the wait for the address.
	f := out.(*os.File)
	f.SetReadDeadline(time.Now().Add(startTimeout))
	line, err := bufio.NewReader(f).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		s.stop()
		return nil, fmt.Errorf("server %s did not start: %q, %v", name, line, err)
	}
	s.url = "ws://" + addr + "/"
	return s, nil
}

// stop closes the child's standard input, which makes it exit, and kills it
// if it has not exited within 5 s.
func (s *server) stop() error {
	s.in.Close()
	t := time.AfterFunc(5*time.Second, func() { s.cmd.Process.Kill() })
	defer t.Stop()
	return s.cmd.Wait()
}

// serveMain is the serve subcommand: it serves -impl's echo server on
// 127.0.0.1, writes "listening ADDR" on standard output, and exits when
// standard input reaches its end, or after -max-life.
func serveMain(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	name := fs.String("impl", impl.Ref.Name, "the echo server")
	maxLife := fs.Duration("max-life", time.Hour, "exit after this long whatever happens")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	im, err := impl.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench serve:", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench serve:", err)
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- im.Serve(ln) }()
	fmt.Printf("listening %s\n", ln.Addr())
	stdin := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, os.Stdin)
		stdin <- err
	}()
	select {
	case <-stdin:
		ln.Close()
		return 0
	case err := <-served:
		fmt.Fprintf(os.Stderr, "bench serve %s: %v\n", *name, err)
		return 1
	case <-time.After(*maxLife):
		fmt.Fprintf(os.Stderr, "bench serve %s: exiting after -max-life %v\n", *name, *maxLife)
		return 1
	}
}
