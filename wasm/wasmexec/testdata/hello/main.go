// Command hello is the program wasmexec's tests run in Chromium. It is built
// with GOOS=js GOARCH=wasm. Its first argument picks what it does:
//
//	hello <code>   print a greeting, $W3WS_HELLO and a few tricky writes, then exit with code
//	hello panic    panic (the Go runtime exits with code 2)
//	hello throw    make the page throw an uncaught JS exception, then wait
//	hello hang     wait for ever
//	hello page     print what the page set up (testdata/page), then exit 0
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall/js"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hello <code>|panic|throw|hang|page")
		os.Exit(2)
	}
	switch arg := os.Args[1]; arg {
	case "panic":
		panic("hello: boom")
	case "throw":
		js.Global().Call("setTimeout", js.Global().Get("Function").New(`throw new Error("hello: thrown")`), 0)
		select {}
	case "hang":
		select {}
	case "page":
		doc := js.Global().Get("document")
		fmt.Println("title=" + doc.Get("title").String())
		fmt.Println("app=" + doc.Call("getElementById", "app").Get("textContent").String())
		fmt.Println("own=" + js.Global().Get("wasmexecTestOwn").String())
	default:
		code, err := strconv.Atoi(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hello: bad exit code:", arg)
			os.Exit(2)
		}
		fmt.Println("hello from wasm")
		fmt.Printf("W3WS_HELLO=%s\n", os.Getenv("W3WS_HELLO"))
		fmt.Printf("args=%q\n", os.Args[1:])
		fmt.Fprintln(os.Stderr, "to stderr")
		// A check mark split across two writes must arrive whole.
		check := []byte("split ✓\n")
		os.Stdout.Write(check[:8])
		os.Stdout.Write(check[8:])
		// One long line: the console must not truncate it.
		fmt.Println("long " + strings.Repeat("x", 200_000) + " end")
		fmt.Println("100%d %s") // printf verbs must pass as they are
		fmt.Print("no newline at exit")
		os.Exit(code)
	}
}
