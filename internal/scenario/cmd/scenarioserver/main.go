//go:build !js

// Command scenarioserver runs the scenario server (package
// github.com/w3ws/w3ws/internal/scenario) on 127.0.0.1 until interrupted,
// for test runs where the tests cannot start it themselves: the browser
// build of the websocket package's tests reads its URL from
// W3WS_SCENARIO_URL. It prints that assignment on its first line:
//
//	W3WS_SCENARIO_URL=http://127.0.0.1:PORT
//
// With arguments, it runs them as a command with W3WS_SCENARIO_URL set, and
// exits with the command's status once it ends:
//
//	go run ./internal/scenario/cmd/scenarioserver go test ./websocket
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/w3ws/w3ws/internal/scenario"
)

func main() {
	url, stop := scenario.NewServer().Start()
	fmt.Printf("W3WS_SCENARIO_URL=%s\n", url)
	if len(os.Args) < 2 {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		stop()
		return
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "W3WS_SCENARIO_URL="+url)
	err := cmd.Run()
	stop()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "scenarioserver:", err)
		os.Exit(1)
	}
}
