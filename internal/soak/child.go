//go:build !js

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// requestTimeout bounds one request to the server child.
const requestTimeout = 30 * time.Second

// child is the parent's handle on the server process.
type child struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *os.File
	lines *bufio.Reader
	hello hello
}

// startChild re-executes this binary as the server and reads its hello.
// The pipes are *os.File values, so os/exec starts no copying goroutine in
// this process.
func startChild(c config) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "serve",
		"-n", strconv.Itoa(c.n),
		"-churn-frac", strconv.FormatFloat(c.churnFrac, 'g', -1, 64),
		"-max-life", (c.timeout + time.Minute).String())
	cmd.Stderr = os.Stderr
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
	ch := &child{cmd: cmd, in: in, out: out.(*os.File)}
	ch.lines = bufio.NewReader(ch.out)
	if err := ch.read(&ch.hello); err != nil {
		ch.kill()
		return nil, fmt.Errorf("server hello: %w", err)
	}
	if ch.hello.Err != "" {
		ch.stop()
		return nil, errors.New(ch.hello.Err)
	}
	return ch, nil
}

// read reads one JSON line into v, within requestTimeout.
func (ch *child) read(v any) error {
	ch.out.SetReadDeadline(time.Now().Add(requestTimeout))
	line, err := ch.lines.ReadBytes('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal(line, v)
}

// stats asks the server for its figures.
func (ch *child) stats() (serverReport, error) {
	var r serverReport
	if _, err := io.WriteString(ch.in, "stats\n"); err != nil {
		return r, fmt.Errorf("server stats: %w", err)
	}
	if err := ch.read(&r); err != nil {
		return r, fmt.Errorf("server stats: %w", err)
	}
	return r, nil
}

// stop asks the server to quit and waits for it, killing it after 10 s.
func (ch *child) stop() error {
	io.WriteString(ch.in, "quit\n")
	ch.in.Close()
	t := time.AfterFunc(10*time.Second, func() { ch.cmd.Process.Kill() })
	defer t.Stop()
	return ch.cmd.Wait()
}

// kill ends the server at once.
func (ch *child) kill() {
	ch.cmd.Process.Kill()
	ch.cmd.Wait()
}
