# w3ws: one test command (make test), one demo (make demo).
GO ?= go
FUZZTIME ?= 15s
# Each fuzz target, as package:FuzzName.
FUZZ_TARGETS = native:FuzzParseHeader native:FuzzReadMessage native:FuzzUTF8Validator native:FuzzCheckHandshakeResponse

.PHONY: test vet fmt-check fuzz demo bench

test: fmt-check vet
	$(GO) test -race -shuffle=on -timeout 10m ./...

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# fuzz runs every fuzz target for FUZZTIME each (go test allows one -fuzz target per run).
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) ./$$pkg; \
	done

# demo runs a native echo server on 127.0.0.1 and a client that talks to it.
demo:
	$(GO) run ./examples/echo

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./native
