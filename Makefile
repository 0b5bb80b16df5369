# The two commands a new user needs (see README.md):
#   make run    # the chat example (chi_example) on http://127.0.0.1:8080/ (ADDR=host:port;
#               # RUNFLAGS="-token s3cret" and so on): builds bin/chi_example and execs it,
#               # so Ctrl-C or stopping make stops the server
#   make test   # every test: installs the Node packages (interop/v2: socket.io-client 2.x), then go vet and go test -race ./..., go test of transports, session and the root package without -race (and in adapter/redis and msgpack, which need a Redis, and metrics/prometheus)
#   make conformance  # the server the official protocol test-suites expect, on 127.0.0.1:3000
#                     # (PARSER=msgpack for the socket.io-msgpack-parser wire format)
#   make bench  # ours vs Node socket.io vs raw gorilla/websocket: writes docs/benchmarks.md and .png
#               # (BENCHFLAGS=-quick for a smoke test; see bench/cmd/run)
#   make bench-options  # the wire options (msgpack, permessage-deflate, HTTP compression), ours vs Node:
#               # replaces the "Wire options" section of docs/benchmarks.md (about 10 minutes)
#   make screenshot  # docs/chat.png: two clients of the chat in headless Chromium

.PHONY: test run deps conformance bench bench-options screenshot chat-bin

deps:
	npm ci --prefix interop --no-audit --no-fund
	npm ci --prefix interop/legacy06 --no-audit --no-fund
	npm ci --prefix interop/v2 --no-audit --no-fund
	npm ci --prefix chi_example --no-audit --no-fund
	npm ci --prefix adapter/redis/node --no-audit --no-fund
	npm ci --prefix client/node --no-audit --no-fund
	npm ci --prefix msgpack/node --no-audit --no-fund

# adapter/redis, msgpack, metrics/prometheus, cmd/conformance and
# chi_example are modules of their own (the server depends on neither a
# Redis client, a msgpack library nor the Prometheus client); the tests
# of adapter/redis and msgpack need a Redis at REDIS_ADDR
# (default 127.0.0.1:6379): .ci/run starts one when none answers.
test: deps
	go vet ./...
	go test -race -count=1 ./...
	# the raw-syscall reads and writes (transports/sysio_linux.go) are built
	# only without the race detector: the packages that use them, once more
	go test -count=1 ./transports ./session .
	cd adapter/redis && go vet ./... && go test -race -count=1 ./...
	cd msgpack && go vet ./... && go test -race -count=1 ./...
	cd metrics/prometheus && go vet ./... && go test -race -count=1 ./...
	cd cmd/conformance && go vet ./... && go build -o /dev/null .
	cd chi_example && go vet ./... && go build -o /dev/null .
	cd bench/redisclients && go vet ./...
	cd bench/cluster && go vet ./... && go test -race -count=1 ./...
	cd bench/server && go vet ./...

ADDR ?= 127.0.0.1:8080
RUNFLAGS ?=
CHAT_BIN ?= bin/chi_example
CHROMIUM ?= /usr/bin/chromium

# npm ci only when the lock file is newer than the installed packages.
chi_example/node_modules/.package-lock.json: chi_example/package-lock.json
	npm ci --prefix chi_example --no-audit --no-fund
interop/node_modules/.package-lock.json: interop/package-lock.json
	npm ci --prefix interop --no-audit --no-fund

chat-bin:
	cd chi_example && go build -o $(abspath $(CHAT_BIN)) .

# exec: the server replaces the recipe's shell, so it is make's own child:
# Ctrl-C reaches it, and make passes on a SIGTERM (no orphaned go run).
run: chi_example/node_modules/.package-lock.json chat-bin
	exec $(abspath $(CHAT_BIN)) -addr $(ADDR) $(RUNFLAGS)

screenshot: chi_example/node_modules/.package-lock.json interop/node_modules/.package-lock.json chat-bin
	node interop/browser/screenshot.mjs --server=$(abspath $(CHAT_BIN)) --out=docs/chat.png --chromium=$(CHROMIUM)

PARSER ?= json
conformance:
	cd cmd/conformance && go run . -addr 127.0.0.1:3000 -parser $(PARSER)

bench:
	go run ./bench/cmd/run $(BENCHFLAGS)

bench-options:
	go run ./bench/cmd/run -servers ours,node -scenarios options $(BENCHFLAGS)
