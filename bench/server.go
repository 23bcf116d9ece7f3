package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
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
	out  *os.File      // the child's standard output, for deadlines
	br   *bufio.Reader // reads out
}

// startServer re-executes this program as the echo server of name
// (impl.Lookup) on 127.0.0.1, with compression d, and waits for its
// address. The child exits when its standard input closes, when this
// process dies, or after maxLife.
func startServer(name string, d impl.Deflate, maxLife time.Duration) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "serve", "-impl", name, "-deflate", d.String(), "-max-life", maxLife.String())
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
	// The pipe is an *os.File: a deadline bounds the wait for the address.
	f := out.(*os.File)
	s := &server{name: name, cmd: cmd, in: in, out: f, br: bufio.NewReader(f)}
	f.SetReadDeadline(time.Now().Add(startTimeout))
	line, err := s.br.ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		s.stop()
		return nil, fmt.Errorf("server %s did not start: %q, %v", name, line, err)
	}
	s.url = "ws://" + addr + "/"
	return s, nil
}

// errNoWire is the error of wire where the child cannot count bytes.
var errNoWire = errors.New("no byte counts on this system")

// wire asks the child for the bytes the socket of the connection it
// accepted last has received and sent (see tcpBytes), or errNoWire.
func (s *server) wire() (recv, sent int64, err error) {
	if _, err := io.WriteString(s.in, "wire\n"); err != nil {
		return 0, 0, fmt.Errorf("server %s: %w", s.name, err)
	}
	s.out.SetReadDeadline(time.Now().Add(startTimeout))
	line, err := s.br.ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("server %s: reading its byte counts: %w", s.name, err)
	}
	f := strings.Fields(line)
	if len(f) == 2 && f[0] == "wire" && f[1] == "unsupported" {
		return 0, 0, errNoWire
	}
	if len(f) == 3 && f[0] == "wire" {
		recv, err1 := strconv.ParseInt(f[1], 10, 64)
		sent, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 == nil && err2 == nil {
			return recv, sent, nil
		}
	}
	return 0, 0, fmt.Errorf("server %s: byte counts %q", s.name, line)
}

// stop closes the child's standard input, which makes it exit, and kills it
// if it has not exited within 5 s.
func (s *server) stop() error {
	s.in.Close()
	t := time.AfterFunc(5*time.Second, func() { s.cmd.Process.Kill() })
	defer t.Stop()
	return s.cmd.Wait()
}

// serveMain is the serve subcommand: it serves -impl's echo server with
// compression -deflate on 127.0.0.1, writes "listening ADDR" on standard
// output, and exits when standard input reaches its end, or after
// -max-life. Each line "wire" on standard input is answered with "wire RECV
// SENT", the byte counts of the connection accepted last (or "wire
// unsupported").
func serveMain(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	name := fs.String("impl", impl.Ref.Name, "the echo server")
	deflate := fs.String("deflate", impl.DeflateOff.String(), "compression: "+strings.Join(impl.DeflateNames(), ", "))
	maxLife := fs.Duration("max-life", time.Hour, "exit after this long whatever happens")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	im, err := impl.Lookup(*name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench serve:", err)
		return 2
	}
	d, err := impl.ParseDeflate(*deflate)
	if err == nil && !im.Supports(d) {
		err = fmt.Errorf("%s does not support compression %s", im.Name, d)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench serve:", err)
		return 2
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench serve:", err)
		return 1
	}
	ln := &lastConnListener{Listener: tcp}
	served := make(chan error, 1)
	go func() { served <- im.Serve(ln, d) }()
	fmt.Printf("listening %s\n", ln.Addr())
	stdin := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() == "wire" {
				fmt.Println(ln.wire())
			}
		}
		stdin <- sc.Err()
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

// lastConnListener keeps the connection it accepted last, unwrapped: the
// servers get the *net.TCPConn itself, so that nothing about their writes
// changes.
type lastConnListener struct {
	net.Listener
	mu   sync.Mutex
	last *net.TCPConn
}

func (l *lastConnListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		l.mu.Lock()
		l.last = tc
		l.mu.Unlock()
	}
	return c, err
}

// counts returns the byte counts of the last connection accepted (see
// tcpBytes), zero before the first.
func (l *lastConnListener) counts() (recv, sent int64, err error) {
	l.mu.Lock()
	c := l.last
	l.mu.Unlock()
	if c == nil {
		return 0, 0, nil
	}
	return tcpBytes(c)
}

// wire returns the answer to a "wire" line.
func (l *lastConnListener) wire() string {
	recv, sent, err := l.counts()
	switch {
	case errors.Is(err, errNoWire):
		return "wire unsupported"
	case err != nil:
		return "wire error: " + err.Error()
	}
	return fmt.Sprintf("wire %d %d", recv, sent)
}
