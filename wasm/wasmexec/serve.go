//go:build !js

package main

import (
	"io"
	"net"
	"net/http"
	"time"
)

// serve serves the page, its config, wasm_exec.js and the program from
// 127.0.0.1 on a free port, under prefix, and returns the page's URL and a
// func that stops the server. The prefix holds the run's random token, so
// nothing that merely finds the port can read the environment in config.
func serve(prefix string, wasm *io.SectionReader, wasmExecJS, config []byte) (string, func(), error) {
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
	mux.Handle("GET "+prefix+"{$}", static("text/html; charset=utf-8", indexHTML))
	mux.Handle("GET "+prefix+"config.json", static("application/json", config))
	mux.Handle("GET "+prefix+"wasm_exec.js", static("text/javascript; charset=utf-8", wasmExecJS))
	mux.HandleFunc("GET "+prefix+"prog.wasm", func(w http.ResponseWriter, r *http.Request) {
		// instantiateStreaming insists on this type; the file may be
		// called pkg.test.
		w.Header().Set("Content-Type", "application/wasm")
		w.Header().Set("Cache-Control", "no-store")
		http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(wasm, 0, wasm.Size()))
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
