package main

import (
	"os"
	"testing"

	"github.com/w3ws/w3ws/internal/leaktest"
)

// TestMain lets the test binary serve as its own child processes, as the
// benchmark does (run starts them through os.Executable), and checks that no
// test left a goroutine of w3ws or a peer running.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			os.Exit(serveMain(os.Args[2:]))
		case "idle":
			os.Exit(idleMain(os.Args[2:]))
		}
	}
	os.Exit(leaktest.Main(m, "github.com/w3ws/w3ws/", "github.com/coder/", "github.com/gorilla/", "github.com/gobwas/", "github.com/lxzan/", "net/http."))
}
