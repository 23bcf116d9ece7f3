# w3ws: one test command (make test), one demo (make demo).
GO ?= go
FUZZTIME ?= 15s
DEMO_PORT ?= 0
# SOAK_ARGS are the flags of make soak, e.g. SOAK_ARGS='-n 500 -echo 10s'.
SOAK_ARGS ?=
WASMEXEC = $(CURDIR)/bin/wasmexec
# Each fuzz target, as package:FuzzName.
FUZZ_TARGETS = native:FuzzParseHeader native:FuzzReadMessage native:FuzzReadMessageServer native:FuzzUTF8Validator native:FuzzCheckHandshakeResponse native:FuzzAcceptRequest native:FuzzConnectResponse native:FuzzParseDialURL websocket:FuzzParseURL

.PHONY: test vet fmt-check chromium wasmexec fuzz demo echo bench soak

# test runs every test: natively with -race (the websocket package's own
# tests also run inside headless Chromium, driven from its native tests; the
# e2e tests drive Chromium too), after gofmt and go vet for both builds.
test: fmt-check vet chromium
	$(GO) test -race -shuffle=on -timeout 12m ./...

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# chromium installs Debian's chromium package when /usr/bin/chromium is missing.
chromium:
	./wasm/install-chromium.sh

# wasmexec builds the go test -exec runner for GOOS=js GOARCH=wasm:
#   GOOS=js GOARCH=wasm go test -exec $(WASMEXEC) ./pkg
wasmexec:
	$(GO) build -o $(WASMEXEC) ./wasm/wasmexec

# fuzz runs every fuzz target for FUZZTIME each (go test allows one -fuzz target per run).
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=200ms ./$$pkg; \
	done

# demo runs the chat of wasm/chat on 127.0.0.1: the page's Go program built
# for the browser, the native server and a native bot. Open the printed URL.
demo:
	GOOS=js GOARCH=wasm $(GO) build -o bin/chat.wasm ./wasm/chat/web
	$(GO) run ./wasm/chat/cmd/chat -wasm bin/chat.wasm -port $(DEMO_PORT) -wasmexec "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js"

# echo runs a native echo server and a client talking to it through the W3C API.
echo:
	$(GO) run ./examples/echo

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./native ./websocket

# soak runs the soak and scale test of the W3C API on 127.0.0.1 (not part of
# test): 10,000 client sockets against a server child process by default.
soak:
	$(GO) run ./internal/soak $(SOAK_ARGS)
