# w3ws: one test command (make test), one demo (make demo).
GO ?= go
FUZZTIME ?= 15s
DEMO_PORT ?= 0
# SOAK_ARGS are the flags of make soak, e.g. SOAK_ARGS='-n 500 -echo 10s'.
SOAK_ARGS ?=
# make bench's rounds, measured time per echo cell and round, and idle
# sockets per process; BENCH_ARGS passes any other flag of bin/bench (-h
# lists them), e.g. BENCH_ARGS='-parts echo -sizes 16,1K -impls w3ws,gws'.
BENCH_ROUNDS ?= 5
BENCH_DUR ?= 500ms
BENCH_N ?= 5000
BENCH_ARGS ?=
WASMEXEC = $(CURDIR)/bin/wasmexec
# The linters' versions. go run pkg@version fetches each into the module
# cache and builds it for the host, so neither is a dependency in go.mod.
STATICCHECK_VERSION = v0.8.2
GOVULNCHECK_VERSION = v1.10.0
# Each fuzz target, as package:FuzzName.
FUZZ_TARGETS = native:FuzzParseHeader native:FuzzReadMessage native:FuzzReadMessageServer native:FuzzUTF8Validator native:FuzzCheckHandshakeResponse native:FuzzAcceptRequest native:FuzzConnectResponse native:FuzzParseDialURL native:FuzzParseExtensions native:FuzzInflate websocket:FuzzParseURL

.PHONY: test lint vet staticcheck vulncheck readme-check fmt-check chromium wasmexec fuzz demo echo bench bench-deflate bench-micro soak

# test runs every test: natively with -race (the websocket package's own
# tests also run inside headless Chromium, driven from its native tests; the
# e2e tests drive Chromium too), after gofmt and the linters for both builds.
# The idle stack tests run once more without the race detector, whose
# instrumentation makes even the shallowest waiting goroutine need 4 KiB:
# only without it can they tell a 2 KiB stack from a grown one.
test: fmt-check lint chromium
	$(GO) test -race -shuffle=on -timeout 12m ./...
	$(GO) test -count=1 -run 'Idle.*Stack$$' ./websocket

# lint runs go vet and staticcheck, natively and for GOOS=js GOARCH=wasm,
# and checks the README's Go version.
lint: vet staticcheck readme-check

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

# staticcheck checks both builds in one run (-matrix): a finding of either
# build counts, and code counts as unused (U1000) only if no build uses it.
# (GOOS=js in front of go run would build staticcheck itself for js/wasm.)
staticcheck:
	printf 'native:\njs: GOOS=js GOARCH=wasm\n' | $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -matrix ./...

# vulncheck runs govulncheck on both builds. It is not part of lint or test:
# it needs the vulnerability database at https://vuln.go.dev, which the
# machines this project is built on cannot reach (it has no offline mode
# short of a local copy of the database, -db file://...), and its verdict on
# the same commit changes as reports are published. go run -exec starts the
# host-built govulncheck with GOOS=js for the second build.
vulncheck:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...
	$(GO) run -exec 'env GOOS=js GOARCH=wasm' golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...

# readme-check fails unless every "Go 1.N or newer" in the README names
# go.mod's go version.
readme-check:
	@v=$$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' go.mod); \
	found=$$(grep -o 'Go (\{0,1\}[0-9]*\.[0-9]* or newer' README.md); \
	if [ -z "$$found" ] || echo "$$found" | grep -qv "[ (]$$v or newer"; then \
		echo "README.md: say Go $$v or newer, as go.mod does; it says:"; echo "$$found"; exit 1; fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# chromium installs Debian's chromium package when /usr/bin/chromium is missing.
chromium:
	./wasm/install-chromium.sh

# wasmexec builds the go test -exec runner for GOOS=js GOARCH=wasm (other
# projects go install it; see the README):
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
# chat serves the wasm_exec.js of the go that built the page: go run puts its
# GOROOT/bin first in PATH, where internal/wasmexecjs looks.
demo:
	GOOS=js GOARCH=wasm $(GO) build -o bin/chat.wasm ./wasm/chat/web
	$(GO) run ./wasm/chat/cmd/chat -wasm bin/chat.wasm -port $(DEMO_PORT)

# echo runs a native echo server and a client talking to it through the W3C API.
echo:
	$(GO) run ./examples/echo

# bench runs the side-by-side benchmark suite (bench/, a module of its own,
# so the peers it measures stay out of go.mod): w3ws's W3C API and engine
# next to coder, gorilla, gobwas and gws over 127.0.0.1, client and server in
# separate processes, then idle memory per socket. About 6 minutes with the
# defaults; markdown tables on stdout, progress on stderr.
bench:
	cd bench && $(GO) build -o $(CURDIR)/bin/bench .
	$(CURDIR)/bin/bench -rounds $(BENCH_ROUNDS) -dur $(BENCH_DUR) -n $(BENCH_N) $(BENCH_ARGS)

# bench-deflate runs the suite's permessage-deflate part alone (bench does
# not run it): JSON text messages of 1 KiB and 64 KiB echoed with
# compression on at both ends, without and with context takeover, by w3ws
# (W3C API and engine), coder, gorilla (no takeover only) and gws; msg/s in
# ping-pong and stream, and the bytes on the wire per message each way. About
# 2 minutes with the defaults. BENCH_ROUNDS, BENCH_DUR and BENCH_ARGS apply
# as to bench, e.g. BENCH_ARGS='-deflate off,no-takeover,takeover' adds an
# uncompressed baseline, BENCH_ARGS='-deflate-sizes 1K -modes pingpong'
# narrows it.
bench-deflate:
	cd bench && $(GO) build -o $(CURDIR)/bin/bench .
	$(CURDIR)/bin/bench -parts deflate -rounds $(BENCH_ROUNDS) -dur $(BENCH_DUR) $(BENCH_ARGS)

# bench-micro runs the packages' own go test benchmarks with -benchmem.
bench-micro:
	$(GO) test -run='^$$' -bench=. -benchmem ./native ./websocket

# soak runs the soak and scale test of the W3C API on 127.0.0.1 (not part of
# test): 10,000 client sockets against a server child process by default.
soak:
	$(GO) run ./internal/soak $(SOAK_ARGS)
