//go:build !js

package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/w3ws/w3ws/jsbridge"
)

// files are what serve serves.
type files struct {
	wasm       *io.SectionReader // the program
	wasmExecJS []byte
	config     []byte    // config.json
	page       *hostPage // nil for indexHTML
}

// serve serves the page, its config, wasm_exec.js, w3ws.js, the runner's
// script and the program from 127.0.0.1 on a free port, under prefix, and returns the
// page's URL and a func that stops the server. The prefix holds the run's
// random token, so nothing that merely finds the port can read the
// environment in config. A page of $W3WS_WASMEXEC_PAGE comes with the files
// of its directory, under the same prefix; the runner's own five names win.
func serve(prefix string, f files) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	static := func(contentType string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Cache-Control", "no-store")
			w.Write(body)
		}
	}
	mux := http.NewServeMux()
	if f.page == nil {
		mux.Handle("GET "+prefix+"{$}", static("text/html; charset=utf-8", indexHTML))
	} else {
		mux.Handle("GET "+prefix+"{$}", static("text/html; charset=utf-8", f.page.html))
		mux.Handle("GET "+prefix, http.StripPrefix(prefix[:len(prefix)-1], http.FileServerFS(os.DirFS(f.page.dir))))
	}
	mux.Handle("GET "+prefix+"config.json", static("application/json", f.config))
	mux.Handle("GET "+prefix+"wasm_exec.js", static("text/javascript; charset=utf-8", f.wasmExecJS))
	mux.Handle("GET "+prefix+"wasmexec.js", static("text/javascript; charset=utf-8", runnerJS))
	mux.Handle("GET "+prefix+"w3ws.js", static("text/javascript; charset=utf-8", []byte(jsbridge.ShimJS())))
	mux.HandleFunc("GET "+prefix+"prog.wasm", func(w http.ResponseWriter, r *http.Request) {
		// instantiateStreaming insists on this type; the file may be
		// called pkg.test.
		w.Header().Set("Content-Type", "application/wasm")
		w.Header().Set("Cache-Control", "no-store")
		http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(f.wasm, 0, f.wasm.Size()))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	stop := func() {
		srv.Close()
		<-done
	}
	return "http://" + ln.Addr().String() + prefix, stop, nil
}
